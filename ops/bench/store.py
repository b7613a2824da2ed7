"""Event store benchmark: appends, the sequencer and log reads, each next to its peer in one run.

Run `python -m ops.bench.store` (full, a few minutes) or with `--quick` (a smoke run). The
server, fresh databases, the reference event and the report come from `ops.bench.harness`.
Every figure is compared with a peer measured in the same run, write runs alternate between
peers, and medians over the repetitions are reported.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

import asyncpg
import orjson
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from events.log import store
from events.log.sequencer import Sequencer
from events.log.store import LOG_CHANNEL
from ops.bench.harness import (
    DATA,
    EVENT_TYPE,
    METADATA,
    NOW,
    ORGANISATIONS,
    Db,
    Row,
    Server,
    admin_execute,
    arg_parser,
    drain,
    eventsourcing_env,
    heading,
    load_backlog,
    measured,
    median,
    new_event,
    percentile,
    print_runs,
    render,
    runs_text,
    say,
    sequencer_running,
    write_results,
)
from service import database

STREAM_LENGTH = 10
FLOOR_TABLE = """
CREATE TABLE floor_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        uuid NOT NULL UNIQUE,
    stream_id       text NOT NULL,
    stream_version  integer NOT NULL,
    type            text NOT NULL,
    schema_version  integer NOT NULL DEFAULT 1,
    data            jsonb NOT NULL,
    metadata        jsonb NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_id, stream_version)
);
GRANT SELECT, INSERT ON floor_events TO samverkan_app;
"""

FLOOR_INSERT = """
INSERT INTO floor_events (event_id, stream_id, stream_version, type, schema_version, data,
                          metadata, occurred_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"""

SEQUENCE_CEILING = """
INSERT INTO log (log_index, event_pk)
SELECT row_number() OVER (ORDER BY e.tx_id, e.id) - 1, e.id FROM events e"""

READ_LOG_FLOOR = """
SELECT e.id, e.event_id, e.stream_id, e.stream_version, e.type, e.schema_version,
    p.data, e.metadata, e.occurred_at, e.recorded_at, l.log_index
FROM log l JOIN events e ON e.id = l.event_pk LEFT JOIN payloads p ON p.event_pk = e.id
WHERE l.log_index > $1
ORDER BY l.log_index
LIMIT $2"""
"""The peer of read_log: `READ_LOG` as it stood until 2026-12-04, data and metadata as jsonb
(a plain asyncpg connection leaves them as text). `READ_LOG` now selects them `::text`, which
costs the server the same (jsonb_out writes the text jsonb_send carries); the peer is kept
as it was measured before."""

LOG_WATCH = """
SELECT l.log_index, e.event_id FROM log l JOIN events e ON e.id = l.event_pk
WHERE l.log_index > $1 ORDER BY l.log_index"""


@dataclass(frozen=True, slots=True)
class Sizes:
    """Every size the benchmark uses; `--quick` divides them by about 20."""

    reps: int
    warmup_s: float
    duration_s: float
    pause_s: float
    backlog: int
    backlog_per_append: int
    backlog_tasks: int
    lag_rate: int
    lag_duration_s: float
    page: int
    concurrency: int


FULL = Sizes(
    reps=3,
    warmup_s=0.5,
    duration_s=5.0,
    pause_s=2.0,
    backlog=200_000,
    backlog_per_append=10,
    backlog_tasks=8,
    lag_rate=1000,
    lag_duration_s=10.0,
    page=1000,
    concurrency=32,
)
QUICK = Sizes(
    reps=1,
    warmup_s=0.05,
    duration_s=0.25,
    pause_s=0.1,
    backlog=10_000,
    backlog_per_append=10,
    backlog_tasks=8,
    lag_rate=1000,
    lag_duration_s=0.5,
    page=1000,
    concurrency=32,
)


# --------------------------------------------------------------------------------------------
# Timed write runs


@dataclass(slots=True)
class Window:
    """A timed window: operations that complete between `start` and `end` are counted."""

    start: float
    end: float
    counted: int = 0

    def tick(self) -> None:
        now = time.perf_counter()
        if self.start <= now <= self.end:
            self.counted += 1

    @property
    def rate(self) -> float:
        return self.counted / (self.end - self.start)


Op = Callable[[asyncpg.Connection, str, int], Awaitable[object]]


async def timed_appends(pool: asyncpg.Pool, tasks: int, op: Op, sizes: Sizes, tag: str) -> float:
    """`tasks` workers, each on its own connection, append streams of 10 one event at a time."""
    begin = time.perf_counter()
    window = Window(begin + sizes.warmup_s, begin + sizes.warmup_s + sizes.duration_s)

    async def worker(w: int) -> None:
        async with pool.acquire() as conn:
            for s in range(10**9):
                stream = f"{tag}-{w}-{s}"
                for version in range(STREAM_LENGTH):
                    if time.perf_counter() >= window.end:
                        return
                    await op(conn, stream, version)
                    window.tick()

    await asyncio.wait_for(
        asyncio.gather(*(worker(w) for w in range(tasks))),
        timeout=sizes.warmup_s + sizes.duration_s + 60,
    )
    return window.rate


async def floor_op(conn: asyncpg.Connection, stream: str, version: int) -> object:
    return await conn.execute(
        FLOOR_INSERT, uuid.uuid4(), stream, version + 1, EVENT_TYPE, 1, DATA, METADATA, NOW
    )


async def append_op(conn: asyncpg.Connection, stream: str, version: int) -> object:
    return await store.append(
        conn,
        stream,
        version,
        [new_event()],
        command_id=uuid.uuid4(),
        metadata=METADATA,
        organisations=ORGANISATIONS,
    )


SAME_ROWS = """
WITH command AS (
    INSERT INTO commands (organisation, command_id, stream_id, command_type, command_hash,
                          event_ids)
    VALUES ('', $3, $1, '', NULL, ARRAY[$4::uuid])
    ON CONFLICT (organisation, command_id) DO NOTHING
), stream AS (
    INSERT INTO streams AS s (stream_id, version, organisations) VALUES ($1, $2 + 1, $9)
    ON CONFLICT (stream_id) DO UPDATE SET version = s.version + 1, updated_at = now()
        WHERE s.version = $2
    RETURNING s.version
), event AS (
    INSERT INTO events (event_id, stream_id, stream_version, type, schema_version, metadata,
                        occurred_at, cluster_id)
    SELECT $4, $1, stream.version, $5, 1, $7, $8,
           current_setting('samverkan.cluster_id')::bigint
    FROM stream
    RETURNING id
)
INSERT INTO payloads (event_pk, data) SELECT id, $6 FROM event RETURNING event_pk"""
"""The rows an append of one event with a command id writes (the command, the stream's version,
the event, its payload; the sequencer adds the log row), by one plain SQL statement instead of
`append_events`: what the append's own code costs beside what its rows cost. Nothing is checked
but the expected version (no other command's id, no repeated command), which every write here
meets."""

CLUSTER_SETTING = "SELECT set_config('samverkan.cluster_id', cluster_id()::text, false)"


async def same_rows_op(conn: asyncpg.Connection, stream: str, version: int) -> object:
    written = await conn.fetchval(
        SAME_ROWS,
        stream,
        version,
        uuid.uuid4(),
        uuid.uuid4(),
        EVENT_TYPE,
        DATA,
        METADATA,
        NOW,
        list(ORGANISATIONS),
    )
    if written is None:
        raise RuntimeError(f"stream {stream} was not at version {version}")
    return written


WAL_POSITION = "SELECT pg_current_wal_insert_lsn()::text"
WAL_SINCE = "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::text::pg_lsn)"


def machine_busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since it started (Linux: /proc/stat's user,
    nice, system, irq and softirq); None where there is no /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(f) for f in stat.readline().split()[1:8]]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = fields
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Spent:
    """Where the server's WAL and the machine's CPU stood when a write run began.

    Both explain the write rows: with many writers the cores are busy and a rate follows the
    CPU each event costs (the client, the server and the sequencer), and each commit waits for
    a WAL flush whose time grows with the bytes it carries."""

    wal: str
    busy: float | None

    @classmethod
    async def since_now(cls, pool: asyncpg.Pool) -> Spent:
        return cls(str(await pool.fetchval(WAL_POSITION)), machine_busy_seconds())

    async def note(self, pool: asyncpg.Pool, table: str, notes: dict[str, Any], run: str) -> int:
        """Note the WAL bytes and CPU microseconds per row of `table` (the run's events); return
        how many rows it holds."""
        busy = machine_busy_seconds()
        written = float(await pool.fetchval(WAL_SINCE, self.wal))
        events = int(await pool.fetchval(f"SELECT count(*) FROM {table}"))
        notes.setdefault(f"{run}_wal_bytes_per_event", []).append(round(written / max(events, 1)))
        if self.busy is not None and busy is not None:
            notes.setdefault(f"{run}_machine_cpu_us_per_event", []).append(
                round(1e6 * (busy - self.busy) / max(events, 1))
            )
        return events


async def run_floor(server: Server, tasks: int, sizes: Sizes, notes: dict[str, Any]) -> float:
    async with server.fresh("floor") as db:
        await admin_execute(db, FLOOR_TABLE)
        pool = await database.create_pool(db.app_url, min_size=tasks, max_size=tasks)
        try:
            await server.settle(sizes.pause_s)
            spent = await Spent.since_now(pool)
            rate = await timed_appends(pool, tasks, floor_op, sizes, "floor")
            await spent.note(pool, "floor_events", notes, f"floor_{tasks}")
            return rate
        finally:
            await pool.close()


async def run_ours(
    server: Server, tasks: int, sizes: Sizes, notes: dict[str, Any], *, sequencer: bool = True
) -> float:
    async with server.fresh("append") as db:
        pool = await database.create_pool(db.app_url, min_size=tasks, max_size=tasks)
        try:
            await server.settle(sizes.pause_s)
            if not sequencer:
                return await timed_appends(pool, tasks, append_op, sizes, "bare")
            spent = await Spent.since_now(pool)
            async with sequencer_running(db.app_url) as running:
                rate = await timed_appends(pool, tasks, append_op, sizes, "ours")
                assert running.state is not None
                sequenced, batches = running.state.sequenced, running.state.batches
            written = await spent.note(pool, "events", notes, f"append_{tasks}")
            notes.setdefault(f"append_{tasks}_sequenced_share", []).append(
                round(sequenced / max(written, 1), 4)
            )
            # How many transactions the sequencer committed for every 1,000 events appended:
            # a count, not a time, so it does not move with the machine's load.
            notes.setdefault(f"append_{tasks}_sequencer_batches_per_1000_events", []).append(
                round(1000 * batches / max(written, 1), 1)
            )
            return rate
        finally:
            await pool.close()


async def run_same_rows(server: Server, tasks: int, sizes: Sizes, notes: dict[str, Any]) -> float:
    """`run_ours` with each append's rows written by SAME_ROWS, the sequencer on."""
    async with server.fresh("rows") as db:
        pool = await database.create_pool(db.app_url, min_size=tasks, max_size=tasks)
        try:
            # Every connection keeps the cluster id in its session, as append_events does
            # after its first call.
            for conn in [await pool.acquire() for _ in range(tasks)]:
                await conn.execute(CLUSTER_SETTING)
                await pool.release(conn)
            await server.settle(sizes.pause_s)
            spent = await Spent.since_now(pool)
            async with sequencer_running(db.app_url):
                rate = await timed_appends(pool, tasks, same_rows_op, sizes, "rows")
            await spent.note(pool, "events", notes, f"same_rows_{tasks}")
            return rate
        finally:
            await pool.close()


# --------------------------------------------------------------------------------------------
# The eventsourcing library (threads, psycopg)


class Commitment(Aggregate):
    """An aggregate whose creation is one event carrying the same data as ours."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data


class Commitments(Application[uuid.UUID]):
    """The library's application object; its persistence comes from the environment."""


def eventsourcing_saves(admin_url: str, dbname: str, threads: int, sizes: Sizes) -> float:
    """Aggregates created with one event each and saved from `threads` threads, default mode."""
    env = {
        **eventsourcing_env(admin_url, dbname),
        "POSTGRES_POOL_SIZE": str(threads),
        "POSTGRES_MAX_OVERFLOW": "0",
    }
    app = Commitments(env=env)
    try:
        app.save(Commitment(data=DATA))  # creates the table and opens the pool
        begin = time.perf_counter()
        window = Window(begin + sizes.warmup_s, begin + sizes.warmup_s + sizes.duration_s)
        lock = threading.Lock()
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                while time.perf_counter() < window.end:
                    app.save(Commitment(data=DATA))
                    with lock:
                        window.tick()
            except BaseException as exc:
                errors.append(exc)

        pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join(timeout=sizes.warmup_s + sizes.duration_s + 60)
        if errors:
            raise errors[0]
        if any(t.is_alive() for t in pool):
            raise RuntimeError("eventsourcing threads did not stop")
        return window.rate
    finally:
        app.close()


async def run_eventsourcing(server: Server, threads: int, sizes: Sizes) -> float:
    async with server.fresh("es", migrate=False) as db:
        await server.settle(sizes.pause_s)
        return await asyncio.to_thread(eventsourcing_saves, db.admin_url, db.name, threads, sizes)


# --------------------------------------------------------------------------------------------
# The backlog: sequencer throughput, then reading the log


async def sequencing_ceiling(db: Db, backlog: int) -> float:
    """One INSERT … SELECT row_number() over the whole backlog, rolled back: the server's floor."""
    conn = await database.connect(db.app_url)
    try:
        tx = conn.transaction()
        await tx.start()
        try:
            begin = time.perf_counter()
            status = await conn.execute(SEQUENCE_CEILING)
            elapsed = time.perf_counter() - begin
        finally:
            await tx.rollback()
        if status != f"INSERT 0 {backlog}":
            raise RuntimeError(f"sequencing ceiling inserted {status!r}, not {backlog} rows")
        return backlog / elapsed
    finally:
        await conn.close()


async def read_ours(url: str, page: int, expected: int, *, decode: bool = False) -> float:
    """`read_log` pages into StoredEvent objects (data and metadata decoded on first use).

    With `decode`, every event's `data` and `metadata` are also read, as a consumer that uses
    every payload would (a diagnostic: what decoding on first use moves to the reader)."""
    conn = await database.connect(url)
    try:
        after, seen = -1, 0
        begin = time.perf_counter()
        for _ in range(expected // page + 2):
            events = await store.read_log(conn, after, page)
            if not events:
                break
            if decode:
                for event in events:
                    event.data  # noqa: B018 (decodes it)
                    event.metadata  # noqa: B018
            seen += len(events)
            last = events[-1].log_index
            assert last is not None
            after = last
        elapsed = time.perf_counter() - begin
    finally:
        await conn.close()
    if seen != expected:
        raise RuntimeError(f"read_log returned {seen} events, not {expected}")
    return seen / elapsed


async def read_decoded(url: str, page: int, expected: int) -> float:
    """`read_ours` with every payload and metadata decoded."""
    return await read_ours(url, page, expected, decode=True)


async def read_raw(url: str, page: int, expected: int) -> float:
    """The same query and pages on a plain asyncpg connection: records only, jsonb as text."""
    conn = await asyncpg.connect(url)
    try:
        after, seen = -1, 0
        begin = time.perf_counter()
        for _ in range(expected // page + 2):
            rows = await conn.fetch(READ_LOG_FLOOR, after, page)
            if not rows:
                break
            seen += len(rows)
            after = rows[-1][10]
        elapsed = time.perf_counter() - begin
    finally:
        await conn.close()
    if seen != expected:
        raise RuntimeError(f"keyset fetch returned {seen} rows, not {expected}")
    return seen / elapsed


# --------------------------------------------------------------------------------------------
# Sequencer lag at a paced append rate


@dataclass(slots=True)
class LagResult:
    p50_ms: float
    p99_ms: float
    max_ms: float
    appends: int
    achieved_rate: float
    missing: int
    append_p50_ms: float
    append_p99_ms: float


async def watch_log(
    url: str, stop: asyncio.Event, seen: dict[uuid.UUID, float], deadline: float
) -> None:
    """Record when each event id first becomes readable in `log` (LISTEN + 5 ms polling)."""
    conn = await database.connect(url)
    woken = asyncio.Event()

    def on_notify(*_: object) -> None:
        woken.set()

    await conn.add_listener(LOG_CHANNEL, on_notify)
    try:
        after = -1
        while not stop.is_set() and time.perf_counter() < deadline:
            woken.clear()
            rows = await conn.fetch(LOG_WATCH, after)
            now = time.perf_counter()
            for row in rows:
                seen.setdefault(row[1], now)
            if rows:
                after = rows[-1][0]
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), timeout=0.005)
    finally:
        await conn.remove_listener(LOG_CHANNEL, on_notify)
        await conn.close()


async def measure_lag(server: Server, sizes: Sizes) -> LagResult:
    """Append at a steady rate with the sequencer running; lag = append returned → seen in log.

    Appends are launched on an open-loop schedule (one every 1/rate s, each on a pooled
    connection), so a slow append does not slow the schedule. An append returns after its
    commit, so its return time is an upper bound on the commit time; the watcher's time is
    taken when its query returns the row, an upper bound on when the row became visible.
    """
    total = int(sizes.lag_rate * sizes.lag_duration_s)
    async with server.fresh("lag") as db:
        pool = await database.create_pool(db.app_url, min_size=8, max_size=16)
        returned: dict[uuid.UUID, float] = {}
        seen: dict[uuid.UUID, float] = {}
        append_ms: list[float] = []
        try:
            await server.settle(sizes.pause_s)
            stop = asyncio.Event()
            watcher = asyncio.create_task(
                watch_log(db.app_url, stop, seen, time.perf_counter() + sizes.lag_duration_s + 30)
            )
            async with sequencer_running(db.app_url):

                async def one(i: int, before: asyncio.Task[None] | None) -> None:
                    if before is not None:
                        await before  # same stream: keep versions in order
                    event = new_event()
                    start = time.perf_counter()
                    await store.append(
                        pool,
                        f"lag-{i // STREAM_LENGTH}",
                        i % STREAM_LENGTH,
                        [event],
                        command_id=uuid.uuid4(),
                        metadata=METADATA,
                        organisations=ORGANISATIONS,
                    )
                    done = time.perf_counter()
                    returned[event.event_id] = done
                    append_ms.append((done - start) * 1000)

                launched: list[asyncio.Task[None]] = []
                begin = time.perf_counter()
                previous: asyncio.Task[None] | None = None
                for i in range(total):
                    delay = begin + i / sizes.lag_rate - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    previous = asyncio.create_task(one(i, previous if i % STREAM_LENGTH else None))
                    launched.append(previous)
                await asyncio.wait_for(asyncio.gather(*launched), timeout=60)
                achieved = total / (time.perf_counter() - begin)
                for _ in range(3000):  # until the watcher has seen every event, at most 30 s
                    if len(seen.keys() & returned.keys()) == total:
                        break
                    await asyncio.sleep(0.01)
            stop.set()
            await asyncio.wait_for(watcher, timeout=30)
        finally:
            await pool.close()
    lags = [max(0.0, seen[k] - t) * 1000 for k, t in returned.items() if k in seen]
    return LagResult(
        p50_ms=percentile(lags, 0.50),
        p99_ms=percentile(lags, 0.99),
        max_ms=max(lags, default=float("nan")),
        appends=total,
        achieved_rate=achieved,
        missing=total - len(lags),
        append_p50_ms=percentile(append_ms, 0.50),
        append_p99_ms=percentile(append_ms, 0.99),
    )


# --------------------------------------------------------------------------------------------
# Main


async def measure(url: str, sizes: Sizes) -> tuple[list[Row], dict[str, Any]]:
    server = Server(url)
    c = sizes.concurrency
    runs: dict[str, list[float]] = {
        k: []
        for k in (
            *("floor_1", "ours_1", "bare_1", "rows_1", "es_1"),
            *(f"floor_{c}", f"ours_{c}", f"bare_{c}", f"rows_{c}", f"es_{c}"),
        )
    }
    notes: dict[str, Any] = {}
    plan: list[tuple[str, Callable[[], Awaitable[float]]]] = [
        ("floor_1", lambda: run_floor(server, 1, sizes, notes)),
        ("ours_1", lambda: run_ours(server, 1, sizes, notes)),
        ("bare_1", lambda: run_ours(server, 1, sizes, notes, sequencer=False)),
        ("rows_1", lambda: run_same_rows(server, 1, sizes, notes)),
        ("es_1", lambda: run_eventsourcing(server, 1, sizes)),
        (f"floor_{c}", lambda: run_floor(server, c, sizes, notes)),
        (f"ours_{c}", lambda: run_ours(server, c, sizes, notes)),
        (f"bare_{c}", lambda: run_ours(server, c, sizes, notes, sequencer=False)),
        (f"rows_{c}", lambda: run_same_rows(server, c, sizes, notes)),
        (f"es_{c}", lambda: run_eventsourcing(server, c, sizes)),
    ]
    for rep in range(sizes.reps):
        order = plan if rep % 2 == 0 else list(reversed(plan))
        for key, action in order:
            value = await action()
            runs[key].append(value)
            say(f"  rep {rep + 1}/{sizes.reps} {key}: {value:,.0f} /s")

    say(f"  backlog: {sizes.backlog:,} events")
    async with server.fresh("backlog") as db:
        notes["backlog_load_events_per_s"] = round(
            await load_backlog(db, sizes.backlog, sizes.backlog_per_append, sizes.backlog_tasks)
        )
        await admin_execute(db, "VACUUM ANALYZE events")
        await server.settle(sizes.pause_s)
        ceiling = await sequencing_ceiling(db, sizes.backlog)
        await admin_execute(db, "VACUUM log")
        await server.settle(sizes.pause_s)
        batch = Sequencer(connect=lambda: database.connect(db.app_url)).batch_size
        notes["sequencer_batch_size"] = batch
        drained = await drain(db, sizes.backlog, batch)
        say(f"  sequencer: {drained:,.0f} /s (ceiling {ceiling:,.0f} /s)")
        await admin_execute(db, "VACUUM ANALYZE log")
        await server.settle(sizes.pause_s)
        await read_raw(db.app_url, sizes.page, sizes.backlog)  # warm the cache
        reads: dict[str, list[float]] = {"ours": [], "raw": [], "decoded": []}
        for rep in range(max(sizes.reps, 1)):
            pair = [("raw", read_raw), ("ours", read_ours), ("decoded", read_decoded)]
            for key, reader in pair if rep % 2 == 0 else reversed(pair):
                reads[key].append(await reader(db.app_url, sizes.page, sizes.backlog))
        say(f"  read_log: {median(reads['ours']):,.0f} /s (raw {median(reads['raw']):,.0f} /s)")
        notes["read_log_every_payload_decoded"] = {
            "median": round(median(reads["decoded"])),
            "runs": [round(v) for v in reads["decoded"]],
            "ratio_to_raw": [
                round(d / r, 3) for d, r in zip(reads["decoded"], reads["raw"], strict=True)
            ],
        }

    lag = await measure_lag(server, sizes)
    say(f"  lag: p50 {lag.p50_ms:.1f} ms, p99 {lag.p99_ms:.1f} ms")
    notes["lag"] = asdict(lag)

    m = {k: median(v) for k, v in runs.items()}
    notes["append_without_sequencer"] = {
        k: {"median": round(m[k]), "runs": [round(v) for v in runs[k]]}
        for k in ("bare_1", f"bare_{c}")
    }
    read_ours_m, read_raw_m = median(reads["ours"]), median(reads["raw"])
    rows = [
        Row(
            "append, 1 writer, sequencer on (events/s)",
            "/s",
            m["ours_1"],
            m["floor_1"],
            "raw INSERT",
            "≥ 0.80× floor",
            m["ours_1"] >= 0.8 * m["floor_1"],
            runs["ours_1"],
            runs["floor_1"],
        ),
        Row(
            f"append, {c} tasks, sequencer on (events/s)",
            "/s",
            m[f"ours_{c}"],
            m[f"floor_{c}"],
            "raw INSERT",
            "≥ 0.80× floor",
            m[f"ours_{c}"] >= 0.8 * m[f"floor_{c}"],
            runs[f"ours_{c}"],
            runs[f"floor_{c}"],
        ),
        Row(
            "append, 1 writer ÷ its rows by plain SQL (events/s)",
            "/s",
            m["ours_1"],
            m["rows_1"],
            "same rows, 1 statement",
            "–",
            None,
            runs["ours_1"],
            runs["rows_1"],
        ),
        Row(
            f"append, {c} tasks ÷ its rows by plain SQL (events/s)",
            "/s",
            m[f"ours_{c}"],
            m[f"rows_{c}"],
            "same rows, 1 statement",
            "–",
            None,
            runs[f"ours_{c}"],
            runs[f"rows_{c}"],
        ),
        Row(
            "append vs eventsourcing, 1 writer (events/s)",
            "/s",
            m["ours_1"],
            m["es_1"],
            "eventsourcing",
            "≥ 5× peer",
            m["ours_1"] >= 5 * m["es_1"],
            runs["ours_1"],
            runs["es_1"],
        ),
        Row(
            f"append vs eventsourcing, {c} writers (events/s)",
            "/s",
            m[f"ours_{c}"],
            m[f"es_{c}"],
            "eventsourcing",
            "≥ 5× peer",
            m[f"ours_{c}"] >= 5 * m[f"es_{c}"],
            runs[f"ours_{c}"],
            runs[f"es_{c}"],
        ),
        Row(
            f"sequencer, {sizes.backlog:,} backlog (events/s)",
            "/s",
            drained,
            ceiling,
            "1-statement SQL",
            "≥ 20,000/s",
            drained >= 20_000,
            [drained],
            [ceiling],
        ),
        Row(
            f"sequencer lag p50 at {sizes.lag_rate:,} appends/s",
            "ms",
            lag.p50_ms,
            None,
            "",
            "–",
            None,
        ),
        Row(
            f"sequencer lag p99 at {sizes.lag_rate:,} appends/s",
            "ms",
            lag.p99_ms,
            None,
            "",
            "≤ 50 ms",
            lag.missing == 0 and lag.p99_ms <= 50,
        ),
        Row(
            "read_log into StoredEvent, pages of 1000 (events/s)",
            "/s",
            read_ours_m,
            read_raw_m,
            "raw keyset rows",
            "≥ 200,000/s",
            read_ours_m >= 200_000,
            reads["ours"],
            reads["raw"],
        ),
    ]
    return rows, notes


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = arg_parser(
        "store",
        "Benchmark the event store against its peers.",
        quick_help="every size about 20x smaller",
        reps_help="repetitions of each write run",
    )
    return parser.parse_args(argv)


async def run(argv: list[str] | None = None) -> int:
    """Run every scenario once, print the table and write the JSON results; 0 when done."""
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.reps is not None:
        sizes = Sizes(**{**asdict(sizes), "reps": max(1, args.reps)})
    started = dt.datetime.now(dt.UTC)
    mode = "quick" if args.quick else "full"
    say(f"store bench ({mode}), {sizes.reps} rep(s)")
    pg_version, rows, notes = await measured(args.database_url, measure, sizes)
    elapsed = (dt.datetime.now(dt.UTC) - started).total_seconds()

    print(
        heading(
            "store",
            mode,
            started,
            pg_version,
            f"medians of {sizes.reps} rep(s)",
            notes.get("machine_pace_s"),
        )
    )
    print(render(rows))
    print()
    print_runs(rows)
    lag = notes["lag"]
    print(
        f"lag: {lag['appends']:,} appends at {lag['achieved_rate']:,.0f}/s, "
        f"max {lag['max_ms']:.1f} ms, missing {lag['missing']}, "
        f"append latency p50 {lag['append_p50_ms']:.2f} ms / p99 {lag['append_p99_ms']:.2f} ms"
    )
    print(f"backlog load: {notes['backlog_load_events_per_s']:,} events/s")
    decoded = notes["read_log_every_payload_decoded"]
    print(
        f"read_log with every data and metadata decoded: {decoded['median']:,}/s "
        f"(runs {runs_text(decoded['runs'])}; ÷ raw rows of the same rep "
        f"{decoded['ratio_to_raw']}); diagnostic, no target"
    )
    for key, value in notes["append_without_sequencer"].items():
        tasks = key.removeprefix("bare_")
        who = "1 writer" if tasks == "1" else f"{tasks} tasks"
        print(
            f"append with the sequencer off, {who}: {value['median']:,}/s "
            f"(runs {runs_text(value['runs'])}); diagnostic, no target"
        )
    for key, value in notes.items():
        if key.endswith(
            (
                "_sequenced_share",
                "_sequencer_batches_per_1000_events",
                "_wal_bytes_per_event",
                "_machine_cpu_us_per_event",
            )
        ):
            print(f"{key}: {value}")
    print(f"total time {elapsed:.0f} s")

    out = write_results(
        args.results_dir,
        "store",
        started=started,
        elapsed=elapsed,
        quick=args.quick,
        sizes=sizes,
        pg_version=pg_version,
        rows=rows,
        notes=notes,
        payload_bytes={"data": len(orjson.dumps(DATA)), "metadata": len(orjson.dumps(METADATA))},
    )
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(run()))
