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
rebuilt by a Runner, batch by batch."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import asyncpg

from events.log.connection import dedicated
from events.log.store import log_size
from projections.pages import Logged, read_page
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
) -> RebuildResult:
    """Rebuild `projection` beside the serving version and switch it in when caught up.

    `version` continues that rebuild (as named by `begin`); None begins or resumes one.
    `batch_size` is the most events one transaction commits (about, for a projection that
    folds in memory: it flushes once a page takes it to `batch_size` events, or to
    `held_limit` states); a Runner commits at most `PAGE_SIZE` at a time.
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
                await _fold_up(projection, connect, new, (done, head), limits, progress)
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
) -> None:
    """Catch `version` up to the head of the log in large flushes (see the module's note)."""
    done, head = done_and_head
    name = projection.name
    async with dedicated(connect) as conn:
        # The lock a Runner of this version takes: one writer per version, so the states held
        # here are the only ones changing its documents.
        while not await conn.fetchval(LOCK, lock_key(name, version)):
            await asyncio.sleep(0.25)
        committed = await checkpoint(conn, name, version)
        held: dict[str, tuple[int, Any]] = {}
        # The cyclic collector is paused while folding: it would walk every state held at each
        # full collection (a quarter of a rebuild's time), and folding makes no reference
        # cycles, so reference counting frees all that is replaced or let go.
        paused = gc.isenabled()
        gc.disable()
        try:
            await _fold_pages(
                projection, conn, version, held, limits, (committed, done, head), progress
            )
        finally:
            if paused:
                gc.enable()


async def _fold_pages(
    projection: FoldsInMemory,
    conn: asyncpg.Connection,
    version: int,
    held: dict[str, tuple[int, Any]],
    limits: tuple[int, int, int],
    positions: tuple[int, int, int],
    progress: Callable[[int, int], None] | None,
) -> None:
    page_size, flush_events, held_limit = limits
    committed, done, head = positions
    after = committed
    name = projection.name
    dirty: set[str] = set()
    while True:
        events = await read_page(conn, after, page_size)
        if events:
            dirty.update(await projection.fold_page(conn, version, events, held))
            after = events[-1].log_index or 0
        full = after - committed >= flush_events or len(held) >= held_limit
        if after > committed and (full or not events):
            async with conn.transaction():
                await projection.write(conn, version, held, dirty)
                moved = await conn.execute(MOVE_CHECKPOINT, name, version, committed, after)
                if moved != "UPDATE 1":
                    raise CheckpointMoved(f"{name} v{version} moved past {committed}")
            done += after - committed
            committed = after
            dirty.clear()
            if len(held) >= held_limit:
                held.clear()
            if progress is not None:
                progress(done, head)
        if not events:
            return


async def _retired(conn: asyncpg.Connection, name: str) -> list[int]:
    return [int(r[0]) for r in await conn.fetch(RETIRED, name)]
