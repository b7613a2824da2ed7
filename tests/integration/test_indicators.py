"""Surveys and indicators on a real database: Arjeplog's trygghetsenkät with per-place results
feeds an indicator that the Arjeplog–Piteå Älvdal promise links to; its follow-up shows the
baseline, the latest value and the trend through GraphQL, to anybody once both are published.

Every survey number below is made-up TEST DATA: the seed texts name a trygghetsenkät as
Arjeplog's input but give no numbers, and none of these are in the demo.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import asyncpg

from events.directory.decider import GrantSigningMandate
from events.indicator import (
    DefineIndicator,
    LinkIndicator,
    RecordIndicatorValue,
    SetIndicatorBaseline,
    ValueSource,
)
from events.log.sequencer import load_state, sequence_batch
from events.messages import Command, Forbidden, Principal
from events.place import RegisterMunicipalPlace
from events.promise.commands import ApproveFollowUp, DraftFollowUp, PublishFollowUp
from events.survey import RecordSurvey, SurveyResult
from projections.runner import Runner
from service import database
from service.bootstrap import build_domain
from service.demo.load import load_demo
from service.dispatcher import Dispatcher
from tests.conftest import Database
from tests.integration.in_process import execute

AT = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
ARJEPLOG, LPO, UB = "org-arjeplog", "org-lpo-pitea-alvdal", "org-upplands-bro"
PROMISE_ID = "arjeplog-pitea-alvdal-2023-2024"
PROJECTIONS = ("promises", "agreements", "places", "surveys", "indicators")
QUESTION = "Känner du dig otrygg i centrum när det är mörkt?"


def person(org: str, role: str, person_id: str | None = None) -> Principal:
    return Principal(
        issuer="test",
        subject=person_id or f"{org}-{role}",
        organisation_id=org,
        roles=frozenset({role}),
        person_id=person_id,
    )


EDITOR = person(ARJEPLOG, "editor")


def key() -> dict[str, Any]:
    return {"command_id": str(uuid.uuid4()), "at": AT}


def survey(survey_id: str, year: int, asked: int, respondents: int, centrum: str) -> RecordSurvey:
    """TEST DATA: a made-up trygghetsenkät of Arjeplog with a result at its centrum."""
    return RecordSurvey(
        **key(),
        actor=EDITOR,
        survey_id=survey_id,
        municipality_id=ARJEPLOG,
        kind="trygghetsenkat",
        title=f"Trygghetsenkät {year} (testdata)",
        conducted_from=dt.date(year, 9, 1),
        conducted_to=dt.date(year, 10, 31),
        method="Enkät till ett slumpat urval (testdata)",
        asked=asked,
        respondents=respondents,
        results=(
            SurveyResult(question_id="otrygg-morker", question=QUESTION, share="24.0"),
            SurveyResult(
                question_id="otrygg-morker",
                question=QUESTION,
                place_id="test-arjeplog-centrum",
                share=centrum,
                answered=respondents - 10,
            ),
        ),
    )


def scenario() -> list[Command]:
    """TEST DATA throughout: a place, two surveys, an indicator fed by them, its link to the
    published promise, signing mandates, and a follow-up of 2023 approved by both parties and
    published."""
    from_2022 = ValueSource(
        survey_id="test-enkat-2022", question_id="otrygg-morker", place_id="test-arjeplog-centrum"
    )
    return [
        RegisterMunicipalPlace(
            **key(),
            actor=EDITOR,
            place_id="test-arjeplog-centrum",
            municipality_id=ARJEPLOG,
            name="Centrum (testdata)",
            kind="centrum",
        ),
        survey("test-enkat-2022", 2022, 800, 352, "41.5"),
        survey("test-enkat-2023", 2023, 800, 371, "36.0"),
        DefineIndicator(
            **key(),
            actor=EDITOR,
            indicator_id="test-otrygga-centrum",
            municipality_id=ARJEPLOG,
            name="Andel som känner sig otrygga i centrum när det är mörkt (testdata)",
            unit="percent",
            direction="decrease",
            tolerance="1",
            periodicity="year",
            first_period="2023",
            last_period="2024",
        ),
        SetIndicatorBaseline(
            **key(),
            actor=EDITOR,
            indicator_id="test-otrygga-centrum",
            period="2022",
            source=from_2022,
        ),
        RecordIndicatorValue(
            **key(),
            actor=person(LPO, "editor"),
            indicator_id="test-otrygga-centrum",
            period="2023",
            source=ValueSource(
                survey_id="test-enkat-2023",
                question_id="otrygg-morker",
                place_id="test-arjeplog-centrum",
            ),
        ),
        LinkIndicator(
            **key(), actor=EDITOR, indicator_id="test-otrygga-centrum", promise_id=PROMISE_ID
        ),
        DefineIndicator(
            **key(),
            actor=EDITOR,
            indicator_id="test-unlinked",
            municipality_id=ARJEPLOG,
            name="En indikator utan löfte (testdata)",
            unit="count",
            periodicity="year",
            first_period="2023",
            last_period="2024",
        ),
        *(
            GrantSigningMandate(
                **key(),
                actor=person(org, "org_admin"),
                mandate_id=f"test-mandate-{signatory}",
                person_id=signatory,
                org_id=org,
            )
            for org, signatory in ((ARJEPLOG, "person-isak-utsi"), (LPO, "person-andreas-nyberg"))
        ),
        DraftFollowUp(
            **key(),
            actor=EDITOR,
            promise_id=PROMISE_ID,
            report_id="test-uppfoljning-2023",
            kind="interim",
            covers_from=dt.date(2023, 1, 1),
            covers_to=dt.date(2023, 12, 31),
        ),
        ApproveFollowUp(
            **key(),
            actor=person(ARJEPLOG, "signatory", "person-isak-utsi"),
            promise_id=PROMISE_ID,
            report_id="test-uppfoljning-2023",
        ),
        ApproveFollowUp(
            **key(),
            actor=person(LPO, "signatory", "person-andreas-nyberg"),
            promise_id=PROMISE_ID,
            report_id="test-uppfoljning-2023",
        ),
        PublishFollowUp(
            **key(),
            actor=person(ARJEPLOG, "publisher", "person-martin-stramo"),
            promise_id=PROMISE_ID,
            report_id="test-uppfoljning-2023",
            channel="Arjeplogs kommuns webbplats (testdata)",
        ),
    ]


async def project(dispatcher: Dispatcher, app_url: str) -> None:
    """Sequence what was appended and bring the projections read here up to the log's end."""
    async with dispatcher.pool.acquire() as conn:
        state = await load_state(conn)
        while await sequence_batch(conn, state, 500):
            pass
    for projection in build_domain().projections:
        if projection.name in PROJECTIONS:
            runner = Runner(projection=projection, connect=lambda: database.connect(app_url))
            await runner.run(asyncio.Event(), until_caught_up=True)


