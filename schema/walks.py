"""Safety walks (trygghetsvandringar) and their findings (brister): one walk, and a
municipality's walks in pages.

Who reads what: walk protocols are public in Swedish municipalities, so every caller, anonymous
ones included, reads a walk with its route, participants (organisations and free groups, never
persons) and findings with their owners, due dates and status. The free-text reason a finding
was declined or handed over may hold personal data: it is shown only to callers who read as
members of an organisation the walk concerns (the municipality, the organiser, the participating
organisations, the findings' owners; an oversight body in scope too), and is null for everybody
else. Who may change a walk is the decider's rule (events.walk).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import strawberry
from strawberry.types import Info

from events.walk import STREAM_PREFIX as WALK_STREAM
from projections.walks import NAME as WALK_PROJECTION
from schema.access import sees_parties
from schema.consistency import read_after
from schema.context import Context
from schema.pagination import First, PageInfo, key_after, page_info, page_size


@strawberry.type(
    description="Who took part in a walk: an organisation of the directory or a free group "
    "(e.g. boende och verksamma), with how many came when counted."
)
class WalkParticipation:
    organisation_id: str | None
    group: str | None
    count: int | None


@strawberry.type(
    description="The planned occurrence of a promise's safety-walk plan a walk carried out."
)
class WalkPlan:
    promise_id: strawberry.ID
    plan_id: str
    occurrence_id: str


@strawberry.type(description="A finding of a safety walk (brist) and where it stands.")
class WalkFinding:
    id: strawberry.ID
    place_id: str
    description: str
    category: str = strawberry.field(
        description="lighting, vegetation, vandalism, littering, traffic or other."
    )
    owner_id: str = strawberry.field(description="The organisation that is to fix it.")
    due_on: dt.date
    photo_sha256: str | None = strawberry.field(
        description="SHA-256 (64 lower-case hex digits) of a photo kept elsewhere."
    )
    status: str = strawberry.field(description="assigned, in_progress, done or wont_fix.")
    closed_on: dt.date | None
    overdue: bool = strawberry.field(description="Still open after its due date, today.")
    former_owner_ids: list[str] = strawberry.field(
        description="Organisations that owned it before, oldest first."
    )
    reason: str | None = strawberry.field(
        description="Why it will not be fixed or was last handed over: null unless the caller "
        "reads as a member of an organisation the walk concerns (free text)."
    )


@strawberry.type(description="A safety walk (trygghetsvandring) held in a municipality.")
class Walk:
    id: strawberry.ID
    municipality_id: str
    held_on: dt.date
    organiser_id: str
    participants: list[WalkParticipation]
    route: list[str] = strawberry.field(description="Ids of the shared places it visited.")
    carries_out: WalkPlan | None
    findings: list[WalkFinding]
    finding_count: int
    fixed_count: int = strawberry.field(
        description="Findings done (won't fix is not counted as fixed)."
    )


@strawberry.type
class WalkPage:
    walks: list[Walk]
    page_info: PageInfo


def _date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def walk_of(doc: Mapping[str, Any], *, private: bool, today: dt.date) -> Walk:
    """The walk from its stored document; `private` shows the free-text reasons."""
    state = doc["state"]
    planned = state.get("carries_out")
    findings = []
    for f in state.get("findings") or []:
        due_on = dt.date.fromisoformat(f["due_on"])
        closed = f["status"] in ("done", "wont_fix")
        findings.append(
            WalkFinding(
                id=strawberry.ID(f["finding_id"]),
                place_id=f["place_id"],
                description=f["description"],
                category=f["category"],
                owner_id=f["owner_id"],
                due_on=due_on,
                photo_sha256=f.get("photo_sha256"),
                status=f["status"],
                closed_on=_date(f.get("closed_on")),
                overdue=not closed and today > due_on,
                former_owner_ids=list(f.get("former_owners") or []),
                reason=f.get("reason") if private else None,
            )
        )
    summary = doc.get("summary") or {}
    return Walk(
        id=strawberry.ID(state["walk_id"]),
        municipality_id=state["municipality_id"],
        held_on=dt.date.fromisoformat(state["held_on"]),
        organiser_id=state["organiser_id"],
        participants=[
            WalkParticipation(
                organisation_id=p.get("organisation_id"), group=p.get("group"), count=p.get("count")
            )
            for p in state.get("participants") or []
        ],
        route=list(state.get("route") or []),
        carries_out=None
        if planned is None
        else WalkPlan(
            promise_id=strawberry.ID(planned["promise_id"]),
            plan_id=planned["plan_id"],
            occurrence_id=planned["occurrence_id"],
        ),
        findings=findings,
        finding_count=int(summary.get("findings", len(findings))),
        fixed_count=int(summary.get("fixed", 0)),
    )


def visible_walk(ctx: Context, doc: Mapping[str, Any]) -> Walk:
    """The walk as this caller reads it: reasons only for those the walk concerns."""
    private = sees_parties(ctx, doc.get("concerns") or ())
    return walk_of(doc, private=private, today=ctx.today())


@strawberry.type
class WalkQuery:
    @strawberry.field(description="One safety walk with its findings, or null when none.")
    async def walk(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        consistency_token: str | None = None,
    ) -> Walk | None:
        ctx = info.context
        await read_after(ctx, consistency_token)
        doc = await ctx.reader.document(WALK_PROJECTION, WALK_STREAM + str(id))
        return None if doc is None else visible_walk(ctx, doc)

    @strawberry.field(
        description="Safety walks in pages, by id; `municipalityId` keeps the walks held in "
        "one municipality."
    )
    async def walks(
        self,
        info: Info[Context, None],
        municipality_id: str | None = None,
        first: First = None,
        after: str | None = None,
        consistency_token: str | None = None,
    ) -> WalkPage:
        ctx = info.context
        await read_after(ctx, consistency_token)
        limit = page_size(first)
        rows = await ctx.reader.walk_documents(
            municipality=municipality_id,
            organisation=None,
            after=key_after(after),
            limit=limit + 1,
        )
        page = rows[:limit]
        return WalkPage(
            walks=[visible_walk(ctx, doc) for _key, doc in page],
            page_info=page_info(rows, limit),
        )
