"""A promise's activity records live in rows of their own beside its document: recorded,
corrected and voided one batch at a time, the rows and the document together equal a fold of
the log; the stored document never holds a record; a rebuild writes the same rows; and
migration 0009 moves the records of documents written before it into rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.promise.commands import CorrectActivityRecord, RecordActivity, VoidActivityRecord
from events.promise.state import ActivityRecord
from projections import activities
from projections.rebuild import rebuild
from projections.runner import apply_next_batch, checkpoint, serving_version
from service import database
from service.bootstrap import build_domain
from service.demo.load import load_demo
from service.dispatcher import Dispatcher
from tests.conftest import Database, create_database, drop_database
from tests.integration.test_command_scope_migration import migrations_before
from tests.integration.test_projections_promises import (
    AT,
    KEY,
    LPO,
    POLICE_EDITOR,
    PROMISE_ID,
    UB,
    document_rows,
    key,
    lifecycle,
    projection,
    sequence,
    setup_commands,
)

ROWS = """
SELECT position, record_id, quantity, summary, voided FROM activity_records
WHERE projection = 'promises' AND version = $1 AND key = $2 ORDER BY position"""


def record(record_id: str, day: int, quantity: int = 1) -> RecordActivity:
    return RecordActivity(
        **key(),
        actor=POLICE_EDITOR,
        promise_id=PROMISE_ID,
        record_id=record_id,
        commitment_id="c1",
        occurred_on=dt.date(2026, 3, day),
        performed_by=(LPO, UB),
        summary=f"Insats {record_id}",
        quantity=quantity,
    )


async def in_force_with_records(dispatcher: Dispatcher) -> int:
    """The lifecycle's promise up to its first record, then more records, a correction and a
    void, each its own event; the log size."""
    await load_demo(dispatcher, at=AT)
    for command in setup_commands():
        await dispatcher.dispatch(command)
    for step in lifecycle()[:11]:  # drafted, signed twice, published, its first record (r1)
        head = await sequence(dispatcher.pool)
        async with dispatcher.pool.acquire() as conn:
            doc = await projection().as_of(conn, KEY, head - 1) if head else None
        await dispatcher.dispatch(step((doc or {}).get("state", {})))
    assert type(step({})).__name__ == "RecordActivity"
    for command in (
        record("r2", 2),
        record("r3", 3, quantity=2),
        CorrectActivityRecord(
            **key(),
            actor=POLICE_EDITOR,
            promise_id=PROMISE_ID,
            record_id="r2",
            occurred_on=dt.date(2026, 3, 4),
            performed_by=(LPO,),
            summary="Insats r2, rättad",
            reason="Fel datum",
            quantity=3,
        ),
        VoidActivityRecord(
            **key(), actor=POLICE_EDITOR, promise_id=PROMISE_ID, record_id="r1", reason="Dubblett"
        ),
        record("r4", 5),
    ):
        await dispatcher.dispatch(command)
    return await sequence(dispatcher.pool)


async def test_records_corrected_and_voided_batch_by_batch_keep_rows_and_document_equal_to_a_fold(
    fresh_db: Database, dispatcher: Dispatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = await in_force_with_records(dispatcher)
    promises = projection()
    conn = await database.connect(fresh_db.app_url)
    try:
        assert await serving_version(conn, "promises") == 1
        seen_records = 0
        while await apply_next_batch(conn, promises, 1, 1):
            at = await checkpoint(conn, "promises", 1)
            rows = {str(r[0]): r[1] for r in await document_rows(conn, 1)}
            if KEY not in rows:
                continue
            assert rows[KEY] == await promises.as_of(conn, KEY, at), at
            stored = await conn.fetchval(
                "SELECT doc::text FROM documents WHERE projection = 'promises' AND key = $1", KEY
            )
            assert '"activities"' not in stored and '"r1"' not in stored
            seen_records = max(seen_records, len(rows[KEY]["state"]["activities"]))
        assert await checkpoint(conn, "promises", 1) == head - 1
        assert seen_records == 4
        assert [tuple(r) for r in await conn.fetch(ROWS, 1, KEY)] == [
            (1, "r1", 1, "Trygghetsvandring", True),
            (2, "r2", 3, "Insats r2, rättad", False),
            (3, "r3", 2, "Insats r3", False),
            (4, "r4", 1, "Insats r4", False),
        ]
        live = await document_rows(conn, 1)
        [progress] = [p for k, d, *_ in live if k == KEY for p in d["progress"]]
        assert (progress["achieved"], progress["records"]) == (6, 3)
        live_rows = [tuple(r) for r in await conn.fetch(ROWS, 1, KEY)]

        # The rebuild writes its new rows by COPY (as it does from COPY_AT_LEAST rows on).
        monkeypatch.setattr(activities, "COPY_AT_LEAST", 1)
        result = await rebuild(projection(), lambda: database.connect(fresh_db.app_url))
        assert result.new_version == 2
        assert await document_rows(conn, 2) == live
        assert [tuple(r) for r in await conn.fetch(ROWS, 2, KEY)] == live_rows
        left = await conn.fetchval("SELECT count(*) FROM activity_records WHERE version = 1")
        assert left == 0, "the replaced version's rows are dropped with its documents"
    finally:
        await conn.close()


async def test_migration_0009_moves_the_records_of_earlier_documents_into_rows(
    server_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The records are written by today's dispatcher into the schema before 0009: one that
    # keeps no states appends as that schema's append_events takes it (without the read
    # versions of migration 0016).
    monkeypatch.setenv("SAMVERKAN_STATE_CACHE", "0")
    created = await create_database(server_url, migrate=False)
    try:
        await database.migrate(created.admin_url, migrations_before(9, tmp_path / "before"))
        pool = await database.create_pool(created.app_url, min_size=1, max_size=4)
        try:
            dispatcher = build_domain().dispatcher(pool)
            head = await in_force_with_records(dispatcher)
            async with pool.acquire() as conn:
                whole = await projection().as_of(conn, KEY, head - 1)
                assert whole is not None and len(whole["state"]["activities"]) == 4
                await _store_as_before_0009(conn, whole, head - 1)
        finally:
            await pool.close()

        await database.migrate(created.admin_url)

        conn = await database.connect(created.app_url)
        try:
            [doc] = [r[1] for r in await document_rows(conn, 1) if r[0] == KEY]
            assert doc == whole
            stored = await conn.fetchval(
                "SELECT doc::text FROM documents WHERE projection = 'promises' AND key = $1", KEY
            )
            assert '"activities"' not in stored
            assert [r[1] for r in await conn.fetch(ROWS, 1, KEY)] == ["r1", "r2", "r3", "r4"]
        finally:
            await conn.close()
    finally:
        await drop_database(server_url, created.name)


async def _store_as_before_0009(conn: asyncpg.Connection, whole: dict[str, Any], at: int) -> None:
    """The promise's document as the projection wrote it before 0009: records inside it."""
    await conn.execute(
        "INSERT INTO projection_state (projection, version, status, checkpoint) "
        "VALUES ('promises', 1, 'serving', $1)",
        at,
    )
    await conn.execute(
        "INSERT INTO documents (projection, version, key, doc, organisations, log_index) "
        "VALUES ('promises', 1, $1, $2, $3, $4)",
        KEY,
        whole,
        [UB, LPO],
        at,
    )