async def graphql(
    dispatcher: Dispatcher, query: str, principal: Principal | None = None, **variables: Any
) -> dict[str, Any]:
    return await execute(
        dispatcher,
        query,
        principal=principal,
        now=AT,
        projections=PROJECTIONS,
        variables=variables,
    )


TREND = (
    "indicatorId name unit direction asOf trend baseline { period value } latest { period value }"
)
PROMISE = """query($id: ID!, $on: Date) { promise(id: $id) {
  publicOnly
  indicators(on: $on) { TREND }
  followUpIndicators { reportId coversTo published indicators { TREND } }
} }""".replace("TREND", TREND)
SURVEY = """query($id: ID!) { survey(id: $id) {
  id kind asked respondents results { questionId placeId share answered }
} }"""
INDICATOR = """query($id: ID!) { indicator(id: $id) {
  id unit periodicity baseline { period value source { surveyId questionId placeId } }
  values { period periodEndsOn value } links { kind id } trend(on: "2024-01-01") { trend }
} }"""
INDICATORS = """query($municipality: String) { indicators(municipalityId: $municipality) {
  indicators { id } pageInfo { hasNextPage }
} }"""


async def stream_version(pool: asyncpg.Pool, stream_id: str) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", stream_id))


async def test_a_surveys_place_result_feeds_an_indicator_its_follow_up_shows_with_the_trend(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await load_demo(dispatcher, at=AT)
    for command in scenario():
        await dispatcher.dispatch(command)
    await project(dispatcher, fresh_db.app_url)

    improved = {
        "indicatorId": "test-otrygga-centrum",
        "name": "Andel som känner sig otrygga i centrum när det är mörkt (testdata)",
        "unit": "percent",
        "direction": "decrease",
        "asOf": "2023-12-31",
        "trend": "better",
        "baseline": {"period": "2022", "value": "41.5"},
        "latest": {"period": "2023", "value": "36.0"},
    }
    anonymous = (await graphql(dispatcher, PROMISE, id=PROMISE_ID, on="2023-12-30"))["promise"]
    assert anonymous["publicOnly"] is True
    assert anonymous["indicators"] == [
        {**improved, "asOf": "2023-12-30", "trend": "not_assessable", "latest": None}
    ]
    assert anonymous["followUpIndicators"] == [
        {
            "reportId": "test-uppfoljning-2023",
            "coversTo": "2023-12-31",
            "published": True,
            "indicators": [improved],
        }
    ]
    member = (await graphql(dispatcher, PROMISE, EDITOR, id=PROMISE_ID, on="2026-03-02"))["promise"]
    assert member["publicOnly"] is False
    assert member["indicators"] == [{**improved, "asOf": "2026-03-02"}]


async def test_surveys_are_read_by_their_parties_and_indicators_once_a_published_promise_links_them(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await load_demo(dispatcher, at=AT)
    for command in scenario():
        await dispatcher.dispatch(command)
    await project(dispatcher, fresh_db.app_url)

    seen = (await graphql(dispatcher, SURVEY, EDITOR, id="test-enkat-2022"))["survey"]
    assert seen == {
        "id": "test-enkat-2022",
        "kind": "trygghetsenkat",
        "asked": 800,
        "respondents": 352,
        "results": [
            {"questionId": "otrygg-morker", "placeId": None, "share": "24.0", "answered": None},
            {
                "questionId": "otrygg-morker",
                "placeId": "test-arjeplog-centrum",
                "share": "41.5",
                "answered": 342,
            },
        ],
    }
    assert (await graphql(dispatcher, SURVEY, id="test-enkat-2022"))["survey"] is None
    assert (await graphql(dispatcher, SURVEY, person(UB, "editor"), id="test-enkat-2022"))[
        "survey"
    ] is None

    public = (await graphql(dispatcher, INDICATOR, id="test-otrygga-centrum"))["indicator"]
    assert public == {
        "id": "test-otrygga-centrum",
        "unit": "percent",
        "periodicity": "year",
        "baseline": {
            "period": "2022",
            "value": "41.5",
            "source": {
                "surveyId": "test-enkat-2022",
                "questionId": "otrygg-morker",
                "placeId": "test-arjeplog-centrum",
            },
        },
        "values": [{"period": "2023", "periodEndsOn": "2023-12-31", "value": "36.0"}],
        "links": [{"kind": "promise", "id": PROMISE_ID}],
        "trend": {"trend": "better"},
    }
    assert (await graphql(dispatcher, INDICATOR, id="test-unlinked"))["indicator"] is None
    listed = await graphql(dispatcher, INDICATORS, EDITOR, municipality=ARJEPLOG)
    assert [i["id"] for i in listed["indicators"]["indicators"]] == [
        "test-otrygga-centrum",
        "test-unlinked",
    ]
    anonymous = await graphql(dispatcher, INDICATORS, municipality=ARJEPLOG)
    assert [i["id"] for i in anonymous["indicators"]["indicators"]] == ["test-otrygga-centrum"]


async def test_an_editor_of_no_party_cannot_link_the_promise_and_the_indicator_stays_as_it_was(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await load_demo(dispatcher, at=AT)
    for command in scenario():
        await dispatcher.dispatch(command)
    before = await stream_version(dispatcher.pool, "indicator-test-unlinked")
    outsider = person(UB, "editor")
    try:
        await dispatcher.dispatch(
            LinkIndicator(
                **key(), actor=outsider, indicator_id="test-unlinked", promise_id=PROMISE_ID
            )
        )
    except Forbidden as refusal:
        assert refusal.code == "not_a_party"
    else:
        raise AssertionError("an editor of no party linked the promise")
    assert await stream_version(dispatcher.pool, "indicator-test-unlinked") == before


AGREEMENT = """query($id: ID!) { agreement(id: $id) {
  publicOnly indicators(on: "2026-03-02") { indicatorId trend baseline { value } latest { value } }
} }"""


async def test_an_agreement_shows_the_indicators_it_links_to_its_parties_members(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await load_demo(dispatcher, at=AT)
    ub = person(UB, "editor")
    for command in (
        DefineIndicator(
            **key(),
            actor=ub,
            indicator_id="test-ub-otrygga",
            municipality_id=UB,
            name="Andel otrygga i Bro centrum (testdata)",
            unit="percent",
            direction="decrease",
            periodicity="year",
            first_period="2025",
            last_period="2026",
        ),
        SetIndicatorBaseline(
            **key(),
            actor=ub,
            indicator_id="test-ub-otrygga",
            period="2024",
            value="30",
            source=ValueSource(stated="Trygghetsmätning 2024 (testdata)"),
        ),
        RecordIndicatorValue(
            **key(),
            actor=ub,
            indicator_id="test-ub-otrygga",
            period="2025",
            value="33.5",
            source=ValueSource(stated="Trygghetsmätning 2025 (testdata)"),
        ),
        LinkIndicator(
            **key(),
            actor=ub,
            indicator_id="test-ub-otrygga",
            agreement_id="upplands-bro-jarfalla-sok",
        ),
    ):
        await dispatcher.dispatch(command)
    await project(dispatcher, fresh_db.app_url)

    member = (await graphql(dispatcher, AGREEMENT, ub, id="upplands-bro-jarfalla-sok"))["agreement"]
    assert member == {
        "publicOnly": False,
        "indicators": [
            {
                "indicatorId": "test-ub-otrygga",
                "trend": "worse",
                "baseline": {"value": "30"},
                "latest": {"value": "33.5"},
            }
        ],
    }
    anonymous = (await graphql(dispatcher, AGREEMENT, id="upplands-bro-jarfalla-sok"))["agreement"]
    assert anonymous == {"publicOnly": True, "indicators": []}
    assert (await graphql(dispatcher, INDICATOR, id="test-ub-otrygga"))["indicator"] is None
