"""The survey read model: one document per survey or measurement, with its results.

The columns beside the document: the parties whose members read the raw results (the
municipality, and the police area when one recorded it with the municipality), the title and
the status. Who reads what is the schema's rule (schema.indicators).
"""

from __future__ import annotations

from typing import Any

import asyncpg

from events.codec import Registry
from events.decider import Decider
from events.survey import SurveyState
from projections.documents import Columns, DocumentProjection

NAME = "surveys"


def columns(state: SurveyState) -> Columns:
    """Filter columns: the parties, the title, the status and the days it was conducted."""
    if state.status == "none":
        return Columns(status=state.status)
    return Columns(
        organisations=state.parties,
        status=state.status,
        title=state.title,
        valid_from=state.conducted_from,
        valid_to=state.conducted_to,
    )


def survey_projection(
    decider: Decider[SurveyState], registry: Registry
) -> DocumentProjection[SurveyState]:
    """The survey documents projection."""
    return DocumentProjection(
        name=NAME,
        decider=decider,
        registry=registry,
        state_type=SurveyState,
        columns=columns,
    )


SURVEY_DOCUMENTS = """
SELECT d.key, d.doc FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1
  AND ($2::text IS NULL OR $2 = ANY (d.organisations))
  AND ($3 OR d.organisations && $4::text[])
  AND ($5::text IS NULL OR d.key > $5)
ORDER BY d.key
LIMIT $6"""


async def survey_documents(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    organisation: str | None,
    member_of: frozenset[str],
    everything: bool,
    after: str | None,
    limit: int,
) -> list[tuple[str, dict[str, Any]]]:
    """Serving survey documents in key order after `after`, of the surveys one of `member_of`
    is party to (every one with `everything`); `organisation` keeps one party's."""
    rows = await conn.fetch(
        SURVEY_DOCUMENTS, NAME, organisation, everything, sorted(member_of), after, limit
    )
    return [(r[0], r[1]) for r in rows]
