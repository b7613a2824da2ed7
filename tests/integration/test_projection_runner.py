"""The projection runner and blue/green rebuilds, with the audit-history projection."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Sequence

import asyncpg
import pytest

from events.log import store
from events.log.sequencer import load_state, sequence_batch
from events.log.store import NO_STREAM, NewEvent, StoredEvent
from projections.history import HistoryProjection, stream_history
from projections.rebuild import rebuild
from projections.runner import Runner, SharedLog, checkpoint, lock_key, serving_version
from service import database
from service.supervisor import Role, Supervisor
from service.web.public.freshness import standing
from tests.conftest import Database

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


async def seed(conn: asyncpg.Connection, streams: int, per_stream: int) -> None:
    for s in range(streams):
        stream = f"s-{s}"
        for v in range(per_stream):
            await store.append(
                conn,
                stream,
                v if v else NO_STREAM,
                [NewEvent(event_id=uuid.uuid4(), type="Noted", data={"n": v}, occurred_at=NOW)],
                command_id=uuid.uuid4(),
                metadata={
                    "actor": {
                        "issuer": "iss",
                        "subject": f"u{s}",
                        "organisation_id": "org",
                        "roles": ["editor"],
                    },
                    "command_id": f"c{s}-{v}",
                },
            )
    state = await load_state(conn)
    while await sequence_batch(conn, state, 500):
        pass


class FlakyHistory(HistoryProjection):
    """History that dies in the middle of its third batch, like a killed process."""

    def __init__(self) -> None:
        self.batches = 0

    async def apply(
        self, conn: asyncpg.Connection, version: int, events: Sequence[StoredEvent]
    ) -> None:
        self.batches += 1
        await super().apply(conn, version, events)
        if self.batches == 3:
            await conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")


class SlowHistory(HistoryProjection):
    """History that takes its time per batch, so a rebuild can be stopped half way."""

    async def apply(
        self, conn: asyncpg.Connection, version: int, events: Sequence[StoredEvent]
    ) -> None:
        await super().apply(conn, version, events)
        await asyncio.sleep(0.05)


async def history_rows(conn: asyncpg.Connection, version: int) -> list[tuple[object, ...]]:
    rows = await conn.fetch(
        "SELECT log_index, event_id, stream_id, stream_version, type, actor_subject, roles, "
        "command_id FROM history WHERE version = $1 ORDER BY log_index",
        version,
    )
    return [tuple(r) for r in rows]


async def test_a_runner_killed_mid_batch_is_resumed_by_its_standby_exactly_once(
    fresh_db: Database,
) -> None:
    conn = await database.connect(fresh_db.app_url)
    try:
        await seed(conn, streams=30, per_stream=10)
        flaky = Runner(
            projection=FlakyHistory(),
            connect=lambda: database.connect(fresh_db.app_url),
            batch_size=40,
            standby_interval=0.05,
        )
        standby = Runner(
            projection=HistoryProjection(),
            connect=lambda: database.connect(fresh_db.app_url),
            batch_size=40,
            standby_interval=0.05,
        )
        stop = asyncio.Event()
        # Crash-only: the killed runner's run ends with the error; its supervisor restarts it.
        first = asyncio.create_task(Supervisor().supervise(Role("history", flaky.run), stop))
        async with asyncio.timeout(10):
            while not flaky.is_leader:
                await asyncio.sleep(0.01)
        second = asyncio.create_task(standby.run(stop))
        async with asyncio.timeout(20):
            while await checkpoint(conn, "history", 1) < 299:
                await asyncio.sleep(0.02)
        stop.set()
        await asyncio.gather(first, second)
        rows = await history_rows(conn, 1)
        assert [r[0] for r in rows] == list(range(300)), "an event was applied twice or never"
        log = await conn.fetch(
            "SELECT e.event_id FROM log l JOIN events e ON e.id = l.event_pk ORDER BY log_index"
        )
        assert [r[1] for r in rows] == [r[0] for r in log]
    finally:
        await conn.close()


async def test_a_rebuild_equals_the_live_read_model_even_after_a_crash_halfway(
    fresh_db: Database,
) -> None:
    conn = await database.connect(fresh_db.app_url)
    try:
        await seed(conn, streams=20, per_stream=10)
        live = Runner(
            projection=HistoryProjection(),
            connect=lambda: database.connect(fresh_db.app_url),
            batch_size=64,
        )
        await live.run(asyncio.Event(), until_caught_up=True)
        assert await serving_version(conn, "history") == 1
        expected = await history_rows(conn, 1)

        crashing = asyncio.create_task(
            rebuild(SlowHistory(), lambda: database.connect(fresh_db.app_url), batch_size=30)
        )
        async with asyncio.timeout(10):
            while await checkpoint(conn, "history", 2) < 30:
                await asyncio.sleep(0.01)
        crashing.cancel()  # the rebuilding process dies half way
        with pytest.raises(asyncio.CancelledError):
            await crashing
        assert 0 < await checkpoint(conn, "history", 2) < 199
        assert await serving_version(conn, "history") == 1  # the live version kept serving

        result = await rebuild(
            HistoryProjection(), lambda: database.connect(fresh_db.app_url), batch_size=30
        )
        assert (result.old_version, result.new_version, result.events) == (1, 2, 200)
        assert await serving_version(conn, "history") == 2
        assert await history_rows(conn, 2) == expected
        assert await history_rows(conn, 1) == []  # the old version was dropped
        history = await stream_history(conn, "s-3")
        assert [h.stream_version for h in history] == list(range(1, 11))
        assert {h.actor_subject for h in history} == {"u3"}
        assert history[0].roles == ("editor",)
    finally:
        await conn.close()


class OneStreamHistory(HistoryProjection):
    """History that writes only batches holding an event of stream s-1 (runner.Selective)."""

    def __init__(self) -> None:
        self.applied: list[list[int]] = []

    def writes_for(self, events: Sequence[StoredEvent]) -> bool:
        return any(e.stream_id == "s-1" for e in events)

    async def apply(
        self, conn: asyncpg.Connection, version: int, events: Sequence[StoredEvent]
    ) -> None:
        self.applied.append([e.log_index for e in events])
        await super().apply(conn, version, events)


async def test_a_batch_the_projection_writes_nothing_for_only_moves_the_checkpoint(
    fresh_db: Database,
) -> None:
    conn = await database.connect(fresh_db.app_url)
    try:
        await seed(conn, streams=3, per_stream=10)  # s-0: log 0-9, s-1: 10-19, s-2: 20-29
        projection = OneStreamHistory()
        runner = Runner(
            projection=projection,
            connect=lambda: database.connect(fresh_db.app_url),
            batch_size=10,
        )
        await runner.run(asyncio.Event(), until_caught_up=True)
        assert projection.applied == [list(range(10, 20))]
        assert await checkpoint(conn, "history", 1) == 29
        # Where its rows last changed, which kept pages and answers follow, stayed at 19.
        assert (
            await conn.fetchval(
                "SELECT changed_at FROM projection_state WHERE projection = 'history'"
            )
            == 19
        )
        assert "history:1:19" in await standing(conn)
        assert [r[0] for r in await history_rows(conn, 1)] == list(range(10, 20))
    finally:
        await conn.close()


class HeldHistory(HistoryProjection):
    """History whose second batch waits, written but uncommitted, until it is let go."""

    def __init__(self) -> None:
        self.batches = 0
        self.holding = asyncio.Event()
        self.let_go = asyncio.Event()

    async def apply(
        self, conn: asyncpg.Connection, version: int, events: Sequence[StoredEvent]
    ) -> None:
        self.batches += 1
        await super().apply(conn, version, events)
        if self.batches == 2:
            self.holding.set()
            await self.let_go.wait()


async def test_a_batch_under_way_when_a_rebuild_retires_its_version_is_never_written(
    fresh_db: Database,
) -> None:
    conn = await database.connect(fresh_db.app_url)
    try:
        await seed(conn, streams=2, per_stream=10)
        projection = HeldHistory()
        runner = Runner(
            projection=projection,
            connect=lambda: database.connect(fresh_db.app_url),
            batch_size=5,
            standby_interval=0.05,
        )
        stop = asyncio.Event()
        running = asyncio.create_task(runner.run(stop))
        async with asyncio.timeout(10):
            await projection.holding.wait()
        # What a rebuild does when its new version has caught up (projections.rebuild).
        async with conn.transaction():
            await conn.execute(
                "UPDATE projection_state SET status = 'retired' "
                "WHERE projection = 'history' AND status = 'serving'"
            )
            await conn.execute(
                "INSERT INTO projection_state (projection, version, status) "
                "VALUES ('history', 2, 'serving')"
            )
        projection.let_go.set()
        async with asyncio.timeout(10):
            while runner.current_version != 2 or await checkpoint(conn, "history", 2) < 19:
                await asyncio.sleep(0.02)
        stop.set()
        await running
        assert [r[0] for r in await history_rows(conn, 1)] == list(range(5))
        assert await checkpoint(conn, "history", 1) == 4
        assert [r[0] for r in await history_rows(conn, 2)] == list(range(20))
    finally:
        await conn.close()


async def test_a_standby_tries_the_very_lock_its_leader_holds_and_leads_once_it_is_let_go(
    fresh_db: Database,
) -> None:
    conn = await database.connect(fresh_db.app_url)
    try:
        await seed(conn, streams=2, per_stream=5)

        def runner() -> Runner:
            return Runner(
                projection=HistoryProjection(),
                connect=lambda: database.connect(fresh_db.app_url),
                standby_interval=0.02,
            )

        first, second = runner(), runner()
        stop_first, stop_second = asyncio.Event(), asyncio.Event()
        leading = asyncio.create_task(first.run(stop_first))
        async with asyncio.timeout(10):
            while not first.is_leader:
                await asyncio.sleep(0.01)
        # The lock the leader holds is the one lock_key names (the rebuild takes it so too).
        assert not await conn.fetchval(
            "SELECT pg_try_advisory_lock(hashtext($1))", lock_key("history", 1)
        )
        standing_by = asyncio.create_task(second.run(stop_second))
        async with asyncio.timeout(10):
            while await checkpoint(conn, "history", 1) < 9:
                await asyncio.sleep(0.01)
        for _ in range(10):  # ten of its tries, none of which may take the lock
            await asyncio.sleep(0.02)
            assert not second.is_leader
        stop_first.set()
        await leading
        async with asyncio.timeout(10):
            while not second.is_leader:
                await asyncio.sleep(0.01)
        stop_second.set()
        await standing_by
    finally:
        await conn.close()


class Recording:
    """A projection that writes rows only for batches holding an event of `stream` (None:
    none), and records the log indexes of each batch it applies."""

    def __init__(self, name: str, stream: str | None) -> None:
        self.name = name
        self.stream = stream
        self.applied: list[list[int | None]] = []

    def writes_for(self, events: Sequence[StoredEvent]) -> bool:
        return any(e.stream_id == self.stream for e in events)

    async def apply(
        self, conn: asyncpg.Connection, version: int, events: Sequence[StoredEvent]
    ) -> None:
        self.applied.append([e.log_index for e in events])

    async def drop(self, conn: asyncpg.Connection, version: int) -> None:
        pass


async def test_runners_sharing_the_log_apply_every_batch_once_and_reach_the_head(
    fresh_db: Database,
) -> None:
    conn = await database.connect(fresh_db.app_url)
    try:
        await seed(conn, streams=3, per_stream=10)  # s-0: log 0-9, s-1: 10-19, s-2: 20-29
        projections = [
            Recording(f"rec-{i}", s) for i, s in enumerate(("s-0", "s-1", "s-2", None, None))
        ]
        shared = SharedLog()
        runners = [
            Runner(
                projection=p,
                connect=lambda: database.connect(fresh_db.app_url),
                batch_size=10,
                shared=shared,
            )
            for p in projections
        ]
        await asyncio.gather(*(r.run(asyncio.Event(), until_caught_up=True) for r in runners))
        for p, expected in zip(projections, ([0], [10], [20], [], []), strict=True):
            assert [batch[0] for batch in p.applied] == expected, p.name
            assert await checkpoint(conn, p.name, 1) == 29, p.name
        # Five runners asked for four batches each (the last one empty): each was read by one
        # of them or waited for (a runner that waited for a read sent before it woke reads
        # once more).
        assert shared.sent + shared.joined >= 20
    finally:
        await conn.close()


async def test_a_read_under_way_is_shared_and_says_whom_it_holds_everything_for(
    fresh_db: Database,
) -> None:
    conn = await database.connect(fresh_db.app_url)
    other = await database.connect(fresh_db.app_url)
    try:
        await seed(conn, streams=2, per_stream=5)
        shared = SharedLog()
        before = shared.mark()  # cleared its wake-up before the read was sent
        first = asyncio.ensure_future(shared.read(conn, -1, 100, shared.mark()))
        await asyncio.sleep(0)  # the read is sent and under way
        after = shared.mark()  # cleared its wake-up once the read was under way
        early, late = await asyncio.gather(
            shared.read(other, -1, 100, before), shared.read(other, -1, 100, after)
        )
        events, whole = await first
        assert (shared.sent, shared.joined) == (1, 2)
        assert [e.log_index for e in events] == list(range(10)) and whole
        assert early == (events, True)
        # Anything sequenced between the read and that wake-up may be missing from it: the
        # runner reads again before it waits.
        assert late == (events, False)
        # Once answered, the same read is sent anew.
        assert (await shared.read(other, -1, 100, shared.mark()))[1]
        assert shared.sent == 2
    finally:
        await conn.close()
        await other.close()


async def test_a_failed_shared_read_leaves_each_waiting_runner_to_read_on_its_own(
    fresh_db: Database,
) -> None:
    conn = await database.connect(fresh_db.app_url)
    other = await database.connect(fresh_db.app_url)
    admin = await asyncpg.connect(fresh_db.admin_url)
    try:
        await seed(conn, streams=1, per_stream=3)
        shared = SharedLog()
        doomed = await database.connect(fresh_db.app_url)
        # The log locked, so the first read is surely under way when its connection is lost.
        holding = admin.transaction()
        await holding.start()
        await admin.execute("LOCK TABLE log IN ACCESS EXCLUSIVE MODE")
        first = asyncio.ensure_future(shared.read(doomed, -1, 100, shared.mark()))
        await asyncio.sleep(0)
        waiting = asyncio.ensure_future(shared.read(other, -1, 100, shared.mark()))
        await asyncio.sleep(0)
        assert not first.done() and not waiting.done()
        doomed.terminate()
        with pytest.raises((asyncpg.InterfaceError, asyncpg.ConnectionDoesNotExistError)):
            await first
        await holding.rollback()
        events, whole = await waiting
        assert [e.log_index for e in events] == [0, 1, 2] and whole
        assert (shared.sent, shared.joined) == (2, 0)
    finally:
        await admin.close()
        await conn.close()
        await other.close()


async def test_passes_asked_for_in_one_turn_move_in_one_statement_each_by_its_own_rule(
    fresh_db: Database,
) -> None:
    conn = await database.connect(fresh_db.app_url)
    try:
        await seed(conn, streams=1, per_stream=3)
        for name in ("a", "b", "c"):
            await serving_version(conn, name)  # each at checkpoint -1
        await conn.execute("UPDATE projection_state SET status = 'retired' WHERE projection = 'c'")
        shared = SharedLog()
        moved = list(
            await asyncio.gather(
                shared.pass_checkpoint(conn, "a", 1, -1, 2),
                shared.pass_checkpoint(conn, "b", 1, 0, 2),  # not at 0: another runner moved it
                shared.pass_checkpoint(conn, "c", 1, -1, 2),  # retired by a rebuild
            )
        )
        assert moved == [True, False, False]
        assert shared.passed_together == 1
        rows = await conn.fetch(
            "SELECT projection, checkpoint, changed_at FROM projection_state ORDER BY 1"
        )
        assert [tuple(r) for r in rows] == [("a", 2, -1), ("b", -1, -1), ("c", -1, -1)]
        # Alone in its turn, a pass is the one-row statement.
        assert await shared.pass_checkpoint(conn, "a", 1, 2, 2)
        assert shared.passed_together == 1
    finally:
        await conn.close()


async def test_runners_sharing_the_log_follow_every_notification_without_polling(
    fresh_db: Database,
) -> None:
    """Appends arrive while the runners wait; they poll only once a minute, so a wake-up lost
    between a shared read and a runner's own would leave it behind for that minute."""
    conn = await database.connect(fresh_db.app_url)
    stop = asyncio.Event()
    projections = [Recording(f"rec-{i}", s) for i, s in enumerate(("s-0", "s-1", None, None))]
    shared = SharedLog()
    runners = [
        Runner(
            projection=p,
            connect=lambda: database.connect(fresh_db.app_url),
            batch_size=1000,
            poll_interval=60.0,
            shared=shared,
        )
        for p in projections
    ]
    tasks = [asyncio.ensure_future(r.run(stop)) for r in runners]
    try:
        state = await load_state(conn)
        for round_ in range(12):
            for s in ("s-0", "s-1"):
                await store.append(
                    conn,
                    s,
                    None,
                    [NewEvent(event_id=uuid.uuid4(), type="Noted", data={}, occurred_at=NOW)],
                    command_id=uuid.uuid4(),
                    metadata={"command_id": f"{s}-{round_}"},
                )
            await sequence_batch(conn, state, 500)
            if round_ % 3 == 0:
                await asyncio.sleep(0.01)
        head = await store.log_size(conn) - 1
        assert head == 23

        async def caught_up() -> None:
            for _ in range(300):
                marks = [await checkpoint(conn, p.name, 1) for p in projections]
                if marks == [head] * len(projections):
                    return
                await asyncio.sleep(0.1)
            raise AssertionError(f"checkpoints {marks}, head {head}")

        await caught_up()
        # Each of the first two applied every batch holding its stream's events, once.
        for p, own in zip(projections[:2], (range(0, 24, 2), range(1, 24, 2)), strict=True):
            applied = [i for batch in p.applied for i in batch]
            assert len(applied) == len(set(applied)) and set(own) <= set(applied), p.name
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await conn.close()
