"""A police area's and a police region's consolidated view on the demo directory: LPO Piteå
Älvdal's four municipalities with their promises and progress, read by a member of the police
area (every state) and by an anonymous caller (only what was published), through the reader's
one query and the `promises` list's visibility rule."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from typing import Any

from events.directory.decider import EndPoliceAreaLink, GrantSigningMandate, RegisterPerson
from events.messages import Command, Principal
from events.promise.commands import (
    AddCommitment,
    AddFocusArea,
    DraftPromise,
    ProposePromise,
    PublishPromise,
    RecordActivity,
    ScheduleFollowUp,
    SignPromise,
)
from events.promise.content import Commitment, FocusArea, Period, PromiseDetails, Target
from projections.runner import Runner
from service import database
from service.bootstrap import build_domain
from service.demo.history import DemoHistory
from service.demo.load import load_demo
from service.dispatcher import Dispatcher
from tests.conftest import Database
from tests.integration.in_process import execute
from tests.integration.test_projections_promises import sequence

AT = dt.datetime(2026, 6, 15, 10, tzinfo=dt.UTC)
LPO = "org-lpo-pitea-alvdal"
PITEA, ALVSBYN, ARVIDSJAUR, ARJEPLOG = "org-pitea", "org-alvsbyn", "org-arvidsjaur", "org-arjeplog"
DEMO_PROMISE = "arjeplog-pitea-alvdal-2023-2024"
PUBLISHED, DRAFT = "pitea-2026", "alvsbyn-2026-utkast"
_ids = itertools.count()

AREA = """query($id: ID!, $on: Date) {
  policeAreaOverview(policeAreaId: $id, on: $on) {
    __typename
    ... on PoliceAreaOverview {
      policeAreaId name on truncated
      counts { promises inForce commitmentsMet commitmentsPartly commitmentsNotMet }
      municipalities {
        municipalityId name
        counts { promises inForce commitmentsMet commitmentsPartly commitmentsNotMet }
        promises(first: 5) { id status publicOnly progress { commitmentId achieved status } }
      }
    }
    ... on NotFound { code message }
  }
}"""

REGION = """query($id: ID!) {
  policeRegionOverview(policeRegionId: $id) {
    __typename
    ... on PoliceRegionOverview {
      policeRegionId name truncated
      counts { promises inForce commitmentsMet commitmentsPartly commitmentsNotMet }
      policeAreas {
        policeAreaId name
        counts { promises inForce commitmentsMet commitmentsPartly commitmentsNotMet }
        municipalities { municipalityId counts { promises } }
      }
    }
    ... on NotFound { code message }
  }
}"""


def principal(org: str, role: str, person: str | None = None) -> Principal:
    return Principal(
        issuer="test",
        subject=f"{org}-{role}",
        organisation_id=org,
        roles=frozenset({role}),
        person_id=person,
    )


def key() -> dict[str, Any]:
    return {"command_id": f"overview-test-{next(_ids)}", "at": AT}


SIGNERS = {
    PITEA: principal(PITEA, "signatory", "p-pitea"),
    LPO: principal(LPO, "signatory", "p-lpo"),
}
EDITOR = principal(PITEA, "editor")


def counts(promises: int, in_force: int, met: int, partly: int, not_met: int) -> dict[str, int]:
    return {
        "promises": promises,
        "inForce": in_force,
        "commitmentsMet": met,
        "commitmentsPartly": partly,
        "commitmentsNotMet": not_met,
    }


async def project(dispatcher: Dispatcher, app_url: str) -> None:
    """Sequence what was appended; bring the promises and directory projections to its end."""
    await sequence(dispatcher.pool)
    for projection in build_domain().projections:
        if projection.name in ("promises", "directory"):
            runner = Runner(projection=projection, connect=lambda: database.connect(app_url))
            await runner.run(asyncio.Event(), until_caught_up=True)


async def piteå_promises(dispatcher: Dispatcher) -> None:
    """Piteå and the police area sign and publish a 2026 promise of three commitments (one
    met, one partly met, one not met); Älvsbyn's promise with the police area stays a draft."""
    commands: list[Command] = []
    for org, signer in SIGNERS.items():
        admin = principal(org, "org_admin")
        person = signer.person_id
        assert person is not None
        commands += [
            RegisterPerson(**key(), actor=admin, person_id=person, name=person),
            GrantSigningMandate(
                **key(), actor=admin, mandate_id=f"m-{person}", person_id=person, org_id=org
            ),
        ]
    period = Period(valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 12, 31), label="2026")
    commands += [
        DraftPromise(
            **key(),
            actor=EDITOR,
            promise_id=PUBLISHED,
            parties=(PITEA, LPO),
            details=PromiseDetails(title="Trygghet i Piteå centrum", period=period),
        ),
        AddFocusArea(
            **key(),
            actor=EDITOR,
            promise_id=PUBLISHED,
            focus_area=FocusArea(focus_area_id="fa1", title="Piteå centrum"),
        ),
    ]
    for commitment_id, quantity in (("c1", 2), ("c2", 4), ("c3", 3)):
        commitment = Commitment(
            commitment_id=commitment_id,
            text=f"Gemensamma insatser {commitment_id}",
            focus_area_id="fa1",
            responsible_ids=(PITEA, LPO),
            target=Target(comparator=">=", quantity=quantity, unit="insats"),
        )
        commands.append(
            AddCommitment(**key(), actor=EDITOR, promise_id=PUBLISHED, commitment=commitment)
        )
    commands.append(ProposePromise(**key(), actor=EDITOR, promise_id=PUBLISHED))
    for command in commands:
        await dispatcher.dispatch(command)
    await sequence(dispatcher.pool)
    async with dispatcher.pool.acquire() as conn:
        head = await sequence(dispatcher.pool)
        doc = await build_domain().promises.as_of(conn, f"promise-{PUBLISHED}", head - 1)
    assert doc is not None
    working = doc["state"]["working"]
    for party, signer in SIGNERS.items():
        await dispatcher.dispatch(
            SignPromise(
                **key(),
                actor=signer,
                promise_id=PUBLISHED,
                revision_no=working["revision_no"],
                content_hash=working["content_hash"],
                party_id=party,
            )
        )
    publisher = principal(PITEA, "publisher")
    await dispatcher.dispatch(
        PublishPromise(**key(), actor=publisher, promise_id=PUBLISHED, channel="webb")
    )
    police = principal(LPO, "editor")
    for record_id, commitment_id in (("r1", "c1"), ("r2", "c1"), ("r3", "c2")):
        await dispatcher.dispatch(
            RecordActivity(
                **key(),
                actor=police,
                promise_id=PUBLISHED,
                record_id=record_id,
                commitment_id=commitment_id,
                occurred_on=dt.date(2026, 3, 1),
                performed_by=(LPO, PITEA),
                summary="Gemensam insats i centrum",
            )
        )
    await dispatcher.dispatch(
        DraftPromise(
            **key(),
            actor=principal(ALVSBYN, "editor"),
            promise_id=DRAFT,
            parties=(ALVSBYN, LPO),
            details=PromiseDetails(title="Trygghet i Älvsbyn", period=period),
        )
    )


