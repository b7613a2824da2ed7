"""The dispatcher: the one place that loads a stream, folds, decides and appends.

A command is decided against the stream's current state and appended with that state's
version as the expected version, so a concurrent change makes the append fail instead of
being overwritten. Commands whose decision depends only on their own stream's facts (most
do) are re-decided on a conflict, a bounded number of times; a caller's explicit
`expected_version` is never re-decided: the caller asked for that version and gets a conflict.

On a stream whose state is cached, a command is first decided on that state and the cached
directory without reading anything, and appended on condition that the directory and the
erasures stream are still at the versions they were read at (`store.append`'s
`read_versions`): one round trip. Anything else (a stream not cached, a command that reads
other streams, a refusal, nothing to append, a conflict, something moved) reads and decides
as above, so a refusal is always decided on a fresh read. A stream whose last read here found
events another process wrote is read first until a read finds none: where several processes
write the same streams, deciding on the cached state would mostly cost a refused append.

A command id is the caller's idempotency key, kept per organisation with a fingerprint of the
command it was used for (see `dispatch` for why it is looked up where it is).

Folded states are kept in a bounded LRU (`StateCache`, `SAMVERKAN_STATE_CACHE` streams), each
with the version it was folded at: a command reads only the events after that version and folds
them on, so the log stays the authority and a cached state is never taken for a later version.
A successful append stores the new state at the new version; a conflict keeps the entry (still
the fold at its version); any other failure drops it. A stream that is not cached starts from
its newest snapshot (projections.snapshots); when it has since passed a multiple of
`snapshot_every` events, it is folded as time travel folds it, writing the newest snapshot due.

Erasure: a command reads the `erasures` stream past the last erasure the dispatcher has seen
(one decided on the cached state appends only if there is none) and drops every stream named
there, whichever process recorded the erasure. A command that began before such a drop stores
nothing afterwards (the cache's epoch moved on), so a state folded from a payload read before
its erasure is never reused.
"""

from __future__ import annotations

import asyncio
import os
import random
import uuid
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import asyncpg

from events.codec import Registry
from events.context import DecisionContext
from events.decider import Decider
from events.directory.decider import DIRECTORY_STREAM
from events.erasure import ERASURE_STREAM
from events.idempotency import IdempotencyKeyReused, check_command_id, command_fingerprint
from events.log import store
from events.log.store import NO_STREAM, CommandRecord, NewEvent, VersionConflict
from events.messages import Command, Event, Refusal
from projections import snapshots
from service.settings import SettingsError

MAX_REDECIDES = 8
"""Attempts of a command without an expected version: each conflict means another write to
the stream landed in between, so as many concurrent writers as this always all land."""

REDECIDE_PAUSE_S = 0.002
"""Before deciding again, a random pause of up to this, doubling with each conflict, so
writers that conflicted do not meet again in step."""

STATE_CACHE_DEFAULT = 10_000
"""Streams whose folded state a dispatcher keeps, unless SAMVERKAN_STATE_CACHE says otherwise."""


def state_cache_size(env: Mapping[str, str] | None = None) -> int:
    """SAMVERKAN_STATE_CACHE: how many streams' folded states to keep (0: none)."""
    raw = (os.environ if env is None else env).get("SAMVERKAN_STATE_CACHE", "").strip()
    if not raw:
        return STATE_CACHE_DEFAULT
    try:
        size = int(raw)
    except ValueError:
        size = -1
    if size < 0:
        raise SettingsError(f"SAMVERKAN_STATE_CACHE must be a whole number >= 0, not {raw!r}")
    return size


