"""Plans, their occurrences and the follow-up rhythm in the promise read model: applied batch
by batch, every stored document equals time travel to that log index, and a blue/green rebuild
equals the live documents and activity rows, row by row."""

from __future__ import annotations

import datetime as dt

from events.promise.commands import (
    CancelOccurrence,
    MoveOccurrence,
    PerformOccurrence,
    PlanActivity,
    ScheduleFollowUp,
    VoidActivityRecord,
)
from events.promise.content import Recurrence
from projections.rebuild import rebuild
from projections.runner import apply_next_batch, checkpoint, serving_version
from service import database
from service.dispatcher import Dispatcher
from tests.conftest import Database
from tests.integration.test_activity_records import ROWS, in_force_with_records
from tests.integration.test_projections_promises import (
    AT,
    KEY,
    LPO,
    POLICE_EDITOR,
    PROMISE_ID,
    UB,
    document_rows,
    key,
    projection,
    sequence,
)


async def test_plans_and_rhythm_project_batch_by_batch_as_time_travel_and_rebuild_say(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await in_force_with_records(dispatcher)
    day = AT.date()
    plan = {"promise_id": PROMISE_ID, "plan_id": "vandring"}
    for command in (
        PlanActivity(
            **key(),
            actor=POLICE_EDITOR,
            **plan,
            commitment_ids=("c1",),
            title="Trygghetsvandringar",
            recurrence=Recurrence(
                every_weeks=1, starts_on=day - dt.timedelta(days=21), ends_on=day
            ),
        ),
        PerformOccurrence(
            **key(),
            actor=POLICE_EDITOR,
            **plan,
            occurrence_id="vandring-1",
            record_id="v1",
            occurred_on=day - dt.timedelta(days=21),
            performed_by=(LPO, UB),
            summary="Vandring med boende",
        ),
        PerformOccurrence(
            **key(),
            actor=POLICE_EDITOR,
            **plan,
            occurrence_id="vandring-2",
            record_id="v2",
            occurred_on=day - dt.timedelta(days=14),
            performed_by=(LPO,),
            summary="Vandring",
        ),
        MoveOccurrence(
            **key(),
            actor=POLICE_EDITOR,
            **plan,
            occurrence_id="vandring-3",
            starts_on=day - dt.timedelta(days=5),
            reason="Skolavslutning",
        ),
        CancelOccurrence(
            **key(), actor=POLICE_EDITOR, **plan, occurrence_id="vandring-4", reason="Storm"
        ),
        VoidActivityRecord(
            **key(), actor=POLICE_EDITOR, promise_id=PROMISE_ID, record_id="v2", reason="Fel"
        ),
        ScheduleFollowUp(
            **key(),
            actor=POLICE_EDITOR,
            promise_id=PROMISE_ID,
            due_id="halvar",
            kind="interim",
            covers_from=dt.date(2026, 1, 1),
            covers_to=dt.date(2026, 6, 30),
            due_on=dt.date(2026, 8, 31),
        ),
    ):
        await dispatcher.dispatch(command)
    head = await sequence(dispatcher.pool)
    promises = projection()
    conn = await database.connect(fresh_db.app_url)
    try:
        assert await serving_version(conn, "promises") == 1  # registers the first version
        while await apply_next_batch(conn, promises, 1, 3):
            at = await checkpoint(conn, "promises", 1)
            rows = {str(r[0]): r[1] for r in await document_rows(conn, 1)}
            if KEY in rows:
                assert rows[KEY] == await promises.as_of(conn, KEY, at), at
        assert await checkpoint(conn, "promises", 1) == head - 1
        live = await document_rows(conn, 1)
        [doc] = [d for k, d, *_ in live if k == KEY]
        [stored_plan] = doc["state"]["plans"]
        assert [
            (o["record_id"], o["moved"], o["cancelled"]) for o in stored_plan["occurrences"]
        ] == [
            ("v1", False, False),
            (None, False, False),  # its record was voided
            (None, True, False),
            (None, False, True),
        ]
        [c1] = [p for p in doc["progress"] if p["commitment_id"] == "c1"]
        assert (c1["planned"], c1["planned_performed"]) == (3, 1)
        assert [d["due_id"] for d in doc["state"]["follow_up_schedule"]] == ["halvar"]
        live_rows = [tuple(r) for r in await conn.fetch(ROWS, 1, KEY)]

        result = await rebuild(projection(), lambda: database.connect(fresh_db.app_url))
        assert await document_rows(conn, result.new_version) == live
        assert [tuple(r) for r in await conn.fetch(ROWS, result.new_version, KEY)] == live_rows
    finally:
        await conn.close()
