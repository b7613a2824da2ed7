"""Commands on a shared place of a municipality: each names its stream's place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from events.messages import Command
from events.place.events import Coordinates


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceCommand(Command):
    """A command addressed to place `place_id`."""

    place_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterMunicipalPlace(PlaceCommand):
    """Register a shared place of a municipality, to be followed from year to year.

    `kind` is one of centrum, station, district, kommundel, school, road, other; `coordinates`
    (WGS84 decimal degrees) are optional.
    """

    municipality_id: str
    name: str
    kind: str = "other"
    coordinates: Coordinates | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RenamePlace(PlaceCommand):
    """Give a shared place a new name (its former names stay in its history)."""

    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkPlaceUnsafe(PlaceCommand):
    """Mark a shared place as perceived unsafe, citing the source and its date."""

    source: str
    as_of: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearPlaceUnsafeMark(PlaceCommand):
    """Clear a place's unsafe mark, citing the source and its date."""

    source: str
    as_of: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class RetirePlace(PlaceCommand):
    """Stop following a shared place; it and its history stay readable."""

    reason: str
