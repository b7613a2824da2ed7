"""The sequencer: the one writer of `log`, which gives every committed event its global position.

Writers never serialise on a global lock; they append with a transaction id (`tx_id`, xid8).
A sequence value is drawn at INSERT but becomes visible at COMMIT, so ordering by it lets a reader
skip an event that commits late. Instead the sequencer takes only events whose transaction id is
below the oldest transaction still running (`pg_snapshot_xmin(pg_current_snapshot())`): every
transaction below that horizon has either committed (its rows are visible now) or died, so
nothing can appear later below the cursor. It orders by `(tx_id, id)`, keeps that tuple as its
cursor and hands out `log_index` values densely from 0. A long-open writing transaction holds
the horizon back; that is why the runtime role has short idle and statement timeouts.

Rows restored from another cluster (dump/restore) carry that cluster's transaction ids, which
mean nothing to this cluster's counter. Each row records the cluster it was written in
(`cluster_id`); rows from another cluster were all committed before the dump, so the sequencer
takes any of them not yet in `log` first, and then follows this cluster's own horizon.

One sequencer is active at a time: it holds a session advisory lock on a dedicated connection
and does all its writes on that same connection, so when it dies its lock and any open batch go
with it and a standby takes over from what is committed. `log.log_index` (primary key) and
`log.event_pk` (unique) make a split brain fail loudly instead of writing twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import asyncpg

from events.log.connection import dedicated
from events.log.store import EVENT_COLUMNS, LOG_CHANNEL, PAYLOAD_JOIN, StoredEvent, stored_event
from events.log.wakeup import wait_any

_log = logging.getLogger(__name__)

LOCK_KEY = 0x5A4D5345  # advisory lock key of the sequencer role ("SMSE")

BatchHook = Callable[[asyncpg.Connection, Sequence[StoredEvent]], Awaitable[None]]
"""Runs inside the batch transaction after the log rows are inserted (e.g. Merkle integration)."""

NEXT_INDEX = "SELECT coalesce(max(log_index) + 1, 0) FROM log"

OWN_CURSOR = """
SELECT e.tx_id::text, e.id FROM events e JOIN log l ON l.event_pk = e.id
WHERE e.cluster_id = cluster_id()
ORDER BY e.tx_id DESC, e.id DESC LIMIT 1"""

FOREIGN_BATCH = f"""
SELECT {EVENT_COLUMNS}, NULL::bigint
FROM events e {PAYLOAD_JOIN}
WHERE e.cluster_id <> cluster_id()
  AND NOT EXISTS (SELECT 1 FROM log l WHERE l.event_pk = e.id)
ORDER BY e.cluster_id, e.tx_id, e.id
LIMIT $1"""

OWN_BATCH = f"""
SELECT {EVENT_COLUMNS}, NULL::bigint, e.tx_id::text
FROM events e {PAYLOAD_JOIN}
WHERE e.cluster_id = cluster_id()
  AND (e.tx_id, e.id) > ($1::text::xid8, $2)
  AND e.tx_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY e.tx_id, e.id
LIMIT $3"""

INSERT_LOG = """
INSERT INTO log (log_index, event_pk)
SELECT * FROM unnest($1::bigint[], $2::bigint[])"""

NOTIFY = f"SELECT pg_notify('{LOG_CHANNEL}', '')"


@dataclass(slots=True)
class SequencerState:
    """Where the active sequencer stands: the next log index and its (tx_id, id) cursor."""

    next_index: int
    cursor_tx: str = "0"
    cursor_id: int = 0
    foreign_done: bool = False
    batches: int = 0
    sequenced: int = 0


@dataclass(slots=True)
class Sequencer:
    """Moves committed events into `log` in batches; one active instance, others stand by."""

    connect: Callable[[], Awaitable[asyncpg.Connection]]
    batch_size: int = 2000
    idle_interval: float = 0.005
    standby_interval: float = 0.25
    on_batch: BatchHook | None = None
    on_lead: Callable[[asyncpg.Connection], Awaitable[object]] | None = None
    """Runs once after taking the lead, before the first batch (e.g. catching the tree up)."""
    is_leader: bool = False
    state: SequencerState | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Stand by until leader, then sequence until `stop` is set.

        Crash-only: any failure, a lost connection included, ends the run with its exception
        after the connection (and the lock with it) is let go; a supervisor runs it again.
        """
        try:
            async with dedicated(self.connect) as conn:
                await self._lead(conn, stop)
        finally:
            self.is_leader = False

    async def _lead(self, conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY):
            if await _sleep_or_stop(stop, self.standby_interval):
                return
        self.is_leader = True
        if self.on_lead is not None:
            await self.on_lead(conn)
        self.state = await load_state(conn)
        _log.info("sequencer is active from log index %d", self.state.next_index)
        while not stop.is_set():
            moved = await sequence_batch(conn, self.state, self.batch_size, self.on_batch)
            # A full batch means a backlog: go on at once. Anything less means the sequencer has
            # caught up, so it waits for the next poll even when it moved something. Chasing
            # each commit instead costs a transaction (and a WAL flush) of its own per appended
            # event under a steady trickle of appends, which halved a lone writer's rate in the
            # store benchmark; waiting adds at most one idle_interval to the lag.
            if moved < self.batch_size:
                await wait_any(stop, timeout=self.idle_interval)


async def load_state(conn: asyncpg.Connection) -> SequencerState:
    """Read where sequencing stands from what is committed in `log`."""
    state = SequencerState(next_index=int(await conn.fetchval(NEXT_INDEX)))
    row = await conn.fetchrow(OWN_CURSOR)
    if row is not None:
        state.cursor_tx, state.cursor_id = row[0], int(row[1])
    return state


async def sequence_batch(
    conn: asyncpg.Connection,
    state: SequencerState,
    batch_size: int,
    on_batch: BatchHook | None = None,
) -> int:
    """Sequence one batch; return how many events moved into `log`.

    The batch is read by one statement of its own, and only a batch with events opens the
    transaction that writes it: a poll that finds nothing (about 200 a second while the log is
    quiet) is one round trip, not three (BEGIN, the read, COMMIT). The rows read stay right to
    write a moment later: they are committed, insert-only and below the horizon, and no one
    else writes `log` while this sequencer holds its lock (a split brain still fails on
    `log`'s keys). The read holds no transaction id, so it cannot hold back the horizon it
    reads.
    """
    own = state.foreign_done
    if not own:
        rows = await conn.fetch(FOREIGN_BATCH, batch_size)
        if not rows:
            state.foreign_done = own = True
    if own:
        rows = await conn.fetch(OWN_BATCH, state.cursor_tx, state.cursor_id, batch_size)
    if not rows:
        return 0
    first = state.next_index
    indexes = list(range(first, first + len(rows)))
    async with conn.transaction():
        await conn.execute(INSERT_LOG, indexes, [r[0] for r in rows])
        events = [stored_event((*tuple(r)[:10], i)) for r, i in zip(rows, indexes, strict=True)]
        if on_batch is not None:
            await on_batch(conn, events)
        await conn.execute(NOTIFY)
    # Only advance in memory once the batch is committed.
    state.next_index = first + len(rows)
    if own:
        state.cursor_tx, state.cursor_id = rows[-1][11], int(rows[-1][0])
    state.batches += 1
    state.sequenced += len(rows)
    return len(rows)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True
