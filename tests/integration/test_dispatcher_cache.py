"""The dispatcher's state cache and the snapshots against a real PostgreSQL.

The log is the authority: a cached state or a snapshot is only a shortcut to a fold of the same
events, so every state the dispatcher keeps must equal a fold of the stream up to its version,
whoever else appended, and no state or snapshot may outlive an erasure of its stream.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg
import orjson
import pytest

from events.codec import to_plain
from events.directory.decider import RevokeSigningMandate
from events.erasure import ERASED_TEXT, redact
from events.log import store
from events.log.store import VersionConflict
from events.messages import Forbidden
from events.promise.commands import RecordActivity, SignPromise
from events.promise.decider import PROMISE
from events.promise.state import PromiseState
from projections import snapshots
from service import database
from service.admin.erasure import record_erasure
from service.bootstrap import build_domain
from service.demo.load import load_demo
from service.dispatcher import READ_STREAMS, Dispatcher
from tests.conftest import Database
from tests.integration.test_activity_records import in_force_with_records
from tests.integration.test_indicators import scenario as indicator_scenario
from tests.integration.test_projections_promises import (
    AT,
    KEY,
    LPO,
    POLICE_EDITOR,
    PROMISE_ID,
    SIGNERS,
    key,
    lifecycle,
    principal,
    sequence,
    setup_commands,
)
from tests.integration.test_situation import chain as situation_chain
from tests.integration.test_walks import commands as walk_commands

NAME = "Greta Exempelsdotter"
"""A person named in one activity report: erasure must take the name out of every state."""

IN_FORCE_AND_PUBLISHED = 10
"""The lifecycle's first steps: drafted, signed by both parties, published."""


def record(record_id: str, summary: str = "Trygghetsvandring") -> RecordActivity:
    return RecordActivity(
        command_id=str(uuid.uuid4()),
        actor=POLICE_EDITOR,
        at=AT,
        promise_id=PROMISE_ID,
        record_id=record_id,
        commitment_id="c1",
        occurred_on=AT.date(),
        performed_by=(POLICE_EDITOR.organisation_id,),
        summary=summary,
    )


@pytest.fixture
async def pools(fresh_db: Database) -> AsyncIterator[tuple[asyncpg.Pool, asyncpg.Pool]]:
    """Two pools, as two processes of the service would have."""
    first = await database.create_pool(fresh_db.app_url, min_size=1, max_size=4)
    second = await database.create_pool(fresh_db.app_url, min_size=1, max_size=4)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


def dispatcher(
    pool: asyncpg.Pool, size: int = 100, snapshot_every: int = snapshots.SNAPSHOT_EVERY
) -> Dispatcher:
    d = build_domain().dispatcher(pool)
    return Dispatcher(
        pool=d.pool,
        deciders=d.deciders,
        directory=d.directory,
        registry=d.registry,
        state_cache_size=size,
        snapshot_every=snapshot_every,
    )


async def in_force_promise(d: Dispatcher) -> None:
    """The demo's directory, then KEY drafted, signed by both parties and published."""
    await load_demo(d, at=AT)
    for command in setup_commands():
        await d.dispatch(command)
    async with d.pool.acquire() as conn:
        for step in lifecycle()[:IN_FORCE_AND_PUBLISHED]:
            state, _ = await d.load(conn, PROMISE, KEY)
            await d.dispatch(step(to_plain(state)))  # type: ignore[arg-type]


async def folded(pool: asyncpg.Pool, stream_id: str, up_to_version: int | None = None) -> Any:
    """The stream's state folded from its first event, without cache or snapshot."""
    registry = build_domain().registry
    events = await store.read_stream(pool, stream_id, up_to_version=up_to_version)
    return PROMISE.fold(registry.decode(e.type, e.schema_version, e.data) for e in events)


async def assert_cache_equals_the_log(d: Dispatcher, pool: asyncpg.Pool) -> int:
    cached = d.cache.get(KEY)
    assert cached is not None
    version, state = cached
    assert state == await folded(pool, KEY, version)
    return version


