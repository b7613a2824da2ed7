"""append_events as redefined in migrations 0008 and 0016, against a real PostgreSQL.

One-event appends take their own path through the function; an append refused for its version
keeps nothing, not even its command id; the cluster identifier is read once per session and
kept in a session setting; the stream's organisations are rebuilt only when an append brings a
new one. Each must store exactly what the set-based path stored. An append conditional on the
versions other streams were read at writes only if none has moved.
"""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.log import store
from events.log.store import ANY, NO_STREAM, NewEvent, ReadStreamsMoved, VersionConflict
from service import database
from tests.conftest import Database

NOW = dt.datetime(2026, 12, 4, 2, 0, tzinfo=dt.UTC)
META = {"actor": {"issuer": "test", "subject": "s1", "organisation_id": "org-a"}}

EVENT_ROWS = """
SELECT e.stream_version, e.type, e.schema_version, e.metadata, e.occurred_at, e.cluster_id,
       e.cluster_id = cluster_id() AS own_cluster, e.tx_id IS NOT NULL, p.data
FROM events e JOIN payloads p ON p.event_pk = e.id
WHERE e.stream_id = $1 ORDER BY e.id"""


def new_event(n: int, *, kind: str = "Noted", schema_version: int = 1) -> NewEvent:
    return NewEvent(
        event_id=uuid.uuid4(),
        type=kind,
        data={"n": n},
        occurred_at=NOW + dt.timedelta(minutes=n),
        schema_version=schema_version,
    )


async def test_one_event_and_several_event_appends_store_the_same_rows(
    pool: asyncpg.Pool,
) -> None:
    one, many = f"one-{uuid.uuid4()}", f"many-{uuid.uuid4()}"
    events = [new_event(n, kind=f"K{n}", schema_version=n) for n in range(1, 4)]
    await store.append(pool, many, NO_STREAM, events, command_id=uuid.uuid4(), metadata=META)
    for version, event in enumerate(events):
        same = NewEvent(
            event_id=uuid.uuid4(),
            type=event.type,
            data=event.data,
            occurred_at=event.occurred_at,
            schema_version=event.schema_version,
        )
        result = await store.append(
            pool, one, version, [same], command_id=uuid.uuid4(), metadata=META
        )
        assert result.version == version + 1 and not result.duplicate
    rows_one = [tuple(r) for r in await pool.fetch(EVENT_ROWS, one)]
    rows_many = [tuple(r) for r in await pool.fetch(EVENT_ROWS, many)]
    assert rows_one == rows_many
    assert [r[0] for r in rows_one] == [1, 2, 3]
    assert all(r[6] for r in rows_one)  # tagged with this cluster's identifier
    read = await store.read_stream(pool, one)
    assert [(e.type, e.data, e.schema_version) for e in read] == [
        (e.type, e.data, e.schema_version) for e in events
    ]


@pytest.mark.parametrize("stale", [NO_STREAM, 2], ids=["stream-exists", "stream-moved"])
async def test_a_one_event_append_refused_for_its_version_keeps_no_command_row_so_the_id_appends_later(  # noqa: E501
    pool: asyncpg.Pool, stale: int
) -> None:
    stream = f"s-{uuid.uuid4()}"
    for version in range(3):
        await store.append(
            pool, stream, version, [new_event(version)], command_id=uuid.uuid4(), metadata=META
        )
    command_id = uuid.uuid4()
    with pytest.raises(VersionConflict) as refused:
        await store.append(
            pool, stream, stale, [new_event(9)], command_id=command_id, metadata=META
        )
    assert refused.value.actual == 3
    assert (
        await pool.fetchval("SELECT count(*) FROM commands WHERE command_id = $1", command_id) == 0
    )
    assert await store.stream_version(pool, stream) == 3
    assert len(await store.read_stream(pool, stream)) == 3
    result = await store.append(
        pool, stream, 3, [new_event(9)], command_id=command_id, metadata=META
    )
    assert (result.version, result.duplicate) == (4, False)
    again = await store.append(
        pool, stream, 3, [new_event(9)], command_id=command_id, metadata=META
    )
    assert (again.version, again.duplicate, again.event_ids) == (4, True, result.event_ids)


