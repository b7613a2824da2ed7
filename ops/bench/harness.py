"""What every benchmark shares: the server and its fresh databases, the reference event and
its backlog, the sequencer, statistics, the result table, JSON results and the command line.

Without DATABASE_URL (or --database-url) a benchmark starts one embedded PostgreSQL in a
temporary directory; every scenario gets a freshly created, migrated database on it. The
machine is assumed to be shared and noisy, so every figure is compared with a peer measured in
the same run and medians over the repetitions are reported.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import asyncpg
import orjson

from events.log import store
from events.log.sequencer import BatchHook, Sequencer, load_state, sequence_batch
from events.log.store import NO_STREAM, NewEvent
from service import database, embedded

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

RESULTS_DIR = Path(__file__).resolve().parent / "results"
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)

# --------------------------------------------------------------------------------------------
# The reference event: one 307-byte payload and 150 bytes of metadata

EVENT_TYPE = "CommitmentDrafted"
ORGANISATIONS = ("kommun-1280",)
DATA_BYTES = 307
METADATA_BYTES = 150


def _padded(template: dict[str, Any], key: str, size: int) -> dict[str, Any]:
    """`template` with `key` padded so that its compact JSON is exactly `size` bytes."""
    value = dict(template)
    value[key] = ""
    missing = size - len(orjson.dumps(value))
    if missing < 0:
        raise ValueError(f"template is already {len(orjson.dumps(value))} bytes")
    value[key] = (
        ("Trygghetsvandring varje tisdag kväll längs stråket. " * 20)
        .encode()[:missing]
        .decode(errors="ignore")
    )
    while len(orjson.dumps(value)) < size:  # a multi-byte character was cut off
        value[key] += "."
    return value


DATA: dict[str, Any] = _padded(
    {
        "promise_id": "6b1f7d3e-2f0a-4f7e-9d4c-1f4c8a0b2e51",
        "commitment_id": "c-0007",
        "municipality": "Malmö",
        "police_area": "LPO Malmö Syd",
        "place": {"name": "Möllevångstorget", "lat": 55.5907, "lon": 13.0076},
        "period": {"from": "2026-01-01", "to": "2026-12-31"},
        "text": "",
    },
    "text",
    DATA_BYTES,
)
METADATA: dict[str, Any] = _padded(
    {
        "actor": {"issuer": "https://idp.malmo.se", "subject": "u-4711"},
        "organisation": "kommun-1280",
        "roles": ["editor"],
        "request_id": "",
    },
    "request_id",
    METADATA_BYTES,
)


def new_event() -> NewEvent:
    """A new reference event with a fresh id."""
    return NewEvent(event_id=uuid.uuid4(), type=EVENT_TYPE, data=DATA, occurred_at=NOW)


# --------------------------------------------------------------------------------------------
# The server and fresh databases


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at database `name`."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@dataclass(frozen=True, slots=True)
class Db:
    """A fresh database: its name, the admin (superuser) URL and the runtime-role URL."""

    name: str
    admin_url: str
    app_url: str


class Server:
    """The PostgreSQL server the whole run uses, and the databases it creates on it."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def _admin(self, sql: str) -> None:
        conn = await asyncpg.connect(self.url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    @contextlib.asynccontextmanager
    async def fresh(self, label: str, *, migrate: bool = True) -> AsyncIterator[Db]:
        """A new database (migrated unless told otherwise), dropped when the block ends."""
        name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
        await self._admin(f'CREATE DATABASE "{name}"')
        try:
            admin = with_database(self.url, name)
            if migrate:
                await database.migrate(admin)
            yield Db(name=name, admin_url=admin, app_url=database.runtime_url(admin, None))
        finally:
            await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    async def settle(self, seconds: float) -> None:
        """CHECKPOINT, then pause, so a timed run does not pay for the previous one's writes."""
        with contextlib.suppress(asyncpg.PostgresError):
            await self._admin("CHECKPOINT")
        await asyncio.sleep(seconds)


async def admin_execute(db: Db, sql: str) -> None:
    conn = await asyncpg.connect(db.admin_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def server_url(given: str | None) -> Iterator[str]:
    """`given`, or the URL of an embedded server in a temporary directory for the block."""
    if given:
        yield given
        return
    with (
        tempfile.TemporaryDirectory(prefix="samverkan-bench-") as tmp,
        embedded.running(Path(tmp)) as url,
    ):
        yield url


async def server_version(url: str) -> str:
    """The PostgreSQL version string of the server at `url`."""
    conn = await asyncpg.connect(url)
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


def libpq_params(url: str) -> dict[str, str]:
    """host/port/user/password of a PostgreSQL URL; a unix socket directory is the host."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = query.get("host", [""])[0] or parts.hostname or "localhost"
    port = query.get("port", [""])[0] or (str(parts.port) if parts.port else "5432")
    return {
        "host": host,
        "port": port,
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or ""),
    }


def eventsourcing_env(admin_url: str, dbname: str) -> dict[str, str]:
    """The environment that points the eventsourcing library's PostgreSQL store at `dbname`."""
    params = libpq_params(admin_url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": params["host"],
        "POSTGRES_PORT": params["port"],
        "POSTGRES_USER": params["user"],
        "POSTGRES_PASSWORD": params["password"],
    }


# --------------------------------------------------------------------------------------------
# The backlog and the sequencer


async def load_backlog(db: Db, backlog: int, per_append: int = 10, tasks: int = 8) -> float:
    """Append `backlog` reference events, `per_append` per append (one stream each), from
    `tasks` connections; events/s."""
    appends = backlog // per_append
    pool = await database.create_pool(db.app_url, min_size=tasks, max_size=tasks)
    try:
        counter = iter(range(appends))
        begin = time.perf_counter()

        async def worker() -> None:
            async with pool.acquire() as conn:
                for i in counter:
                    await store.append(
                        conn,
                        f"backlog-{i}",
                        NO_STREAM,
                        [new_event() for _ in range(per_append)],
                        command_id=uuid.uuid4(),
                        metadata=METADATA,
                        organisations=ORGANISATIONS,
                    )

        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(tasks))), timeout=600)
        return backlog / (time.perf_counter() - begin)
    finally:
        await pool.close()


