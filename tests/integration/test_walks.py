"""Safety walks on a real database: a walk of Upplands-Bro carrying out a planned safety walk of
an in-force promise, with three findings owned by the municipality and a housing company (test
data, registered here as a partner); one fixed, one overdue in its owner's inbox and in nobody
else's; read through GraphQL in pages; projected batch by batch as time travel says, and rebuilt
blue/green equal to the live documents, row by row."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import asyncpg

from events.directory.decider import RegisterPartner
from events.messages import Command, Forbidden, Principal
from events.promise.commands import PlanActivity
from events.walk import (
    CompleteFinding,
    FindingCommand,
    PlannedWalk,
    ReassignFinding,
    RecordFinding,
    RecordWalk,
    StartFinding,
    WalkParticipant,
)
from projections.documents import DocumentProjection
from projections.rebuild import rebuild
from projections.runner import apply_next_batch, checkpoint, serving_version
from service import database
from service.bootstrap import build_domain
from service.dispatcher import Dispatcher
from tests.conftest import Database
from tests.integration.in_process import execute
from tests.integration.test_activity_records import in_force_with_records
from tests.integration.test_projections_promises import (
    AT,
    EDITOR,
    LPO,
    POLICE_EDITOR,
    PROMISE_ID,
    UB,
    key,
    principal,
    sequence,
)

# Test data: the housing company, the walks, their findings and dates are made up here.
HOUSING = "org-test-bostadsbolaget"
HOUSING_EDITOR = principal(HOUSING, "editor")
OPERATOR = replace(principal("samverkan", "service"), platform_operator=True)
BRO_CENTRUM, STATION = "upplands-bro-bro-centrum", "upplands-bro-stationsomradet-i-bro"
MARCH = dt.date(2026, 3, 10)
WALK_KEY = "walk-ub-2026-03"

DOCUMENT_ROWS = """
SELECT key, doc, organisations, status, title, valid_from, valid_to, log_index, attention_from
FROM documents WHERE projection = 'walks' AND version = $1 ORDER BY key"""

WALK = """query($id: ID!) {
  walk(id: $id) {
    id municipalityId heldOn organiserId route findingCount fixedCount
    participants { organisationId group count }
    carriesOut { promiseId planId occurrenceId }
    findings { id placeId category ownerId dueOn status closedOn overdue formerOwnerIds reason }
  }
}"""

WALKS = """query($municipality: String, $first: Int, $after: String) {
  walks(municipalityId: $municipality, first: $first, after: $after) {
    walks { id heldOn }
    pageInfo { endCursor hasNextPage }
  }
}"""

INBOX = """query($on: Date) {
  inbox(on: $on) { promiseId action detail walkId findingId }
}"""


def finding(finding_id: str, place_id: str, category: str, owner: str, due: dt.date) -> Command:
    return RecordFinding(
        **key(),
        actor=EDITOR,
        walk_id="ub-2026-03",
        finding_id=finding_id,
        place_id=place_id,
        description=f"Brist {finding_id} (testdata)",
        category=category,
        owner_id=owner,
        due_on=due,
    )


def on_finding(
    kind: type[FindingCommand], actor: Principal, finding_id: str, **more: Any
) -> Command:
    return kind(**key(), actor=actor, walk_id="ub-2026-03", finding_id=finding_id, **more)


def commands() -> list[Command]:
    """The partner, the planned walks, two walks (one with three findings) and their moves."""
    return [
        RegisterPartner(
            **key(),
            actor=OPERATOR,
            org_id=HOUSING,
            name="Bostadsbolaget (testdata)",
            partner_kind="housing_company",
        ),
        PlanActivity(
            **key(),
            actor=POLICE_EDITOR,
            promise_id=PROMISE_ID,
            plan_id="vandringar",
            commitment_ids=("c1",),
            title="Trygghetsvandringar",
            dates=(MARCH, dt.date(2026, 9, 15)),
            kind="safety_walk",
        ),
        RecordWalk(
            **key(),
            actor=EDITOR,
            walk_id="ub-2026-03",
            municipality_id=UB,
            held_on=MARCH,
            organiser_id=UB,
            participants=(
                WalkParticipant(organisation_id=LPO),
                WalkParticipant(organisation_id=HOUSING, count=2),
                WalkParticipant(group="boende och verksamma", count=12),
            ),
            route=(BRO_CENTRUM, STATION),
            carries_out=PlannedWalk(
                promise_id=PROMISE_ID, plan_id="vandringar", occurrence_id="vandringar-1"
            ),
        ),
        finding("f1", BRO_CENTRUM, "lighting", UB, dt.date(2026, 4, 30)),
        finding("f2", STATION, "vegetation", HOUSING, dt.date(2026, 6, 30)),
        finding("f3", STATION, "vandalism", HOUSING, dt.date(2026, 12, 31)),
        on_finding(StartFinding, EDITOR, "f1"),
        on_finding(CompleteFinding, EDITOR, "f1"),
        on_finding(StartFinding, HOUSING_EDITOR, "f3"),
        on_finding(ReassignFinding, EDITOR, "f3", owner_id=UB, reason="Kommunens mark (testdata)"),
        RecordWalk(
            **key(),
            actor=POLICE_EDITOR,
            walk_id="ub-2026-09",
            municipality_id=UB,
            held_on=dt.date(2026, 9, 15),
            organiser_id=LPO,
            route=(BRO_CENTRUM,),
        ),
    ]


def walks() -> DocumentProjection[Any]:
    found = next(p for p in build_domain().projections if p.name == "walks")
    assert isinstance(found, DocumentProjection)
    return found


async def document_rows(conn: asyncpg.Connection, version: int) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await conn.fetch(DOCUMENT_ROWS, version)]


async def graphql(
    dispatcher: Dispatcher, query: str, principal: Principal | None, **variables: Any
) -> dict[str, Any]:
    return await execute(
        dispatcher,
        query,
        principal=principal,
        now=AT,
        projections=("walks",),
        variables=variables,
    )


async def walked(dispatcher: Dispatcher, app_url: str) -> None:
    """The promise in force, the walks recorded and the walks projected batch by batch, each
    stored document equal to time travel to the batch's checkpoint."""
    await in_force_with_records(dispatcher)
    for command in commands():
        await dispatcher.dispatch(command)
    head = await sequence(dispatcher.pool)
    projection = walks()
    conn = await database.connect(app_url)
    try:
        assert await serving_version(conn, "walks") == 1
        compared = 0
        while await apply_next_batch(conn, projection, 1, 1):  # one event a batch
            at = await checkpoint(conn, "walks", 1)
            for row in await document_rows(conn, 1):
                assert row[1] == await projection.as_of(conn, str(row[0]), at), (row[0], at)
                compared += 1
        # Nine walk events, each its own batch after which at least one walk was compared.
        assert compared >= len(commands()) - 2
        assert await checkpoint(conn, "walks", 1) == head - 1
    finally:
        await conn.close()


