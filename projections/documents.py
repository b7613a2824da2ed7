"""Document read models: one JSON document per stream, folded with the domain's own `evolve`.

The document is the folded state (JSON via the codec) plus derived views, so the projection,
a rebuild and a time-travel query all run the SAME pure fold. Each batch loads the states of
the streams it touches, folds in memory and upserts their documents in one statement.
A state cache keyed by (version, stream) spares decoding the JSON again; an entry is used only
when the stored document still carries the log index the cache saw, so a rolled-back batch can
never leave a stale state behind. A rebuild (projections.rebuild) folds many pages of the log
into states it holds in memory (`fold_page`) and writes each touched document once per flush
(`write`), in the transaction that moves its checkpoint.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import asyncpg
import msgspec
import orjson

from events.codec import Registry, from_plain, to_plain
from events.decider import Decider
from events.erasure import PayloadErased
from events.log.store import StoredEvent, read_stream
from events.messages import Event
from projections import snapshots
from projections.pages import Logged

S = TypeVar("S")

ERASURE_TYPE = PayloadErased.__name__

LAST_LOG_INDEX = 2**63 - 1
"""A log index past every real one: read a stream's sequenced events to the end."""

CACHE_LIMIT = 50_000
"""Folded states kept in memory per projection; beyond it the cache starts afresh."""

LOAD_INDEXES = """
SELECT key, log_index FROM documents
WHERE projection = $1 AND version = $2 AND key = ANY($3)"""

LOAD_STATES = """
SELECT key, doc -> 'state', log_index FROM documents
WHERE projection = $1 AND version = $2 AND key = ANY($3)"""

UPSERT = """
INSERT INTO documents (projection, version, key, doc, organisations, status, title,
                       valid_from, valid_to, log_index, attention_from)
SELECT $1, $2, u.key, u.doc::jsonb, coalesce(string_to_array(nullif(u.orgs, ''), ','), '{}'),
       u.status, u.title,
       u.valid_from, u.valid_to, u.log_index, u.attention_from
FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::date[],
            $9::date[], $10::bigint[], $11::date[])
     AS u(key, doc, orgs, status, title, valid_from, valid_to, log_index, attention_from)
ON CONFLICT (projection, version, key) DO UPDATE SET
    doc = excluded.doc, organisations = excluded.organisations, status = excluded.status,
    title = excluded.title, valid_from = excluded.valid_from, valid_to = excluded.valid_to,
    log_index = excluded.log_index, attention_from = excluded.attention_from"""

UPSERT_WITHOUT_ROWS = UPSERT.replace("u.doc::jsonb", "u.doc::jsonb #- $12::text[]")
"""UPSERT for a projection whose state keeps items in rows of their own: the (emptied) items
are left out of the stored document."""

DROP = "DELETE FROM documents WHERE projection = $1 AND version = $2"

WRITE_CHUNK = 200
"""Documents per upsert statement: a flush of a rebuild writes thousands, and one statement
would hold all their JSON at once (several times over, in the driver's buffers)."""

_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder()

Items = tuple[Any, ...]

Held = dict[str, tuple[int, S]]
"""Folded states by stream key, each with the log index of the last event folded into it."""


def plain(value: object) -> Any:
    """JSON builtins of a view holding dataclasses, tuples and dates, as `to_plain` gives them
    (msgspec's encoder and decoder; a lone surrogate takes the codec's walk)."""
    try:
        return _DECODER.decode(_ENCODER.encode(value))
    except UnicodeEncodeError:
        return _walk(value)