async def test_the_cluster_identifier_is_right_after_a_reset_and_after_a_rollback(
    db: Database,
) -> None:
    conn = await database.connect(db.app_url)
    try:
        stream = f"s-{uuid.uuid4()}"
        await store.append(conn, stream, NO_STREAM, [new_event(1)], command_id=None, metadata=META)
        cached = await conn.fetchval("SELECT current_setting('samverkan.cluster_id', true)")
        assert cached == str(await conn.fetchval("SELECT cluster_id()"))
        await conn.execute("RESET ALL")  # what a pool does when a connection goes back
        await store.append(conn, stream, 1, [new_event(2)], command_id=None, metadata=META)
        # A conflict rolls back the call that set the cache on a fresh session.
        other = await database.connect(db.app_url)
        try:
            with pytest.raises(VersionConflict):
                await store.append(other, stream, 0, [new_event(9)], command_id=None, metadata=META)
            assert not await other.fetchval("SELECT current_setting('samverkan.cluster_id', true)")
            await store.append(
                other, stream, 2, [new_event(3), new_event(4)], command_id=None, metadata=META
            )
        finally:
            await other.close()
        rows = await conn.fetch(EVENT_ROWS, stream)
        assert [r[0] for r in rows] == [1, 2, 3, 4]
        assert all(r[6] for r in rows)
    finally:
        await conn.close()


async def test_a_streams_organisations_stay_a_set_of_every_organisation_that_appended(
    pool: asyncpg.Pool,
) -> None:
    stream = f"s-{uuid.uuid4()}"

    async def append(expected: int | None, organisations: list[str]) -> None:
        await store.append(
            pool,
            stream,
            expected,
            [new_event(1)],
            command_id=None,
            metadata=META,
            organisations=organisations,
        )

    await append(NO_STREAM, ["org-a"])
    await append(1, ["org-a"])
    await append(2, [])
    await append(3, ["org-b", "org-a"])
    await append(ANY, ["org-c"])
    await append(ANY, ["org-b"])
    held = await pool.fetchval("SELECT organisations FROM streams WHERE stream_id = $1", stream)
    assert sorted(held) == ["org-a", "org-b", "org-c"]
    assert await store.stream_version(pool, stream) == 6


async def test_a_retried_one_event_command_returns_the_first_result_from_the_out_parameters(
    pool: asyncpg.Pool,
) -> None:
    stream = f"s-{uuid.uuid4()}"
    command_id = uuid.uuid4()
    record = store.CommandRecord(
        organisation_id="org-a", command_type="Note", fingerprint=b"\x01" * 32
    )
    first = await store.append(
        pool,
        stream,
        NO_STREAM,
        [new_event(1)],
        command_id=command_id,
        metadata=META,
        command=record,
    )
    again = await store.append(
        pool,
        stream,
        NO_STREAM,
        [new_event(1)],
        command_id=command_id,
        metadata=META,
        command=record,
    )
    assert (first.version, first.duplicate) == (1, False)
    assert (again.version, again.event_ids, again.duplicate) == (1, first.event_ids, True)
    assert await pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", stream) == 1


@settings(max_examples=30, deadline=None)
@given(
    heads=st.lists(st.integers(0, 3), min_size=1, max_size=3),
    offsets=st.lists(st.integers(-2, 2), min_size=3, max_size=3),
)
async def test_an_append_on_read_versions_writes_only_if_no_read_stream_moved(
    db: Database, heads: list[int], offsets: list[int]
) -> None:
    """Streams at drawn versions (0: none yet), each read at its version plus a drawn offset:
    the append writes its event and its command iff every offset is 0; else it raises
    ReadStreamsMoved and writes nothing. A repeated command id still gets its first result."""
    conn = await database.connect(db.app_url)
    try:
        read: dict[str, int] = {}
        for n, head in enumerate(heads):
            stream = f"read-{uuid.uuid4()}"
            if head:
                events = [new_event(k) for k in range(head)]
                await store.append(conn, stream, NO_STREAM, events, command_id=None, metadata=META)
            read[stream] = head + offsets[n]
        target, command_id = f"s-{uuid.uuid4()}", uuid.uuid4()
        record = store.CommandRecord(organisation_id="org-a", command_type="Note", fingerprint=None)

        async def append() -> store.AppendResult:
            return await store.append(
                conn,
                target,
                NO_STREAM,
                [new_event(1)],
                command_id=command_id,
                metadata=META,
                command=record,
                read_versions=read,
            )

        written = """SELECT (SELECT count(*) FROM events WHERE stream_id = $1),
                            (SELECT count(*) FROM commands WHERE command_id = $2)"""
        if all(offsets[n] == 0 for n in range(len(heads))):
            first = await append()
            assert (first.version, first.duplicate) == (1, False)
            assert tuple(await conn.fetchrow(written, target, command_id)) == (1, 1)
            # A read stream moves: the retry is still answered by the first result.
            await store.append(
                conn, next(iter(read)), ANY, [new_event(9)], command_id=None, metadata=META
            )
            again = await append()
            assert (again.version, again.event_ids, again.duplicate) == (1, first.event_ids, True)
        else:
            with pytest.raises(ReadStreamsMoved) as moved:
                await append()
            assert set(moved.value.stream_ids) == set(read)
            assert tuple(await conn.fetchrow(written, target, command_id)) == (0, 0)
    finally:
        await conn.close()