async def drain(db: Db, backlog: int, batch_size: int, hook: BatchHook | None = None) -> float:
    """`sequence_batch` (with `hook`, if any) in a loop until the log holds the whole backlog;
    events/s."""
    conn = await database.connect(db.app_url)
    try:
        state = await load_state(conn)
        begin = time.perf_counter()
        for _ in range(backlog // batch_size + 1000):
            if await sequence_batch(conn, state, batch_size, hook) == 0:
                break
        elapsed = time.perf_counter() - begin
        if state.sequenced != backlog:
            raise RuntimeError(f"the sequencer moved {state.sequenced} of {backlog} events")
        return backlog / elapsed
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def sequencer_running(app_url: str) -> AsyncIterator[Sequencer]:
    """A `Sequencer` task on its own connection, active before the block starts."""
    stop = asyncio.Event()
    sequencer = Sequencer(connect=lambda: database.connect(app_url))
    task = asyncio.create_task(sequencer.run(stop))
    try:
        for _ in range(500):
            if sequencer.is_leader:
                break
            await asyncio.sleep(0.01)
        else:
            raise RuntimeError("the sequencer did not become active within 5 s")
        yield sequencer
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


# --------------------------------------------------------------------------------------------
# Statistics


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[rank]


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def runs_text(values: Sequence[float]) -> str:
    return ", ".join(f"{v:,.0f}" for v in values)


# --------------------------------------------------------------------------------------------
# The result table


@dataclass(slots=True)
class Row:
    scenario: str
    unit: str
    ours: float
    peer: float | None
    peer_name: str
    target: str
    met: bool | None
    ours_runs: list[float] = field(default_factory=list)
    peer_runs: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.peer is None or self.peer == 0:
            return None
        return self.ours / self.peer


def _num(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "ms":
        return f"{value:,.1f} ms"
    return f"{value:,.0f}"


def render(rows: Sequence[Row]) -> str:
    header = ("scenario", "ours", "peer", "ratio", "target", "met?")
    body = [
        (
            r.scenario,
            _num(r.ours, r.unit),
            "–" if r.peer is None else f"{_num(r.peer, r.unit)} ({r.peer_name})",
            "–" if r.ratio is None else f"{r.ratio:.2f}",
            r.target,
            "–" if r.met is None else "yes" if r.met else "NO",
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), rule, *(line(b) for b in body)])


def heading(
    bench: str,
    mode: str,
    started: dt.datetime,
    pg_version: str,
    runs: str,
    pace: Sequence[float] | None = None,
) -> str:
    """The line above the table: which benchmark, when, on what, how figures were taken and,
    given `machine_pace_s`, how fast the machine ran Python before and after."""
    paced = f"\n{pace_text(pace)}" if pace else ""
    return (
        f"\n{bench} bench, {mode} run, {started:%Y-%m-%d %H:%M} UTC, PostgreSQL {pg_version}, "
        f"{os.cpu_count()} CPUs, {runs}{paced}\n"
    )


def print_runs(rows: Sequence[Row]) -> None:
    """Every repetition of each row measured more than once."""
    for r in rows:
        if len(r.ours_runs) > 1 or len(r.peer_runs) > 1:
            print(
                f"runs  {r.scenario}: ours {runs_text(r.ours_runs)}; peer {runs_text(r.peer_runs)}"
            )


def write_results(
    results_dir: Path,
    name: str,
    *,
    started: dt.datetime,
    elapsed: float,
    quick: bool,
    sizes: DataclassInstance,
    pg_version: str,
    rows: list[Row],
    notes: dict[str, Any],
    **extra: Any,
) -> Path:
    """Write one run's figures as JSON beside the others; return the file written."""
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / f"{name}-{started:%Y%m%dT%H%M%SZ}{'-quick' if quick else ''}.json"
    out.write_bytes(
        orjson.dumps(
            {
                "started": started.isoformat(),
                "elapsed_s": round(elapsed, 1),
                "mode": "quick" if quick else "full",
                "sizes": asdict(sizes),
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "postgres": pg_version,
                },
                **extra,
                "rows": [{**asdict(r), "ratio": r.ratio} for r in rows],
                "notes": notes,
            },
            option=orjson.OPT_INDENT_2,
        )
    )
    return out


