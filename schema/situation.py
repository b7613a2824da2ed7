"""Lägesbild and åtgärdsplan queries (Lag 2023:196): one of each, and lists in pages.

Members of an owner (the municipality; the police area of a joint one) read every version,
drafts included. Everybody else, anonymous callers included, reads only the adopted versions
of one that has any (an adopted lägesbild or åtgärdsplan is a decided public document); one
with none is null, the same answer as for an id nobody used. An åtgärdsplan names the adopted
lägesbild version it rests on and the agreement and promises implementing it; `Agreement` and
`Promise` answer the other way with `actionPlans`, the adopted plans naming them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info

from events.situation import ACTION_PLAN_STREAM, ADOPTED, DRAFT, REVISING, SITUATION_PICTURE_STREAM
from projections.situation import PICTURES, PLANS
from schema.access import read_scope, sees_parties
from schema.consistency import read_after
from schema.context import Context
from schema.pagination import First, PageInfo, key_after, page_info, page_size

MAX_NAMING_PLANS = 100
"""Adopted åtgärdsplaner listed under one agreement or promise (a handful in practice)."""


@strawberry.type(
    description="The decision that adopted a version: the deciding body or role "
    "(kommunstyrelsen, styrgruppen), the day and the diarienummer."
)
class AdoptionDecision:
    decided_by: str
    decided_on: dt.date
    diarienummer: str


@strawberry.type(description="A problem a lägesbild names, with the shared places it concerns.")
class SituationPictureProblem:
    problem_id: str
    text: str
    place_ids: list[str]


@strawberry.type(
    description="An input a lägesbild rests on (kartläggning, statistics, a dialogue …)."
)
class SituationPictureInput:
    kind: str = strawberry.field(
        description="citizen_dialogue, employee_dialogue, survey, statistics, incident_reports, "
        "tips, council, meeting or other."
    )
    summary: str


@strawberry.type(description="One version of a lägesbild.")
class SituationPictureVersion:
    version: int
    covers_from: dt.date
    covers_to: dt.date
    compiled_on: dt.date
    summary: str
    problems: list[SituationPictureProblem]
    inputs: list[SituationPictureInput]
    indicator_ids: list[str]
    adopted: AdoptionDecision | None = strawberry.field(
        description="The decision that adopted this version; null while it is not adopted."
    )


@strawberry.type(
    description="A lägesbild (situation picture) of a municipality, or a joint one with a "
    "police area serving it, as the caller may see it."
)
class SituationPicture:
    id: strawberry.ID
    municipality_id: str
    police_area_id: str | None = strawberry.field(
        description="The police area of a joint lägesbild; null for the municipality's own."
    )
    status: str = strawberry.field(
        description="draft (no version adopted), adopted (the latest version is) or revising "
        "(a later version than the adopted one is being worked on)."
    )
    versions: list[SituationPictureVersion] = strawberry.field(
        description="Oldest first: every version for members of an owner, else the adopted ones."
    )
    adopted: SituationPictureVersion | None = strawberry.field(
        description="The latest adopted version, if any."
    )
    public_only: bool = strawberry.field(
        description="True when the caller sees only the adopted versions."
    )


@strawberry.type(description="A measure (åtgärd) of an åtgärdsplan.")
class ActionPlanMeasure:
    measure_id: str
    text: str
    responsible_ids: list[str]
    place_ids: list[str]
    indicator_ids: list[str]


@strawberry.type(description="One version of an åtgärdsplan.")
class ActionPlanVersion:
    version: int
    title: str
    situation_picture_id: str
    situation_picture_version: int = strawberry.field(
        description="The adopted version of the lägesbild this version rests on."
    )
    measures: list[ActionPlanMeasure]
    agreement_id: str | None = strawberry.field(
        description="The agreement (samverkansöverenskommelse) implementing the plan."
    )
    promise_ids: list[str] = strawberry.field(
        description="The promises (medborgarlöften) implementing the plan."
    )
    adopted: AdoptionDecision | None = strawberry.field(
        description="The decision that adopted this version; null while it is not adopted."
    )

    @strawberry.field(description="The lägesbild this version rests on, as you may see it.")
    async def situation_picture(self, info: Info[Context, None]) -> SituationPicture | None:
        return await _picture(info.context, self.situation_picture_id)


@strawberry.type(
    description="An åtgärdsplan (action plan) of a municipality, or a joint one with a police "
    "area serving it, as the caller may see it."
)
class ActionPlan:
    id: strawberry.ID
    municipality_id: str
    police_area_id: str | None = strawberry.field(
        description="The police area of a joint åtgärdsplan; null for the municipality's own."
    )
    status: str = strawberry.field(description="draft, adopted or revising (as a lägesbild).")
    versions: list[ActionPlanVersion] = strawberry.field(
        description="Oldest first: every version for members of an owner, else the adopted ones."
    )
    adopted: ActionPlanVersion | None = strawberry.field(
        description="The latest adopted version, if any."
    )
    public_only: bool = strawberry.field(
        description="True when the caller sees only the adopted versions."
    )


@strawberry.type
class SituationPicturePage:
    situation_pictures: list[SituationPicture]
    page_info: PageInfo


@strawberry.type
class ActionPlanPage:
    action_plans: list[ActionPlan]
    page_info: PageInfo


def _day(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _decision(plain: Mapping[str, Any] | None) -> AdoptionDecision | None:
    if plain is None:
        return None
    return AdoptionDecision(
        decided_by=plain["decided_by"],
        decided_on=_day(plain["decided_on"]),
        diarienummer=plain["diarienummer"],
    )


def _picture_version(plain: Mapping[str, Any]) -> SituationPictureVersion:
    content = plain["content"]
    return SituationPictureVersion(
        version=plain["version"],
        covers_from=_day(content["covers_from"]),
        covers_to=_day(content["covers_to"]),
        compiled_on=_day(content["compiled_on"]),
        summary=content["summary"],
        problems=[
            SituationPictureProblem(
                problem_id=p["problem_id"], text=p["text"], place_ids=list(p["place_ids"])
            )
            for p in content["problems"]
        ],
        inputs=[
            SituationPictureInput(kind=i["kind"], summary=i["summary"]) for i in content["inputs"]
        ],
        indicator_ids=list(content["indicator_ids"]),
        adopted=_decision(plain.get("adopted")),
    )


def _plan_version(plain: Mapping[str, Any]) -> ActionPlanVersion:
    content = plain["content"]
    return ActionPlanVersion(
        version=plain["version"],
        title=content["title"],
        situation_picture_id=content["situation_picture_id"],
        situation_picture_version=content["situation_picture_version"],
        measures=[
            ActionPlanMeasure(
                measure_id=m["measure_id"],
                text=m["text"],
                responsible_ids=list(m["responsible_ids"]),
                place_ids=list(m["place_ids"]),
                indicator_ids=list(m["indicator_ids"]),
            )
            for m in content["measures"]
        ],
        agreement_id=content.get("agreement_id"),
        promise_ids=list(content["promise_ids"]),
        adopted=_decision(plain.get("adopted")),
    )


def _status(versions: list[SituationPictureVersion] | list[ActionPlanVersion]) -> str:
    """draft, adopted or revising, as events.situation.status_of says of the versions read."""
    if versions and versions[-1].adopted is not None:
        return ADOPTED
    return REVISING if any(v.adopted is not None for v in versions) else DRAFT


def _owners(state: Mapping[str, Any]) -> tuple[str, ...]:
    police_area = state.get("police_area_id")
    return (state["municipality_id"], *((police_area,) if police_area else ()))


def _visible(ctx: Context, doc: Mapping[str, Any]) -> tuple[Mapping[str, Any], bool] | None:
    """The part of a document the caller reads (state or public view) and whether it is
    only the public view; None when the caller reads none of it."""
    state = doc["state"]
    if sees_parties(ctx, _owners(state)):
        return state, False
    public = doc.get("public")
    return None if public is None else (public, True)


def picture_of(ctx: Context, doc: Mapping[str, Any]) -> SituationPicture | None:
    """The lägesbild as the caller may see it, or None."""
    visible = _visible(ctx, doc)
    if visible is None:
        return None
    seen, public_only = visible
    versions = [_picture_version(v) for v in seen["versions"]]
    adopted = [v for v in versions if v.adopted is not None]
    return SituationPicture(
        id=strawberry.ID(seen["situation_picture_id"]),
        municipality_id=seen["municipality_id"],
        police_area_id=seen.get("police_area_id"),
        status=_status(versions),
        versions=versions,
        adopted=adopted[-1] if adopted else None,
        public_only=public_only,
    )


def plan_of(ctx: Context, doc: Mapping[str, Any]) -> ActionPlan | None:
    """The åtgärdsplan as the caller may see it, or None."""
    visible = _visible(ctx, doc)
    if visible is None:
        return None
    seen, public_only = visible
    versions = [_plan_version(v) for v in seen["versions"]]
    adopted = [v for v in versions if v.adopted is not None]
    return ActionPlan(
        id=strawberry.ID(seen["action_plan_id"]),
        municipality_id=seen["municipality_id"],
        police_area_id=seen.get("police_area_id"),
        status=_status(versions),
        versions=versions,
        adopted=adopted[-1] if adopted else None,
        public_only=public_only,
    )


async def _picture(ctx: Context, picture_id: str) -> SituationPicture | None:
    doc = await ctx.reader.document(PICTURES, SITUATION_PICTURE_STREAM + picture_id)
    return None if doc is None else picture_of(ctx, doc)


async def plans_naming(ctx: Context, kind: str, named_id: str) -> list[ActionPlan]:
    """The adopted åtgärdsplaner whose latest adopted version names the agreement or promise."""
    rows = await ctx.reader.plans_naming(kind=kind, named_id=named_id, limit=MAX_NAMING_PLANS)
    plans = [plan_of(ctx, doc) for _key, doc in rows]
    return [p for p in plans if p is not None]


T = TypeVar("T")


async def _listed(
    ctx: Context,
    projection: str,
    municipality_id: str | None,
    first: int | None,
    after: str | None,
    convert: Callable[[Context, dict[str, Any]], T | None],
) -> tuple[list[T], PageInfo]:
    """One page of lägesbilder or åtgärdsplaner as the caller may see them."""
    limit = page_size(first)
    member_of, everything = read_scope(ctx)
    rows = await ctx.reader.situation_documents(
        projection=projection,
        municipality=municipality_id,
        after=key_after(after),
        limit=limit + 1,
        member_of=member_of,
        everything=everything,
    )
    found = [convert(ctx, doc) for _key, doc in rows[:limit]]
    return [f for f in found if f is not None], page_info(rows, limit)


@strawberry.type
class SituationQuery:
    @strawberry.field(
        description="One lägesbild: every version for members of an owner, the adopted "
        "versions for everybody else; null when you may see none (or there is none)."
    )
    async def situation_picture(
        self, info: Info[Context, None], id: strawberry.ID, consistency_token: str | None = None
    ) -> SituationPicture | None:
        ctx = info.context
        await read_after(ctx, consistency_token)
        return await _picture(ctx, str(id))

    @strawberry.field(
        description="Lägesbilder in pages, by id, as far as you may see them: your "
        "organisation's and every one with an adopted version; `municipalityId` keeps one "
        "municipality's."
    )
    async def situation_pictures(
        self,
        info: Info[Context, None],
        municipality_id: str | None = None,
        first: First = None,
        after: str | None = None,
        consistency_token: str | None = None,
    ) -> SituationPicturePage:
        ctx = info.context
        await read_after(ctx, consistency_token)
        pictures, info_ = await _listed(ctx, PICTURES, municipality_id, first, after, picture_of)
        return SituationPicturePage(situation_pictures=pictures, page_info=info_)

    @strawberry.field(
        description="One åtgärdsplan: every version for members of an owner, the adopted "
        "versions for everybody else; null when you may see none (or there is none)."
    )
    async def action_plan(
        self, info: Info[Context, None], id: strawberry.ID, consistency_token: str | None = None
    ) -> ActionPlan | None:
        ctx = info.context
        await read_after(ctx, consistency_token)
        doc = await ctx.reader.document(PLANS, ACTION_PLAN_STREAM + str(id))
        return None if doc is None else plan_of(ctx, doc)

    @strawberry.field(
        description="Åtgärdsplaner in pages, by id, as far as you may see them: your "
        "organisation's and every one with an adopted version; `municipalityId` keeps one "
        "municipality's."
    )
    async def action_plans(
        self,
        info: Info[Context, None],
        municipality_id: str | None = None,
        first: First = None,
        after: str | None = None,
        consistency_token: str | None = None,
    ) -> ActionPlanPage:
        ctx = info.context
        await read_after(ctx, consistency_token)
        plans, info_ = await _listed(ctx, PLANS, municipality_id, first, after, plan_of)
        return ActionPlanPage(action_plans=plans, page_info=info_)