def plain(state: object) -> str:
    return orjson.dumps(to_plain(state)).decode()


async def test_a_cached_dispatcher_sees_what_another_dispatcher_appended(
    pools: tuple[asyncpg.Pool, asyncpg.Pool],
) -> None:
    first, second = dispatcher(pools[0]), dispatcher(pools[1])
    await in_force_promise(first)
    cached_at = await assert_cache_equals_the_log(first, pools[0])

    other = await second.dispatch(record("r-second"))
    assert other.version == cached_at + 1
    mine = await first.dispatch(record("r-first"))

    assert mine.version == other.version + 1  # decided on top of the other's event
    assert await assert_cache_equals_the_log(first, pools[0]) == mine.version
    state: PromiseState = first.cache.get(KEY)[1]  # type: ignore[index]
    assert {"r-second", "r-first"} <= {a.record_id for a in state.activities}


async def test_two_dispatchers_racing_on_one_promise_keep_only_states_the_log_folds_to(
    pools: tuple[asyncpg.Pool, asyncpg.Pool],
) -> None:
    first, second = dispatcher(pools[0]), dispatcher(pools[1])
    await in_force_promise(first)
    before = await store.stream_version(pools[0], KEY)

    async def run(d: Dispatcher, name: str) -> None:
        for n in range(6):
            await d.dispatch(record(f"{name}-{n}"))

    await asyncio.gather(run(first, "a"), run(second, "b"))

    assert await store.stream_version(pools[0], KEY) == before + 12
    for d in (first, second):
        await assert_cache_equals_the_log(d, pools[0])
    final = await folded(pools[0], KEY)
    assert {f"{x}-{n}" for x in "ab" for n in range(6)} <= {a.record_id for a in final.activities}


