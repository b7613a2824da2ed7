"""A police area's consolidated view across the municipalities it serves (a lokalpolisområde is
often responsible for several), and a police region's across its police areas.

The structure (which police areas a region has, which municipalities an area serves on a day)
is the public directory, so anybody reads an overview. The promises in it, and so its counts,
are exactly those the `promises` list shows the caller: a member of a party sees the member
view, everybody else the public view (`schema.promises.visible`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry.types import Info

from events.codec import from_plain
from events.directory.state import POLICE_AREA, POLICE_REGION, DirectoryState
from events.messages import NotFound as Missing
from events.promise.rhythm import OVERDUE
from events.promise.state import IN_FORCE
from projections.directory import KEY as DIRECTORY_KEY
from projections.directory import NAME as DIRECTORY_PROJECTION
from projections.progress import AT_RISK, BEHIND
from schema import errors
from schema.access import read_scope
from schema.consistency import read_after
from schema.context import Context
from schema.pagination import First, page_size
from schema.promises import (
    SUBSCRIPTION_MAX_S,
    Promise,
    still_authorised,
    visible,
)
from schema.refusals import message

MAX_PROMISES = 500
"""The most promises one overview reads (a police area's, or a whole region's)."""


@strawberry.type(
    description="Counts over the promises the caller may see: promises, those in force "
    "(status in_force), the commitments of their revisions in force by progress status and by "
    "pace on the overview's day (behind, at_risk), and the planned follow-ups overdue on that "
    "day (those a party's members see; none in a public view)."
)
class OverviewCounts:
    promises: int
    in_force: int
    commitments_met: int
    commitments_partly: int
    commitments_not_met: int
    commitments_behind: int = 0
    commitments_at_risk: int = 0
    follow_ups_overdue: int = 0


def counts_of(promises: list[Promise], day: dt.date) -> OverviewCounts:
    """The counts of `promises` on `day` (their progress as the caller sees it)."""
    statuses = [c.status for p in promises for c in p.progress]
    paces = [c.pace_on(day).status for p in promises for c in p.progress]
    overdue = [d for p in promises for d in p.planned_on(day) if d.status == OVERDUE]
    return OverviewCounts(
        promises=len(promises),
        in_force=sum(1 for p in promises if p.status == IN_FORCE),
        commitments_met=statuses.count("met"),
        commitments_partly=statuses.count("partly"),
        commitments_not_met=statuses.count("not_met"),
        commitments_behind=paces.count(BEHIND),
        commitments_at_risk=paces.count(AT_RISK),
        follow_ups_overdue=len(overdue),
    )


def total(parts: list[OverviewCounts]) -> OverviewCounts:
    """The sum of `parts` (a promise of two municipalities counts in each)."""
    return OverviewCounts(
        promises=sum(c.promises for c in parts),
        in_force=sum(c.in_force for c in parts),
        commitments_met=sum(c.commitments_met for c in parts),
        commitments_partly=sum(c.commitments_partly for c in parts),
        commitments_not_met=sum(c.commitments_not_met for c in parts),
        commitments_behind=sum(c.commitments_behind for c in parts),
        commitments_at_risk=sum(c.commitments_at_risk for c in parts),
        follow_ups_overdue=sum(c.follow_ups_overdue for c in parts),
    )


@strawberry.type(
    description="One municipality a police area serves, with the promises both are party to "
    "that the caller may see (progress comes with each) and their counts."
)
class MunicipalityOverview:
    municipality_id: strawberry.ID
    name: str
    counts: OverviewCounts = strawberry.field(description="Over all of its promises.")
    seen: strawberry.Private[list[Promise]]

    @strawberry.field(
        description="The first `first` of its promises in id order (counts.promises says how "
        "many there are); a smaller `first` keeps a query with progress within the cost limit."
    )
    def promises(self, first: First = None) -> list[Promise]:
        return self.seen[: page_size(first)]


@strawberry.type(
    description="A police area (lokalpolisområde) across the municipalities it serves on the "
    "day asked for, in the directory's order. At most 500 promises are read; `truncated` says "
    "when there were more."
)
class PoliceAreaOverview:
    police_area_id: strawberry.ID
    name: str
    on: dt.date
    municipalities: list[MunicipalityOverview]
    counts: OverviewCounts = strawberry.field(description="The sum of the municipalities' counts.")
    truncated: bool


@strawberry.type(
    description="A police region across its police areas, each with the same per-municipality "
    "summary and promises as policeAreaOverview. At most 500 promises are read for the whole "
    "region; `truncated` says when there were more."
)
class PoliceRegionOverview:
    police_region_id: strawberry.ID
    name: str
    on: dt.date
    police_areas: list[PoliceAreaOverview]
    counts: OverviewCounts = strawberry.field(description="The sum of the police areas' counts.")
    truncated: bool


PoliceAreaOverviewResult = Annotated[
    PoliceAreaOverview | errors.NotFound, strawberry.union("PoliceAreaOverviewResult")
]
PoliceRegionOverviewResult = Annotated[
    PoliceRegionOverview | errors.NotFound, strawberry.union("PoliceRegionOverviewResult")
]


async def _directory(ctx: Context) -> DirectoryState:
    doc = await ctx.documents.load((DIRECTORY_PROJECTION, DIRECTORY_KEY))
    return DirectoryState() if doc is None else from_plain(DirectoryState, doc["state"])


def _served(directory: DirectoryState, area_id: str, day: dt.date) -> list[str]:
    """The municipalities `area_id` serves on `day`, in link order, each once."""
    return list(dict.fromkeys(directory.served_municipalities(area_id, day)))


async def _visible_promises(
    ctx: Context, areas: list[str], municipalities: list[str]
) -> tuple[list[Promise], bool]:
    """The promises of `areas` with `municipalities` as the caller sees them (one read, at
    most MAX_PROMISES), and whether there were more."""
    if not areas or not municipalities:
        return [], False
    member_of, everything = read_scope(ctx)
    rows = await ctx.reader.area_promise_documents(
        police_areas=areas,
        municipalities=municipalities,
        member_of=member_of,
        everything=everything,
        limit=MAX_PROMISES + 1,
    )
    seen = [p for key, doc in rows[:MAX_PROMISES] if (p := visible(ctx, key, doc)) is not None]
    return seen, len(rows) > MAX_PROMISES


def _area_overview(
    directory: DirectoryState,
    area_id: str,
    day: dt.date,
    promises: list[Promise],
    truncated: bool,
) -> PoliceAreaOverview:
    area = directory.organisation(area_id)
    assert area is not None
    municipalities = []
    for municipality_id in _served(directory, area_id, day):
        municipality = directory.organisation(municipality_id)
        theirs = [p for p in promises if area_id in p.parties and municipality_id in p.parties]
        municipalities.append(
            MunicipalityOverview(
                municipality_id=strawberry.ID(municipality_id),
                name=municipality_id if municipality is None else municipality.name,
                counts=counts_of(theirs, day),
                seen=theirs,
            )
        )
    return PoliceAreaOverview(
        police_area_id=strawberry.ID(area_id),
        name=area.name,
        on=day,
        municipalities=municipalities,
        counts=total([m.counts for m in municipalities]),
        truncated=truncated,
    )


def _unknown_area(ctx: Context, area_id: str) -> errors.NotFound:
    refused = Missing(
        code="organisation_not_found",
        message="No police area {police_area}.",
        params={"police_area": area_id},
    )
    return errors.NotFound(message=message(refused, ctx.language), code=refused.code)


def _unknown_region(ctx: Context, region_id: str) -> errors.NotFound:
    refused = Missing(
        code="organisation_not_found",
        message="No police region {police_region}.",
        params={"police_region": region_id},
    )
    return errors.NotFound(message=message(refused, ctx.language), code=refused.code)


async def police_area_overview(
    ctx: Context, area_id: str, on: dt.date | None
) -> PoliceAreaOverview | errors.NotFound:
    """The police area's overview on `on` (default today) as the caller sees it."""
    day = on or ctx.today()
    directory = await _directory(ctx)
    if directory.kind_of(area_id) != POLICE_AREA:
        return _unknown_area(ctx, area_id)
    promises, truncated = await _visible_promises(ctx, [area_id], _served(directory, area_id, day))
    return _area_overview(directory, area_id, day, promises, truncated)