IDS = st.lists(st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True), max_size=3)
RECORDS = st.lists(
    st.builds(
        ActivityRecord,
        record_id=st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True),
        commitment_id=st.sampled_from(["c1", "c2"]),
        revision_no=st.integers(1, 5),
        occurred_on=st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
        place_ids=IDS.map(tuple),
        performed_by=IDS.map(tuple),
        quantity=st.integers(0, 2**40),
        summary=st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00")),
        voided=st.booleans(),
        also_counts_for=IDS.map(tuple),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=25, deadline=None)
@given(records=RECORDS)
async def test_rows_copied_in_bulk_equal_the_same_rows_upserted(
    db: Database, records: list[ActivityRecord]
) -> None:
    """A rebuild's many new rows go in by COPY through a table of their own (the id lists
    joined), a runner's few by an upsert: any text and any lists read back the same both ways."""
    store = activities.ActivityRecords()
    changes: list[activities.Change] = [("promise-a", (), tuple(records))]
    conn = await database.connect(db.app_url)
    try:
        await conn.execute("DELETE FROM activity_records")
        by_upsert = activities.COPY_AT_LEAST
        try:
            activities.COPY_AT_LEAST = 10**9
            await store.write(conn, "promises", 1, changes)
            activities.COPY_AT_LEAST = 1
            await store.write(conn, "promises", 2, changes)
        finally:
            activities.COPY_AT_LEAST = by_upsert
        upserted = await store.load(conn, "promises", 1, ["promise-a"])
        copied = await store.load(conn, "promises", 2, ["promise-a"])
        assert copied == upserted == {"promise-a": tuple(records)}
        left = await conn.fetchval("SELECT to_regclass('activity_records_incoming')::text")
        assert left is None, "the table the rows were copied to goes with the write"
    finally:
        await conn.close()