async def test_a_version_conflict_keeps_the_cached_state_and_the_retry_reads_only_what_is_new(
    pools: tuple[asyncpg.Pool, asyncpg.Pool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cached state is the stream's fold at its version, conflict or not: the next attempt
    reads the events appended since, never the whole stream again (the cost of that grew with
    the stream, under the contention that makes conflicts)."""
    first, second = dispatcher(pools[0]), dispatcher(pools[1])
    await in_force_promise(first)
    version = await assert_cache_equals_the_log(first, pools[0])
    cached = first.cache.get(KEY)
    append = store.append
    raced: list[int] = []
    racing: list[bool] = []

    async def another_writer_gets_there_first(*args: Any, **kwargs: Any) -> store.AppendResult:
        if len(raced) < 2 and not racing:  # not for the other writer's own append
            # Before each of `first`'s first two appends, `second` appends to the stream.
            racing.append(True)
            raced.append((await second.dispatch(record(f"r-between-{len(raced)}"))).version)
            racing.clear()
        return await append(*args, **kwargs)

    monkeypatch.setattr(store, "append", another_writer_gets_there_first)
    with pytest.raises(VersionConflict):
        await first.dispatch(record("r-late"), expected_version=version)
    assert raced == [version + 1]
    assert first.cache.get(KEY) == cached  # still the fold at `version`

    sent: list[str] = []
    held = [await pools[0].acquire() for _ in range(4)]  # every connection the pool has
    for conn in held:
        conn.add_query_logger(lambda q: sent.append(q.query))
        await pools[0].release(conn)
    outcome = await first.dispatch(record("r-late"))  # conflicts once more, then appends
    assert raced == [version + 1, version + 2]
    assert outcome.version == version + 3
    # The first attempt appends what the cached state decided, unread; the second reads once,
    # after the cached version.
    assert sent.count(READ_STREAMS) == 1
    assert sum("append_events" in q for q in sent) == 2
    assert snapshots.NEWEST not in sent, "the whole stream was folded again"
    assert await assert_cache_equals_the_log(first, pools[0]) == outcome.version


def ours(sent: list[str]) -> list[str]:
    """The statements sent, without asyncpg's own look-up of the types a statement uses (once
    per connection and type, on whichever connection the pool hands out first)."""
    return [q for q in sent if "typeinfo_tree" not in q and "set_config('jit'" not in q]


async def test_a_stream_another_process_writes_is_read_first_until_a_read_finds_nothing_new(
    pools: tuple[asyncpg.Pool, asyncpg.Pool],
) -> None:
    """Deciding on the cached state pays off only if nobody else wrote the stream: after a read
    found another process's events, the next command reads before it decides (no append sent
    only to be refused); once a read finds nothing new, commands append unread again."""
    first, second = dispatcher(pools[0]), dispatcher(pools[1])
    await in_force_promise(first)
    sent: list[str] = []
    held = [await pools[0].acquire() for _ in range(4)]  # every connection the pool has
    for conn in held:
        conn.add_query_logger(lambda q: sent.append(q.query))
        await pools[0].release(conn)

    async def statements(record_id: str) -> list[str]:
        sent.clear()
        await first.dispatch(record(record_id))
        return [
            {READ_STREAMS: "read", store.APPEND: "append", store.APPEND_ON_READ: "unread"}.get(q, q)
            for q in ours(sent)
        ]

    # "unread": the append of a command decided on the cached state, conditional on its reads.
    assert await statements("r-1") == ["unread"]
    await second.dispatch(record("r-other-1"))
    assert await statements("r-2") == ["unread", "read", "append"]  # refused, read, appended
    await second.dispatch(record("r-other-2"))
    assert await statements("r-3") == ["read", "append"]  # read first: nothing refused
    assert await statements("r-4") == ["read", "append"]  # the read found nothing new
    assert await statements("r-5") == ["unread"]
    assert await assert_cache_equals_the_log(first, pools[0]) == await store.stream_version(
        pools[0], KEY
    )


async def test_an_erasure_by_another_process_is_never_served_from_the_cache_or_a_snapshot(
    pools: tuple[asyncpg.Pool, asyncpg.Pool], fresh_db: Database
) -> None:
    first = dispatcher(pools[0])
    await in_force_promise(first)
    named = await first.dispatch(record("r-named", f"Samtal med {NAME} vid Bro centrum"))
    head = await sequence(pools[0])
    assert NAME in plain(first.cache.get(KEY))
    promises = build_domain().promises
    async with pools[0].acquire() as conn:
        assert await snapshots.state_as_of(
            conn, PROMISE, PromiseState, promises.fold, KEY, head - 1, every=named.version
        )
        written = await conn.fetchval("SELECT count(*) FROM snapshots WHERE stream_id = $1", KEY)
        assert written > 0
        before = await snapshots.newest(conn, PROMISE.name, PromiseState, KEY)
        assert before.snapshot is not None and NAME in plain(before.snapshot.state)

    # Another process erases the report: its own connection, nothing shared with `first`.
    other = await database.connect(fresh_db.app_url)
    try:
        data = await other.fetchval(
            "SELECT p.data FROM events e JOIN payloads p ON p.event_pk = e.id "
            "WHERE e.event_id = $1",
            named.event_ids[0],
        )
        redacted = redact(build_domain().registry, "ActivityPerformed", data)
        await record_erasure(other, named.event_ids[0], "begäran", "anna", "bertil", redacted)
        assert await other.fetchval("SELECT count(*) FROM snapshots WHERE stream_id=$1", KEY) == 0
        # A snapshot written at the same moment from the payload read before the erasure
        # carries the older erasure count, so it is never read.
        await snapshots.write(other, PROMISE.name, PromiseState, KEY, 0, [before.snapshot])
        assert (await snapshots.newest(other, PROMISE.name, PromiseState, KEY)).snapshot is None
    finally:
        await other.close()

    await first.dispatch(record("r-after"))
    cached = first.cache.get(KEY)
    assert cached is not None
    assert NAME not in plain(cached) and ERASED_TEXT in plain(cached)
    assert await assert_cache_equals_the_log(first, pools[0]) == named.version + 1

    await sequence(pools[0])
    cold = dispatcher(pools[1], snapshot_every=4)
    async with pools[1].acquire() as conn:
        await cold.check_erasures(conn)
        state, _ = await cold.load(conn, PROMISE, KEY)
        # The cold load wrote the newest snapshot due again, folded from the redacted payload
        # (the stale one written above keeps its older erasure count and is never read).
        states = await conn.fetch(
            "SELECT state FROM snapshots WHERE stream_id = $1 AND erasures = 1", KEY
        )
    assert NAME not in plain(state)
    assert len(states) == 1  # the newest due: the last multiple of 4
    assert not any(NAME.encode() in row[0] for row in states)


async def test_a_mandate_revoked_by_another_process_refuses_a_signature_on_the_cached_stream(
    pools: tuple[asyncpg.Pool, asyncpg.Pool],
) -> None:
    """A command on a cached stream is decided on the cached directory too, and appended only
    if the directory has not moved since: here it has (the signatory's mandate was revoked
    elsewhere), so nothing is appended on the stale decision and the fresh one refuses."""
    first, second = dispatcher(pools[0]), dispatcher(pools[1])
    await load_demo(first, at=AT)
    for command in setup_commands():
        await first.dispatch(command)
    async with pools[0].acquire() as conn:
        for step in lifecycle()[:4]:  # drafted and proposed: the police's signature is next
            state, _ = await first.load(conn, PROMISE, KEY)
            await first.dispatch(step(to_plain(state)))  # type: ignore[arg-type]
        state, version = await first.load(conn, PROMISE, KEY)
    signer = SIGNERS[LPO].person_id
    await second.dispatch(
        RevokeSigningMandate(
            **key(),
            actor=principal(LPO, "org_admin"),
            mandate_id=f"m-{signer}",
            revoked_on=AT.date(),
        )
    )
    working = to_plain(state)["working"]
    with pytest.raises(Forbidden) as refused:
        await first.dispatch(
            SignPromise(
                **key(),
                actor=SIGNERS[LPO],
                promise_id=PROMISE_ID,
                revision_no=working["revision_no"],
                content_hash=working["content_hash"],
                party_id=LPO,
            )
        )
    assert refused.value.code == "no_signing_mandate"
    assert await store.stream_version(pools[0], KEY) == version


async def test_the_cache_holds_at_most_its_size_of_streams(
    pools: tuple[asyncpg.Pool, asyncpg.Pool],
) -> None:
    small = dispatcher(pools[0], size=2)
    await in_force_promise(small)
    streams: Sequence[str] = [
        r[0]
        for r in await pools[0].fetch(
            "SELECT DISTINCT stream_id FROM events WHERE stream_id LIKE 'promise-%' ORDER BY 1"
        )
    ]
    assert len(streams) >= 3
    async with pools[0].acquire() as conn:
        for stream_id in streams:
            await small.load(conn, PROMISE, stream_id)
    assert len(small.cache) == 2
    assert small.cache.get(streams[0]) is None
    assert small.cache.get(streams[-1]) is not None


async def test_time_travel_with_and_without_snapshots_gives_equal_documents_at_every_position(
    pools: tuple[asyncpg.Pool, asyncpg.Pool],
) -> None:
    first = dispatcher(pools[0])
    await in_force_promise(first)
    for n in range(8):
        await first.dispatch(record(f"r{n}"))
    head = await sequence(pools[0])
    promises = build_domain().promises
    async with pools[0].acquire() as conn:
        positions = [e.log_index for e in await store.read_stream(conn, KEY)]
        assert None not in positions
        plain_fold = {}
        for index in range(positions[0] - 1, head):  # type: ignore[operator]
            events = await store.read_stream(conn, KEY, up_to_log_index=index)
            plain_fold[index] = (
                promises.document(promises.fold(PROMISE.initial_state, events)) if events else None
            )
        await snapshots.state_as_of(
            conn, PROMISE, PromiseState, promises.fold, KEY, head - 1, every=4
        )
        count = await conn.fetchval("SELECT count(*) FROM snapshots WHERE stream_id = $1", KEY)
        assert count == len(positions) // 4
        for index, expected in plain_fold.items():
            assert await promises.as_of(conn, KEY, index) == expected, f"as of {index}"

        # A dispatcher with a cold cache starts from the newest snapshot, and folds to the log.
        cold = dispatcher(pools[0])
        state, version = await cold.load(conn, PROMISE, KEY)
    assert version == len(positions)
    assert state == await folded(pools[0], KEY)


async def test_a_cold_dispatcher_writes_a_streams_newest_due_snapshot_and_the_next_starts_there(
    pools: tuple[asyncpg.Pool, asyncpg.Pool],
) -> None:
    """A node that does not hold a stream's state folds it once, writing the newest snapshot
    due (time travel writes every one it passes; a start from the head needs only that one); a
    later cold start, on another node, reads it and folds only the events after it, to the same
    state."""
    first = dispatcher(pools[0])
    await in_force_promise(first)
    for n in range(8):
        await first.dispatch(record(f"r{n}"))
    await sequence(pools[0])
    length = await store.stream_version(pools[0], KEY)
    assert length % 4 != 0  # the newest snapshot is short of the head: events follow it
    async with pools[0].acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM snapshots") == 0
        state, version = await dispatcher(pools[0], snapshot_every=4).load(conn, PROMISE, KEY)
        written = await conn.fetch(
            "SELECT stream_version FROM snapshots WHERE stream_id = $1 ORDER BY 1", KEY
        )
    assert (version, state) == (length, await folded(pools[0], KEY))
    assert [r[0] for r in written] == [length - length % 4]  # the newest due, alone

    after = await first.dispatch(record("r-after"))  # appended, not sequenced
    sent: list[tuple[str, tuple[Any, ...]]] = []
    async with pools[1].acquire() as conn:
        conn.add_query_logger(lambda q: sent.append((q.query, tuple(q.args))))
        state, version = await dispatcher(pools[1], snapshot_every=4).load(conn, PROMISE, KEY)
    assert (version, state) == (after.version, await folded(pools[0], KEY))
    queries = [q for q, _ in sent]
    assert snapshots.READ_AFTER not in queries, "folded again instead of starting at the snapshot"
    reads = [args for q, args in sent if q == store.READ_STREAM]
    assert reads == [(KEY, written[-1][0], 2**31 - 1)]  # only the events after the newest


async def test_two_cold_loads_writing_the_same_snapshot_at_once_both_answer(
    pools: tuple[asyncpg.Pool, asyncpg.Pool], fresh_db: Database
) -> None:
    """Two cold loads of one long stream at the same moment (two requests on a node that has
    just started) write the same snapshot: the second to write waits for the first, then finds
    a row its repeatable-read transaction cannot see. It answers without writing it."""
    first = dispatcher(pools[0])
    await in_force_promise(first)
    await sequence(pools[0])
    length = await store.stream_version(pools[0], KEY)
    newest_due = length - length % 4
    state = await folded(pools[0], KEY, newest_due)
    log_index = await pools[0].fetchval(
        "SELECT l.log_index FROM events e JOIN log l ON l.event_pk = e.id "
        "WHERE e.stream_id = $1 AND e.stream_version = $2",
        KEY,
        newest_due,
    )
    other = await database.connect(fresh_db.app_url)
    conn = await pools[1].acquire()
    try:
        async with other.transaction():
            # The first load's write, not yet committed.
            due = [snapshots.Snapshot(newest_due, log_index, state)]
            await snapshots.write(other, PROMISE.name, PromiseState, KEY, 0, due)
            second = asyncio.create_task(
                dispatcher(pools[1], snapshot_every=4).load(conn, PROMISE, KEY)
            )
            for _ in range(3000):  # until the second load waits for the first one's row
                waiting = await other.fetchval(
                    "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1",
                    conn.get_server_pid(),
                )
                if waiting or second.done():
                    break
                await asyncio.sleep(0.01)
            assert waiting, "the second load did not wait for the first one's snapshot"
        # Committed: the second load goes on, and answers.
        loaded = await asyncio.wait_for(second, 10)
        assert loaded == (await folded(pools[0], KEY), length)
    finally:
        await pools[1].release(conn)
        await other.close()


async def test_every_deciders_folded_states_come_back_equal_from_a_snapshot(
    pools: tuple[asyncpg.Pool, asyncpg.Pool],
) -> None:
    """A cold dispatcher writes snapshots of any decider's long stream and decides on what it
    reads back: each state folded here (the demo, a promise in force with its records, walks,
    the situation chain, surveys and indicators) must survive the snapshot's encoding unchanged."""
    d = dispatcher(pools[0])
    await in_force_with_records(d)  # the demo, then a promise in force with its records
    for command in (*walk_commands(), *situation_chain(), *indicator_scenario()):
        await d.dispatch(command)
    by_type = {t.__name__: decider for decider in d.deciders for t in decider.event_types}
    seen = set()
    for stream_id in await pools[0].fetch("SELECT stream_id FROM streams ORDER BY stream_id"):
        events = await store.read_stream(pools[0], stream_id[0])
        decider = by_type.get(events[0].type)
        if decider is None:  # the erasure record's stream: no decider folds it
            continue
        state = decider.fold(d.registry.decode(e.type, e.schema_version, e.data) for e in events)
        raw = bytes(snapshots.encode(state))
        assert snapshots.decode(type(decider.initial_state), raw) == state, stream_id[0]
        seen.add(decider.name)
    assert seen == {decider.name for decider in d.deciders}


