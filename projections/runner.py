"""The projection runner: reads `log ⋈ events` after a checkpoint and applies batches.

Each batch and the checkpoint move commit in ONE transaction, and the checkpoint moves by
compare-and-set, so a read model holds every event exactly once even when two runners race
or one dies mid-batch. One runner per projection version is active (a session advisory lock on
its dedicated connection); others stand by and take over from the committed checkpoint. NOTIFY
from the sequencer wakes the runner; it also polls, so a lost notification only delays.

A batch costs the runner as few round trips as that allows: the read, then BEGIN, the
projection's writes, the checkpoint's move and COMMIT — or, for a batch the projection writes
nothing for (`Selective`), the checkpoint's move alone, one statement that commits by itself.
The runner knows its checkpoint (only the lock holder moves it) and does not read it back
before each batch; a batch shorter than a whole one read everything sequenced, so the runner
then waits for the next notification instead of reading again. The compare-and-set also
refuses a version a rebuild has retired, so no batch is ever written into a version the
rebuild is about to drop.

The runners of one process (one per projection) share what they can (`SharedLog`): a
notification wakes them all at once, and those at the same checkpoint asking for the same
events wait for one read of the log instead of sending one each; the checkpoints of those the
batch writes nothing for move in one statement. A runner that joined a read sent before its
own wake-up was cleared reads once more before it waits, so sharing never loses a
notification.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import asyncpg

from events.log import store
from events.log.connection import dedicated
from events.log.store import LOG_CHANNEL, StoredEvent
from events.log.wakeup import wait_any

_log = logging.getLogger(__name__)


class Projection(Protocol):
    """A read model: a name and how to apply a batch of events to one of its versions."""

    name: str

    async def apply(
        self, conn: asyncpg.Connection, version: int, events: Sequence[StoredEvent]
    ) -> None:
        """Write the batch's effect on the read model rows of `version`."""

    async def drop(self, conn: asyncpg.Connection, version: int) -> None:
        """Delete every row of `version` (after it was replaced)."""


@runtime_checkable
class Selective(Protocol):
    """A projection that can tell from a batch alone that applying it writes nothing."""

    def writes_for(self, events: Sequence[StoredEvent]) -> bool:
        """False when `apply` of `events` would write no row (True when unsure)."""


class CheckpointMoved(Exception):
    """Another runner moved the checkpoint; this batch was rolled back."""


SERVING = """
SELECT version FROM projection_state WHERE projection = $1 AND status = 'serving'"""

FIRST_VERSION = """
INSERT INTO projection_state (projection, version, status)
SELECT $1, 1, 'serving'
WHERE NOT EXISTS (SELECT 1 FROM projection_state WHERE projection = $1)
ON CONFLICT DO NOTHING"""

CHECKPOINT = "SELECT checkpoint FROM projection_state WHERE projection = $1 AND version = $2"

STANDING = """
SELECT status, checkpoint FROM projection_state WHERE projection = $1 AND version = $2"""

ASYNC_COMMIT = "SET synchronous_commit = off"
"""A runner's batches commit without waiting for the WAL flush. A read model is derived from the
log: a batch lost in a server crash (with its checkpoint, in the same transaction) is applied
again from the durable log when the runner resumes, so nothing acknowledged is lost, and the
wait for the disk (most of a small batch's time on a shared machine) leaves the lag. Every other
connection keeps the server's setting: events, the log and commands stay durable at commit."""

MOVE_CHECKPOINT = """
UPDATE projection_state SET checkpoint = $4, changed_at = $4, updated_at = now()
WHERE projection = $1 AND version = $2 AND checkpoint = $3 AND status <> 'retired'"""
"""Compare-and-set from `$3` to `$4` after a batch that wrote rows (they changed at `$4`),
unless a rebuild retired the version (the RETIRE waits for the row this holds, or this sees
it retired and moves nothing)."""

