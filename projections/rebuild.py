"""Blue/green rebuilds: build a new version from log index 0 beside the serving one, switch it
in when caught up, then drop the old rows. Each batch commits with its checkpoint, so a rebuild
that crashes resumes where it stopped; nothing serving is truncated in place.

A rebuild of a known version (`begin` names it) can be run again after any failure, at any
point: it catches the building version up, switches it in unless that already happened, and
drops whatever retired versions still hold rows. So a supervisor may simply restart it.

A projection that can fold pages in memory (`FoldsInMemory`, the document projections) is
rebuilt in large flushes: the log is read in pages, folded into states held in memory across
pages, and every `batch_size` events (and at the end) each document touched since the last
flush is written once, in the transaction that moves the checkpoint by compare-and-set. A
crash loses only the unflushed part; the next run resumes from the committed checkpoint and
reads the states it needs back from the documents it had written. Other projections are
rebuilt by a Runner, batch by batch.

Such a projection can also be rebuilt in parts (`parts`, `fold_part`): its streams split by a
hash of their id, each part folded up to a common log index with its own checkpoint
(`rebuild_parts`), side by side in processes of their own (service.rebuilds), since a fold is
Python on one core. Once every part has reached the common index the version's checkpoint moves
there, and the rest of the log is folded as above."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Awaitable, Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import asyncpg

from events.log.connection import dedicated
from events.log.store import log_size
from projections.documents import ERASURE_TYPE
from projections.pages import SERIAL_READS, Logged, PageEvent, read_page
from projections.runner import (
    MOVE_CHECKPOINT,
    CheckpointMoved,
    Projection,
    Runner,
    checkpoint,
    lock_key,
    serving_version,
)

BUILDING = """
SELECT version FROM projection_state WHERE projection = $1 AND status = 'building'
ORDER BY version DESC LIMIT 1"""

NEXT_VERSION = "SELECT coalesce(max(version), 0) + 1 FROM projection_state WHERE projection = $1"

START = "INSERT INTO projection_state (projection, version, status) VALUES ($1, $2, 'building')"

RETIRE = """
UPDATE projection_state SET status = 'retired', updated_at = now()
WHERE projection = $1 AND status = 'serving'"""

SERVE = """
UPDATE projection_state SET status = 'serving', updated_at = now()
WHERE projection = $1 AND version = $2 AND status = 'building'"""

STATUS = "SELECT status FROM projection_state WHERE projection = $1 AND version = $2"

RETIRED = """
SELECT version FROM projection_state WHERE projection = $1 AND status = 'retired'
ORDER BY version"""


@runtime_checkable
class FoldsInMemory(Protocol):
    """A projection whose rebuild folds many pages in memory and writes once per flush."""

    name: str

    async def fold_page(
        self,
        conn: asyncpg.Connection,
        version: int,
        events: Sequence[Logged],
        held: dict[str, tuple[int, Any]],
    ) -> list[str]:
        """Fold a page into `held` (reading states it lacks from `version`); the keys changed."""

    async def write(
        self,
        conn: asyncpg.Connection,
        version: int,
        held: dict[str, tuple[int, Any]],
        keys: Collection[str],
    ) -> None:
        """Write the rows of `keys` from `held`."""


FLUSH_EVENTS = 1_000_000
"""A rebuild's default `batch_size`: events folded in memory between two flushes. A flush
writes every document touched since the previous one, so fewer flushes write less (a log whose
streams interleave touches most documents between any two); a crash loses at most this much
folding."""

PAGE_SIZE = 5000
"""Events read from the log per query (fewer when the batch is smaller)."""


HELD_LIMIT = 12_000
"""States a rebuild holds in memory: reaching it flushes, and the states are let go (a later
page reads back those it touches from the written documents). A promise of 100 events read
from the log holds about 60 kB, so 12,000 of them about 700 MB. A log whose pages cycle
through more streams than this writes their documents at every flush."""


LOCK = "SELECT pg_try_advisory_lock(hashtext($1))"

PARTS_PROGRESS_S = 1.0
"""How often a rebuild in parts reports how far its slowest part got."""


class RebuildError(RuntimeError):
    """The version being rebuilt was replaced meanwhile (another rebuild switched in)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RebuildResult:
    """What a rebuild did."""

    projection: str
    old_version: int
    new_version: int
    events: int


