"""Shared places of a municipality (platser) and the events of their life.

A place is registered once per municipality and followed from year to year: renamed, marked as
perceived unsafe (with the source that says so and its date, e.g. a trygghetsenkät), the mark
cleared (with its source and date), and retired. A promise still names its own places in its
draft (`events.promise.events.PlaceRegistered`); these are the municipality's shared ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from events.messages import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class Coordinates:
    """A point in WGS84 as decimal degrees written out ("59.5237", "17.6357"): exact decimals,
    so the same point is the same text and hash everywhere."""

    latitude: str
    longitude: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MunicipalPlaceRegistered(Event):
    """A shared place of a municipality was registered (plats registrerad)."""

    place_id: str
    municipality_id: str
    name: str
    kind: str
    coordinates: Coordinates | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceRenamed(Event):
    """The place got a new name; its former name stays in its history."""

    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceMarkedUnsafe(Event):
    """The place is perceived as unsafe according to `source` (e.g. "trygghetsenkät 2018"),
    as of `as_of`."""

    source: str
    as_of: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceUnsafeMarkCleared(Event):
    """The place is no longer perceived as unsafe according to `source`, as of `as_of`."""

    source: str
    as_of: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceRetired(Event):
    """The place is no longer followed (rebuilt, merged into another, gone)."""

    reason: str
    retired_on: dt.date


PLACE_EVENTS: tuple[type[Event], ...] = (
    MunicipalPlaceRegistered,
    PlaceRenamed,
    PlaceMarkedUnsafe,
    PlaceUnsafeMarkCleared,
    PlaceRetired,
)