PASS_CHECKPOINT = """
UPDATE projection_state SET checkpoint = $4, updated_at = now()
WHERE projection = $1 AND version = $2 AND checkpoint = $3 AND status <> 'retired'"""
"""MOVE_CHECKPOINT past a batch that wrote nothing: the version's rows did not change."""

PASS_CHECKPOINTS = """
UPDATE projection_state s SET checkpoint = p.upto, updated_at = now()
FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::bigint[])
     AS p(projection, version, after, upto)
WHERE s.projection = p.projection AND s.version = p.version AND s.checkpoint = p.after
  AND s.status <> 'retired'
RETURNING s.projection, s.version"""
"""PASS_CHECKPOINT for several projection versions in one statement (`SharedLog`): each row
moves, or not, exactly as its own statement would have moved it."""


def lock_key(name: str, version: int) -> str:
    """The advisory-lock name of one projection version."""
    return f"projection:{name}:{version}"


TRY_LOCK = "SELECT pg_try_advisory_lock(hashtext($1))"

TRY_SERVING = """
SELECT version, pg_try_advisory_lock(hashtext('projection:' || projection || ':' || version))
FROM projection_state WHERE projection = $1 AND status = 'serving'"""
"""The serving version and whether this session now holds its lock (`lock_key`): a standby's
one round trip each time it tries."""


async def serving_version(conn: asyncpg.Connection | asyncpg.Pool, name: str) -> int:
    """The version that serves reads; the first start of a projection registers version 1."""
    version = await conn.fetchval(SERVING, name)
    if version is None:
        await conn.execute(FIRST_VERSION, name)
        version = await conn.fetchval(SERVING, name)
    if version is None:
        raise CheckpointMoved(f"projection {name} has no serving version")
    return int(version)


async def checkpoint(conn: asyncpg.Connection | asyncpg.Pool, name: str, version: int) -> int:
    """The last log index applied by a projection version (-1 before the first)."""
    value = await conn.fetchval(CHECKPOINT, name, version)
    return -1 if value is None else int(value)


async def apply_next_batch(
    conn: asyncpg.Connection,
    projection: Projection,
    version: int,
    batch_size: int,
    after: int | None = None,
) -> int:
    """Apply the events after the checkpoint (`after` when the caller just read it), up to
    `batch_size`; return how many."""
    if after is None:
        after = await checkpoint(conn, projection.name, version)
    events = await store.read_log(conn, after, batch_size)
    if not events:
        return 0
    if not await apply_batch(conn, projection, version, events, after):
        raise CheckpointMoved(f"{projection.name} v{version} moved past {after} or was retired")
    return len(events)


async def apply_batch(
    conn: asyncpg.Connection,
    projection: Projection,
    version: int,
    events: Sequence[StoredEvent],
    after: int,
    shared: SharedLog | None = None,
) -> bool:
    """Apply `events` (the log read after `after`) and move the checkpoint from `after` to the
    last of them, atomically; False, with nothing written, when the checkpoint was not at
    `after` or the version was retired. With `shared`, a checkpoint that only passes the batch
    moves together with those of the other runners that pass it at the same moment."""
    name, last = projection.name, events[-1].log_index
    if isinstance(projection, Selective) and not projection.writes_for(events):
        if shared is not None and last is not None:  # (a sequenced event has its index)
            return await shared.pass_checkpoint(conn, name, version, after, last)
        moved: str = await conn.execute(PASS_CHECKPOINT, name, version, after, last)
        return moved == "UPDATE 1"
    try:
        async with conn.transaction():
            await projection.apply(conn, version, events)
            if await conn.execute(MOVE_CHECKPOINT, name, version, after, last) != "UPDATE 1":
                raise _NotMoved  # rolls the batch back
    except _NotMoved:
        return False
    return True


class _NotMoved(Exception):
    pass