# --------------------------------------------------------------------------------------------
# Command line and running


def arg_parser(
    name: str, description: str, *, quick_help: str, reps_help: str | None = None
) -> argparse.ArgumentParser:
    """The options every benchmark takes: --quick, [--reps], --database-url, --results-dir."""
    parser = argparse.ArgumentParser(prog=f"python -m ops.bench.{name}", description=description)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    if reps_help is not None:
        parser.add_argument("--reps", type=int, default=None, help=reps_help)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or None,
        help="superuser URL of a server to use (default: DATABASE_URL, else embedded)",
    )
    parser.add_argument(
        "--results-dir", type=Path, default=RESULTS_DIR, help="where to write the JSON results"
    )
    return parser


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


SizesT = TypeVar("SizesT")
Measure = Callable[[str, SizesT], Awaitable[tuple[list[Row], dict[str, Any]]]]


PACE_LOOP = 3_000_000
"""Iterations of the fixed Python loop `machine_pace` times."""


def machine_pace() -> float:
    """Seconds the fastest of three runs of a fixed pure-Python loop took: how fast the machine
    ran Python when it was taken. The machines these benchmarks run on are shared, and their
    speed moves by tens of per cent from hour to hour; a figure without its peer (a rate
    target, a latency) is only comparable to another taken at the same pace."""
    best = float("inf")
    for _ in range(3):
        begin = time.perf_counter()
        total = 0
        for i in range(PACE_LOOP):
            total += i
        best = min(best, time.perf_counter() - begin)
    return best


def pace_text(pace: Sequence[float]) -> str:
    """The report line for `machine_pace_s` (before the run, after it)."""
    before, after = pace
    return (
        f"machine pace: a fixed Python loop of {PACE_LOOP:,} additions took {before:.3f} s "
        f"before the run and {after:.3f} s after it"
    )


async def measured(
    given_url: str | None, measure: Measure[SizesT], sizes: SizesT
) -> tuple[str, list[Row], dict[str, Any]]:
    """Run `measure` on the given server (or an embedded one): its PostgreSQL version, the
    rows and the notes, with the machine's pace before and after (`machine_pace_s`)."""
    before = machine_pace()
    with server_url(given_url) as url:
        pg_version = await server_version(url)
        rows, notes = await measure(url, sizes)
    notes["machine_pace_s"] = [round(before, 3), round(machine_pace(), 3)]
    return pg_version, rows, notes


async def open_loop(
    rate: float, total: int, one: Callable[[int], Coroutine[Any, Any, None]], timeout: float
) -> float:
    """Start `one(i)` for i in 0..total-1 on an open-loop schedule of `rate` a second (each on
    time, whatever the earlier ones are doing), then wait (bounded) for all of them; returns
    the rate at which they were started (below `rate` when this process falls behind)."""
    launched: list[asyncio.Task[None]] = []
    begin = time.perf_counter()
    for i in range(total):
        delay = begin + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        launched.append(asyncio.create_task(one(i)))
    launch_rate = total / max(time.perf_counter() - begin, 1e-9)
    await asyncio.wait_for(asyncio.gather(*launched), timeout=timeout)
    return launch_rate
