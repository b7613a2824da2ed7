"""The folded state of one shared place: name, kind, coordinates, status and unsafe marks.

Status: none → active → retired. `unsafe` is whether the latest mark stands; `marks` is the
whole history of marks and clearings, each with its source and date, in the order recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from events.frozen import replace
from events.messages import Event
from events.place.events import (
    Coordinates,
    MunicipalPlaceRegistered,
    PlaceMarkedUnsafe,
    PlaceRenamed,
    PlaceRetired,
    PlaceUnsafeMarkCleared,
)

ACTIVE = "active"
RETIRED = "retired"
STATUSES = (ACTIVE, RETIRED)
"""Every status a registered place can be in."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UnsafeMark:
    """One entry of a place's unsafe history: marked (`unsafe` True) or cleared, by a source
    as of a date."""

    unsafe: bool
    source: str
    as_of: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceState:
    """One shared place of a municipality."""

    place_id: str = ""
    status: str = "none"
    municipality_id: str = ""
    name: str = ""
    kind: str = "other"
    coordinates: Coordinates | None = None
    former_names: tuple[str, ...] = ()
    unsafe: bool = False
    marks: tuple[UnsafeMark, ...] = ()
    retired_on: dt.date | None = None
    retired_reason: str | None = None

    def latest_mark(self) -> UnsafeMark | None:
        """The latest entry of the unsafe history, if any."""
        return self.marks[-1] if self.marks else None


def evolve_place(state: PlaceState, event: Event) -> PlaceState:
    """Fold one place event into the state."""
    match event:
        case MunicipalPlaceRegistered():
            return replace(
                state,
                place_id=event.place_id,
                status=ACTIVE,
                municipality_id=event.municipality_id,
                name=event.name,
                kind=event.kind,
                coordinates=event.coordinates,
            )
        case PlaceRenamed():
            return replace(state, name=event.name, former_names=(*state.former_names, state.name))
        case PlaceMarkedUnsafe():
            mark = UnsafeMark(unsafe=True, source=event.source, as_of=event.as_of)
            return replace(state, unsafe=True, marks=(*state.marks, mark))
        case PlaceUnsafeMarkCleared():
            mark = UnsafeMark(unsafe=False, source=event.source, as_of=event.as_of)
            return replace(state, unsafe=False, marks=(*state.marks, mark))
        case PlaceRetired():
            return replace(
                state, status=RETIRED, retired_on=event.retired_on, retired_reason=event.reason
            )
    return state