async def test_a_walk_with_three_findings_projects_as_time_travel_says_and_rebuilds_equal(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await walked(dispatcher, fresh_db.app_url)
    conn = await database.connect(fresh_db.app_url)
    try:
        live = await document_rows(conn, 1)
        assert [r[0] for r in live] == [WALK_KEY, "walk-ub-2026-09"]
        doc, organisations = live[0][1], live[0][2]
        assert isinstance(doc, dict) and doc["summary"] == {"findings": 3, "fixed": 1}
        assert organisations == [UB, LPO, HOUSING]
        assert "Kommunens mark" in str(doc["state"])
        assert "Kommunens mark" not in str(doc["public"])  # the public view has no reasons
        result = await rebuild(walks(), lambda: database.connect(fresh_db.app_url))
        assert await document_rows(conn, result.new_version) == live
    finally:
        await conn.close()


async def test_the_overdue_finding_is_in_its_owners_inbox_and_in_no_other(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await walked(dispatcher, fresh_db.app_url)

    async def overdue(actor: Principal, on: dt.date | None = None) -> list[dict[str, Any]]:
        on = on or AT.date()
        items = (await graphql(dispatcher, INBOX, actor, on=on.isoformat()))["inbox"]
        return [i for i in items if i["action"] == "finding_overdue"]

    [item] = await overdue(HOUSING_EDITOR)
    assert item == {
        "promiseId": PROMISE_ID,
        "action": "finding_overdue",
        "detail": "f2: Brist f2 (testdata), due 2026-06-30",
        "walkId": "ub-2026-03",
        "findingId": "f2",
    }
    assert await overdue(EDITOR) == []  # f1 is done, f3 is the municipality's but not yet due
    assert await overdue(POLICE_EDITOR) == []
    assert await overdue(HOUSING_EDITOR, dt.date(2026, 6, 30)) == []  # due that very day
    [late] = await overdue(EDITOR, dt.date(2027, 1, 1))
    assert late["findingId"] == "f3"


async def test_a_walk_is_read_by_anybody_with_reasons_only_for_the_organisations_concerned(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await walked(dispatcher, fresh_db.app_url)
    public = (await graphql(dispatcher, WALK, None, id="ub-2026-03"))["walk"]
    assert public["carriesOut"] == {
        "promiseId": PROMISE_ID,
        "planId": "vandringar",
        "occurrenceId": "vandringar-1",
    }
    assert (public["findingCount"], public["fixedCount"]) == (3, 1)
    assert public["participants"][2] == {
        "organisationId": None,
        "group": "boende och verksamma",
        "count": 12,
    }
    assert [
        (f["id"], f["ownerId"], f["status"], f["overdue"], f["formerOwnerIds"], f["reason"])
        for f in public["findings"]
    ] == [
        ("f1", UB, "done", False, [], None),
        ("f2", HOUSING, "assigned", True, [], None),
        ("f3", UB, "assigned", False, [HOUSING], None),
    ]
    for concerned in (EDITOR, HOUSING_EDITOR, principal(LPO, "viewer")):
        walk = (await graphql(dispatcher, WALK, concerned, id="ub-2026-03"))["walk"]
        assert walk["findings"][2]["reason"] == "Kommunens mark (testdata)"
    stranger = principal("org-arjeplog", "editor")
    walk = (await graphql(dispatcher, WALK, stranger, id="ub-2026-03"))["walk"]
    assert walk["findings"][2]["reason"] is None
    assert (await graphql(dispatcher, WALK, None, id="nope"))["walk"] is None


async def test_a_municipalitys_walks_come_in_pages_and_an_owner_of_nothing_is_refused(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await walked(dispatcher, fresh_db.app_url)
    first = (await graphql(dispatcher, WALKS, None, municipality=UB, first=1))["walks"]
    assert [w["id"] for w in first["walks"]] == ["ub-2026-03"]
    assert first["pageInfo"]["hasNextPage"]
    after = first["pageInfo"]["endCursor"]
    rest = (await graphql(dispatcher, WALKS, None, municipality=UB, first=1, after=after))["walks"]
    assert [w["id"] for w in rest["walks"]] == ["ub-2026-09"]
    assert not rest["pageInfo"]["hasNextPage"]
    other = (await graphql(dispatcher, WALKS, None, municipality="org-arjeplog"))["walks"]
    assert other["walks"] == []

    before = await dispatcher.pool.fetchval(
        "SELECT count(*) FROM events WHERE stream_id = $1", WALK_KEY
    )
    try:
        await dispatcher.dispatch(on_finding(CompleteFinding, EDITOR, "f2"))
    except Forbidden as refused:
        assert refused.code == "not_finding_owner"
    else:
        raise AssertionError("the municipality closed the housing company's finding")
    after_refusal = await dispatcher.pool.fetchval(
        "SELECT count(*) FROM events WHERE stream_id = $1", WALK_KEY
    )
    assert after_refusal == before
