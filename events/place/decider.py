"""The shared-place decider: a municipality's places, registered, renamed, marked unsafe and
cleared with their sources and dates, retired.

Stream "place-<id>". Places are public information (names of streets, squares and districts,
no personal data), so every caller sees every place and nothing is gated. Who may change them:
an editor (or signatory) of the municipality itself, or of a police area that serves the
municipality on the day of the command (the directory's links); nobody else.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from events.context import DecisionContext
from events.decider import Decider
from events.directory.authority import require_any_role
from events.directory.state import MUNICIPALITY, POLICE_AREA, DirectoryState
from events.messages import (
    Command,
    Event,
    FieldPath,
    Forbidden,
    NotFound,
    Principal,
    RuleViolated,
    Term,
    unknown_command,
)
from events.place.commands import (
    ClearPlaceUnsafeMark,
    MarkPlaceUnsafe,
    PlaceCommand,
    RegisterMunicipalPlace,
    RenamePlace,
    RetirePlace,
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
from events.place.state import ACTIVE, PlaceState, evolve_place
from events.promise.content import SHARED_PLACE_STREAM_PREFIX
from events.promise.drafting import EDITORS, PLACE_KINDS
from events.well_formed import (
    invalid_input,
    require_choice,
    require_id,
    require_not_after,
    require_text,
)

STREAM_PREFIX = SHARED_PLACE_STREAM_PREFIX
NAME_MAX = 200
SOURCE_MAX = 300
_DEGREES = re.compile(r"-?[0-9]{1,3}(\.[0-9]{1,8})?")
_RANGES = {"latitude": Decimal(90), "longitude": Decimal(180)}


def may_change_places_of(
    directory: DirectoryState, actor: Principal, municipality_id: str, day: dt.date
) -> bool:
    """True when the actor's organisation is the municipality or a police area serving it on
    `day` (roles are checked apart)."""
    organisation = actor.organisation_id
    if organisation == municipality_id:
        return True
    return directory.kind_of(organisation) == POLICE_AREA and (
        municipality_id in directory.served_municipalities(organisation, day)
    )


def require_local_editor(
    context: DecisionContext, actor: Principal, municipality_id: str, day: dt.date, action: str
) -> None:
    """The actor edits (or signs) for the municipality or for a police area serving it on
    `day`: who may change its shared places, record its safety walks and its surveys and
    indicators."""
    if not may_change_places_of(context.directory, actor, municipality_id, day):
        raise Forbidden(
            code="not_a_party",
            message=(
                "Only the municipality {municipality} and the police areas serving it may "
                "{action}; {organisation} is neither."
            ),
            params={
                "municipality": municipality_id,
                "action": Term("action", action),
                "organisation": actor.organisation_id,
            },
        )
    require_any_role(actor, EDITORS, action)


def require_place_of(
    context: DecisionContext,
    place_id: str,
    municipality_id: str,
    path: FieldPath,
    *,
    active: bool = False,
) -> PlaceState:
    """The shared place `place_id`, read through the deciding command's links: registered, of
    `municipality_id`, and with `active` not retired; refused at `path` otherwise."""
    require_id(place_id, path)
    place = context.linked.get(STREAM_PREFIX + place_id)
    if not isinstance(place, PlaceState) or place.status == "none":
        raise NotFound(
            code="place_not_found",
            message="No place {place} has been registered.",
            params={"place": place_id},
            field_path=path,
        )
    if place.municipality_id != municipality_id:
        raise RuleViolated(
            code="place_of_another_municipality",
            message="The place {place} belongs to {other}, not to {municipality}.",
            params={
                "place": place_id,
                "other": place.municipality_id,
                "municipality": municipality_id,
            },
            field_path=path,
        )
    if active and place.status != ACTIVE:
        raise RuleViolated(
            code="place_retired",
            message="The place {place} is retired.",
            params={"place": place_id},
            field_path=path,
        )
    return place


def check_coordinates(coordinates: Coordinates) -> None:
    """Both decimal degrees written out, latitude within ±90 and longitude within ±180."""
    for axis, value in (("latitude", coordinates.latitude), ("longitude", coordinates.longitude)):
        path = ("coordinates", axis)
        if not _DEGREES.fullmatch(value):
            raise invalid_input(
                code="invalid_input",
                message="{field} must be decimal degrees in WGS84 such as 59.5237, got {value!r}.",
                path=path,
                value=value,
            )
        bound = _RANGES[axis]
        if abs(Decimal(value)) > bound:
            raise invalid_input(
                code="invalid_input",
                message="{field} must lie between -{bound} and {bound} degrees, got {value}.",
                path=path,
                bound=bound,
                value=value,
            )


def _not_found(place_id: str) -> NotFound:
    return NotFound(
        code="place_not_found",
        message="No place {place} has been registered.",
        params={"place": place_id},
    )


def _require_active(state: PlaceState, place_id: str) -> None:
    if state.status == "none":
        raise _not_found(place_id)
    if state.status != ACTIVE:
        raise RuleViolated(
            code="wrong_status",
            message="The place {place} is retired; it can no longer be changed.",
            params={"place": place_id},
        )


def _require_in_order(state: PlaceState, as_of: dt.date) -> None:
    latest = state.latest_mark()
    if latest is not None and as_of < latest.as_of:
        raise invalid_input(
            code="period_reversed",
            message="{field} ({day}) is before the latest entry of the place's history ({latest}).",
            path=("as_of",),
            day=as_of,
            latest=latest.as_of,
        )


def _decide_registration(
    command: RegisterMunicipalPlace, state: PlaceState, context: DecisionContext
) -> list[Event]:
    require_id(command.place_id, "place_id")
    if state.status != "none":
        raise RuleViolated(
            code="place_exists",
            message="The place {place} already exists.",
            params={"place": command.place_id},
        )
    if context.directory.kind_of(command.municipality_id) != MUNICIPALITY:
        raise NotFound(
            code="municipality_not_found",
            message="No municipality {municipality}.",
            params={"municipality": command.municipality_id},
        )
    day = command.day
    require_local_editor(context, command.actor, command.municipality_id, day, "register a place")
    require_text(command.name, "name", max_length=NAME_MAX, multiline=False)
    require_choice(command.kind, PLACE_KINDS, "kind")
    if command.coordinates is not None:
        check_coordinates(command.coordinates)
    return [
        MunicipalPlaceRegistered(
            place_id=command.place_id,
            municipality_id=command.municipality_id,
            name=command.name,
            kind=command.kind,
            coordinates=command.coordinates,
        )
    ]


def _decide_mark(command: MarkPlaceUnsafe | ClearPlaceUnsafeMark, state: PlaceState) -> list[Event]:
    require_text(command.source, "source", max_length=SOURCE_MAX, multiline=False)
    require_not_after(command.as_of, command.day, "as_of")
    _require_in_order(state, command.as_of)
    if isinstance(command, MarkPlaceUnsafe):
        return [PlaceMarkedUnsafe(source=command.source, as_of=command.as_of)]
    if not state.unsafe:
        raise RuleViolated(
            code="wrong_status",
            message="The place {place} is not marked unsafe.",
            params={"place": command.place_id},
        )
    return [PlaceUnsafeMarkCleared(source=command.source, as_of=command.as_of)]


def _changeable(
    command: PlaceCommand, state: PlaceState, context: DecisionContext, action: str
) -> dt.date:
    """The place exists, the actor may change it and it is not retired; the command's day."""
    if state.status == "none":
        raise _not_found(command.place_id)
    day = command.day
    require_local_editor(context, command.actor, state.municipality_id, day, action)
    _require_active(state, command.place_id)
    return day