@dataclass(slots=True, eq=False)
class _Read:
    sent: int
    waiting: list[asyncio.Future[list[StoredEvent] | None]] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class _Passes:
    rows: list[tuple[str, int, int, int]] = field(default_factory=list)
    waiting: list[asyncio.Future[frozenset[tuple[str, int]] | None]] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class SharedLog:
    """What the runners of one process share (see the module's note): reads of the log that
    are under way, by (after, limit), and the checkpoint passes asked for in the same turn of
    the event loop. Each read and each statement runs on the connection of the runner that
    sent it; if it fails, the runners that waited for it send their own. Sharing changes how
    many round trips there are, never what a runner reads or writes."""

    sent: int = 0
    """Reads of the log sent (each answered as many runners as asked for it)."""
    joined: int = 0
    """Reads a runner waited for instead of sending."""
    passed_together: int = 0
    """Statements that moved the checkpoints of several runners' passes."""
    _clock: int = 0
    _reads: dict[tuple[int, int], _Read] = field(default_factory=dict)
    _passes: _Passes | None = None

    def mark(self) -> int:
        """A point in this process's order of wake-ups cleared and reads sent."""
        self._clock += 1
        return self._clock

    async def read(
        self, conn: asyncpg.Connection, after: int, limit: int, cleared: int
    ) -> tuple[list[StoredEvent], bool]:
        """`store.read_log(conn, after, limit)`, or the answer of the same read another runner
        sent, and whether the read was sent after `cleared` (the `mark()` taken when the caller
        cleared its wake-up): only then does it hold everything that caller was woken for."""
        key = (after, limit)
        under_way = self._reads.get(key)
        if under_way is not None:
            waiting: asyncio.Future[list[StoredEvent] | None]
            waiting = asyncio.get_running_loop().create_future()
            under_way.waiting.append(waiting)
            answer = await waiting
            if answer is not None:
                self.joined += 1
                return answer, under_way.sent > cleared
        read = _Read(sent=self.mark())
        self._reads[key] = read
        self.sent += 1
        events: list[StoredEvent] | None = None
        try:
            events = await store.read_log(conn, after, limit)
            return events, True
        finally:
            if self._reads.get(key) is read:
                del self._reads[key]
            for waiting in read.waiting:
                if not waiting.done():
                    waiting.set_result(events)  # None: read on your own

    async def pass_checkpoint(
        self, conn: asyncpg.Connection, name: str, version: int, after: int, upto: int
    ) -> bool:
        """PASS_CHECKPOINT for one projection version, in one statement (PASS_CHECKPOINTS) with
        the passes the other runners ask for before this turn of the event loop ends."""
        row = (name, version, after, upto)
        passes = self._passes
        if passes is not None:
            waiting: asyncio.Future[frozenset[tuple[str, int]] | None]
            waiting = asyncio.get_running_loop().create_future()
            passes.rows.append(row)
            passes.waiting.append(waiting)
            moved = await waiting
            if moved is not None:
                return (name, version) in moved
            status: str = await conn.execute(PASS_CHECKPOINT, *row)
            return status == "UPDATE 1"
        self._passes = passes = _Passes(rows=[row])
        moved = None
        try:
            try:
                await asyncio.sleep(0)  # the runners woken with this one ask in this turn
            finally:
                self._passes = None
            if len(passes.rows) == 1:
                status = await conn.execute(PASS_CHECKPOINT, *row)
                return status == "UPDATE 1"
            columns = [list(column) for column in zip(*passes.rows, strict=True)]
            found = await conn.fetch(PASS_CHECKPOINTS, *columns)
            self.passed_together += 1
            moved = frozenset((str(r[0]), int(r[1])) for r in found)
            return (name, version) in moved
        finally:
            for waiting in passes.waiting:
                if not waiting.done():
                    waiting.set_result(moved)  # None: pass on your own