async def begin(conn: asyncpg.Connection, name: str) -> int:
    """The version a rebuild of `name` builds: a crashed rebuild's building one, else a new one."""
    await serving_version(conn, name)  # the first start of a projection registers version 1
    new = await conn.fetchval(BUILDING, name)
    if new is None:
        new = int(await conn.fetchval(NEXT_VERSION, name))
        await conn.execute(START, name, new)
    return int(new)


async def rebuild(
    projection: Projection,
    connect: Callable[[], Awaitable[asyncpg.Connection]],
    *,
    batch_size: int = FLUSH_EVENTS,
    progress: Callable[[int, int], None] | None = None,
    version: int | None = None,
    held_limit: int = HELD_LIMIT,
    parts: int = 1,
    run_part: RunPart | None = None,
) -> RebuildResult:
    """Rebuild `projection` beside the serving version and switch it in when caught up.

    `version` continues that rebuild (as named by `begin`); None begins or resumes one.
    `batch_size` is the most events one transaction commits (about, for a projection that
    folds in memory: it flushes once a page takes it to `batch_size` events, or to
    `held_limit` states); a Runner commits at most `PAGE_SIZE` at a time.

    `parts` (two or more) folds a projection that folds in memory in that many parts first,
    each a share of the streams up to the head as the rebuild begins, run concurrently by
    `run_part` (None: as tasks of this process; a caller with spare cores runs each in a
    process of its own, service.rebuilds); then the rest is folded as without parts. A
    rebuild that resumes parts a crash interrupted finishes them with their own number.
    """
    async with dedicated(connect) as conn:
        name = projection.name
        new = version if version is not None else await begin(conn, name)
        old = await serving_version(conn, name)
        status = await conn.fetchval(STATUS, name, new)
        if status == "building":
            done = await checkpoint(conn, name, new) + 1  # more than 0 when resumed
            head = await log_size(conn)
            if isinstance(projection, FoldsInMemory):
                limits = (min(batch_size, PAGE_SIZE), batch_size, held_limit)
                await _fold_up(
                    projection, connect, new, (done, head), limits, progress, (parts, run_part)
                )
            else:
                page = min(batch_size, PAGE_SIZE)
                await _catch_up(projection, connect, new, (done, head), page, progress)
            async with conn.transaction():
                await conn.execute(RETIRE, name)
                await conn.execute(SERVE, name, new)
        elif status != "serving":
            raise RebuildError(f"version {new} of {name} is {status}, not building")
        elif old == new:  # switched in by an earlier run of this rebuild
            old = int(max([v for v in await _retired(conn, name) if v < new], default=new))
        for retired in await _retired(conn, name):
            await projection.drop(conn, retired)
        return RebuildResult(
            projection=name,
            old_version=old,
            new_version=new,
            events=await checkpoint(conn, name, new) + 1,
        )