def decide_place(command: Command, state: PlaceState, context: DecisionContext) -> list[Event]:
    """Decide any command on a place stream."""
    match command:
        case RegisterMunicipalPlace():
            return _decide_registration(command, state, context)
        case RenamePlace():
            _changeable(command, state, context, "rename a place")
            require_text(command.name, "name", max_length=NAME_MAX, multiline=False)
            if command.name == state.name:
                raise RuleViolated(
                    code="no_changes",
                    message="The place is already named {name}.",
                    params={"name": command.name},
                )
            return [PlaceRenamed(name=command.name)]
        case MarkPlaceUnsafe():
            _changeable(command, state, context, "mark a place unsafe")
            return _decide_mark(command, state)
        case ClearPlaceUnsafeMark():
            _changeable(command, state, context, "clear a place's unsafe mark")
            return _decide_mark(command, state)
        case RetirePlace():
            day = _changeable(command, state, context, "retire a place")
            require_text(command.reason, "reason")
            return [PlaceRetired(reason=command.reason, retired_on=day)]
    raise unknown_command(command)


def place_stream(command: Command) -> str:
    """The stream a place command addresses: "place-<place_id>"."""
    assert isinstance(command, PlaceCommand)
    return STREAM_PREFIX + command.place_id


PLACE: Decider[PlaceState] = Decider(
    name="place",
    stream_prefix=STREAM_PREFIX,
    initial_state=PlaceState(),
    decide=decide_place,
    evolve=evolve_place,
    command_types=(
        RegisterMunicipalPlace,
        RenamePlace,
        MarkPlaceUnsafe,
        ClearPlaceUnsafeMark,
        RetirePlace,
    ),
    event_types=PLACE_EVENTS,
    stream_of=place_stream,
)