@dataclass(slots=True)
class Runner:
    """Keeps one projection version current; active when it holds the lock, else standby."""

    projection: Projection
    connect: Callable[[], Awaitable[asyncpg.Connection]]
    version: int | None = None
    """A fixed version (a rebuild); None follows whichever version serves."""
    batch_size: int = 1000
    poll_interval: float = 0.5
    standby_interval: float = 0.25
    is_leader: bool = False
    current_version: int | None = None
    applied: int = 0
    on_batch: Callable[[int], None] | None = None
    shared: SharedLog | None = None
    """Shared with the other runners of the process (None: this runner reads on its own)."""
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, stop: asyncio.Event, *, until_caught_up: bool = False) -> None:
        """Run until `stop` is set (or, with `until_caught_up`, until no event is left).

        Crash-only: any failure (a lost connection, CheckpointMoved, …) ends the run with its
        exception after the connection and its lock are let go; a supervisor runs it again.
        Only a version retired by a rebuild makes it let go and follow the new serving version.
        """
        while not stop.is_set():
            try:
                async with dedicated(self.connect) as conn:
                    if await self._lead(conn, stop, until_caught_up):
                        return
            finally:
                self.is_leader = False
            _log.info("projection %s follows its new serving version", self.projection.name)
            await wait_any(stop, self._wake, timeout=self.standby_interval)

    async def _lead(
        self, conn: asyncpg.Connection, stop: asyncio.Event, until_caught_up: bool
    ) -> bool:
        name = self.projection.name
        while True:
            if self.version is not None:
                version = self.version
                locked = await conn.fetchval(TRY_LOCK, lock_key(name, version))
            elif (found := await conn.fetchrow(TRY_SERVING, name)) is not None:
                version, locked = found
            else:
                await serving_version(conn, name)  # registers the first version
                continue
            if locked:
                break
            await wait_any(stop, self._wake, timeout=self.standby_interval)
            if stop.is_set():
                return True
        self.is_leader = True
        self.current_version = version
        await conn.add_listener(LOG_CHANNEL, lambda *_: self._wake.set())
        await conn.execute(ASYNC_COMMIT)
        after = await _standing(conn, name, version)
        cleared: int | None = None
        while after is not None and not stop.is_set():
            if cleared is None:
                self._wake.clear()
                cleared = self.shared.mark() if self.shared is not None else 0
            events, whole = await self._read(conn, after, cleared)
            if whole:
                cleared = None
            if events:
                if not await apply_batch(
                    conn, self.projection, version, events, after, self.shared
                ):
                    if await _standing(conn, name, version) is None:
                        return False  # retired by a rebuild: follow the new serving version
                    raise CheckpointMoved(f"{name} v{version} moved past {after}")
                after = events[-1].log_index
                self.applied += len(events)
                if self.on_batch is not None:
                    self.on_batch(len(events))
                if until_caught_up or len(events) == self.batch_size or not whole:
                    continue  # more may be sequenced already
            elif not whole:
                continue  # a read sent before the wake-up was cleared: read after it
            elif until_caught_up:
                return True
            await wait_any(stop, self._wake, timeout=self.poll_interval)
            if not self._wake.is_set() and await _standing(conn, name, version) is None:
                return False  # a quiet poll found the version retired
        return after is not None

    async def _read(
        self, conn: asyncpg.Connection, after: int, cleared: int
    ) -> tuple[list[StoredEvent], bool]:
        """The next batch after `after`, and whether it was read after the wake-up was cleared
        (at `cleared`), so that it holds everything this runner was woken for."""
        if self.shared is None:
            return await store.read_log(conn, after, self.batch_size), True
        return await self.shared.read(conn, after, self.batch_size, cleared)


async def _standing(conn: asyncpg.Connection, name: str, version: int) -> int | None:
    """The checkpoint of a projection version; None once a rebuild retired it."""
    status, at = await conn.fetchrow(STANDING, name, version)
    return None if status == "retired" else int(at)
