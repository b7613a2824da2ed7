"""The shared-place read model: one document per place of a municipality, with its history.

Places are public information (names of squares, stations and districts; no personal data), so
the whole state is what everybody reads. The columns beside the document: the municipality
(`organisations`), the name (`title`) and the status (active or retired); whether a place is
marked unsafe now is read from the document itself.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from events.codec import Registry
from events.decider import Decider
from events.place import PlaceState
from projections.documents import Columns, DocumentProjection

NAME = "places"


def columns(state: PlaceState) -> Columns:
    """Filter columns: the municipality, the name and the status."""
    if state.status == "none":
        return Columns(status=state.status)
    return Columns(organisations=(state.municipality_id,), status=state.status, title=state.name)


def place_projection(
    decider: Decider[PlaceState], registry: Registry
) -> DocumentProjection[PlaceState]:
    """The place documents projection."""
    return DocumentProjection(
        name=NAME,
        decider=decider,
        registry=registry,
        state_type=PlaceState,
        columns=columns,
    )


PLACE_DOCUMENTS = """
SELECT d.key, d.doc FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1
  AND ($2::text IS NULL OR $2 = ANY (d.organisations))
  AND (NOT $3 OR (d.status = 'active' AND (d.doc -> 'state' ->> 'unsafe')::boolean))
  AND ($4::text IS NULL OR d.key > $4)
ORDER BY d.key
LIMIT $5"""


async def place_documents(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    municipality: str | None,
    unsafe_only: bool,
    after: str | None,
    limit: int,
) -> list[tuple[str, dict[str, Any]]]:
    """Serving place documents in key order after `after`; `municipality` keeps one
    municipality's places, `unsafe_only` those that are active and marked unsafe now."""
    rows = await conn.fetch(PLACE_DOCUMENTS, NAME, municipality, unsafe_only, after, limit)
    return [(r[0], r[1]) for r in rows]