@dataclass(slots=True)
class StateCache:
    """Folded states by stream id, each with the version it was folded at; least recent go first.

    `epoch` counts the drops made for erasures: a command remembers it when it starts and may
    store a state only if no such drop happened since.
    """

    size: int
    epoch: int = 0
    erasures_seen: int = 0
    _states: OrderedDict[str, tuple[int, Any]] = field(default_factory=OrderedDict)
    _elsewhere: set[str] = field(default_factory=set)
    """Cached streams whose last read here found events another writer appended."""

    def __len__(self) -> int:
        return len(self._states)

    def __contains__(self, stream_id: str) -> bool:
        return stream_id in self._states

    def written_elsewhere(self, stream_id: str) -> bool:
        """Whether the last read of the cached stream found events written by another process:
        a command deciding on the cached state alone would most likely conflict."""
        return stream_id in self._elsewhere

    def read(self, stream_id: str, found_new: bool) -> None:
        """Note what a read of a cached stream after its cached version found."""
        if found_new and stream_id in self._states:
            self._elsewhere.add(stream_id)
        else:
            self._elsewhere.discard(stream_id)

    def get(self, stream_id: str) -> tuple[int, Any] | None:
        """The cached (version, state) of a stream, marked as recently used."""
        entry = self._states.get(stream_id)
        if entry is not None:
            self._states.move_to_end(stream_id)
        return entry

    def put(self, stream_id: str, version: int, state: Any, epoch: int) -> None:
        """Keep `state` as the stream's fold at `version`, unless erasures moved the epoch."""
        if epoch != self.epoch or self.size <= 0:
            return
        cached = self._states.get(stream_id)
        if cached is not None and cached[0] > version:
            return  # a concurrent command already cached a later version
        self._states[stream_id] = (version, state)
        self._states.move_to_end(stream_id)
        while len(self._states) > self.size:
            self._elsewhere.discard(self._states.popitem(last=False)[0])

    def drop(self, stream_id: str) -> None:
        """Forget a stream's state."""
        self._states.pop(stream_id, None)
        self._elsewhere.discard(stream_id)

    def erased(self, stream_ids: Sequence[str]) -> None:
        """Forget the streams named by erasures, and refuse states folded before it."""
        for stream_id in stream_ids:
            self.drop(stream_id)
        self.epoch += 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What a dispatched command produced."""

    stream_id: str
    version: int
    event_ids: tuple[uuid.UUID, ...]
    events: tuple[Event, ...]
    duplicate: bool
    event_types: tuple[str, ...] = ()
    """The type of each appended event (a duplicate's too), in the order of `event_ids`."""


@dataclass(frozen=True, slots=True)
class _Dispatch:
    """What every attempt of one command uses: the command, its decider and stream, the record
    of it kept under its id, and the metadata of its events."""

    command: Command
    decider: Decider[Any]
    stream_id: str
    record: CommandRecord
    meta: Mapping[str, Any]


def _command_uuid(command_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(command_id)
    except ValueError:
        # Readable command ids (the demo's) map to a stable UUID.
        return uuid.uuid5(uuid.NAMESPACE_URL, f"samverkan:command:{command_id}")


READ_STREAMS = f"""
SELECT x.*, s.n, NULL::text, NULL::text, NULL::bytea, NULL::uuid[], NULL::integer
FROM (VALUES ($1::text, $2::integer, 1), ($3::text, $4::integer, 2), ($5::text, $6::integer, 3))
  AS s(stream_id, after_version, n)
CROSS JOIN LATERAL (
  SELECT {store.EVENT_COLUMNS}, (SELECT l.log_index FROM log l WHERE l.event_pk = e.id)
  FROM events e {store.PAYLOAD_JOIN}
  WHERE e.stream_id = s.stream_id AND e.stream_version > s.after_version
  ORDER BY e.stream_version) x
UNION ALL
SELECT NULL::bigint, NULL::uuid, NULL::text, NULL::integer, NULL::text, NULL::integer,
       NULL::bytea, NULL::bytea, NULL::timestamptz, NULL::timestamptz, NULL::bigint, 0,
       {store.COMMAND_COLUMNS}
FROM commands c
WHERE c.organisation = $7 AND c.command_id = $8
ORDER BY n, stream_version"""
"""The events after a version of each of three streams, and the command recorded under the
(organisation, command id) `$7`, `$8` (`store.recorded_command`), in one round trip: each event
row is `store.stored_event`'s plus the stream's place in the list (1-based); the command's
row, first (place 0), carries its columns after those.

Three (stream, version) parameters rather than two arrays: with `unnest` of array parameters
the planner estimates ten rows for the generic plan and three for each custom one, so it kept
planning the statement afresh on every command (a fifth of a millisecond of server CPU, the
most of any statement a command runs). With exactly three rows the generic plan costs what a
custom one does and is kept after the first five. The log index is read by a subquery on
its unique index: joined, the planner chose to hash the whole of a small log."""


@dataclass(slots=True)
class Dispatcher:
    """Dispatches commands to their deciders against the PostgreSQL event store."""

    pool: asyncpg.Pool
    deciders: Sequence[Decider[Any]]
    directory: Decider[Any]
    registry: Registry
    state_cache_size: int = field(default_factory=state_cache_size)
    snapshot_every: int = snapshots.SNAPSHOT_EVERY
    """A cold load that passes a multiple of this since the newest snapshot writes one there."""
    _directory_state: Any = None
    _directory_version: int = 0
    _by_type: dict[type[Command], Decider[Any]] = field(default_factory=dict)
    cache: StateCache = field(init=False)

    def __post_init__(self) -> None:
        for decider in self.deciders:
            for command_type in decider.command_types:
                self._by_type[command_type] = decider
        self._directory_state = self.directory.initial_state
        self.cache = StateCache(self.state_cache_size)

    def decider_for(self, command: Command) -> Decider[Any]:
        """The decider that owns `command`'s type."""
        try:
            return self._by_type[type(command)]
        except KeyError:
            raise LookupError(f"no decider handles {type(command).__name__}") from None

    def _fold(self, decider: Decider[Any]) -> snapshots.Fold[Any]:
        def fold(state: Any, events: Sequence[store.StoredEvent]) -> Any:
            for stored in events:
                event = self.registry.decode(stored.type, stored.schema_version, stored.data)
                state = decider.evolve(state, event)
            return state

        return fold

    async def load(
        self, conn: asyncpg.Connection, decider: Decider[Any], stream_id: str
    ) -> tuple[Any, int]:
        """Fold a stream into its decider's state; return the state and its version.

        Starts from the cached state (or the newest snapshot) and reads only the events after
        its version. Call `check_erasures` first: it drops what erasures made stale.
        """
        epoch = self.cache.epoch
        version, state = await self._start(conn, decider, stream_id)
        new = await store.read_stream(conn, stream_id, after_version=version)
        return self._advance(decider, stream_id, (state, version), new, epoch)

    async def _start(
        self, conn: asyncpg.Connection, decider: Decider[Any], stream_id: str
    ) -> tuple[int, Any]:
        """(version, state) a load starts from: the cached state, else the newest snapshot."""
        cached = self.cache.get(stream_id)
        if cached is not None:
            return cached
        state_type = type(decider.initial_state)
        found = await snapshots.newest(conn, decider.name, state_type, stream_id)
        if found.due(self.snapshot_every):
            # A long stream past its newest snapshot: folded as time travel folds it, in one
            # repeatable-read transaction that writes the newest snapshot due, so that the next
            # cold start (another node, or this one after evicting it) folds fewer than
            # `snapshot_every` events.
            folded = await snapshots.fold_to_head(
                conn, decider, state_type, self._fold(decider), stream_id, self.snapshot_every
            )
            if folded is not None:
                return folded
        start = found.snapshot
        return (start.stream_version, start.state) if start else (0, decider.initial_state)

    def _advance(
        self,
        decider: Decider[Any],
        stream_id: str,
        at: tuple[Any, int],
        new: Sequence[store.StoredEvent],
        epoch: int,
    ) -> tuple[Any, int]:
        """Fold a stream's `new` events onto (state, version) and cache the result."""
        state, version = at
        if new:
            state = self._fold(decider)(state, new)
            version = new[-1].stream_version
        if version:
            self.cache.put(stream_id, version, state, epoch)
        return state, version

    async def read_for(
        self,
        conn: asyncpg.Connection,
        decider: Decider[Any],
        stream_id: str,
        command: tuple[str, uuid.UUID] | None = None,
    ) -> tuple[Any, int, DecisionContext, int, store.RecordedCommand | None]:
        """`check_erasures`, `load` and `context` in one round trip (after a snapshot lookup
        when the stream's state is not cached): the new events of the erasure stream, the
        directory and the stream, read together, with the command recorded under `command`
        (organisation, command id) if any (`store.recorded_command`; then nothing read is
        folded: the command is answered by its first result). Erasures are rare: when one is
        new, the states read may hold what it erased, so it falls back to the three reads in
        turn. The fourth value is the cache epoch the state was read in (a state cached later
        must carry it)."""
        epoch = self.cache.epoch
        cached = stream_id in self.cache
        version, state = await self._start(conn, decider, stream_id)
        directory_at = self._directory_state, self._directory_version
        parts: tuple[list[store.StoredEvent], ...] = ([], [], [])
        organisation, command_id = command if command is not None else (None, None)
        read = await conn.fetch(
            READ_STREAMS,
            ERASURE_STREAM,
            self.cache.erasures_seen,
            DIRECTORY_STREAM,
            directory_at[1],
            stream_id,
            version,
            organisation,
            command_id,
        )
        earlier = None
        for row in read:
            if row[11]:
                parts[row[11] - 1].append(store.stored_event(row))
            else:
                earlier = store.recorded_command(row[12:])
        erased, directory, new = parts
        if earlier is not None:  # answered by its first result: nothing read is folded
            return state, version, DecisionContext(directory=directory_at[0]), epoch, earlier
        if erased:
            await self.check_erasures(conn)
            epoch = self.cache.epoch
            state, version = await self.load(conn, decider, stream_id)
            return state, version, await self.context(conn), epoch, None
        if cached:
            self.cache.read(stream_id, bool(new))
        state, version = self._advance(decider, stream_id, (state, version), new, epoch)
        context = self._context_with(directory_at, directory, epoch)
        return state, version, context, epoch, earlier

    async def check_erasures(self, conn: asyncpg.Connection) -> None:
        """Drop the cached states of streams erased since the last check (by any process)."""
        seen = self.cache.erasures_seen
        erased = await store.read_stream(conn, ERASURE_STREAM, after_version=seen)
        if not erased or self.cache.erasures_seen >= erased[-1].stream_version:
            return
        streams = [str(e.data.get("stream_id", "")) for e in erased]
        self.cache.erased(streams)
        self.cache.erasures_seen = erased[-1].stream_version
        if DIRECTORY_STREAM in streams:
            self._directory_state, self._directory_version = self.directory.initial_state, 0

    async def _linked(
        self, conn: asyncpg.Connection, stream_ids: tuple[str, ...]
    ) -> dict[str, Any]:
        """The folded states of the streams a command names, each by its own decider."""
        states: dict[str, Any] = {}
        for stream_id in stream_ids:
            owner = next(d for d in self.deciders if stream_id.startswith(d.stream_prefix))
            states[stream_id] = (await self.load(conn, owner, stream_id))[0]
        return states

    async def context(self, conn: asyncpg.Connection) -> DecisionContext:
        """The decision context: the organisation directory, caught up from its last read.

        Concurrent commands share the cached directory, so each folds the new events onto its
        own copy and publishes it only if it got further than what is cached: two commands
        reading the same new events never apply them twice.
        """
        epoch = self.cache.epoch
        at = self._directory_state, self._directory_version
        new = await store.read_stream(conn, DIRECTORY_STREAM, after_version=at[1])
        return self._context_with(at, new, epoch)

    def _context_with(
        self, at: tuple[Any, int], new: Sequence[store.StoredEvent], epoch: int
    ) -> DecisionContext:
        """The decision context: the directory (state, version) `at` with the events read
        after that version folded in (see `context`)."""
        state, version = at
        for stored in new:
            event = self.registry.decode(stored.type, stored.schema_version, stored.data)
            state = self.directory.evolve(state, event)
            version = stored.stream_version
        if version > self._directory_version and epoch == self.cache.epoch:
            self._directory_state, self._directory_version = state, version
        return DecisionContext(directory=state)

    def _fold_new(self, decider: Decider[Any], state: Any, new: Sequence[NewEvent]) -> Any:
        for n in new:
            state = decider.evolve(state, self.registry.decode(n.type, n.schema_version, n.data))
        return state

    def _new_event(self, event: Event, command: Command) -> NewEvent:
        kind, schema_version, data = self.registry.encode(event)
        return NewEvent(
            event_id=uuid.uuid4(),
            type=kind,
            schema_version=schema_version,
            data=data,
            occurred_at=command.at,
        )

    async def _earlier(
        self,
        conn: asyncpg.Connection,
        command_id: str,
        stream_id: str,
        record: CommandRecord,
        earlier: store.RecordedCommand,
    ) -> Outcome:
        """The first result of this command, dispatched before under its key (`earlier`).

        Raises IdempotencyKeyReused when the organisation used the key for another command.
        """
        if not earlier.matches(stream_id, record):
            raise IdempotencyKeyReused(command_id)
        return Outcome(
            stream_id=earlier.stream_id,
            version=earlier.result.version,
            event_ids=earlier.result.event_ids,
            events=(),
            duplicate=True,
            event_types=tuple(await store.event_types(conn, earlier.result.event_ids)),
        )

    async def _append(
        self,
        conn: asyncpg.Connection,
        to: _Dispatch,
        at: tuple[Any, int],
        decided: Sequence[Event],
        epoch: int,
        read_versions: Mapping[str, int] | None = None,
    ) -> Outcome:
        """Append what was decided on the stream's (state, version) `at`, cache the new state,
        and say what it produced. Raises VersionConflict (the cached state is kept: it is still
        the fold at its version), store.ReadStreamsMoved (`read_versions`) and
        IdempotencyKeyReused; anything else drops the stream's cached state."""
        command, stream_id = to.command, to.stream_id
        state, version = at
        new = [self._new_event(e, command) for e in decided]
        try:
            result = await store.append(
                conn,
                stream_id,
                version if version else NO_STREAM,
                new,
                command_id=_command_uuid(command.command_id),
                metadata=to.meta,
                organisations=(command.actor.organisation_id,),
                command=to.record,
                read_versions=read_versions,
            )
        except (VersionConflict, store.ReadStreamsMoved):
            raise
        except IdempotencyKeyReused:
            self.cache.drop(stream_id)
            raise IdempotencyKeyReused(command.command_id) from None
        except BaseException:
            self.cache.drop(stream_id)
            raise
        types = tuple(n.type for n in new)
        if result.duplicate:  # a concurrent first attempt won: its events are the answer
            self.cache.drop(stream_id)
            types = tuple(await store.event_types(conn, result.event_ids))
        elif result.version == version + len(new):
            # The new state as a later load would fold it: from the encoded events.
            self.cache.put(stream_id, result.version, self._fold_new(to.decider, state, new), epoch)
        else:
            self.cache.drop(stream_id)
        return Outcome(
            stream_id=stream_id,
            version=result.version,
            event_ids=result.event_ids,
            events=tuple(decided),
            duplicate=result.duplicate,
            event_types=types,
        )

    async def _on_cached_state(self, conn: asyncpg.Connection, to: _Dispatch) -> Outcome | None:
        """The command decided on its stream's cached state and the cached directory, and
        appended on condition that neither its stream, the directory nor the erasures moved
        since they were read: one round trip, nothing read before it. None when it cannot be
        (the stream is not cached, the command reads other streams, the cached state refuses
        it or decides nothing, something moved); nothing was appended, and the caller reads
        and decides as usual. So a refusal, or a retry's first result, always comes from a
        fresh read, and what is appended here was decided on exactly what the log held."""
        cached = self.cache.get(to.stream_id)
        if cached is None or to.decider.links(to.command):
            return None
        if self.cache.written_elsewhere(to.stream_id):
            return None  # it would most likely conflict: read first
        epoch = self.cache.epoch
        version, state = cached
        context = DecisionContext(directory=self._directory_state)
        read = {DIRECTORY_STREAM: self._directory_version, ERASURE_STREAM: self.cache.erasures_seen}
        try:
            decided = to.decider.decide(to.command, state, context)
        except Refusal:
            return None
        if not decided:
            return None
        try:
            return await self._append(conn, to, (state, version), decided, epoch, read)
        except (VersionConflict, store.ReadStreamsMoved):
            return None

    async def dispatch(
        self,
        command: Command,
        *,
        expected_version: int | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Outcome:
        """Decide and append `command`; raise a Refusal, VersionConflict or IdempotencyKeyReused."""
        # A malformed id is refused before anything is read, decided or stored.
        check_command_id(command.command_id)
        decider = self.decider_for(command)
        stream_id = decider.stream_of(command)
        record = CommandRecord(
            organisation_id=command.actor.organisation_id,
            command_type=type(command).__name__,
            fingerprint=command_fingerprint(command, stream_id),
        )
        meta = {
            **(metadata or {}),
            "actor": command.actor.as_record(),
            "command_id": command.command_id,
            "command": type(command).__name__,
        }
        if command.acknowledge:
            # What the caller knowingly accepted (voided signatures, ...) is part of the record.
            meta["acknowledged"] = sorted(command.acknowledge)
        to = _Dispatch(command, decider, stream_id, record, meta)
        attempts = 1 if expected_version is not None else MAX_REDECIDES
        async with self.pool.acquire() as conn:
            if expected_version is None:
                done = await self._on_cached_state(conn, to)
                if done is not None:
                    return done
            for attempt in range(attempts):
                # The key is (actor's organisation, command id): another organisation's use of
                # an id is invisible here, so it neither hands over their result nor swallows
                # this write. It is looked up BEFORE deciding, because a retry whose first
                # attempt succeeded would now be refused ("already signed") yet must get its
                # first result. That is safe: the result is given only for a matching
                # fingerprint (the same person asking the same of the same stream, authorised
                # when first decided); anything else under the key is IdempotencyKeyReused. It
                # is read with the streams, in the one statement of `read_for`. (A command
                # decided on the cached state before this reached the append, which gives the
                # same answer for a used key; one the cached state refused is here.)
                key = (record.organisation_id, _command_uuid(command.command_id))
                state, version, context, epoch, earlier = await self.read_for(
                    conn, decider, stream_id, key
                )
                if earlier is not None:
                    return await self._earlier(conn, command.command_id, stream_id, record, earlier)
                if expected_version is not None and expected_version != version:
                    decider.gate(command, state)  # the invisible's version is not told either
                    raise VersionConflict(stream_id, expected_version, version)
                if linked := decider.links(command):
                    context = replace(context, linked=await self._linked(conn, linked))
                decided = decider.decide(command, state, context)
                if not decided:
                    return Outcome(
                        stream_id=stream_id,
                        version=version,
                        event_ids=(),
                        events=(),
                        duplicate=False,
                    )
                try:
                    return await self._append(conn, to, (state, version), decided, epoch)
                except VersionConflict:
                    # The cached state is still the fold of the stream at its version: the
                    # next attempt reads only the events appended since. Dropped, it would
                    # be read again from the newest snapshot (up to `snapshot_every` events
                    # folded), under exactly the contention that makes conflicts.
                    if attempt + 1 == attempts:
                        raise
                    await asyncio.sleep(random.uniform(0, REDECIDE_PAUSE_S * 2**attempt))
        raise AssertionError("unreachable: the loop returns or raises")