def fingerprint(overview: PoliceAreaOverview) -> tuple[object, ...]:
    """What a dashboard shows of an overview: its day, its municipalities with their counts,
    and the promises in each with their status."""
    return (
        overview.on,
        overview.truncated,
        tuple(
            (m.municipality_id, m.counts, tuple((p.id, p.status) for p in m.seen))
            for m in overview.municipalities
        ),
    )


OVERVIEW_POLL_S = 1.0
"""How often an overview subscription looks whether the log moved (one small query)."""


@strawberry.type
class OverviewSubscription:
    @strawberry.subscription(
        description="A police area's overview (as policeAreaOverview gives it) first, then "
        "each time the log moved and the overview's municipalities, counts or the promises "
        "in them (with their status) changed; for a dashboard. `on` as policeAreaOverview "
        "(default: today, each time). An id that is no police area gives NotFound once."
    )
    async def police_area_overview_changed(
        self, info: Info[Context, None], police_area_id: strawberry.ID, on: dt.date | None = None
    ) -> AsyncGenerator[PoliceAreaOverviewResult, None]:
        ctx = info.context
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SUBSCRIPTION_MAX_S
        head: int | None = None
        shown: tuple[object, ...] | None = None
        while loop.time() < deadline:
            now = await ctx.reader.log_head()
            if now != head:
                head = now
                await still_authorised(ctx)
                found = await police_area_overview(ctx, str(police_area_id), on)
                if isinstance(found, errors.NotFound):
                    yield found
                    return
                if fingerprint(found) != shown:
                    shown = fingerprint(found)
                    yield found
            await asyncio.sleep(OVERVIEW_POLL_S)