async def test_a_commands_read_of_its_streams_is_planned_once_per_connection_not_per_command(
    fresh_db: Database,
) -> None:
    """The one round trip every command makes (`READ_STREAMS`) must keep the server's generic
    plan: planned afresh it cost more server CPU than anything else a command runs."""
    pool = await database.create_pool(fresh_db.app_url, min_size=1, max_size=1)
    other_pool = await database.create_pool(fresh_db.app_url, min_size=1, max_size=2)
    try:
        mine, other = dispatcher(pool), dispatcher(other_pool)
        await in_force_promise(other)  # it holds a connection while dispatching: two needed
        for n in range(20):
            # New events before each command, as with several processes: the cached state is
            # behind, so its append is refused and the command reads.
            await other.dispatch(record(f"r-other-{n}"))
            await mine.dispatch(record(f"r-mine-{n}"))
        await assert_cache_equals_the_log(mine, pool)  # what it folded is what the log holds
        plans = await pool.fetchrow(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1",
            READ_STREAMS,
        )
    finally:
        await pool.close()
        await other_pool.close()
    assert plans is not None
    assert plans["custom_plans"] <= 5  # the server's trial plans before it settles
    assert plans["generic_plans"] >= 15  # every command after them


async def test_a_command_on_a_cached_stream_is_one_append_and_its_retry_one_read(
    fresh_db: Database,
) -> None:
    """Decided on the cached state, appended on condition that nothing it rested on moved: one
    round trip. A retry is refused by the cached state (its record exists), so it reads, finds
    its earlier use of the id with its streams, and is answered by its first result."""
    pool = await database.create_pool(fresh_db.app_url, min_size=2, max_size=2)
    try:
        d = dispatcher(pool)
        await in_force_promise(d)  # it holds a connection while dispatching: two needed
        await d.dispatch(record("r-first"))  # the stream is cached from here on
        sent: list[str] = []
        async with pool.acquire() as one, pool.acquire() as other:
            for conn in (one, other):
                conn.add_query_logger(lambda q: sent.append(q.query))
        command = record("r-second")
        first = await d.dispatch(command)
        assert ours(sent) == [store.APPEND_ON_READ]
        sent.clear()
        again = await d.dispatch(command)
        assert ours(sent) == [READ_STREAMS, store.EVENT_TYPES_OF]
        assert again.duplicate and again.event_ids == first.event_ids
        assert await assert_cache_equals_the_log(d, pool) == first.version
    finally:
        await pool.close()
