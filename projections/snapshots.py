"""Snapshots of folded states: time travel and a cold dispatcher start from one, not from zero.

A snapshot is a decider's state of one stream after the event at `stream_version` (log index
`log_index`): the JSON of the codec's `to_plain`, stored as bytes (a long promise's state is
hundreds of kilobytes, and jsonb would parse and print it on every write and read).

Time travel to a log index starts from the newest snapshot at or before it and folds only the
events after it; while it folds, it writes a snapshot at every SNAPSHOT_EVERY-th event of the
stream it passes, so the first look at a long stream pays for the fold once and later looks do
not. A dispatcher that does not hold a stream's state folds it the same way when the stream
has passed a multiple of SNAPSHOT_EVERY since its newest snapshot (`fold_to_head`), writing the
newest snapshot due: a node that starts cold, or evicted the state, folds fewer than
SNAPSHOT_EVERY events past it.

A snapshot is stored under its decider's name and the shape of its state type (a digest of the
type's JSON schema): a release that changes the state's fields never reads a snapshot written
by an older one (it folds from the log and writes its own), so a snapshot can be decoded
straight into the state type, in one pass, without the codec's unknown-field checks.

The log stays the authority. A snapshot is used only while the stream has as many recorded
erasures as when it was folded: recording an erasure deletes the stream's snapshots in the
same transaction (migration 0007), and a snapshot written at the same moment from payloads read
before that erasure carries the older count, so it is never read. A snapshot is read, and its
events folded and written, in one repeatable-read transaction, so the count it stores is the
count of the payloads it folded. Where writing is impossible (a read-only standby), the answer
is the same and no snapshot is written.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from itertools import starmap
from typing import Any, Generic, TypeVar, cast

import asyncpg
import msgspec

from events.decider import Decider
from events.log.store import EVENT_COLUMNS, PAYLOAD_JOIN, StoredEvent

S = TypeVar("S")

SNAPSHOT_EVERY = 200
"""A snapshot is written after every this many events of a stream."""

LAST_LOG_INDEX = 2**63 - 1
"""A log index past every real one."""

NEWEST = """
WITH x AS (
    SELECT count(*)::integer AS n
    FROM erasures x JOIN log l ON l.log_index = x.log_index JOIN events e ON e.id = l.event_pk
    WHERE e.stream_id = $2)
SELECT x.n, s.stream_version, s.log_index, s.state,
    coalesce((SELECT h.version FROM streams h WHERE h.stream_id = $2), 0)
FROM x LEFT JOIN LATERAL (
    SELECT s.stream_version, s.log_index, s.state FROM snapshots s
    WHERE s.name = $1 AND s.stream_id = $2 AND s.log_index <= $3 AND s.erasures = x.n
    ORDER BY s.stream_version DESC
    LIMIT 1) s ON true"""

READ_AFTER = f"""
SELECT {EVENT_COLUMNS}, l.log_index
FROM events e JOIN log l ON l.event_pk = e.id {PAYLOAD_JOIN}
WHERE e.stream_id = $1 AND e.stream_version > $2 AND l.log_index <= $3
ORDER BY e.stream_version"""

WRITE = """
INSERT INTO snapshots AS s (name, stream_id, stream_version, log_index, erasures, state)
SELECT $1, $2, u.stream_version, u.log_index, $3, u.state
FROM unnest($4::integer[], $5::bigint[], $6::bytea[]) AS u(stream_version, log_index, state)
ON CONFLICT (name, stream_id, stream_version) DO UPDATE
    SET log_index = excluded.log_index, erasures = excluded.erasures, state = excluded.state
    WHERE s.erasures <> excluded.erasures"""


@dataclass(frozen=True, slots=True)
class Snapshot(Generic[S]):
    """A folded state of one stream after its event `stream_version`."""

    stream_version: int
    log_index: int
    state: S


@dataclass(frozen=True, slots=True)
class Found(Generic[S]):
    """The newest usable snapshot at or before a log index, the stream's erasure count, and
    its version now (its events appended so far, sequenced or not)."""

    erasures: int
    snapshot: Snapshot[S] | None
    head: int = 0

    def due(self, every: int = SNAPSHOT_EVERY) -> bool:
        """Whether a fold to the head would pass a snapshot not yet written."""
        at = self.snapshot.stream_version if self.snapshot else 0
        return self.head // every > at // every


Fold = Callable[[S, Sequence[StoredEvent]], S]


_ENCODER = msgspec.json.Encoder()


@functools.cache
def shape(state_type: type) -> str:
    """A digest of the state type's fields, nested types and defaults (its JSON schema)."""
    schema = msgspec.json.encode(msgspec.json.schema(state_type), order="sorted")
    return hashlib.sha256(schema).hexdigest()[:16]


def key(name: str, state_type: type) -> str:
    """What the snapshots of decider `name` are stored under: its name and its state's shape."""
    return f"{name}@{shape(state_type)}"


_DECODERS: dict[type, msgspec.json.Decoder[Any]] = {}


def _decoder(state_type: type[S]) -> msgspec.json.Decoder[S]:
    decoder = _DECODERS.get(state_type)
    if decoder is None:
        decoder = _DECODERS[state_type] = msgspec.json.Decoder(state_type)
    return cast("msgspec.json.Decoder[S]", decoder)