async def _catch_up(
    projection: Projection,
    connect: Callable[[], Awaitable[asyncpg.Connection]],
    version: int,
    done_and_head: tuple[int, int],
    batch_size: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    done, head = done_and_head

    def report(_: int) -> None:
        if progress is not None:
            progress(done + runner.applied, head)

    runner = Runner(
        projection=projection,
        connect=connect,
        version=version,
        batch_size=batch_size,
        on_batch=report,
    )
    # Catch up to the head, then switch in one transaction; the serving runner of the new
    # version carries on from its checkpoint, so events that land meanwhile are not lost.
    await runner.run(asyncio.Event(), until_caught_up=True)


async def _fold_up(
    projection: FoldsInMemory,
    connect: Callable[[], Awaitable[asyncpg.Connection]],
    version: int,
    done_and_head: tuple[int, int],
    limits: tuple[int, int, int],
    progress: Callable[[int, int], None] | None,
    parted: tuple[int, RunPart | None] = (1, None),
) -> None:
    """Catch `version` up to the head of the log in large flushes (see the module's note),
    first in parts when `parted` (parts, how each is run) asks for two or more or a crashed
    rebuild left parts to finish."""
    done, head = done_and_head
    name = projection.name
    async with dedicated(connect) as conn, dedicated(connect) as reader:
        # The lock a Runner of this version takes: one writer per version, so the states held
        # here (and by the parts) are the only ones changing its documents.
        while not await conn.fetchval(LOCK, lock_key(name, version)):
            await asyncio.sleep(0.25)
        await reader.execute(SERIAL_READS)
        committed = await checkpoint(conn, name, version)
        parts, run_part = parted
        joined = await _fold_in_parts(
            projection, connect, conn, version, committed, limits, parts, run_part, progress
        )
        done += joined - committed
        committed = joined
        held: dict[str, tuple[int, Any]] = {}

        async def read(after: int) -> Page:
            events = await read_page(reader, after, limits[0])
            return events, events[-1].log_index if events else after, not events

        async def move(done: int, to: int) -> str:
            return str(await conn.execute(MOVE_CHECKPOINT, name, version, done, to))

        with _collector_paused():
            await _fold_pages(
                projection,
                conn,
                (read, move),
                version,
                held,
                limits,
                (committed, done, head),
                progress,
            )


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic collector paused while folding: it would walk every state held at each full
    collection (a quarter of a rebuild's time), and folding makes no reference cycles, so
    reference counting frees all that is replaced or let go."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


Page = tuple[list[PageEvent], int, bool]
"""A page as a rebuild reads it: its events, the log index it was read up to, and whether it
was the last."""


async def _fold_pages(
    projection: FoldsInMemory,
    conn: asyncpg.Connection,
    log: tuple[Callable[[int], Awaitable[Page]], Callable[[int, int], Awaitable[str]]],
    version: int,
    held: dict[str, tuple[int, Any]],
    limits: tuple[int, int, int],
    positions: tuple[int, int, int],
    progress: Callable[[int, int], None] | None,
) -> None:
    """Fold the pages `read(after)` gives until the last and flush, each flush in a transaction
    of `conn` that moves the checkpoint by `move(from, to)` (compare-and-set). The next page is
    read (on the reader's own connection) while this one folds."""
    read, move = log
    _, flush_events, held_limit = limits
    committed, done, head = positions
    dirty: set[str] = set()
    pending: asyncio.Future[Page] | None = asyncio.ensure_future(read(committed))
    try:
        while pending is not None:
            events, after, last = await pending
            pending = None if last else asyncio.ensure_future(read(after))
            if events:
                dirty.update(await projection.fold_page(conn, version, events, held))
            full = after - committed >= flush_events or len(held) >= held_limit
            if after > committed and (full or last):
                async with conn.transaction():
                    await projection.write(conn, version, held, dirty)
                    if await move(committed, after) != "UPDATE 1":
                        raise CheckpointMoved(
                            f"{projection.name} v{version} moved past {committed}"
                        )
                done += after - committed
                committed = after
                dirty.clear()
                if len(held) >= held_limit:
                    held.clear()
                if progress is not None:
                    progress(done, head)
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, asyncpg.PostgresError):
                await pending


@dataclass(frozen=True, slots=True, kw_only=True)
class Part:
    """One part of a rebuild in parts: the streams whose id hashes to `index` of `count`,
    folded from the part's checkpoint up to log index `until`."""

    projection: str
    version: int
    index: int
    count: int
    until: int
    limits: tuple[int, int, int]
    """Page size, events between flushes, states held (as `rebuild` computes them)."""


RunPart = Callable[[Part], Awaitable[None]]
"""Runs `fold_part` for one part, to its end (in this process, or in one of its own)."""

PARTS = """
SELECT part, parts, checkpoint FROM rebuild_parts WHERE projection = $1 AND version = $2
ORDER BY part"""

START_PARTS = """
INSERT INTO rebuild_parts (projection, version, part, parts, checkpoint)
SELECT $1, $2, k, $3, $4 FROM generate_series(0, $3 - 1) AS k"""

PART_CHECKPOINT = """
SELECT checkpoint FROM rebuild_parts WHERE projection = $1 AND version = $2 AND part = $3"""

MOVE_PART = """
UPDATE rebuild_parts SET checkpoint = $5
WHERE projection = $1 AND version = $2 AND part = $3 AND checkpoint = $4"""

END_PARTS = "DELETE FROM rebuild_parts WHERE projection = $1 AND version = $2"

READ_PART = """
SELECT e.stream_id, e.type, e.schema_version, p.data, l.log_index
FROM log l JOIN events e ON e.id = l.event_pk LEFT JOIN payloads p ON p.event_pk = e.id
WHERE l.log_index > $1 AND l.log_index <= $2
  AND (e.type = $5 OR (hashtext(e.stream_id) & 2147483647) % $3 = $4)
  AND (e.type <> $5 OR (hashtext(p.data ->> 'stream_id') & 2147483647) % $3 = $4)
ORDER BY l.log_index"""
"""A page of one part, read by a range of log indexes (a LIMIT over the filtered rows would
let the planner scan the whole log for each page): the events of its streams, and the erasures
that name one of them (a fold of a stream re-reads it when an erasure names it). The first
condition names only the event's row, so the other parts' events are left before their
payloads are looked up."""


async def _fold_in_parts(
    projection: FoldsInMemory,
    connect: Callable[[], Awaitable[asyncpg.Connection]],
    conn: asyncpg.Connection,
    version: int,
    committed: int,
    limits: tuple[int, int, int],
    parts: int,
    run_part: RunPart | None,
    progress: Callable[[int, int], None] | None,
) -> int:
    """Fold the log up to its head in parts, run concurrently by `run_part` (None: in this
    process), and move the version's checkpoint to where they all ended; the checkpoint."""
    name = projection.name
    rows = await conn.fetch(PARTS, name, version)
    if not rows:
        if parts < 2:
            return committed
        await conn.execute(START_PARTS, name, version, parts, committed)
        rows = await conn.fetch(PARTS, name, version)
    count = int(rows[0]["parts"])
    until = max(await log_size(conn) - 1, max(int(r["checkpoint"]) for r in rows))
    if run_part is None:

        def run_part(part: Part) -> Awaitable[None]:
            return fold_part(projection, connect, part)

    folding = asyncio.gather(
        *(
            run_part(
                Part(
                    projection=name,
                    version=version,
                    index=k,
                    count=count,
                    until=until,
                    limits=limits,
                )
            )
            for k in range(count)
        )
    )
    try:
        while progress is not None and not folding.done():
            await asyncio.wait([folding], timeout=PARTS_PROGRESS_S)
            lowest = min(int(r["checkpoint"]) for r in await conn.fetch(PARTS, name, version))
            progress(lowest + 1, until + 1)
        await folding
    finally:
        folding.cancel()
    reached = [int(r["checkpoint"]) for r in await conn.fetch(PARTS, name, version)]
    if len(reached) != count or min(reached) < until:
        raise RebuildError(f"the parts of {name} v{version} stopped short of {until}: {reached}")
    async with conn.transaction():
        if await conn.execute(MOVE_CHECKPOINT, name, version, committed, until) != "UPDATE 1":
            raise CheckpointMoved(f"{name} v{version} moved past {committed}")
        await conn.execute(END_PARTS, name, version)
    return until


async def fold_part(
    projection: FoldsInMemory,
    connect: Callable[[], Awaitable[asyncpg.Connection]],
    part: Part,
) -> None:
    """Fold one part of a rebuild in parts from its checkpoint up to `part.until`, in flushes
    that each commit with the part's checkpoint (so a part that dies resumes where it stopped).
    One process at a time folds a part (an advisory lock)."""
    name, version, index = part.projection, part.version, part.index
    async with dedicated(connect) as conn, dedicated(connect) as reader:
        lock = f"{lock_key(name, version)}:part:{index}/{part.count}"
        while not await conn.fetchval(LOCK, lock):
            await asyncio.sleep(0.25)
        committed = await conn.fetchval(PART_CHECKPOINT, name, version, index)
        if committed is None:
            raise RebuildError(f"{name} v{version} has no part {index}")
        if committed >= part.until:
            return
        await reader.execute(SERIAL_READS)

        span = part.limits[0] * part.count  # a page of the log holds about a page of the part's

        async def read(after: int) -> Page:
            upto = min(after + span, part.until)
            events = await read_part(reader, (after, upto), (index, part.count))
            return events, upto, upto >= part.until

        async def move(done: int, to: int) -> str:
            return str(await conn.execute(MOVE_PART, name, version, index, done, to))

        with _collector_paused():
            await _fold_pages(
                projection,
                conn,
                (read, move),
                version,
                {},
                part.limits,
                (int(committed), 0, 0),
                None,
            )


async def read_part(
    conn: asyncpg.Connection, span: tuple[int, int], part: tuple[int, int]
) -> list[PageEvent]:
    """The events of part `index` of `count` with `after` < log_index <= `upto`."""
    (after, upto), (index, count) = span, part
    rows = await conn.fetch(READ_PART, after, upto, count, index, ERASURE_TYPE)
    return [PageEvent(*row) for row in rows]


async def _retired(conn: asyncpg.Connection, name: str) -> list[int]:
    return [int(r[0]) for r in await conn.fetch(RETIRED, name)]
