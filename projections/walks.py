"""The safety-walk read model: one document per walk (trygghetsvandring) with its findings.

The columns beside the document: every organisation the walk concerns (`organisations`: the
municipality, the organiser, the participating organisations and each finding's owner now, so
an owner finds the walks that hold its findings), the status (held) and the day it was held
(`valid_from`). The document's `summary` counts the findings and those fixed (done; won't fix
is not fixed). The whole state is stored, free-text reasons included: what a caller is shown
of it is the schema's choice (schema.walks).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg

from events.codec import Registry, to_plain
from events.decider import Decider
from events.place import STREAM_PREFIX as PLACE_STREAM
from events.walk import WalkState
from events.walk.state import CLOSED
from projections.documents import Columns, DocumentProjection
from projections.places import NAME as PLACES

NAME = "walks"


def organisations(state: WalkState) -> tuple[str, ...]:
    """Every organisation the walk concerns, each once, in a stable order."""
    named = (
        state.municipality_id,
        state.organiser_id,
        *(p.organisation_id for p in state.participants if p.organisation_id),
        *(f.owner_id for f in state.findings),
    )
    return tuple(dict.fromkeys(o for o in named if o))


def columns(state: WalkState) -> Columns:
    """Filter columns: the organisations concerned, the status and the day held."""
    if state.status == "none":
        return Columns(status=state.status, attention_from=dt.date.max)
    return Columns(
        organisations=organisations(state),
        status=state.status,
        valid_from=state.held_on,
        attention_from=attention_from(state),
    )


def attention_from(state: WalkState) -> dt.date:
    """The first day the inbox may list a finding of this walk as overdue
    (schema.promises.overdue_findings): the day after the earliest due day of a finding still
    open; `dt.date.max` when every finding is closed."""
    return min(
        (
            finding.due_on + dt.timedelta(days=1) if finding.due_on < dt.date.max else dt.date.max
            for finding in state.findings
            if finding.status not in CLOSED
        ),
        default=dt.date.max,
    )


def public_view(state: WalkState) -> dict[str, Any]:
    """What everybody reads of a walk (the public pages, open data): the whole state but the
    findings' free-text reasons."""
    plain = to_plain(state)
    assert isinstance(plain, dict)
    for finding in plain["findings"]:
        finding.pop("reason", None)
    return plain


def views(state: WalkState) -> Mapping[str, Any]:
    """How many findings the walk has and how many of them are fixed, the organisations it
    concerns (whose members read its free-text reasons, schema.walks), and its public view."""
    if state.status == "none":
        return {}
    return {
        "summary": {"findings": len(state.findings), "fixed": state.fixed()},
        "concerns": list(organisations(state)),
        "public": public_view(state),
    }


def walk_projection(
    decider: Decider[WalkState], registry: Registry
) -> DocumentProjection[WalkState]:
    """The walk documents projection."""
    return DocumentProjection(
        name=NAME,
        decider=decider,
        registry=registry,
        state_type=WalkState,
        columns=columns,
        views=views,
    )


WALK_DOCUMENTS = """
SELECT d.key, d.doc FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1
  AND ($2::text IS NULL OR d.doc -> 'state' ->> 'municipality_id' = $2)
  AND ($3::text IS NULL OR $3 = ANY (d.organisations))
  AND ($4::text IS NULL OR d.key > $4)
ORDER BY d.key
LIMIT $5"""


async def walk_documents(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    municipality: str | None,
    organisation: str | None,
    after: str | None,
    limit: int,
) -> list[tuple[str, dict[str, Any]]]:
    """Serving walk documents in key order after `after`; `municipality` keeps the walks held
    in one municipality, `organisation` those that concern an organisation (owners included)."""
    rows = await conn.fetch(WALK_DOCUMENTS, NAME, municipality, organisation, after, limit)
    return [(r[0], r[1]) for r in rows]


PUBLIC_WALKS = """
SELECT d.key, greatest(d.log_index, coalesce(n.newest, -1)), d.doc -> 'state' ->> 'held_on',
       d.doc -> 'summary', coalesce(n.names, '{}')
FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
LEFT JOIN LATERAL (
  SELECT array_agg(pd.doc -> 'state' ->> 'name' ORDER BY r.ord) AS names,
         max(pd.log_index) AS newest
  FROM jsonb_array_elements_text(d.doc -> 'state' -> 'route') WITH ORDINALITY AS r(id, ord)
  JOIN documents pd ON pd.projection = $5 AND pd.key = $6 || r.id
  JOIN projection_state pp
    ON pp.projection = pd.projection AND pp.version = pd.version AND pp.status = 'serving'
) n ON true
WHERE d.projection = $1 AND d.status = 'held'
  AND ($2::text IS NULL OR d.doc -> 'state' ->> 'municipality_id' = $2)
  AND ($3::text IS NULL OR d.doc -> 'state' -> 'carries_out' ->> 'promise_id' = $3)
ORDER BY d.doc -> 'state' ->> 'held_on' DESC, d.key
LIMIT $4"""

PUBLIC_WALKS_MAX = 1000
"""The most walks a public page lists (three a year for three centuries)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicWalk:
    """What a public page shows of a walk: the day, its route's place names and its counts."""

    key: str
    log_index: int
    """The newest log index of the walk and of its route's places (a page's version)."""
    held_on: str
    summary: Mapping[str, Any]
    places: tuple[str, ...]


async def public_walks(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    municipality: str | None = None,
    promise: str | None = None,
) -> list[PublicWalk]:
    """The walks held in a municipality or carrying out a plan of a promise, newest first, with
    the names of the shared places they visited (no free text)."""
    rows = await conn.fetch(
        PUBLIC_WALKS, NAME, municipality, promise, PUBLIC_WALKS_MAX, PLACES, PLACE_STREAM
    )
    return [
        PublicWalk(
            key=r[0],
            log_index=int(r[1]),
            held_on=r[2],
            summary=dict(r[3] or {}),
            places=tuple(r[4]),
        )
        for r in rows
    ]
