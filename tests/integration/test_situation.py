"""Lägesbild and åtgärdsplan on a real database: the chain a municipality's work rests on under
Lag (2023:196) — a lägesbild adopted by a decision, an åtgärdsplan on that version, the
agreement and a promise implementing the plan — dispatched, projected and read through GraphQL
from both ends and in `history`; drafts only for the owners' members; a revision after
adoption is a new version beside the adopted one; time travel and a blue/green rebuild of both
read models equal the live documents, row by row."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import asyncpg
import pytest

from events.indicator import DefineIndicator
from events.log.sequencer import load_state, sequence_batch
from events.log.store import log_size
from events.messages import Command, NotFound, Principal
from events.situation import (
    ActionPlanContent,
    AdoptActionPlan,
    AdoptSituationPicture,
    Basis,
    CompileSituationPicture,
    Decision,
    DraftActionPlan,
    Measure,
    ReviseSituationPicture,
    SituationPictureContent,
    SituationProblem,
)
from projections.documents import DocumentProjection
from projections.rebuild import rebuild
from projections.runner import Runner, apply_next_batch, checkpoint, serving_version
from service import database
from service.bootstrap import build_domain
from service.demo.load import load_demo
from service.dispatcher import Dispatcher
from tests.conftest import Database
from tests.integration.in_process import execute

AT = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
UB, LPO, ARJEPLOG = "org-upplands-bro", "org-lpo-jarfalla", "org-arjeplog"
AGREEMENT_ID = "upplands-bro-jarfalla-sok"  # the demo's agreement of Upplands-Bro and LPO Järfälla
PROMISE_ID = "upplands-bro-2018"  # the demo's promise of the same parties
BRO_CENTRUM = "upplands-bro-bro-centrum"  # a shared place the demo registers
PROJECTIONS = ("history", "promises", "agreements", "situation_pictures", "action_plans")

# Test data: the texts, dates and diarienummer below are made up for the tests.
PICTURE = SituationPictureContent(
    covers_from=dt.date(2025, 1, 1),
    covers_to=dt.date(2025, 12, 31),
    compiled_on=dt.date(2026, 1, 20),
    summary="Otryggheten är störst i Bro centrum kvällstid.",
    problems=(
        SituationProblem(
            problem_id="centrum", text="Otrygghet i Bro centrum", place_ids=(BRO_CENTRUM,)
        ),
    ),
    inputs=(Basis(kind="survey", summary="Trygghetsenkät 2025 (testdata)"),),
    indicator_ids=("ub-otrygga-bro-centrum",),
)
KS = Decision(decided_by="kommunstyrelsen", decided_on=dt.date(2026, 2, 3), diarienummer="KS 26/11")
STYRGRUPP = Decision(
    decided_by="styrgruppen", decided_on=dt.date(2026, 2, 24), diarienummer="KS 26/19"
)
PLAN = ActionPlanContent(
    title="Åtgärdsplan för ett tryggare Bro 2026",
    situation_picture_id="ub-2025",
    situation_picture_version=1,
    measures=(
        Measure(
            measure_id="belysning",
            text="Se över belysningen i Bro centrum",
            responsible_ids=(UB,),
            place_ids=(BRO_CENTRUM,),
            indicator_ids=("ub-otrygga-bro-centrum",),
        ),
        Measure(measure_id="narvaro", text="Synlig polis kvällstid", responsible_ids=(LPO,)),
    ),
    agreement_id=AGREEMENT_ID,
    promise_ids=(PROMISE_ID,),
)


def editor(org: str) -> Principal:
    return Principal(
        issuer="test", subject=f"{org}-editor", organisation_id=org, roles=frozenset({"editor"})
    )


def key() -> dict[str, Any]:
    return {"command_id": str(uuid.uuid4()), "at": AT}


def chain() -> list[Command]:
    """The lägesbild compiled and adopted, the joint åtgärdsplan drafted on it and adopted (the
    police area records the styrgrupp's decision), a second plan left a draft, and the
    lägesbild revised after adoption."""
    ub = editor(UB)
    return [
        DefineIndicator(
            **key(),
            actor=ub,
            indicator_id="ub-otrygga-bro-centrum",
            municipality_id=UB,
            name="Andel som känner sig otrygga i Bro centrum (testdata)",
            unit="percent",
            direction="decrease",
            periodicity="year",
            first_period="2025",
            last_period="2027",
        ),
        CompileSituationPicture(
            **key(), actor=ub, situation_picture_id="ub-2025", municipality_id=UB, content=PICTURE
        ),
        AdoptSituationPicture(
            **key(), actor=ub, situation_picture_id="ub-2025", version=1, decision=KS
        ),
        DraftActionPlan(
            **key(),
            actor=ub,
            action_plan_id="ub-2026",
            municipality_id=UB,
            police_area_id=LPO,
            content=PLAN,
        ),
        AdoptActionPlan(
            **key(), actor=editor(LPO), action_plan_id="ub-2026", version=1, decision=STYRGRUPP
        ),
        DraftActionPlan(
            **key(),
            actor=editor(LPO),
            action_plan_id="ub-2027",
            municipality_id=UB,
            police_area_id=LPO,
            content=ActionPlanContent(
                title="Utkast 2027",
                situation_picture_id="ub-2025",
                situation_picture_version=1,
                measures=(),
            ),
        ),
        ReviseSituationPicture(
            **key(),
            actor=ub,
            situation_picture_id="ub-2025",
            content=SituationPictureContent(
                covers_from=dt.date(2026, 1, 1),
                covers_to=dt.date(2026, 12, 31),
                compiled_on=dt.date(2026, 3, 1),
                summary="Ny kartläggning pågår.",
            ),
        ),
    ]


async def sequence(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        state = await load_state(conn)
        while await sequence_batch(conn, state, 500):
            pass
        return await log_size(conn)


async def project(dispatcher: Dispatcher, app_url: str) -> None:
    """Sequence what was appended and bring the projections GraphQL reads to the log's end."""
    await sequence(dispatcher.pool)
    for projection in build_domain().projections:
        if projection.name in PROJECTIONS:
            runner = Runner(projection=projection, connect=lambda: database.connect(app_url))
            await runner.run(asyncio.Event(), until_caught_up=True)


async def graphql(
    dispatcher: Dispatcher, query: str, principal: Principal | None = None, **variables: Any
) -> dict[str, Any]:
    return await execute(
        dispatcher, query, principal=principal, now=AT, projections=PROJECTIONS, variables=variables
    )


DECISION_FIELDS = "decidedBy decidedOn diarienummer"
PLAN_QUERY = f"""query($id: ID!) {{
  actionPlan(id: $id) {{
    id municipalityId policeAreaId status publicOnly
    adopted {{ version }}
    versions {{
      version title situationPictureId situationPictureVersion agreementId promiseIds
      measures {{ measureId text responsibleIds placeIds indicatorIds }}
      adopted {{ {DECISION_FIELDS} }}
      situationPicture {{ id adopted {{ version summary adopted {{ diarienummer }} }} }}
    }}
  }}
}}"""
PICTURE_QUERY = f"""query($id: ID!) {{
  situationPicture(id: $id) {{
    id municipalityId status publicOnly
    versions {{
      version coversFrom coversTo compiledOn summary indicatorIds
      problems {{ problemId text placeIds }}
      inputs {{ kind summary }}
      adopted {{ {DECISION_FIELDS} }}
    }}
  }}
}}"""
REVERSE = """query($agreement: ID!, $promise: ID!) {
  agreement(id: $agreement) { actionPlans { id adopted { version agreementId } } }
  promise(id: $promise) { actionPlans { id adopted { version promiseIds } } }
}"""
PLANS = """query($municipality: String, $first: Int, $after: String) {
  actionPlans(municipalityId: $municipality, first: $first, after: $after) {
    actionPlans { id status }
    pageInfo { endCursor hasNextPage }
  }
}"""
PICTURES = """query($municipality: String) {
  situationPictures(municipalityId: $municipality) { situationPictures { id status } }
}"""
HISTORY = """query($stream: String!) {
  history(streamId: $stream) { ... on HistoryPage { entries { type organisationId } } }
}"""


async def test_the_chain_from_lagesbild_to_promise_is_visible_through_graphql_and_history(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await load_demo(dispatcher, at=AT)
    for command in chain():
        await dispatcher.dispatch(command)
    await project(dispatcher, fresh_db.app_url)

    # From the plan: the adopted version names its lägesbild version, agreement and promise.
    plan = (await graphql(dispatcher, PLAN_QUERY, id="ub-2026"))["actionPlan"]
    assert plan["status"] == "adopted" and plan["publicOnly"] is True
    [version] = plan["versions"]
    assert version["adopted"] == {
        "decidedBy": "styrgruppen",
        "decidedOn": "2026-02-24",
        "diarienummer": "KS 26/19",
    }
    assert (version["situationPictureId"], version["situationPictureVersion"]) == ("ub-2025", 1)
    assert (version["agreementId"], version["promiseIds"]) == (AGREEMENT_ID, [PROMISE_ID])
    assert version["measures"][0] == {
        "measureId": "belysning",
        "text": "Se över belysningen i Bro centrum",
        "responsibleIds": [UB],
        "placeIds": [BRO_CENTRUM],
        "indicatorIds": ["ub-otrygga-bro-centrum"],
    }
    assert version["situationPicture"] == {
        "id": "ub-2025",
        "adopted": {
            "version": 1,
            "summary": PICTURE.summary,
            "adopted": {"diarienummer": "KS 26/11"},
        },
    }

    # From the other end: the agreement and the promise name the adopted plan (members of a
    # party read the agreement; the reverse lookup lists adopted plans only, not the draft).
    reverse = await graphql(
        dispatcher, REVERSE, editor(UB), agreement=AGREEMENT_ID, promise=PROMISE_ID
    )
    assert reverse["agreement"]["actionPlans"] == [
        {"id": "ub-2026", "adopted": {"version": 1, "agreementId": AGREEMENT_ID}}
    ]
    assert reverse["promise"]["actionPlans"] == [
        {"id": "ub-2026", "adopted": {"version": 1, "promiseIds": [PROMISE_ID]}}
    ]

    # The revision after adoption is version 2 beside the adopted version 1; anybody reads
    # the adopted one, the municipality's members both.
    public = (await graphql(dispatcher, PICTURE_QUERY, id="ub-2025"))["situationPicture"]
    assert [(v["version"], v["adopted"]["diarienummer"]) for v in public["versions"]] == [
        (1, "KS 26/11")
    ]
    assert public["versions"][0]["problems"] == [
        {"problemId": "centrum", "text": "Otrygghet i Bro centrum", "placeIds": [BRO_CENTRUM]}
    ]
    assert public["versions"][0]["inputs"] == [
        {"kind": "survey", "summary": "Trygghetsenkät 2025 (testdata)"}
    ]
    member = (await graphql(dispatcher, PICTURE_QUERY, editor(UB), id="ub-2025"))[
        "situationPicture"
    ]
    assert (member["status"], member["publicOnly"]) == ("revising", False)
    assert [(v["version"], v["adopted"] is not None) for v in member["versions"]] == [
        (1, True),
        (2, False),
    ]

    # The draft plan: its owners' members read it, nobody else (not even that it exists).
    assert (await graphql(dispatcher, PLAN_QUERY, id="ub-2027"))["actionPlan"] is None
    assert (await graphql(dispatcher, PLAN_QUERY, editor(ARJEPLOG), id="ub-2027"))[
        "actionPlan"
    ] is None
    draft = (await graphql(dispatcher, PLAN_QUERY, editor(LPO), id="ub-2027"))["actionPlan"]
    assert (draft["status"], draft["policeAreaId"], draft["adopted"]) == ("draft", LPO, None)
    anonymous = await graphql(dispatcher, PLANS, municipality=UB)
    assert anonymous["actionPlans"]["actionPlans"] == [{"id": "ub-2026", "status": "adopted"}]
    seen: list[str] = []
    after: str | None = None
    while True:
        page = (await graphql(dispatcher, PLANS, editor(UB), first=1, after=after))["actionPlans"]
        seen += [p["id"] for p in page["actionPlans"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["ub-2026", "ub-2027"]
    assert (await graphql(dispatcher, PICTURES, municipality=ARJEPLOG))["situationPictures"][
        "situationPictures"
    ] == []

    # In history: who compiled, adopted, drafted and adopted, in order.
    picture_history = await graphql(
        dispatcher, HISTORY, editor(UB), stream="situation-picture-ub-2025"
    )
    assert [(e["type"], e["organisationId"]) for e in picture_history["history"]["entries"]] == [
        ("SituationPictureCompiled", UB),
        ("SituationPictureAdopted", UB),
        ("SituationPictureRevised", UB),
    ]
    plan_history = await graphql(dispatcher, HISTORY, editor(LPO), stream="action-plan-ub-2026")
    assert [(e["type"], e["organisationId"]) for e in plan_history["history"]["entries"]] == [
        ("ActionPlanDrafted", UB),
        ("ActionPlanAdopted", LPO),
    ]


async def test_a_refused_adoption_leaves_the_stream_as_it_was(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await load_demo(dispatcher, at=AT)
    indicator, compile_, _adopt, *_ = chain()
    await dispatcher.dispatch(indicator)
    await dispatcher.dispatch(compile_)
    before = await dispatcher.pool.fetchval(
        "SELECT count(*) FROM events WHERE stream_id = 'situation-picture-ub-2025'"
    )
    with pytest.raises(NotFound) as refused:
        await dispatcher.dispatch(
            AdoptSituationPicture(
                **key(),
                actor=editor(ARJEPLOG),
                situation_picture_id="ub-2025",
                version=1,
                decision=KS,
            )
        )
    assert refused.value.code == "situation_picture_not_found"
    after = await dispatcher.pool.fetchval(
        "SELECT count(*) FROM events WHERE stream_id = 'situation-picture-ub-2025'"
    )
    assert (before, after) == (1, 1)


DOCUMENT_ROWS = """
SELECT key, doc, organisations, status, title, valid_from, valid_to, log_index, attention_from
FROM documents WHERE projection = $1 AND version = $2 ORDER BY key"""


async def test_both_read_models_equal_time_travel_batch_by_batch_and_a_rebuild_row_by_row(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await load_demo(dispatcher, at=AT)
    for command in chain():
        await dispatcher.dispatch(command)
    head = await sequence(dispatcher.pool)
    domain = build_domain()
    folds: list[DocumentProjection[Any]] = [
        p
        for p in domain.projections
        if isinstance(p, DocumentProjection) and p.name in ("situation_pictures", "action_plans")
    ]
    assert [p.name for p in folds] == ["situation_pictures", "action_plans"]
    conn = await database.connect(fresh_db.app_url)
    try:
        for projection in folds:
            name = projection.name
            assert await serving_version(conn, name) == 1
            checked = 0
            while await apply_next_batch(conn, projection, 1, 2):
                at = await checkpoint(conn, name, 1)
                for row in await conn.fetch(DOCUMENT_ROWS, name, 1):
                    assert row["doc"] == await projection.as_of(conn, row["key"], at), (name, at)
                    checked += 1
            assert checked > 0
            assert await checkpoint(conn, name, 1) == head - 1
            live = [tuple(r) for r in await conn.fetch(DOCUMENT_ROWS, name, 1)]
            assert [r[0] for r in live] == {
                "situation_pictures": ["situation-picture-ub-2025"],
                "action_plans": ["action-plan-ub-2026", "action-plan-ub-2027"],
            }[name]

            result = await rebuild(projection, lambda: database.connect(fresh_db.app_url))
            rebuilt = [tuple(r) for r in await conn.fetch(DOCUMENT_ROWS, name, result.new_version)]
            assert rebuilt == live
    finally:
        await conn.close()