def _walk(value: object) -> Any:
    if isinstance(value, Mapping):
        return {k: _walk(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_walk(v) for v in value]
    if dataclasses.is_dataclass(value) or isinstance(value, dt.date):
        return to_plain(value)
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class Columns:
    """The filterable columns beside a document."""

    organisations: tuple[str, ...] = ()
    status: str | None = None
    title: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    attention_from: dt.date | None = None
    """The first day the document may ask something of a party (the inbox reads it from that
    day on); `dt.date.max` (stored as infinity) when it asks nothing on any day, None when the
    projection does not say (every such document is read)."""


class StateRows(Protocol[S]):
    """Items of a state kept in rows of their own beside its document (a promise's activity
    records, projections.activities): a batch writes the rows of the items that changed, so
    the cost of writing a document does not grow with its items."""

    stored_without: tuple[str, ...]
    """The path of the items in the document, left out of the stored document."""

    def items(self, state: S) -> Items:
        """The items of a state, in their order."""

    def with_items(self, state: S, items: Items) -> S:
        """The state holding `items` instead of its own."""

    def attach(self, doc: dict[str, Any], items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """The whole document from a stored one and its items (plain, in their order)."""

    async def load(
        self, conn: asyncpg.Connection, projection: str, version: int, keys: list[str]
    ) -> dict[str, Items]:
        """The items the rows of `keys` hold (keys with none left out)."""

    async def write(
        self,
        conn: asyncpg.Connection,
        projection: str,
        version: int,
        changes: Sequence[tuple[str, Items | None, Items]],
    ) -> None:
        """Bring the rows of each key from `before` (None: unknown) to the items it must hold."""

    async def drop(self, conn: asyncpg.Connection, projection: str, version: int) -> None:
        """Delete a version's rows."""


@dataclass(slots=True)
class DocumentProjection(Generic[S]):
    """Folds the streams with `stream_prefix` through a decider's evolve into documents."""

    name: str
    decider: Decider[S]
    registry: Registry
    state_type: type[S]
    columns: Callable[[S], Columns]
    views: Callable[[S], Mapping[str, Any]] = lambda _: {}
    fold_events: Callable[[S, Sequence[Event]], S] | None = None
    """Folds decoded events in one call, equal to `decider.evolve` one at a time (but faster)."""
    encoded_views: bool = False
    """True when the state and the views go through msgspec's JSON encoder as they are: the
    state type holds no `datetime` (which `to_plain` writes otherwise) and the views may hold
    dataclasses and tuples, written as `to_plain` writes them."""
    rows: StateRows[S] | None = None
    """Where the state's items live when not in its document (None: all in the document)."""
    _cache: dict[tuple[int, str], tuple[int, S]] = field(default_factory=dict)
    _written: dict[tuple[int, str], Items | None] = field(default_factory=dict)
    """The items the rows of each key hold, taken when a fold first touches the key after its
    last write (None: unknown, so its rows are written afresh); `write` takes them out."""

    def owns(self, stream_id: str) -> bool:
        """True for the streams this projection folds."""
        return stream_id.startswith(self.decider.stream_prefix)

    def document(self, state: S) -> dict[str, Any]:
        """The whole document of a state: the state itself plus derived views (and the items
        kept in rows, as `StateRows.attach` puts them back into a stored document)."""
        doc = self._document(state)
        if self.rows is None:
            return doc
        items = doc["state"][self.rows.stored_without[-1]]
        return self.rows.attach(doc, items)

    def _document(self, state: S) -> dict[str, Any]:
        if self.encoded_views:
            doc: dict[str, Any] = plain({"state": state, **self.views(state)})
            return doc
        return {"state": to_plain(state), **self.views(state)}

    def document_json(self, state: S) -> bytes:
        """The document of a state as JSON, written in one pass where possible; with `rows`,
        its items emptied (the stored document leaves them out)."""
        views = self.views(state)
        if self.rows is not None:
            state = self.rows.with_items(state, ())
        if self.encoded_views:
            try:
                return _ENCODER.encode({"state": state, **views})
            except UnicodeEncodeError:
                pass
            return orjson.dumps(plain({"state": state, **views}))
        return orjson.dumps({"state": to_plain(state), **views})

    def state_of(self, doc: Mapping[str, Any]) -> S:
        """The state inside a stored document."""
        return self._state(doc["state"])

    def _state(self, plain_state: object) -> S:
        state: S = from_plain(self.state_type, plain_state)
        return state

    def fold(self, state: S, events: Sequence[Logged]) -> S:
        """The one pure fold: decode each stored event and evolve."""
        decode = self.registry.decode
        decoded = [decode(s.type, s.schema_version, s.data) for s in events]
        if self.fold_events is not None:
            return self.fold_events(state, decoded)
        for event in decoded:
            state = self.decider.evolve(state, event)
        return state

    def writes_for(self, events: Sequence[Logged]) -> bool:
        """Whether `apply` of `events` writes anything: only when one of them is of a stream
        of this projection or erases one (projections.runner.Selective)."""
        by_key, erased = self._touched(events)
        return bool(by_key or erased)

    async def apply(
        self, conn: asyncpg.Connection, version: int, events: Sequence[StoredEvent]
    ) -> None:
        """Fold the batch into the documents of the streams it touches."""
        by_key, erased = self._touched(events)
        if not by_key and not erased:
            return
        states = await self._load(conn, version, [k for k in by_key if k not in erased])
        changed = await self._fold_into(conn, version, events, states, by_key, erased)
        for key in changed:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            self._cache[(version, key)] = states[key]
        await self.write(conn, version, states, changed)

    async def fold_page(
        self, conn: asyncpg.Connection, version: int, events: Sequence[Logged], held: Held[S]
    ) -> list[str]:
        """Fold a page of the log into `held` and return the keys it changed.

        `held` is the caller's (a rebuild's) memory of the states it folded since it began;
        a key it does not hold yet is read from the stored documents of `version` (a rebuild
        that resumes after a crash finds there what it had committed). Nothing is written.
        """
        by_key, erased = self._touched(events)
        if not by_key and not erased:
            return []
        missing = [k for k in by_key if k not in held and k not in erased]
        if missing:
            held.update(await self._load(conn, version, missing))
        return await self._fold_into(conn, version, events, held, by_key, erased)

    async def write(
        self, conn: asyncpg.Connection, version: int, held: Held[S], keys: Collection[str]
    ) -> None:
        """Upsert the documents of `keys` from the states in `held`, `WRITE_CHUNK` a statement
        (the state cache is the live runner's: a rebuild's flush leaves it alone, so what a
        rebuild holds is bounded by its own limit)."""
        ordered = list(keys)
        for start in range(0, len(ordered), WRITE_CHUNK):
            await self._upsert(conn, version, held, ordered[start : start + WRITE_CHUNK])
        if self.rows is not None:
            items, written = self.rows.items, self._written
            changes = [
                (key, written.pop((version, key), None), items(held[key][1])) for key in ordered
            ]
            await self.rows.write(conn, self.name, version, changes)

    async def _upsert(
        self, conn: asyncpg.Connection, version: int, held: Held[S], keys: list[str]
    ) -> None:
        docs, orgs, status, title, vfrom, vto, last, attention = [], [], [], [], [], [], [], []
        for key in keys:
            at, state = held[key]
            cols = self.columns(state)
            docs.append(self.document_json(state).decode())
            orgs.append(",".join(cols.organisations))
            status.append(cols.status)
            title.append(cols.title)
            vfrom.append(cols.valid_from)
            vto.append(cols.valid_to)
            last.append(at)
            attention.append(cols.attention_from)
        args = (self.name, version, keys, docs, orgs, status, title, vfrom, vto, last, attention)
        if self.rows is None:
            await conn.execute(UPSERT, *args)
        else:
            await conn.execute(UPSERT_WITHOUT_ROWS, *args, list(self.rows.stored_without))

    def _touched(self, events: Sequence[Logged]) -> tuple[dict[str, list[Logged]], set[str]]:
        """This projection's events by stream, and the streams an erasure in them names."""
        by_key: dict[str, list[Logged]] = {}
        erased: set[str] = set()
        for stored in events:
            if self.owns(stored.stream_id):
                by_key.setdefault(stored.stream_id, []).append(stored)
            elif stored.type == ERASURE_TYPE and self.owns(stored.data["stream_id"]):
                erased.add(stored.data["stream_id"])
        return by_key, erased

    async def _load(self, conn: asyncpg.Connection, version: int, keys: list[str]) -> Held[S]:
        """The stored states of `keys` (those that have a document), from the cache when it
        saw the stored log index, else decoded from the document."""
        if not keys:
            return {}
        states: Held[S] = {}
        if any((version, key) in self._cache for key in keys):
            misses = []
            for key, log_index in await conn.fetch(LOAD_INDEXES, self.name, version, keys):
                cached = self._cache.get((version, key))
                if cached and cached[0] == log_index:
                    states[key] = cached
                else:
                    misses.append(key)
            keys = misses
            if not keys:
                return states
        stored = await conn.fetch(LOAD_STATES, self.name, version, keys)
        found = {} if self.rows is None else await self.rows.load(conn, self.name, version, keys)
        for key, plain_state, log_index in stored:
            state = self._state(plain_state)
            if self.rows is not None:
                state = self.rows.with_items(state, found.get(key, ()))
            states[key] = (int(log_index), state)
        return states

    async def _fold_into(
        self,
        conn: asyncpg.Connection,
        version: int,
        events: Sequence[Logged],
        states: Held[S],
        by_key: dict[str, list[Logged]],
        erased: set[str],
    ) -> list[str]:
        last_index = events[-1].log_index or 0
        if self.rows is not None:
            items, written = self.rows.items, self._written
            for key in by_key:
                if (version, key) not in written:
                    held = states.get(key)
                    written[(version, key)] = () if held is None else items(held[1])
            for key in erased:
                written[(version, key)] = None
        for key in erased:
            # A payload of this stream was redacted: fold it again from the log, this batch's
            # own events included, so no copy of the erased data survives in the document.
            history = await read_stream(conn, key, up_to_log_index=last_index)
            states[key] = (last_index, self.fold(self.decider.initial_state, history))
        initial = (-1, self.decider.initial_state)
        for key, batch in by_key.items():
            if key not in erased:
                state = self.fold(states.get(key, initial)[1], batch)
                states[key] = (batch[-1].log_index or 0, state)
        return [*by_key, *(key for key in erased if key not in by_key)]

    async def drop(self, conn: asyncpg.Connection, version: int) -> None:
        """Delete a replaced version's documents."""
        await conn.execute(DROP, self.name, version)
        if self.rows is not None:
            await self.rows.drop(conn, self.name, version)
        for cache_key in [k for k in self._cache if k[0] == version]:
            del self._cache[cache_key]
        for written_key in [k for k in self._written if k[0] == version]:
            del self._written[written_key]

    async def whole(
        self, conn: asyncpg.Connection, version: int, stored: Mapping[str, dict[str, Any]]
    ) -> dict[str, dict[str, Any]]:
        """The whole documents of stored ones of `version` (by key): with `rows`, their items
        read back from their rows and put in, as `document` gives them from a fold."""
        if self.rows is None:
            return dict(stored)
        found = await self.rows.load(conn, self.name, version, list(stored))
        return {
            key: self.rows.attach(doc, plain(found.get(key, ()))) for key, doc in stored.items()
        }

    async def as_of(
        self, conn: asyncpg.Connection | asyncpg.Pool, stream_id: str, log_index: int
    ) -> dict[str, Any] | None:
        """Time travel: the document of `stream_id` as it stood at `log_index`.

        Folds from the newest snapshot at or before `log_index` (see projections.snapshots).
        """
        state = await snapshots.state_as_of(
            conn, self.decider, self.state_type, self.fold, stream_id, log_index
        )
        return None if state is None else self.document(state)

    async def first_index(
        self, conn: asyncpg.Connection | asyncpg.Pool, stream_id: str, accept: Callable[[S], bool]
    ) -> int | None:
        """The log index of the first sequenced event after which `accept(state)` holds."""
        state = self.decider.initial_state
        for stored in await read_stream(conn, stream_id, up_to_log_index=LAST_LOG_INDEX):
            state = self.fold(state, (stored,))
            if accept(state):
                return stored.log_index
        return None
