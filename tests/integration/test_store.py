"""The event store against a real PostgreSQL: appends, conflicts, idempotency, reads."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import asyncpg
import pytest

from events.log import store
from events.log.sequencer import load_state, sequence_batch
from events.log.store import NO_STREAM, NewEvent, VersionConflict

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def new_event(kind: str = "Noted", **data: object) -> NewEvent:
    return NewEvent(event_id=uuid.uuid4(), type=kind, data=dict(data), occurred_at=NOW)


META = {"actor": {"issuer": "test", "subject": "s1", "organisation_id": "org-a"}}


async def count(pool: asyncpg.Pool, sql: str, *args: object) -> int:
    return int(await pool.fetchval(sql, *args))


async def test_an_append_creates_the_stream_and_reads_back_in_order(pool: asyncpg.Pool) -> None:
    stream = f"s-{uuid.uuid4()}"
    first = await store.append(
        pool,
        stream,
        NO_STREAM,
        [new_event(n=1), new_event(n=2)],
        command_id=uuid.uuid4(),
        metadata=META,
        organisations=["org-a"],
    )
    second = await store.append(
        pool, stream, 2, [new_event(n=3)], command_id=uuid.uuid4(), metadata=META
    )
    assert (first.version, second.version) == (2, 3)
    events = await store.read_stream(pool, stream)
    assert [e.data["n"] for e in events] == [1, 2, 3]
    assert [e.stream_version for e in events] == [1, 2, 3]
    assert events[0].metadata == META
    assert [e.data["n"] for e in await store.read_stream(pool, stream, up_to_version=2)] == [1, 2]


async def test_a_stale_expected_version_is_a_conflict_and_writes_nothing(
    pool: asyncpg.Pool,
) -> None:
    stream = f"s-{uuid.uuid4()}"
    await store.append(pool, stream, NO_STREAM, [new_event()], command_id=None, metadata=META)
    with pytest.raises(VersionConflict) as caught:
        await store.append(pool, stream, NO_STREAM, [new_event()], command_id=None, metadata=META)
    assert caught.value.actual == 1
    with pytest.raises(VersionConflict):
        await store.append(pool, stream, 5, [new_event()], command_id=None, metadata=META)
    assert await store.stream_version(pool, stream) == 1
    assert await count(pool, "SELECT count(*) FROM events WHERE stream_id = $1", stream) == 1


async def test_thirty_two_appenders_with_the_same_expected_version_have_exactly_one_winner(
    pool: asyncpg.Pool,
) -> None:
    stream = f"s-{uuid.uuid4()}"
    await store.append(pool, stream, NO_STREAM, [new_event()], command_id=None, metadata=META)
    ids = [uuid.uuid4() for _ in range(32)]

    async def attempt(command_id: uuid.UUID) -> str:
        try:
            await store.append(
                pool,
                stream,
                1,
                [new_event(by=str(command_id))],
                command_id=command_id,
                metadata=META,
            )
        except VersionConflict:
            return "conflict"
        return "won"

    outcomes = await asyncio.gather(*(attempt(i) for i in ids))
    assert outcomes.count("won") == 1
    assert outcomes.count("conflict") == 31
    rows = await pool.fetch(
        "SELECT e.stream_version, p.data FROM events e JOIN payloads p ON p.event_pk = e.id "
        "WHERE e.stream_id = $1 ORDER BY 1",
        stream,
    )
    assert [r[0] for r in rows] == [1, 2]
    winner = ids[outcomes.index("won")]
    assert rows[1][1]["by"] == str(winner)
    # The losers' command ids were rolled back with their appends: none is recorded.
    assert await count(pool, "SELECT count(*) FROM commands WHERE command_id = ANY($1)", ids) == 1


async def test_a_retried_command_id_appends_nothing_and_returns_the_first_result(
    pool: asyncpg.Pool,
) -> None:
    stream = f"s-{uuid.uuid4()}"
    command_id = uuid.uuid4()
    first = await store.append(
        pool, stream, NO_STREAM, [new_event(), new_event()], command_id=command_id, metadata=META
    )
    again = await store.append(
        pool, stream, NO_STREAM, [new_event(), new_event()], command_id=command_id, metadata=META
    )
    assert again.duplicate and not first.duplicate
    assert (again.version, again.event_ids) == (first.version, first.event_ids)
    assert await count(pool, "SELECT count(*) FROM events WHERE stream_id = $1", stream) == 2


async def test_concurrent_retries_of_one_command_append_once(pool: asyncpg.Pool) -> None:
    stream = f"s-{uuid.uuid4()}"
    command_id = uuid.uuid4()
    results = await asyncio.gather(
        *(
            store.append(
                pool, stream, NO_STREAM, [new_event()], command_id=command_id, metadata=META
            )
            for _ in range(8)
        )
    )
    assert {r.event_ids for r in results} == {results[0].event_ids}
    assert sum(not r.duplicate for r in results) == 1
    assert await count(pool, "SELECT count(*) FROM events WHERE stream_id = $1", stream) == 1


async def test_an_empty_append_is_refused(pool: asyncpg.Pool) -> None:
    with pytest.raises(ValueError, match="at least one event"):
        await store.append(pool, "s-empty", NO_STREAM, [], command_id=None, metadata=META)


async def test_read_log_and_read_stream_decode_data_and_metadata_as_the_jsonb_codec_does(
    pool: asyncpg.Pool,
) -> None:
    """The events carry the jsonb bytes and decode them on first use; what they give must be
    what the connection's jsonb codec gives for the same rows."""
    stream = f"s-{uuid.uuid4()}"
    data = {"text": "Trygghetsvandring längs stråket ✓", "place": {"lat": 55.5907}, "n": [1, None]}
    meta = {**META, "roles": ["editor"], "request_id": "r-ö"}
    await store.append(
        pool,
        stream,
        NO_STREAM,
        [new_event(**data), new_event(n=2)],
        command_id=uuid.uuid4(),
        metadata=meta,
    )
    async with pool.acquire() as conn:
        state = await load_state(conn)
        while await sequence_batch(conn, state, 100):
            pass
    by_codec = await pool.fetch(
        "SELECT p.data, e.metadata FROM events e JOIN payloads p ON p.event_pk = e.id"
        " WHERE e.stream_id = $1 ORDER BY e.stream_version",
        stream,
    )
    streamed = await store.read_stream(pool, stream)
    positions = await store.log_positions(pool, [e.event_id for e in streamed])
    first = min(i for i in positions if i is not None)
    logged = await store.read_log(pool, first - 1, 2)
    assert [e.event_id for e in logged] == [e.event_id for e in streamed]
    for events in (streamed, logged):
        assert [(e.data, e.metadata) for e in events] == [(r[0], r[1]) for r in by_codec]
        assert events[0].data == data and events[0].metadata == meta
    assert logged == streamed
