"""Document read models: one JSON document per stream, folded with the domain's own `evolve`.

The document is the folded state (JSON via the codec) plus derived views, so the projection,
a rebuild and a time-travel query all run the SAME pure fold. Each batch loads the documents
of the streams it touches in one query, folds in memory and upserts them in one statement.
A state cache keyed by (version, stream) spares decoding the JSON again; an entry is used only
when the stored document still carries the log index the cache saw, so a rolled-back batch can
never leave a stale state behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import asyncpg

from events.codec import Registry, from_plain, to_plain
from events.decider import Decider
from events.erasure import PayloadErased
from events.log.store import StoredEvent, read_stream
from projections import snapshots

S = TypeVar("S")

ERASURE_TYPE = PayloadErased.__name__

LAST_LOG_INDEX = 2**63 - 1
"""A log index past every real one: read a stream's sequenced events to the end."""

CACHE_LIMIT = 50_000
"""Folded states kept in memory per projection; beyond it the cache starts afresh."""

LOAD = """
SELECT key, doc, log_index FROM documents
WHERE projection = $1 AND version = $2 AND key = ANY($3)"""

UPSERT = """
INSERT INTO documents (projection, version, key, doc, organisations, status, title,
                       valid_from, valid_to, log_index)
SELECT $1, $2, u.key, u.doc, coalesce(string_to_array(nullif(u.orgs, ''), ','), '{}'),
       u.status, u.title,
       u.valid_from, u.valid_to, u.log_index
FROM unnest($3::text[], $4::jsonb[], $5::text[], $6::text[], $7::text[], $8::date[],
            $9::date[], $10::bigint[])
     AS u(key, doc, orgs, status, title, valid_from, valid_to, log_index)
ON CONFLICT (projection, version, key) DO UPDATE SET
    doc = excluded.doc, organisations = excluded.organisations, status = excluded.status,
    title = excluded.title, valid_from = excluded.valid_from, valid_to = excluded.valid_to,
    log_index = excluded.log_index"""

DROP = "DELETE FROM documents WHERE projection = $1 AND version = $2"


@dataclass(frozen=True, slots=True, kw_only=True)
class Columns:
    """The filterable columns beside a document."""

    organisations: tuple[str, ...] = ()
    status: str | None = None
    title: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@dataclass(slots=True)
class DocumentProjection(Generic[S]):
    """Folds the streams with `stream_prefix` through a decider's evolve into documents."""

    name: str
    decider: Decider[S]
    registry: Registry
    state_type: type[S]
    columns: Callable[[S], Columns]
    views: Callable[[S], Mapping[str, Any]] = lambda _: {}
    _cache: dict[tuple[int, str], tuple[int, S]] = field(default_factory=dict)

    def owns(self, stream_id: str) -> bool:
        """True for the streams this projection folds."""
        return stream_id.startswith(self.decider.stream_prefix)

    def document(self, state: S) -> dict[str, Any]:
        """The stored document of a state: the state itself plus derived views."""
        return {"state": to_plain(state), **self.views(state)}

    def state_of(self, doc: Mapping[str, Any]) -> S:
        """The state inside a stored document."""
        state: S = from_plain(self.state_type, doc["state"])
        return state

    def fold(self, state: S, events: Sequence[StoredEvent]) -> S:
        """The one pure fold: decode each stored event and evolve."""
        for stored in events:
            event = self.registry.decode(stored.type, stored.schema_version, stored.data)
            state = self.decider.evolve(state, event)
        return state

    async def apply(
        self, conn: asyncpg.Connection, version: int, events: Sequence[StoredEvent]
    ) -> None:
        """Fold the batch into the documents of the streams it touches."""
        by_key: dict[str, list[StoredEvent]] = {}
        erased: set[str] = set()
        for stored in events:
            if self.owns(stored.stream_id):
                by_key.setdefault(stored.stream_id, []).append(stored)
            elif stored.type == ERASURE_TYPE and self.owns(stored.data["stream_id"]):
                erased.add(stored.data["stream_id"])
        if not by_key and not erased:
            return
        last_index = events[-1].log_index
        states: dict[str, S] = {}
        for key in erased:
            # A payload of this stream was redacted: fold it again from the log, this batch's
            # own events included, so no copy of the erased data survives in the document.
            history = await read_stream(conn, key, up_to_log_index=last_index or 0)
            states[key] = self.fold(self.decider.initial_state, history)
            by_key[key] = []
        loaded = [key for key in by_key if key not in erased]
        for key, doc, log_index in await conn.fetch(LOAD, self.name, version, loaded):
            cached = self._cache.get((version, key))
            states[key] = cached[1] if cached and cached[0] == log_index else self.state_of(doc)
        keys, docs, orgs, status, title, vfrom, vto, last = [], [], [], [], [], [], [], []
        for key, batch in by_key.items():
            if key in erased:
                state, at = states[key], last_index
            else:
                state = self.fold(states.get(key, self.decider.initial_state), batch)
                at = batch[-1].log_index
            cols = self.columns(state)
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            self._cache[(version, key)] = (at or 0, state)
            keys.append(key)
            docs.append(self.document(state))
            orgs.append(",".join(cols.organisations))
            status.append(cols.status)
            title.append(cols.title)
            vfrom.append(cols.valid_from)
            vto.append(cols.valid_to)
            last.append(at)
        await conn.execute(
            UPSERT, self.name, version, keys, docs, orgs, status, title, vfrom, vto, last
        )

    async def drop(self, conn: asyncpg.Connection, version: int) -> None:
        """Delete a replaced version's documents."""
        await conn.execute(DROP, self.name, version)
        for cache_key in [k for k in self._cache if k[0] == version]:
            del self._cache[cache_key]

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
