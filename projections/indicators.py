"""The indicator read model: one document per indicator with its baseline, values and links.

The columns beside the document: the municipality (`organisations`), the name (`title`) and
the status. The promises and agreements linking to an indicator are read from the document
itself (`state.links`), so a promise's indicators are one indexed read by projection and a
containment test on the document.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from events.codec import Registry
from events.decider import Decider
from events.indicator import IndicatorState
from projections.documents import Columns, DocumentProjection

NAME = "indicators"
MAX_LINKED = 200
"""At most this many indicators are read for one promise or agreement."""


def columns(state: IndicatorState) -> Columns:
    """Filter columns: the municipality, the name and the status."""
    if state.status == "none":
        return Columns(status=state.status)
    return Columns(organisations=(state.municipality_id,), status=state.status, title=state.name)


def indicator_projection(
    decider: Decider[IndicatorState], registry: Registry
) -> DocumentProjection[IndicatorState]:
    """The indicator documents projection."""
    return DocumentProjection(
        name=NAME,
        decider=decider,
        registry=registry,
        state_type=IndicatorState,
        columns=columns,
    )


INDICATOR_DOCUMENTS = """
SELECT d.key, d.doc FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1
  AND ($2::text IS NULL OR $2 = ANY (d.organisations))
  AND ($3::jsonb IS NULL OR d.doc -> 'state' -> 'links' @> $3::jsonb)
  AND ($4::text IS NULL OR d.key > $4)
ORDER BY d.key
LIMIT $5"""


async def indicator_documents(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    municipality: str | None,
    linked_kind: str | None,
    linked_id: str | None,
    after: str | None,
    limit: int,
) -> list[tuple[str, dict[str, Any]]]:
    """Serving indicator documents in key order after `after`; `municipality` keeps one
    municipality's, `linked_kind` and `linked_id` those a promise or agreement links to."""
    # A list for the pool's jsonb codec (events.log.store.init_connection) to write.
    link = (
        None
        if linked_kind is None or linked_id is None
        else [{"kind": linked_kind, "target_id": linked_id}]
    )
    rows = await conn.fetch(INDICATOR_DOCUMENTS, NAME, municipality, link, after, limit)
    return [(r[0], r[1]) for r in rows]


LINKED_INDICATORS = """
SELECT d.doc, d.log_index FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1 AND d.doc -> 'state' -> 'links' @> $2::jsonb
ORDER BY d.key
LIMIT $3"""


async def linked_indicators(
    conn: asyncpg.Connection | asyncpg.Pool, kind: str, target_id: str
) -> list[tuple[dict[str, Any], int]]:
    """The serving documents of the indicators a promise or agreement links to, each with the
    log index it last changed at (a public page's version), in key order."""
    link = [{"kind": kind, "target_id": target_id}]
    rows = await conn.fetch(LINKED_INDICATORS, NAME, link, MAX_LINKED)
    return [(r[0], int(r[1])) for r in rows]


# An indicator is public once a published promise links to it (schema.indicators): a link
# whose promise document has a public view. Both reads below apply that rule in SQL.
_LINKED_TO_PUBLISHED = """EXISTS (
    SELECT 1 FROM jsonb_array_elements(d.doc -> 'state' -> 'links') l
    JOIN documents pd ON pd.projection = $2 AND pd.key = 'promise-' || (l ->> 'target_id')
    JOIN projection_state pp
      ON pp.projection = pd.projection AND pp.version = pd.version AND pp.status = 'serving'
    WHERE l ->> 'kind' = 'promise' AND pd.published)"""

PUBLIC_INDICATORS = f"""
SELECT d.key, d.doc FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1 AND {_LINKED_TO_PUBLISHED}
ORDER BY d.key"""

PUBLIC_POSITIONS = f"""
SELECT d.projection, d.version, count(*), max(d.log_index) FROM documents d
JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1 AND {_LINKED_TO_PUBLISHED}
GROUP BY d.projection, d.version"""


async def public_indicators(
    conn: asyncpg.Connection | asyncpg.Pool, promises: str
) -> list[tuple[str, dict[str, Any]]]:
    """The serving documents of the indicators a published promise (of projection
    `promises`) links to, in key order."""
    return [(r[0], r[1]) for r in await conn.fetch(PUBLIC_INDICATORS, NAME, promises)]


async def public_positions(
    conn: asyncpg.Connection | asyncpg.Pool, promises: str
) -> tuple[tuple[str, int, int, int], ...]:
    """(projection, version, how many, newest log index) of the public indicators: it changes
    when one of them changes, appears or goes (for an ETag)."""
    rows = await conn.fetch(PUBLIC_POSITIONS, NAME, promises)
    return tuple((str(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows)
