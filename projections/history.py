"""Audit history: one row per event — who did what, when, from which organisation, at which
log index. Built from the envelope only, so it needs no knowledge of event payloads."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from events.log.store import StoredEvent

NAME = "history"

# unnest cannot expand an array of arrays into rows of arrays, so roles travel as one
# comma-joined string per row and are split back in SQL.
INSERT = """
INSERT INTO history (version, log_index, event_id, stream_id, stream_version, type,
    actor_issuer, actor_subject, organisation_id, roles, client_id, command_id,
    occurred_at, recorded_at)
SELECT $1, li, ei, si, sv, ty, ai, asu, oi, string_to_array(nullif(ro, ''), ','), ci, cm, oa, ra
FROM unnest($2::bigint[], $3::uuid[], $4::text[], $5::int[], $6::text[], $7::text[],
    $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[],
    $14::timestamptz[]) AS u(li, ei, si, sv, ty, ai, asu, oi, ro, ci, cm, oa, ra)"""

STREAM_HISTORY = """
SELECT h.log_index, h.event_id, h.stream_id, h.stream_version, h.type, h.actor_issuer,
       h.actor_subject, h.organisation_id, h.roles, h.client_id, h.command_id,
       h.occurred_at, h.recorded_at
FROM history h JOIN projection_state p
  ON p.projection = $1 AND p.status = 'serving' AND p.version = h.version
WHERE h.stream_id = $2 AND h.stream_version > $3
ORDER BY h.stream_version
LIMIT $4"""


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryEntry:
    """One audited change to a stream."""

    log_index: int
    event_id: uuid.UUID
    stream_id: str
    stream_version: int
    type: str
    actor_issuer: str | None
    actor_subject: str | None
    organisation_id: str | None
    roles: tuple[str, ...]
    client_id: str | None
    command_id: str | None
    occurred_at: dt.datetime
    recorded_at: dt.datetime


def _actor(metadata: dict[str, Any]) -> dict[str, Any]:
    actor = metadata.get("actor")
    return actor if isinstance(actor, dict) else {}


class HistoryProjection:
    """The audit-history read model."""

    name = NAME
    version = 1

    async def apply(
        self, conn: asyncpg.Connection, version: int, events: Sequence[StoredEvent]
    ) -> None:
        """Insert one history row per event."""
        actors = [_actor(e.metadata) for e in events]
        await conn.execute(
            INSERT,
            version,
            [e.log_index for e in events],
            [e.event_id for e in events],
            [e.stream_id for e in events],
            [e.stream_version for e in events],
            [e.type for e in events],
            [a.get("issuer") for a in actors],
            [a.get("subject") for a in actors],
            [a.get("organisation_id") for a in actors],
            [",".join(sorted(a.get("roles") or ())) for a in actors],
            [a.get("client_id") for a in actors],
            [e.metadata.get("command_id") for e in events],
            [e.occurred_at for e in events],
            [e.recorded_at for e in events],
        )

    async def drop(self, conn: asyncpg.Connection, version: int) -> None:
        """Delete a replaced version's rows."""
        await conn.execute("DELETE FROM history WHERE version = $1", version)


async def stream_history(
    conn: asyncpg.Connection | asyncpg.Pool,
    stream_id: str,
    *,
    after_version: int = 0,
    limit: int = 100,
) -> list[HistoryEntry]:
    """The serving history of one stream, in version order, after a version (for paging)."""
    rows = await conn.fetch(STREAM_HISTORY, NAME, stream_id, after_version, limit)
    return [
        HistoryEntry(
            log_index=r[0],
            event_id=r[1],
            stream_id=r[2],
            stream_version=r[3],
            type=r[4],
            actor_issuer=r[5],
            actor_subject=r[6],
            organisation_id=r[7],
            roles=tuple(r[8] or ()),
            client_id=r[9],
            command_id=r[10],
            occurred_at=r[11],
            recorded_at=r[12],
        )
        for r in rows
    ]
