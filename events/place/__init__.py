"""Shared places of a municipality (platser): commands, events, state and decider, importable
from `events.place` as one name space."""

from events.place.commands import (
    ClearPlaceUnsafeMark,
    MarkPlaceUnsafe,
    PlaceCommand,
    RegisterMunicipalPlace,
    RenamePlace,
    RetirePlace,
)
from events.place.decider import (
    PLACE,
    STREAM_PREFIX,
    check_coordinates,
    decide_place,
    may_change_places_of,
    place_stream,
    require_local_editor,
    require_place_of,
)
from events.place.events import (
    PLACE_EVENTS,
    Coordinates,
    MunicipalPlaceRegistered,
    PlaceMarkedUnsafe,
    PlaceRenamed,
    PlaceRetired,
    PlaceUnsafeMarkCleared,
)
from events.place.state import ACTIVE, RETIRED, STATUSES, PlaceState, UnsafeMark, evolve_place

__all__ = [
    "ACTIVE",
    "PLACE",
    "PLACE_EVENTS",
    "RETIRED",
    "STATUSES",
    "STREAM_PREFIX",
    "ClearPlaceUnsafeMark",
    "Coordinates",
    "MarkPlaceUnsafe",
    "MunicipalPlaceRegistered",
    "PlaceCommand",
    "PlaceMarkedUnsafe",
    "PlaceRenamed",
    "PlaceRetired",
    "PlaceState",
    "PlaceUnsafeMarkCleared",
    "RegisterMunicipalPlace",
    "RenamePlace",
    "RetirePlace",
    "UnsafeMark",
    "check_coordinates",
    "decide_place",
    "evolve_place",
    "may_change_places_of",
    "place_stream",
    "require_local_editor",
    "require_place_of",
]
