"""Projection benchmark: rebuilds, the eventsourcing runner, time travel, append → projected lag.

Run `python -m ops.bench.projection` (full: a log of about 1,000,000 events) or with `--quick`
(about 50,000). The server and databases come from `ops.bench.harness`. The log is generated
from the domain: the demo history is decided in memory by the real deciders, and its 2018
promise (five commitments, five places) is the template of every generated promise, which then
gets signed, enters into force, is published, collects activities and a published follow-up.
Events are encoded with the domain's registry and appended in bulk, streams interleaved, then
sequenced.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import resource
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import asyncpg
import orjson
from eventsourcing.application import Application
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import StoredEvent as LibStoredEvent
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection as LibProjection
from eventsourcing.projection import ProjectionRunner
from eventsourcing.utils import register_topic
from psycopg.sql import SQL, Composed

from events.catalogue import deciders
from events.codec import Registry
from events.context import DecisionContext
from events.directory.decider import DIRECTORY_STREAM
from events.log import store
from events.messages import Event
from events.promise.commands import AddCommitment, ProposePromise
from events.promise.decider import PROMISE
from events.promise.events import (
    ActivityPerformed,
    CommitmentAssessed,
    FollowUpApproved,
    FollowUpPublished,
    FollowUpReportDrafted,
    PromiseEnteredIntoForce,
    PromisePublished,
    PromiseSigned,
)
from ops.bench.harness import (
    NOW,
    Db,
    Row,
    Server,
    admin_execute,
    arg_parser,
    drain,
    eventsourcing_env,
    heading,
    measured,
    median,
    open_loop,
    percentile,
    render,
    say,
    sequencer_running,
    write_results,
)
from projections.documents import DocumentProjection
from projections.progress import progress
from projections.rebuild import rebuild
from projections.runner import Runner, serving_version
from service import database
from service.bootstrap import build_domain
from service.demo.records import demo_commands
from service.rebuilds import in_processes
from service.workers import collect_less, freeze_startup

TEMPLATE_STREAM = "promise-upplands-bro-2018"
TEMPLATE_ID = "upplands-bro-2018"
TEMPLATE_PARTIES = ("org-upplands-bro", "org-lpo-jarfalla")
COMMITMENTS = ("c1", "c2", "c3", "c4", "c5")
PLACES = ("p1", "p2", "p3", "p4", "p5")
MUNICIPALITIES = 290
LONG_STREAM_EVENTS = 1000
METADATA: dict[str, Any] = {
    "actor": {"issuer": "https://idp.example.se", "subject": "u-4711"},
    "request_id": "bench",
    "command": "RecordActivity",
}

PARTS = 2
"""Processes the rebuild in parts folds in (the machine's two cores)."""


@dataclass(frozen=True, slots=True)
class Sizes:
    promises: int
    activities: int
    activity_rounds: int
    append_tasks: int
    peer_events: int
    peer_seconds: float
    fold_reps: int
    lag_rate: int
    lag_duration_s: float
    slow_lag_rate: int
    pause_s: float


FULL = Sizes(
    promises=10_000,
    activities=72,
    activity_rounds=6,
    append_tasks=8,
    peer_events=100_000,
    peer_seconds=20.0,
    fold_reps=21,
    lag_rate=200,
    lag_duration_s=10.0,
    slow_lag_rate=20,
    pause_s=2.0,
)
QUICK = Sizes(
    promises=500,
    activities=72,
    activity_rounds=6,
    append_tasks=8,
    peer_events=5_000,
    peer_seconds=2.0,
    fold_reps=5,
    lag_rate=200,
    lag_duration_s=1.0,
    slow_lag_rate=20,
    pause_s=0.1,
)


# --------------------------------------------------------------------------------------------
# The generated log

Encoded = tuple[str, int, dict[str, Any]]


def template_events(registry: Registry) -> tuple[list[Encoded], list[Encoded], str]:
    """The demo decided in memory: directory events and the 2018 promise cut to 5 commitments.

    Returns the directory's encoded events, the promise's (drafted … proposed) and its hash.
    The demo goes on to record the promise's signatures and publication from its text, with
    the hash of all its commitments; the template stops at its proposal, and its hash is the
    one the deciders gave the cut revision (the folded working revision's), which the
    generated signatures then name. Only the directory and the template are decided: nothing
    else of the demo goes into the generated log.
    """
    by_type = {t: d for d in deciders() for t in d.command_types}
    states: dict[str, Any] = {}
    directory: Any = None
    out: dict[str, list[Encoded]] = {}
    proposed = False
    for stream, command in demo_commands(NOW):
        cut = isinstance(command, AddCommitment) and (
            command.commitment.commitment_id not in COMMITMENTS
        )
        if stream != DIRECTORY_STREAM and (stream != TEMPLATE_STREAM or proposed or cut):
            continue
        decider = by_type[type(command)]
        state = states.get(stream, decider.initial_state)
        context = DecisionContext() if directory is None else DecisionContext(directory=directory)
        for event in decider.decide(command, state, context):
            state = decider.evolve(state, event)
            out.setdefault(stream, []).append(registry.encode(event))
        states[stream] = state
        if stream == DIRECTORY_STREAM:
            directory = state
        proposed = proposed or (stream == TEMPLATE_STREAM and isinstance(command, ProposePromise))
    working = states[TEMPLATE_STREAM].working
    if not proposed or working is None or working.content_hash is None:
        raise RuntimeError(f"the demo's {TEMPLATE_STREAM} was never proposed for signing")
    return out[DIRECTORY_STREAM], out[TEMPLATE_STREAM], str(working.content_hash)


@dataclass(slots=True)
class Generator:
    """Encoded events of generated promises, by phase, so that streams interleave in the log."""

    registry: Registry
    drafting: list[Encoded]
    content_hash: str
    activity: dict[str, Any]

    @classmethod
    def build(cls, registry: Registry) -> tuple[Generator, list[Encoded]]:
        directory, drafting, content_hash = template_events(registry)
        activity = registry.encode(
            ActivityPerformed(
                record_id="r",
                commitment_id="c1",
                revision_no=1,
                occurred_on=dt.date(2026, 3, 1),
                place_ids=("p1",),
                performed_by=TEMPLATE_PARTIES,
                quantity=1,
                summary="Trygghetsvandring med polis, fältassistenter och fastighetsägare.",
                reported_by="person-ida-texell",
            )
        )[2]
        return cls(registry, drafting, content_hash, activity), directory

    @staticmethod
    def parties(i: int) -> tuple[str, str]:
        m = i % MUNICIPALITIES
        return f"org-kommun-{m:03d}", f"org-lpo-{m // 3:03d}"

    @staticmethod
    def stream(i: int) -> str:
        return f"promise-bench-{i:06d}"

    def _enc(self, event: Event) -> Encoded:
        kind, version, data = self.registry.encode(event)
        return kind, version, data

    def opening(self, i: int) -> list[Encoded]:
        """Drafting (the template with this promise's id and parties), signing, publishing."""
        kommun, lpo = self.parties(i)
        raw = orjson.dumps([list(e) for e in self.drafting])
        raw = raw.replace(f'"{TEMPLATE_ID}"'.encode(), f'"bench-{i:06d}"'.encode())
        raw = raw.replace(f'"{TEMPLATE_PARTIES[0]}"'.encode(), f'"{kommun}"'.encode())
        raw = raw.replace(f'"{TEMPLATE_PARTIES[1]}"'.encode(), f'"{lpo}"'.encode())
        events: list[Encoded] = [(k, v, d) for k, v, d in orjson.loads(raw)]
        h = self.content_hash
        events += [
            self._enc(
                PromiseSigned(revision_no=1, content_hash=h, party_id=lpo, person_id="p-lpo")
            ),
            self._enc(
                PromiseSigned(revision_no=1, content_hash=h, party_id=kommun, person_id="p-ks")
            ),
            self._enc(
                PromiseEnteredIntoForce(
                    revision_no=1, content_hash=h, valid_from=dt.date(2026, 1, 1)
                )
            ),
            self._enc(
                PromisePublished(
                    revision_no=1,
                    channel="web",
                    published_on=dt.date(2026, 1, 15),
                    url=f"https://{kommun}.example.se/medborgarloften",
                )
            ),
        ]
        return events

    def activities(self, i: int, start: int, count: int) -> list[Encoded]:
        out: list[Encoded] = []
        for n in range(start, start + count):
            data = dict(self.activity)
            data["record_id"] = f"r-{i}-{n}"
            data["commitment_id"] = COMMITMENTS[n % len(COMMITMENTS)]
            data["place_ids"] = [PLACES[n % len(PLACES)]]
            data["occurred_on"] = (dt.date(2026, 1, 1) + dt.timedelta(days=n % 300)).isoformat()
            data["quantity"] = 1 + n % 3
            out.append(("ActivityPerformed", 2, data))
        return out

    def follow_up(self, i: int) -> list[Encoded]:
        kommun, lpo = self.parties(i)
        report = f"fu-{i}-2026"
        events = [
            self._enc(
                FollowUpReportDrafted(
                    report_id=report,
                    kind="interim",
                    covers_from=dt.date(2026, 1, 1),
                    covers_to=dt.date(2026, 6, 30),
                )
            )
        ]
        events += [
            self._enc(
                CommitmentAssessed(
                    report_id=report, commitment_id=c, status="partly", achieved=3, comment="Pågår"
                )
            )
            for c in COMMITMENTS
        ]
        events += [
            self._enc(
                FollowUpApproved(
                    report_id=report,
                    party_id=p,
                    person_id=f"p-{p}",
                    approved_on=dt.date(2026, 7, 1),
                )
            )
            for p in (lpo, kommun)
        ]
        events.append(
            self._enc(
                FollowUpPublished(report_id=report, channel="web", published_on=dt.date(2026, 7, 2))
            )
        )
        return events


def new_events(encoded: Sequence[Encoded]) -> list[store.NewEvent]:
    return [
        store.NewEvent(event_id=uuid.uuid4(), type=k, schema_version=v, data=d, occurred_at=NOW)
        for k, v, d in encoded
    ]


def check_template(gen: Generator, domain: Any) -> None:
    """Fold one generated promise with the projection's own fold: it must be in force with
    progress on all five commitments (so the generated log is one the domain accepts)."""
    projection: DocumentProjection[Any] = domain.promises
    encoded = gen.opening(0) + gen.activities(0, 0, 20) + gen.follow_up(0)
    state = projection.decider.initial_state
    for kind, version, data in encoded:
        state = projection.decider.evolve(state, gen.registry.decode(kind, version, data))
    rows = progress(state)
    if state.status != "in_force" or len(rows) != len(COMMITMENTS):
        raise RuntimeError(
            f"a generated promise folds to {state.status!r}, {len(rows)} commitments"
        )


@dataclass(slots=True)
class Loaded:
    events: int
    load_rate: float
    long_stream: str


async def load_log(db: Db, sizes: Sizes, gen: Generator, directory: list[Encoded]) -> Loaded:
    """Append every phase for every promise (multi-event appends, ANY version, many tasks)."""
    pool = await database.create_pool(
        db.app_url, min_size=sizes.append_tasks, max_size=sizes.append_tasks
    )
    total = 0
    per_round = sizes.activities // sizes.activity_rounds
    long_stream = gen.stream(sizes.promises)
    try:
        begin = time.perf_counter()
        await store.append(
            pool, "directory", store.ANY, new_events(directory), command_id=None, metadata=METADATA
        )
        total += len(directory)

        async def phase(build: Any) -> int:
            counter = iter(range(sizes.promises))
            written = 0

            async def worker() -> None:
                nonlocal written
                async with pool.acquire() as conn:
                    for i in counter:
                        encoded = build(i)
                        await store.append(
                            conn,
                            gen.stream(i),
                            store.ANY,
                            new_events(encoded),
                            command_id=None,
                            metadata=METADATA,
                            organisations=[gen.parties(i)[0]],
                        )
                        written += len(encoded)

            await asyncio.wait_for(
                asyncio.gather(*(worker() for _ in range(sizes.append_tasks))), timeout=1800
            )
            return written

        total += await phase(gen.opening)
        for r in range(sizes.activity_rounds):
            total += await phase(lambda i, r=r: gen.activities(i, r * per_round, per_round))
        total += await phase(gen.follow_up)
        # One long stream for time travel: 1,000 events.
        opening = gen.opening(sizes.promises)
        follow = gen.follow_up(sizes.promises)
        middle = gen.activities(sizes.promises, 0, LONG_STREAM_EVENTS - len(opening) - len(follow))
        for chunk in (opening, middle[:500], middle[500:], follow):
            await store.append(
                pool, long_stream, store.ANY, new_events(chunk), command_id=None, metadata=METADATA
            )
            total += len(chunk)
        rate = total / (time.perf_counter() - begin)
    finally:
        await pool.close()
    return Loaded(events=total, load_rate=rate, long_stream=long_stream)


# --------------------------------------------------------------------------------------------
# The eventsourcing library's ProjectionRunner with a PostgreSQL view


class LibPromiseEvent(DomainEvent):
    """Any promise event, as the library's mapper rebuilds it (its __dict__ is our data)."""


LIB_TOPIC = "samverkan_bench:LibPromiseEvent"
register_topic(LIB_TOPIC, LibPromiseEvent)  # resolvable whether run with -m or imported


class LibPromises(Application[uuid.UUID]):
    """The library application whose store holds the same events."""


class PromiseView(PostgresTrackingRecorder):
    """A PostgreSQL view: per promise, events applied, last type and the last payload."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.table = f"{self.datastore.schema}.promise_view"
        self.sql_create_statements.append(
            Composed(
                [
                    SQL(
                        f"CREATE TABLE IF NOT EXISTS {self.table} (promise_id uuid PRIMARY KEY, "
                        "events integer NOT NULL, last_type text NOT NULL, doc jsonb NOT NULL)"
                    )
                ]
            )
        )

    def apply(self, event: LibPromiseEvent, tracking: Tracking) -> None:
        doc = {k: v for k, v in event.__dict__.items() if k not in ("originator_id", "timestamp")}
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                f"INSERT INTO {self.table} VALUES (%s, 1, %s, %s) "
                "ON CONFLICT (promise_id) DO UPDATE SET events = promise_view.events + 1, "
                "last_type = excluded.last_type, doc = excluded.doc",
                (event.originator_id, doc.get("type", ""), orjson.dumps(doc).decode()),
                prepare=True,
            )
            self._insert_tracking(curs, tracking)


class PromiseProjection(LibProjection[PromiseView]):
    name = "promiseview"

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.apply(domain_event, tracking)


def lib_env(db: Db) -> dict[str, str]:
    return eventsourcing_env(db.admin_url, db.name)


def lib_seed(env: dict[str, str], rows: Sequence[tuple[str, int, str, dict[str, Any]]]) -> None:
    """Write the same events into the library's own application store (not timed)."""
    app = LibPromises(env=env)
    topic = LIB_TOPIC
    try:
        for start in range(0, len(rows), 1000):
            app.recorder.insert_events(
                [
                    LibStoredEvent(
                        originator_id=uuid.uuid5(uuid.NAMESPACE_URL, stream),
                        originator_version=version,
                        topic=topic,
                        state=orjson.dumps({**data, "type": kind, "timestamp": NOW.isoformat()}),
                    )
                    for stream, version, kind, data in rows[start : start + 1000]
                ]
            )
    finally:
        app.close()


def lib_projection_pass(env: dict[str, str], expected: int, limit_s: float) -> tuple[float, int]:
    """Time the runner from its start until it tracks `expected` events or `limit_s` passes."""
    begin = time.perf_counter()
    runner = ProjectionRunner(
        application_class=LibPromises,
        projection_class=PromiseProjection,
        view_class=PromiseView,
        env=env,
    )
    done = 0
    with runner:
        while time.perf_counter() - begin < limit_s and not runner.is_interrupted.is_set():
            done = runner.view.max_tracking_id(runner.app.name) or 0
            if done >= expected:
                break
            time.sleep(0.02)
        elapsed = time.perf_counter() - begin
        error = runner._thread_error
        # Join the processing thread before the context closes the subscription under it.
        runner.stop()
        runner._processing_thread.join(timeout=30)
        runner._thread_error = None
    if error is not None:
        raise error
    runner.view.datastore.close()
    return done / elapsed, done


async def run_peer(server: Server, big: Db, sizes: Sizes) -> tuple[float, int]:
    conn = await database.connect(big.app_url)
    try:
        records = await conn.fetch(
            "SELECT e.stream_id, e.stream_version, e.type, p.data FROM log l "
            "JOIN events e ON e.id = l.event_pk JOIN payloads p ON p.event_pk = e.id "
            "ORDER BY l.log_index LIMIT $1",
            sizes.peer_events,
        )
    finally:
        await conn.close()
    rows = [(r[0], int(r[1]), r[2], r[3]) for r in records]
    async with server.fresh("es_projection", migrate=False) as db:
        env = lib_env(db)
        await asyncio.to_thread(lib_seed, env, rows)
        await server.settle(sizes.pause_s)
        return await asyncio.to_thread(lib_projection_pass, env, len(rows), sizes.peer_seconds)


# --------------------------------------------------------------------------------------------
# Time travel and append → projected


async def time_travel(db: Db, stream: str, reps: int) -> tuple[float, int]:
    """Median ms of `as_of` on the long stream at the head (read + decode + fold + views)."""
    domain = build_domain()
    conn = await database.connect(db.app_url)
    try:
        head = await store.log_size(conn) - 1
        doc = await domain.promises.as_of(conn, stream, head)
        if doc is None:
            raise RuntimeError("time travel found no document")
        count = len(await store.read_stream(conn, stream))
        times = []
        for _ in range(reps):
            begin = time.perf_counter()
            await domain.promises.as_of(conn, stream, head)
            times.append((time.perf_counter() - begin) * 1000)
    finally:
        await conn.close()
    return median(times), count


async def cold_loads(db: Db, stream: str, reps: int) -> tuple[float, float]:
    """ms of a cold dispatcher's load of the long stream (a new dispatcher each time, as a node
    that has just started): the first, which folds it from the log and writes the newest
    snapshot due, and the median of those after it, each from that snapshot. Run before time
    travel, which writes snapshots of the same stream."""
    domain = build_domain()
    pool = await database.create_pool(db.app_url, min_size=1, max_size=1)
    times = []
    try:
        async with pool.acquire() as conn:
            for _ in range(reps + 1):
                cold = domain.dispatcher(pool)
                begin = time.perf_counter()
                await cold.load(conn, PROMISE, stream)
                times.append((time.perf_counter() - begin) * 1000)
    finally:
        await pool.close()
    return times[0], median(times[1:])


CHECKPOINT_NOW = """
SELECT checkpoint FROM projection_state WHERE projection = $1 AND status = 'serving'"""

NEW_IN_LOG = """
SELECT l.log_index, e.event_id FROM log l JOIN events e ON e.id = l.event_pk
WHERE l.log_index > $1 ORDER BY l.log_index"""


@dataclass(slots=True)
class LagResult:
    p50_ms: float
    p99_ms: float
    max_ms: float
    appends: int
    achieved_rate: float
    missing: int


def run_runner(url: str, stop: Any, ready: Any) -> None:
    """The promise projection's runner until `stop` (a multiprocessing Event) is set; `ready`
    is set once it leads."""

    collect_less()  # as `samverkan worker` does

    async def main() -> None:
        done = asyncio.Event()
        runner = Runner(projection=build_domain().promises, connect=lambda: database.connect(url))
        freeze_startup()  # as `samverkan worker` does
        task = asyncio.create_task(runner.run(done))
        for _ in range(100_000):  # bounded: about 80 minutes
            if stop.is_set() or task.done():
                break
            if runner.is_leader:
                ready.set()
            await asyncio.sleep(0.05)
        done.set()
        await asyncio.wait_for(task, timeout=30)

    asyncio.run(main())


async def measure_lag(
    db: Db, sizes: Sizes, gen: Generator, name: str, *, rate: int, first: int = 0
) -> LagResult:
    """Appends at a steady `rate` for `sizes.lag_duration_s` with the sequencer and the
    promise Runner running; the activity records are numbered from `first`.

    Lag = append returned → the serving checkpoint (moved in the same transaction as the
    documents) covers the event's log index, seen by a watcher polling every 2 ms.
    """
    total = int(rate * sizes.lag_duration_s)
    returned: dict[uuid.UUID, float] = {}
    seen: dict[uuid.UUID, float] = {}
    pool = await database.create_pool(db.app_url, min_size=4, max_size=16)
    # The runner works in a process of its own, as in a deployment (`samverkan worker`): the
    # appends and the watcher of this process would otherwise share its event loop.
    spawn = multiprocessing.get_context("spawn")
    stop, ready = spawn.Event(), spawn.Event()
    runner = spawn.Process(target=run_runner, args=(db.app_url, stop, ready), daemon=True)
    runner.start()
    if not await asyncio.to_thread(ready.wait, 60):
        raise RuntimeError("the runner process did not start within 60 s")
    watch_stop = asyncio.Event()

    async def watcher() -> None:
        conn = await database.connect(db.app_url)
        try:
            after = await store.log_size(conn) - 1
            pending: list[tuple[int, uuid.UUID]] = []
            deadline = time.perf_counter() + sizes.lag_duration_s + 60
            while not watch_stop.is_set() and time.perf_counter() < deadline:
                rows = await conn.fetch(NEW_IN_LOG, after)
                if rows:
                    after = rows[-1][0]
                    pending += [(int(r[0]), r[1]) for r in rows]
                cp = await conn.fetchval(CHECKPOINT_NOW, name)
                now = time.perf_counter()
                if cp is not None:
                    keep = []
                    for index, event_id in pending:
                        if index <= cp:
                            seen.setdefault(event_id, now)
                        else:
                            keep.append((index, event_id))
                    pending = keep
                await asyncio.sleep(0.002)
        finally:
            await conn.close()

    try:
        async with sequencer_running(db.app_url) as sequencer:
            # The runner catches up with anything left first, and the sequencer finishes its
            # start-up pass (a new sequencer's first batch looks through every event for other
            # clusters' ones: seconds at a million events), so the lag measured is the steady
            # state's, not a one-off start.
            for _ in range(3000):
                conn = await database.connect(db.app_url)
                try:
                    cp = await conn.fetchval(CHECKPOINT_NOW, name)
                    head = await store.log_size(conn) - 1
                finally:
                    await conn.close()
                started = sequencer.state is not None and sequencer.state.foreign_done
                if started and cp is not None and cp >= head:
                    break
                await asyncio.sleep(0.01)
            watch = asyncio.create_task(watcher())

            async def one(i: int) -> None:
                (event,) = new_events(gen.activities(i % sizes.promises, 10_000 + first + i, 1))
                await store.append(
                    pool,
                    gen.stream(i % sizes.promises),
                    store.ANY,
                    [event],
                    command_id=uuid.uuid4(),
                    metadata=METADATA,
                    organisations=[gen.parties(i % sizes.promises)[0]],
                )
                returned[event.event_id] = time.perf_counter()

            achieved = await open_loop(rate, total, one, 60)
            for _ in range(3000):
                if len(seen.keys() & returned.keys()) == total:
                    break
                await asyncio.sleep(0.01)
            watch_stop.set()
            await asyncio.wait_for(watch, timeout=30)
    finally:
        stop.set()
        await asyncio.to_thread(runner.join, 30)
        if runner.exitcode is None:
            runner.kill()
            raise RuntimeError("the runner process did not stop within 30 s")
        await pool.close()
    if runner.exitcode != 0:
        raise RuntimeError(f"the runner process ended with {runner.exitcode}")
    lags = [max(0.0, seen[k] - t) * 1000 for k, t in returned.items() if k in seen]
    return LagResult(
        p50_ms=percentile(lags, 0.50),
        p99_ms=percentile(lags, 0.99),
        max_ms=max(lags, default=float("nan")),
        appends=total,
        achieved_rate=achieved,
        missing=total - len(lags),
    )


# --------------------------------------------------------------------------------------------
# Main


async def measure(url: str, sizes: Sizes) -> tuple[list[Row], dict[str, Any]]:
    server = Server(url)
    notes: dict[str, Any] = {}
    domain = build_domain()
    gen, directory = Generator.build(domain.registry)
    check_template(gen, domain)
    async with server.fresh("projection") as db:
        say(f"  generating and appending {sizes.promises:,} promises")
        loaded = await load_log(db, sizes, gen, directory)
        notes["log_events"] = loaded.events
        notes["load_events_per_s"] = round(loaded.load_rate)
        say(f"  appended {loaded.events:,} events at {loaded.load_rate:,.0f}/s")
        await admin_execute(db, "VACUUM ANALYZE events")
        batch = 2000
        drained = await drain(db, loaded.events, batch)
        notes["sequencer_events_per_s"] = round(drained)
        say(f"  sequenced at {drained:,.0f}/s")
        await admin_execute(db, "VACUUM ANALYZE")
        await server.settle(sizes.pause_s)

        name = domain.promises.name
        conn = await database.connect(db.app_url)
        try:
            await serving_version(conn, name)  # the (empty) version 1 the rebuild replaces
        finally:
            await conn.close()
        fresh = build_domain().promises
        rss_before = peak_rss_mb()
        begin = time.perf_counter()
        result = await rebuild(fresh, lambda: database.connect(db.app_url))
        rebuild_s = time.perf_counter() - begin
        ours = result.events / rebuild_s
        notes["rebuild"] = {
            "events": result.events,
            "seconds": round(rebuild_s, 2),
            "peak_rss_mb_before": rss_before,
            "peak_rss_mb_after": peak_rss_mb(),
        }
        say(f"  rebuild: {result.events:,} events in {rebuild_s:.1f} s = {ours:,.0f}/s")
        docs = await _count_docs(db, name, result.new_version)
        notes["rebuild"]["documents"] = docs
        # As after loading the log: the rebuild's new rows are vacuumed and analysed before
        # the timed phases, rather than by autovacuum in the middle of one of them.
        await admin_execute(db, "VACUUM ANALYZE documents, activity_records, projection_state")

        # The same rebuild with the streams split in two parts, each folded by a process of its
        # own (as `samverkan projections rebuild` does on a large log), then the tail as above.
        await server.settle(sizes.pause_s)
        begin = time.perf_counter()
        split = await rebuild(
            build_domain().promises,
            lambda: database.connect(db.app_url),
            parts=PARTS,
            run_part=in_processes(db.app_url),
        )
        parted_s = time.perf_counter() - begin
        in_parts = split.events / parted_s
        notes["rebuild_in_parts"] = {
            "parts": PARTS,
            "events": split.events,
            "seconds": round(parted_s, 2),
            "peak_rss_mb_largest_part": round(
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            ),
        }
        say(
            f"  rebuild in {PARTS} processes: {split.events:,} events in {parted_s:.1f} s "
            f"= {in_parts:,.0f}/s"
        )
        await admin_execute(db, "VACUUM ANALYZE documents, activity_records, projection_state")

        await server.settle(sizes.pause_s)
        peer, peer_done = await run_peer(server, db, sizes)
        notes["peer"] = {"events_projected": peer_done, "limit_s": sizes.peer_seconds}
        say(f"  eventsourcing runner: {peer_done:,} events at {peer:,.0f}/s")

        first_ms, later_ms = await cold_loads(db, loaded.long_stream, sizes.fold_reps)
        notes["cold_dispatcher_load_ms"] = {
            "first": round(first_ms, 2),
            "later": round(later_ms, 2),
        }
        say(f"  cold dispatcher load: first {first_ms:.1f} ms, later {later_ms:.1f} ms")
        fold_ms, fold_events = await time_travel(db, loaded.long_stream, sizes.fold_reps)
        notes["time_travel_stream_events"] = fold_events
        say(f"  time travel over {fold_events} events: {fold_ms:.1f} ms")

        await server.settle(sizes.pause_s)
        lag = await measure_lag(db, sizes, gen, name, rate=sizes.lag_rate)
        notes["lag"] = asdict(lag)
        say(f"  lag: p50 {lag.p50_ms:.1f} ms, p99 {lag.p99_ms:.1f} ms")
        await server.settle(sizes.pause_s)
        slow = await measure_lag(db, sizes, gen, name, rate=sizes.slow_lag_rate, first=lag.appends)
        notes["lag_slow"] = asdict(slow)
        say(f"  lag at {sizes.slow_lag_rate}/s: p50 {slow.p50_ms:.1f} ms, p99 {slow.p99_ms:.1f} ms")

    n = loaded.events
    rows = [
        Row(
            f"promise projection rebuild, {n:,} events, 1 process (events/s)",
            "/s",
            ours,
            None,
            "",
            "≥ 50,000/s",
            ours >= 50_000,
            [ours],
        ),
        Row(
            f"same rebuild in {PARTS} processes (events/s; peer: the 1-process rebuild)",
            "/s",
            in_parts,
            ours,
            "1 process",
            "≥ 50,000/s",
            in_parts >= 50_000,
            [in_parts],
            [ours],
        ),
        Row(
            "rebuild vs eventsourcing ProjectionRunner, PostgreSQL view (events/s)",
            "/s",
            ours,
            peer,
            "eventsourcing",
            "≥ 20× peer",
            peer > 0 and ours >= 20 * peer,
            [ours],
            [peer],
        ),
        Row(
            f"time-travel fold, {fold_events:,}-event promise stream (median)",
            "ms",
            fold_ms,
            None,
            "",
            "≤ 10 ms",
            fold_ms <= 10,
        ),
        Row(
            f"append → projected p50 at {sizes.lag_rate} appends/s",
            "ms",
            lag.p50_ms,
            None,
            "",
            "–",
            None,
        ),
        Row(
            f"append → projected p99 at {sizes.lag_rate} appends/s",
            "ms",
            lag.p99_ms,
            None,
            "",
            "≤ 100 ms",
            lag.missing == 0 and lag.p99_ms <= 100,
        ),
        Row(
            f"append → projected p99 at {sizes.slow_lag_rate} appends/s",
            "ms",
            slow.p99_ms,
            None,
            "",
            "≤ 50 ms",
            slow.missing == 0 and slow.p99_ms <= 50,
        ),
    ]
    return rows, notes


def peak_rss_mb() -> int:
    """This process's peak resident set size so far, in MiB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


async def _count_docs(db: Db, name: str, version: int) -> int:
    conn = await asyncpg.connect(db.admin_url)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM documents WHERE projection = $1 AND version = $2",
                name,
                version,
            )
        )
    finally:
        await conn.close()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = arg_parser(
        "projection",
        "Benchmark projections against their peers.",
        quick_help="a log of about 50,000 events",
    )
    return parser.parse_args(argv)


async def run(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    started = dt.datetime.now(dt.UTC)
    mode = "quick" if args.quick else "full"
    say(f"projection bench ({mode})")
    pg_version, rows, notes = await measured(args.database_url, measure, sizes)
    elapsed = (dt.datetime.now(dt.UTC) - started).total_seconds()
    print(
        heading(
            "projection", mode, started, pg_version, "one run each", notes.get("machine_pace_s")
        )
    )
    print(render(rows))
    print()
    lag = notes["lag"]
    print(
        f"log: {notes['log_events']:,} events appended at {notes['load_events_per_s']:,}/s, "
        f"sequenced at {notes['sequencer_events_per_s']:,}/s; "
        f"rebuild wrote {notes['rebuild']['documents']:,} documents"
    )
    print(
        f"peak RSS of this process: {notes['rebuild']['peak_rss_mb_after']:,} MiB after the "
        f"rebuild, {notes['rebuild']['peak_rss_mb_before']:,} MiB before it (loading the log)"
    )
    print(
        f"eventsourcing runner: {notes['peer']['events_projected']:,} events projected "
        f"within {notes['peer']['limit_s']:.0f} s"
    )
    for run in (lag, notes["lag_slow"]):
        print(
            f"lag: {run['appends']:,} appends launched at {run['achieved_rate']:,.0f}/s, "
            f"p50 {run['p50_ms']:.1f} ms, max {run['max_ms']:.1f} ms, missing {run['missing']}"
        )
    cold = notes["cold_dispatcher_load_ms"]
    print(
        f"a cold dispatcher's load of the {notes['time_travel_stream_events']:,}-event stream: "
        f"first {cold['first']:.1f} ms (folds it, writes the newest snapshot due), later (new "
        f"dispatchers) {cold['later']:.1f} ms (median); diagnostic, no target"
    )
    print(f"total time {elapsed:.0f} s")
    out = write_results(
        args.results_dir,
        "projection",
        started=started,
        elapsed=elapsed,
        quick=args.quick,
        sizes=sizes,
        pg_version=pg_version,
        rows=rows,
        notes=notes,
    )
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(run()))
