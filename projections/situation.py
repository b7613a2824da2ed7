"""The lägesbild and åtgärdsplan read models: one document per lägesbild and per åtgärdsplan,
with the public view of their adopted versions.

Until a version is adopted only the owners' members read a lägesbild or åtgärdsplan (drafts
are working material). Once a version is adopted by a decision it is public (Lag 2023:196
makes them the municipality's decided documents): the public view holds the owners and the
adopted versions with their decisions, never the drafts. For an åtgärdsplan the public view
also names the agreement and promises its latest adopted version links to, so a promise or an
agreement finds the adopted plans that name it (`plans_naming`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from events.codec import Registry, to_plain
from events.decider import Decider
from events.situation import ActionPlanState, SituationPictureState, status_of
from projections.documents import Columns, DocumentProjection

PICTURES = "situation_pictures"
PLANS = "action_plans"


def picture_columns(state: SituationPictureState) -> Columns:
    """Filter columns: the owners (municipality first), the status and the latest period."""
    if not state.versions:
        return Columns(status=status_of(state.versions))
    content = state.versions[-1].content
    return Columns(
        organisations=state.owners,
        status=status_of(state.versions),
        valid_from=content.covers_from,
        valid_to=content.covers_to,
    )


def plan_columns(state: ActionPlanState) -> Columns:
    """Filter columns: the owners (municipality first), the status and the latest title."""
    if not state.versions:
        return Columns(status=status_of(state.versions))
    return Columns(
        organisations=state.owners,
        status=status_of(state.versions),
        title=state.versions[-1].content.title,
    )


def picture_views(state: SituationPictureState) -> Mapping[str, Any]:
    """The public view once a version is adopted: owners and the adopted versions."""
    adopted = [v for v in state.versions if v.adopted is not None]
    if not adopted:
        return {}
    return {
        "public": {
            "situation_picture_id": state.situation_picture_id,
            "municipality_id": state.municipality_id,
            "police_area_id": state.police_area_id,
            "versions": to_plain(tuple(adopted)),
        }
    }


def plan_views(state: ActionPlanState) -> Mapping[str, Any]:
    """The public view once a version is adopted: owners, the adopted versions, and the
    agreement and promises the latest adopted version names."""
    adopted = [v for v in state.versions if v.adopted is not None]
    if not adopted:
        return {}
    latest = adopted[-1].content
    return {
        "public": {
            "action_plan_id": state.action_plan_id,
            "municipality_id": state.municipality_id,
            "police_area_id": state.police_area_id,
            "versions": to_plain(tuple(adopted)),
            "agreement_ids": [] if latest.agreement_id is None else [latest.agreement_id],
            "promise_ids": list(latest.promise_ids),
        }
    }


def situation_picture_projection(
    decider: Decider[SituationPictureState], registry: Registry
) -> DocumentProjection[SituationPictureState]:
    """The lägesbild documents projection."""
    return DocumentProjection(
        name=PICTURES,
        decider=decider,
        registry=registry,
        state_type=SituationPictureState,
        columns=picture_columns,
        views=picture_views,
    )


def action_plan_projection(
    decider: Decider[ActionPlanState], registry: Registry
) -> DocumentProjection[ActionPlanState]:
    """The åtgärdsplan documents projection."""
    return DocumentProjection(
        name=PLANS,
        decider=decider,
        registry=registry,
        state_type=ActionPlanState,
        columns=plan_columns,
        views=plan_views,
    )


SITUATION_DOCUMENTS = """
SELECT d.key, d.doc FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1
  AND ($2::text IS NULL OR d.doc #>> '{state,municipality_id}' = $2)
  AND ($3::text IS NULL OR d.key > $3)
  AND ($4 OR d.organisations && $5::text[] OR d.published)
ORDER BY d.key
LIMIT $6"""


async def situation_documents(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    projection: str,
    municipality: str | None,
    after: str | None,
    limit: int,
    member_of: frozenset[str],
    everything: bool,
) -> list[tuple[str, dict[str, Any]]]:
    """Serving lägesbild or åtgärdsplan documents (`projection`) in key order after `after`:
    all when `everything`, else those an organisation in `member_of` owns and those with an
    adopted version; `municipality` keeps one municipality's."""
    rows = await conn.fetch(
        SITUATION_DOCUMENTS,
        projection,
        municipality,
        after,
        everything,
        sorted(member_of),
        limit,
    )
    return [(r[0], r[1]) for r in rows]


PLANS_NAMING = """
SELECT d.key, d.doc FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1
  AND d.doc -> 'public' -> $2::text ? $3
ORDER BY d.key
LIMIT $4"""

NAMED_KINDS = {"agreement": "agreement_ids", "promise": "promise_ids"}


async def plans_naming(
    conn: asyncpg.Connection | asyncpg.Pool, *, kind: str, named_id: str, limit: int
) -> list[tuple[str, dict[str, Any]]]:
    """Serving åtgärdsplan documents whose latest adopted version names the agreement or
    promise (`kind`) `named_id`, in key order."""
    rows = await conn.fetch(PLANS_NAMING, PLANS, NAMED_KINDS[kind], named_id, limit)
    return [(r[0], r[1]) for r in rows]
