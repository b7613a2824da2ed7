"""Shared places of municipalities (platser): one place with its history, and lists in pages.

Places are public information (no personal data), so everybody reads them, anonymous callers
included; who may change them is the decider's rule (events.place).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import strawberry
from strawberry.types import Info

from events.place import STREAM_PREFIX as PLACE_STREAM
from projections.places import NAME as PLACE_PROJECTION
from schema.consistency import read_after
from schema.context import Context
from schema.pagination import First, PageInfo, key_after, page_info, page_size


@strawberry.type(description="A point in WGS84, in decimal degrees as registered.")
class PlaceCoordinates:
    latitude: str
    longitude: str


@strawberry.type(
    description="One entry of a place's unsafe history: marked as perceived unsafe "
    "(`unsafe` true) or the mark cleared, by a source (e.g. a trygghetsenkät) as of a date."
)
class PlaceUnsafeMark:
    unsafe: bool
    source: str
    as_of: dt.date


@strawberry.type(description="A shared place of a municipality, followed from year to year.")
class Place:
    id: strawberry.ID
    municipality_id: str
    name: str
    kind: str = strawberry.field(
        description="centrum, station, district, kommundel, school, road or other."
    )
    coordinates: PlaceCoordinates | None
    status: str = strawberry.field(description="active or retired.")
    unsafe: bool = strawberry.field(
        description="Marked as perceived unsafe by the latest entry of its unsafe history."
    )
    unsafe_history: list[PlaceUnsafeMark] = strawberry.field(
        description="Every mark and clearing, in the order they were recorded."
    )
    former_names: list[str] = strawberry.field(description="Earlier names, oldest first.")
    retired_on: dt.date | None
    retired_reason: str | None


@strawberry.type
class PlacePage:
    places: list[Place]
    page_info: PageInfo


def place_of(state: Mapping[str, Any]) -> Place:
    """The place from its stored state."""
    coordinates = state.get("coordinates")
    retired_on = state.get("retired_on")
    return Place(
        id=strawberry.ID(state["place_id"]),
        municipality_id=state["municipality_id"],
        name=state["name"],
        kind=state["kind"],
        coordinates=None
        if coordinates is None
        else PlaceCoordinates(latitude=coordinates["latitude"], longitude=coordinates["longitude"]),
        status=state["status"],
        unsafe=bool(state.get("unsafe")),
        unsafe_history=[
            PlaceUnsafeMark(
                unsafe=bool(mark["unsafe"]),
                source=mark["source"],
                as_of=dt.date.fromisoformat(mark["as_of"]),
            )
            for mark in state.get("marks") or []
        ],
        former_names=list(state.get("former_names") or []),
        retired_on=None if retired_on is None else dt.date.fromisoformat(retired_on),
        retired_reason=state.get("retired_reason"),
    )


@strawberry.type
class PlaceQuery:
    @strawberry.field(description="One shared place with its history, or null when none.")
    async def place(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        consistency_token: str | None = None,
    ) -> Place | None:
        ctx = info.context
        await read_after(ctx, consistency_token)
        doc = await ctx.reader.document(PLACE_PROJECTION, PLACE_STREAM + str(id))
        return None if doc is None else place_of(doc["state"])

    @strawberry.field(
        description="Shared places in pages, by id; `municipalityId` keeps one municipality's "
        "places, `unsafeOnly` those not retired and marked unsafe now."
    )
    async def places(
        self,
        info: Info[Context, None],
        municipality_id: str | None = None,
        unsafe_only: bool = False,
        first: First = None,
        after: str | None = None,
        consistency_token: str | None = None,
    ) -> PlacePage:
        ctx = info.context
        await read_after(ctx, consistency_token)
        limit = page_size(first)
        start = key_after(after)
        rows = await ctx.reader.place_documents(
            municipality=municipality_id, unsafe_only=unsafe_only, after=start, limit=limit + 1
        )
        page = rows[:limit]
        return PlacePage(
            places=[place_of(doc["state"]) for _key, doc in page],
            page_info=page_info(rows, limit),
        )