async def graphql(
    dispatcher: Dispatcher,
    query: str,
    principal: Principal | None = None,
    language: str = "en",
    **variables: Any,
) -> dict[str, Any]:
    return await execute(
        dispatcher,
        query,
        principal=principal,
        now=AT,
        projections=("promises", "directory"),
        language=language,
        variables=variables,
    )


def promises_of(overview: dict[str, Any]) -> dict[str, list[tuple[str, str, bool]]]:
    return {
        m["municipalityId"]: [(p["id"], p["status"], p["publicOnly"]) for p in m["promises"]]
        for m in overview["municipalities"]
    }


PROGRESS = [
    {"commitmentId": "c1", "achieved": 2, "status": "met"},
    {"commitmentId": "c2", "achieved": 1, "status": "partly"},
    {"commitmentId": "c3", "achieved": 0, "status": "not_met"},
]


async def test_lpo_pitea_alvdal_sees_its_four_municipalities_with_every_promise_and_progress(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await load_demo(dispatcher, at=AT)
    await piteå_promises(dispatcher)
    await project(dispatcher, fresh_db.app_url)

    member = principal(LPO, "viewer")
    overview = (await graphql(dispatcher, AREA, member, id=LPO))["policeAreaOverview"]
    assert overview["__typename"] == "PoliceAreaOverview"
    assert (overview["policeAreaId"], overview["name"], overview["on"]) == (
        LPO,
        "Lokalpolisområde Piteå Älvdal",
        "2026-06-15",
    )
    assert [(m["municipalityId"], m["name"]) for m in overview["municipalities"]] == [
        (PITEA, "Piteå kommun"),
        (ALVSBYN, "Älvsbyns kommun"),
        (ARVIDSJAUR, "Arvidsjaurs kommun"),
        (ARJEPLOG, "Arjeplogs kommun"),
    ]
    demo_status = promises_of(overview)[ARJEPLOG][0][1]
    assert promises_of(overview) == {
        PITEA: [(PUBLISHED, "in_force", False)],
        ALVSBYN: [(DRAFT, "draft", False)],
        ARVIDSJAUR: [],
        ARJEPLOG: [(DEMO_PROMISE, demo_status, False)],
    }
    pitea = overview["municipalities"][0]
    assert pitea["promises"][0]["progress"] == PROGRESS
    assert pitea["counts"] == counts(1, 1, 1, 1, 1)
    assert overview["municipalities"][1]["counts"] == counts(1, 0, 0, 0, 0)
    assert overview["municipalities"][2]["counts"] == counts(0, 0, 0, 0, 0)
    demo_in_force = int(demo_status == "in_force")
    assert overview["counts"] == counts(3, 1 + demo_in_force, 1, 1, 1)
    assert overview["truncated"] is False

    # `on` is the day the directory links are read for; the demo links have no end.
    earlier = await graphql(dispatcher, AREA, member, id=LPO, on="2019-01-01")
    assert earlier["policeAreaOverview"]["on"] == "2019-01-01"
    assert len(earlier["policeAreaOverview"]["municipalities"]) == 4


async def test_an_anonymous_caller_sees_only_the_published_promises_in_the_same_overview(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await load_demo(dispatcher, at=AT)
    await piteå_promises(dispatcher)
    await project(dispatcher, fresh_db.app_url)

    overview = (await graphql(dispatcher, AREA, None, id=LPO))["policeAreaOverview"]
    assert [m["municipalityId"] for m in overview["municipalities"]] == [
        PITEA,
        ALVSBYN,
        ARVIDSJAUR,
        ARJEPLOG,
    ]
    demo_status = promises_of(overview)[ARJEPLOG][0][1]
    assert promises_of(overview) == {
        PITEA: [(PUBLISHED, "in_force", True)],
        ALVSBYN: [],
        ARVIDSJAUR: [],
        ARJEPLOG: [(DEMO_PROMISE, demo_status, True)],
    }
    assert overview["municipalities"][0]["promises"][0]["progress"] == PROGRESS
    assert overview["municipalities"][1]["counts"] == counts(0, 0, 0, 0, 0)
    assert overview["counts"]["promises"] == 2

    # A member of another party (Arjeplog) sees its own promise as a member, the police
    # area's others as everybody does: the `promises` list's rule, not a second one.
    arjeplog = principal(ARJEPLOG, "viewer")
    seen = (await graphql(dispatcher, AREA, arjeplog, id=LPO))["policeAreaOverview"]
    assert promises_of(seen) == {
        PITEA: [(PUBLISHED, "in_force", True)],
        ALVSBYN: [],
        ARVIDSJAUR: [],
        ARJEPLOG: [(DEMO_PROMISE, demo_status, False)],
    }


async def test_a_police_region_overview_sums_its_police_areas_municipality_by_municipality(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await load_demo(dispatcher, at=AT)
    await piteå_promises(dispatcher)
    await project(dispatcher, fresh_db.app_url)

    member = principal(LPO, "viewer")
    region = (await graphql(dispatcher, REGION, member, id="org-polisregion-nord"))[
        "policeRegionOverview"
    ]
    assert region["__typename"] == "PoliceRegionOverview"
    assert region["name"] == "Polisregion Nord"
    assert [a["policeAreaId"] for a in region["policeAreas"]] == [LPO]
    area = region["policeAreas"][0]
    assert [(m["municipalityId"], m["counts"]["promises"]) for m in area["municipalities"]] == [
        (PITEA, 1),
        (ALVSBYN, 1),
        (ARVIDSJAUR, 0),
        (ARJEPLOG, 1),
    ]
    alone = (await graphql(dispatcher, AREA, member, id=LPO))["policeAreaOverview"]
    assert area["counts"] == region["counts"] == alone["counts"]

    anonymous = (await graphql(dispatcher, REGION, None, id="org-polisregion-nord"))[
        "policeRegionOverview"
    ]
    assert anonymous["counts"]["promises"] == 2

    # Stockholm's region: LPO Järfälla serves Upplands-Bro and Järfälla.
    stockholm = (await graphql(dispatcher, REGION, None, id="org-polisregion-stockholm"))[
        "policeRegionOverview"
    ]
    assert [
        (a["policeAreaId"], [m["municipalityId"] for m in a["municipalities"]])
        for a in stockholm["policeAreas"]
    ] == [("org-lpo-jarfalla", ["org-upplands-bro", "org-jarfalla"])]


async def test_an_id_that_is_no_police_area_or_region_is_not_found_in_the_callers_language(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await load_demo(dispatcher, at=AT)
    await project(dispatcher, fresh_db.app_url)

    for unknown in ("org-nowhere", PITEA, "org-polisregion-nord"):
        found = (await graphql(dispatcher, AREA, None, id=unknown))["policeAreaOverview"]
        assert found == {
            "__typename": "NotFound",
            "code": "organisation_not_found",
            "message": f"No police area {unknown}.",
        }
    swedish = await graphql(dispatcher, AREA, None, language="sv", id="org-nowhere")
    assert (
        swedish["policeAreaOverview"]["message"] == "Det finns inget lokalpolisområde org-nowhere."
    )
    for unknown in ("org-nowhere", LPO):
        found = (await graphql(dispatcher, REGION, None, id=unknown))["policeRegionOverview"]
        assert found == {
            "__typename": "NotFound",
            "code": "organisation_not_found",
            "message": f"No police region {unknown}.",
        }


async def test_on_reads_the_links_of_that_day_and_first_shortens_a_municipalitys_promises(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await load_demo(dispatcher, at=AT)
    await piteå_promises(dispatcher)
    operator = DemoHistory(AT).operator()
    await dispatcher.dispatch(
        EndPoliceAreaLink(
            **key(),
            actor=operator,
            link_id=f"link-{LPO}-{ARJEPLOG}",
            ended_on=dt.date(2026, 6, 30),
        )
    )
    await project(dispatcher, fresh_db.app_url)

    member = principal(LPO, "viewer")
    before = await graphql(dispatcher, AREA, member, id=LPO, on="2026-06-30")
    after = await graphql(dispatcher, AREA, member, id=LPO, on="2026-07-01")
    assert [m["municipalityId"] for m in before["policeAreaOverview"]["municipalities"]] == [
        PITEA,
        ALVSBYN,
        ARVIDSJAUR,
        ARJEPLOG,
    ]
    assert [m["municipalityId"] for m in after["policeAreaOverview"]["municipalities"]] == [
        PITEA,
        ALVSBYN,
        ARVIDSJAUR,
    ]
    assert after["policeAreaOverview"]["counts"]["promises"] == 2

    shortened = await graphql(
        dispatcher,
        """query($id: ID!) { policeAreaOverview(policeAreaId: $id) {
          ... on PoliceAreaOverview {
            municipalities { counts { promises } promises(first: 0) { id } }
          }
        } }""",
        member,
        id=LPO,
    )
    # first below 1 gives 1, as every `first` does.
    pitea = shortened["policeAreaOverview"]["municipalities"][0]
    assert (pitea["counts"]["promises"], pitea["promises"]) == (1, [{"id": PUBLISHED}])


PACE_AND_DUE = """query($id: ID!, $on: Date) {
  policeAreaOverview(policeAreaId: $id, on: $on) {
    ... on PoliceAreaOverview {
      municipalities { municipalityId
        counts { commitmentsBehind commitmentsAtRisk followUpsOverdue }
        promises { id progress { commitmentId pace(on: $on) { status } } } } } } }"""


async def test_the_overview_counts_pace_and_overdue_follow_ups_on_its_day(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await load_demo(dispatcher, at=AT)
    await piteå_promises(dispatcher)
    await dispatcher.dispatch(
        ScheduleFollowUp(
            **key(),
            actor=EDITOR,
            promise_id=PUBLISHED,
            due_id="halvar-1",
            kind="interim",
            covers_from=dt.date(2026, 1, 1),
            covers_to=dt.date(2026, 6, 30),
            due_on=dt.date(2026, 7, 31),
        )
    )
    await project(dispatcher, fresh_db.app_url)

    async def pitea(caller: Principal | None, on: str) -> dict[str, Any]:
        found = await graphql(dispatcher, PACE_AND_DUE, caller, id=LPO, on=on)
        [municipality] = [
            m for m in found["policeAreaOverview"]["municipalities"] if m["municipalityId"] == PITEA
        ]
        return municipality

    member = principal(LPO, "viewer")
    # 1 August: 213 of 365 days begun; c1 (2, done 2) on track, c2 (4, done 1: 2 due) behind,
    # c3 (3, done 0: 1 due) at risk; the half-year follow-up due 31 July is overdue.
    august = await pitea(member, "2026-08-01")
    paces = [c["pace"]["status"] for c in august["promises"][0]["progress"]]
    assert paces == ["on_track", "behind", "at_risk"]
    assert august["counts"] == {
        "commitmentsBehind": 1,
        "commitmentsAtRisk": 1,
        "followUpsOverdue": 1,
    }
    july = await pitea(member, "2026-07-01")
    assert july["counts"]["followUpsOverdue"] == 0
    # Citizens see the same pace of the published promise, and no follow-up plan.
    anonymous = await pitea(None, "2026-08-01")
    assert anonymous["counts"] == {
        "commitmentsBehind": 1,
        "commitmentsAtRisk": 1,
        "followUpsOverdue": 0,
    }