def encode(state: object) -> bytes:
    """A state as stored in a snapshot: msgspec's JSON of it."""
    return _ENCODER.encode(state)


def decode(state_type: type[S], raw: bytes) -> S:
    """A state read back from a snapshot of the same shape, decoded straight into the type."""
    return _decoder(state_type).decode(raw)


def resume(
    fold: Fold[S], state: S, events: Sequence[StoredEvent], every: int = SNAPSHOT_EVERY
) -> tuple[S, list[Snapshot[S]]]:
    """Fold `events` onto `state`; also the snapshots due on the way (every `every`-th event)."""
    due: list[Snapshot[S]] = []
    for stored in events:
        state = fold(state, (stored,))
        if stored.stream_version % every == 0 and stored.log_index is not None:
            due.append(Snapshot(stored.stream_version, stored.log_index, state))
    return state, due


async def newest(
    conn: asyncpg.Connection,
    name: str,
    state_type: type[S],
    stream_id: str,
    log_index: int = LAST_LOG_INDEX,
) -> Found[S]:
    """The newest snapshot of `stream_id` by decider `name` still valid, at or before log_index."""
    row = await conn.fetchrow(NEWEST, key(name, state_type), stream_id, log_index)
    assert row is not None
    if row[1] is None:
        return Found(row[0], None, row[4])
    return Found(row[0], Snapshot(row[1], row[2], decode(state_type, row[3])), row[4])


async def write(
    conn: asyncpg.Connection,
    name: str,
    state_type: type[S],
    stream_id: str,
    erasures: int,
    due: Sequence[Snapshot[S]],
) -> None:
    """Store snapshots folded from payloads read when the stream had `erasures` erasures."""
    await conn.execute(
        WRITE,
        key(name, state_type),
        stream_id,
        erasures,
        [s.stream_version for s in due],
        [s.log_index for s in due],
        [encode(s.state) for s in due],
    )


@asynccontextmanager
async def _connection(db: asyncpg.Connection | asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn:
            yield conn
    else:
        yield db


async def state_as_of(
    db: asyncpg.Connection | asyncpg.Pool,
    decider: Decider[S],
    state_type: type[S],
    fold: Fold[S],
    stream_id: str,
    log_index: int,
    every: int = SNAPSHOT_EVERY,
) -> S | None:
    """The state of `stream_id` after its events up to `log_index`; None when it has none.

    Starts from the newest valid snapshot and writes the snapshots due on the way.
    """
    folded = await _folded(db, decider, state_type, fold, stream_id, log_index, every)
    return folded[1] if folded else None


async def fold_to_head(
    db: asyncpg.Connection | asyncpg.Pool,
    decider: Decider[S],
    state_type: type[S],
    fold: Fold[S],
    stream_id: str,
    every: int = SNAPSHOT_EVERY,
) -> tuple[int, S] | None:
    """(version, state) of `stream_id` after its last sequenced event; None when it has none.

    As `state_as_of` at the end of the log, it starts from the newest valid snapshot, but it
    writes only the newest of the snapshots due on the way: a later start from the head needs
    no other (time travel to an earlier position writes its own). Events appended but not yet
    sequenced are not folded: the caller reads what follows the version.
    """
    return await _folded(
        db, decider, state_type, fold, stream_id, LAST_LOG_INDEX, every, newest_only=True
    )


async def _folded(
    db: asyncpg.Connection | asyncpg.Pool,
    decider: Decider[S],
    state_type: type[S],
    fold: Fold[S],
    stream_id: str,
    log_index: int,
    every: int,
    *,
    newest_only: bool = False,
) -> tuple[int, S] | None:
    async with _reading(db) as (conn, writing):
        found = await newest(conn, decider.name, state_type, stream_id, log_index)
        start = found.snapshot
        after = start.stream_version if start else 0
        rows = await conn.fetch(READ_AFTER, stream_id, after, log_index)
        if start is None and not rows:
            return None
        events = list(starmap(StoredEvent, rows))
        state, due = resume(
            fold,
            start.state if start else decider.initial_state,
            events,
            every if writing and every else LAST_LOG_INDEX,
        )
        if due:
            async with _unless_refused(conn):
                kept = due[-1:] if newest_only else due
                await write(conn, decider.name, state_type, stream_id, found.erasures, kept)
        return (events[-1].stream_version if events else after), state


@asynccontextmanager
async def _reading(
    db: asyncpg.Connection | asyncpg.Pool,
) -> AsyncIterator[tuple[asyncpg.Connection, bool]]:
    """A connection to fold on, in a repeatable-read transaction of its own, and whether
    snapshots may be written: not when the caller's transaction is open (it is read in, and
    nothing written)."""
    async with _connection(db) as conn:
        if conn.is_in_transaction():
            yield conn, False
        else:
            async with conn.transaction(isolation="repeatable_read"):
                yield conn, True


@asynccontextmanager
async def _unless_refused(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """Writes in a savepoint that, refused, leaves the fold's transaction and answer as they are."""
    # Refused on a standby or for a role without write; or another fold wrote the same
    # snapshot after this transaction began (two looks at one long stream at once): it is
    # there. Either way the answer stands without them.
    with contextlib.suppress(
        asyncpg.ReadOnlySQLTransactionError,
        asyncpg.InsufficientPrivilegeError,
        asyncpg.SerializationError,
    ):
        async with conn.transaction():
            yield