@strawberry.type
class OverviewQuery:
    @strawberry.field(
        description="A police area's consolidated view on `on` (default today): per "
        "municipality it serves that day, the promises both are party to that the caller may "
        "see (any status for a party's members, published ones for everybody else), with "
        "progress and counts. Readable by anybody; at most 500 promises. NotFound (code "
        "organisation_not_found) when the id is no police area."
    )
    async def police_area_overview(
        self,
        info: Info[Context, None],
        police_area_id: strawberry.ID,
        on: dt.date | None = None,
        consistency_token: str | None = None,
    ) -> PoliceAreaOverviewResult:
        ctx = info.context
        await read_after(ctx, consistency_token)
        return await police_area_overview(ctx, str(police_area_id), on)

    @strawberry.field(
        description="A police region's consolidated view on `on` (default today): each of its "
        "police areas as policeAreaOverview gives it (promises included; ask only for counts "
        "to keep the answer small). Readable by anybody; at most 500 promises for the whole "
        "region. NotFound (code organisation_not_found) when the id is no police region."
    )
    async def police_region_overview(
        self,
        info: Info[Context, None],
        police_region_id: strawberry.ID,
        on: dt.date | None = None,
        consistency_token: str | None = None,
    ) -> PoliceRegionOverviewResult:
        ctx = info.context
        await read_after(ctx, consistency_token)
        day = on or ctx.today()
        directory = await _directory(ctx)
        region_id = str(police_region_id)
        region = directory.organisation(region_id)
        if region is None or region.kind != POLICE_REGION:
            return _unknown_region(ctx, region_id)
        areas = [
            o.org_id
            for o in directory.organisations
            if o.kind == POLICE_AREA and o.parent_id == region_id
        ]
        served = {a: _served(directory, a, day) for a in areas}
        municipalities = list(dict.fromkeys(m for ms in served.values() for m in ms))
        promises, truncated = await _visible_promises(ctx, areas, municipalities)
        overviews = [_area_overview(directory, a, day, promises, truncated) for a in areas]
        return PoliceRegionOverview(
            police_region_id=strawberry.ID(region_id),
            name=region.name,
            on=day,
            police_areas=overviews,
            counts=total([a.counts for a in overviews]),
            truncated=truncated,
        )
