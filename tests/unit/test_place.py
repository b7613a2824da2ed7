"""The shared-place decider: who may register and change a municipality's places, and every
refusal (each leaves the stream as it was: a refusal decides no events)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from events.context import DecisionContext
from events.directory.decider import DIRECTORY
from events.directory.events import PoliceAreaMunicipalityLinkEnded
from events.messages import Event, Forbidden, InvalidInput, NotFound, RuleViolated
from events.place import (
    PLACE,
    ClearPlaceUnsafeMark,
    Coordinates,
    MarkPlaceUnsafe,
    MunicipalPlaceRegistered,
    PlaceMarkedUnsafe,
    PlaceRenamed,
    PlaceRetired,
    PlaceUnsafeMarkCleared,
    RegisterMunicipalPlace,
    RenamePlace,
    RetirePlace,
    UnsafeMark,
)
from tests.unit.decider_world import (
    AUDITOR,
    CONTEXT,
    DIRECTORY_HISTORY,
    KOMMUN,
    KOMMUN_EDITOR,
    KOMMUN_SIGNER,
    LPO,
    LPO_EDITOR,
    OTHER_KOMMUN,
    OTHER_LPO,
    PARTNER,
    REGION,
    TODAY,
    VIEWER,
    meta,
    principal,
)
from tests.unit.given_when_then import then_refused, when

BRO = Coordinates(latitude="59.5163", longitude="17.6366")
REGISTERED: tuple[Event, ...] = (
    MunicipalPlaceRegistered(
        place_id="bro-centrum",
        municipality_id=KOMMUN,
        name="Bro centrum",
        kind="centrum",
        coordinates=BRO,
    ),
)
MARKED: tuple[Event, ...] = (
    *REGISTERED,
    PlaceMarkedUnsafe(source="trygghetsenkät 2018", as_of=dt.date(2018, 3, 1)),
)
RETIRED: tuple[Event, ...] = (*MARKED, PlaceRetired(reason="rivs", retired_on=TODAY))
OTHER_LPO_EDITOR = principal(OTHER_LPO, "editor")
REGION_EDITOR = principal(REGION, "editor")
PARTNER_EDITOR = principal(PARTNER, "editor")
OTHER_KOMMUN_EDITOR = principal(OTHER_KOMMUN, "editor")


def register(**changes: object) -> RegisterMunicipalPlace:
    command = RegisterMunicipalPlace(
        place_id="bro-centrum",
        municipality_id=KOMMUN,
        name="Bro centrum",
        kind="centrum",
        coordinates=BRO,
        **meta(KOMMUN_EDITOR),
    )
    return replace(command, **changes)


def mark(**changes: object) -> MarkPlaceUnsafe:
    command = MarkPlaceUnsafe(
        place_id="bro-centrum",
        source="trygghetsenkät 2018",
        as_of=dt.date(2018, 3, 1),
        **meta(KOMMUN_EDITOR),
    )
    return replace(command, **changes)


def clear(**changes: object) -> ClearPlaceUnsafeMark:
    command = ClearPlaceUnsafeMark(
        place_id="bro-centrum",
        source="trygghetsmätning 2025",
        as_of=dt.date(2025, 11, 1),
        **meta(KOMMUN_EDITOR),
    )
    return replace(command, **changes)


# Registering


def test_an_editor_of_the_municipality_registers_its_place_with_coordinates() -> None:
    assert when(PLACE, (), register(), CONTEXT) == list(REGISTERED)


def test_a_signatory_of_the_municipality_may_register_too() -> None:
    events = when(PLACE, (), register(actor=KOMMUN_SIGNER), CONTEXT)
    assert [type(e) for e in events] == [MunicipalPlaceRegistered]


def test_an_editor_of_the_police_area_serving_the_municipality_registers_its_place() -> None:
    events = when(PLACE, (), register(actor=LPO_EDITOR, coordinates=None), CONTEXT)
    assert events == [replace(REGISTERED[0], coordinates=None)]


def test_a_place_without_kind_is_of_kind_other() -> None:
    command = RegisterMunicipalPlace(
        place_id="torget", municipality_id=KOMMUN, name="Torget", **meta(KOMMUN_EDITOR)
    )
    (registered,) = when(PLACE, (), command, CONTEXT)
    assert isinstance(registered, MunicipalPlaceRegistered) and registered.kind == "other"


def test_registering_in_an_unknown_municipality_is_refused() -> None:
    refused = then_refused(
        PLACE,
        (),
        register(municipality_id="org-nowhere"),
        CONTEXT,
        NotFound,
        "municipality_not_found",
    )
    assert refused.params["municipality"] == "org-nowhere"


def test_a_police_area_is_no_municipality_to_register_places_in() -> None:
    then_refused(
        PLACE,
        (),
        register(municipality_id=LPO, actor=LPO_EDITOR),
        CONTEXT,
        NotFound,
        "municipality_not_found",
    )


@pytest.mark.parametrize(
    "actor",
    [OTHER_KOMMUN_EDITOR, OTHER_LPO_EDITOR, REGION_EDITOR, PARTNER_EDITOR],
    ids=["other municipality", "police area not serving it", "police region", "partner"],
)
def test_only_the_municipality_and_the_police_areas_serving_it_register_its_places(
    actor: object,
) -> None:
    refused = then_refused(PLACE, (), register(actor=actor), CONTEXT, Forbidden, "not_a_party")
    assert refused.params["municipality"] == KOMMUN


def test_a_police_area_whose_link_ended_no_longer_registers_the_municipalitys_places() -> None:
    ended = (
        *DIRECTORY_HISTORY,
        PoliceAreaMunicipalityLinkEnded(link_id="l1", ended_on=TODAY - dt.timedelta(days=1)),
    )
    context = DecisionContext(directory=DIRECTORY.fold(ended))
    then_refused(PLACE, (), register(actor=LPO_EDITOR), context, Forbidden, "not_a_party")


@pytest.mark.parametrize(
    ("actor", "code"),
    [
        (VIEWER, "missing_role"),
        (AUDITOR, "auditor_read_only"),
        (principal(LPO, "publisher"), "missing_role"),
    ],
    ids=["viewer", "auditor", "publisher of the police area"],
)
def test_a_member_without_an_editing_role_registers_nothing(actor: object, code: str) -> None:
    then_refused(PLACE, (), register(actor=actor), CONTEXT, Forbidden, code)


def test_registering_an_id_twice_is_refused() -> None:
    refused = then_refused(
        PLACE, REGISTERED, register(name="Bro torg"), CONTEXT, RuleViolated, "place_exists"
    )
    assert refused.params["place"] == "bro-centrum"


def test_a_place_id_must_be_an_identifier() -> None:
    refused = then_refused(
        PLACE, (), register(place_id="Bro Centrum"), CONTEXT, InvalidInput, "invalid_id"
    )
    assert refused.field_path == ("place_id",)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "blank_text"),
        ("   ", "blank_text"),
        ("Bro\ncentrum", "single_line_text"),
        ("x" * 201, "text_too_long"),
    ],
    ids=["empty", "blank", "two lines", "too long"],
)
def test_a_place_needs_a_name_of_one_line(name: str, code: str) -> None:
    refused = then_refused(PLACE, (), register(name=name), CONTEXT, InvalidInput, code)
    assert refused.field_path == ("name",)


def test_a_kind_outside_the_promise_place_kinds_is_refused() -> None:
    refused = then_refused(
        PLACE, (), register(kind="park"), CONTEXT, InvalidInput, "invalid_choice"
    )
    assert refused.field_path == ("kind",)


@pytest.mark.parametrize(
    ("coordinates", "axis"),
    [
        (Coordinates(latitude="90.0001", longitude="17.6"), "latitude"),
        (Coordinates(latitude="-91", longitude="17.6"), "latitude"),
        (Coordinates(latitude="59.5", longitude="180.5"), "longitude"),
        (Coordinates(latitude="59.5", longitude="-181"), "longitude"),
        (Coordinates(latitude="59,5", longitude="17.6"), "latitude"),
        (Coordinates(latitude="59.5", longitude="1e2"), "longitude"),
        (Coordinates(latitude="59.5", longitude=""), "longitude"),
        (Coordinates(latitude="59.123456789", longitude="17.6"), "latitude"),
        (Coordinates(latitude="59.5\n", longitude="17.6"), "latitude"),
    ],
    ids=[
        "north of the pole",
        "south of the pole",
        "east of 180",
        "west of -180",
        "decimal comma",
        "exponent",
        "empty",
        "more than eight decimals",
        "a trailing line break",
    ],
)
def test_coordinates_out_of_range_or_not_decimal_degrees_are_refused(
    coordinates: Coordinates, axis: str
) -> None:
    refused = then_refused(
        PLACE, (), register(coordinates=coordinates), CONTEXT, InvalidInput, "invalid_input"
    )
    assert refused.field_path == ("coordinates", axis)


def test_coordinates_on_the_bounds_are_accepted() -> None:
    edge = Coordinates(latitude="-90", longitude="180.0")
    (registered,) = when(PLACE, (), register(coordinates=edge), CONTEXT)
    assert isinstance(registered, MunicipalPlaceRegistered) and registered.coordinates == edge


# Changing


def test_renaming_keeps_the_former_name_in_the_history() -> None:
    command = RenamePlace(place_id="bro-centrum", name="Bro torg", **meta(LPO_EDITOR))
    events = when(PLACE, REGISTERED, command, CONTEXT)
    assert events == [PlaceRenamed(name="Bro torg")]
    state = PLACE.fold((*REGISTERED, *events))
    assert (state.name, state.former_names) == ("Bro torg", ("Bro centrum",))


def test_renaming_to_the_same_name_changes_nothing_and_is_refused() -> None:
    command = RenamePlace(place_id="bro-centrum", name="Bro centrum", **meta(KOMMUN_EDITOR))
    then_refused(PLACE, REGISTERED, command, CONTEXT, RuleViolated, "no_changes")


def test_renaming_to_an_empty_name_is_refused() -> None:
    command = RenamePlace(place_id="bro-centrum", name="", **meta(KOMMUN_EDITOR))
    refused = then_refused(PLACE, REGISTERED, command, CONTEXT, InvalidInput, "blank_text")
    assert refused.field_path == ("name",)


def test_marking_unsafe_records_its_source_and_date() -> None:
    assert when(PLACE, REGISTERED, mark(), CONTEXT) == [MARKED[-1]]
    state = PLACE.fold(MARKED)
    assert state.unsafe
    assert state.marks == (
        UnsafeMark(unsafe=True, source="trygghetsenkät 2018", as_of=dt.date(2018, 3, 1)),
    )


def test_a_later_source_may_mark_the_place_unsafe_again() -> None:
    again = mark(source="trygghetsenkät 2021", as_of=dt.date(2021, 3, 1))
    events = when(PLACE, MARKED, again, CONTEXT)
    assert events == [PlaceMarkedUnsafe(source="trygghetsenkät 2021", as_of=dt.date(2021, 3, 1))]
    assert len(PLACE.fold((*MARKED, *events)).marks) == 2


def test_clearing_the_mark_keeps_the_history_of_marks() -> None:
    events = when(PLACE, MARKED, clear(), CONTEXT)
    assert events == [
        PlaceUnsafeMarkCleared(source="trygghetsmätning 2025", as_of=dt.date(2025, 11, 1))
    ]
    state = PLACE.fold((*MARKED, *events))
    assert not state.unsafe
    assert [(m.unsafe, m.as_of.year) for m in state.marks] == [(True, 2018), (False, 2025)]


def test_clearing_a_place_not_marked_unsafe_is_refused() -> None:
    then_refused(PLACE, REGISTERED, clear(), CONTEXT, RuleViolated, "wrong_status")


def test_a_mark_dated_in_the_future_is_refused() -> None:
    refused = then_refused(
        PLACE,
        REGISTERED,
        mark(as_of=TODAY + dt.timedelta(days=1)),
        CONTEXT,
        InvalidInput,
        "date_in_future",
    )
    assert refused.field_path == ("as_of",)


def test_a_mark_dated_before_the_latest_entry_of_the_history_is_refused() -> None:
    refused = then_refused(
        PLACE, MARKED, clear(as_of=dt.date(2017, 1, 1)), CONTEXT, InvalidInput, "period_reversed"
    )
    assert refused.field_path == ("as_of",)


def test_a_mark_needs_a_source() -> None:
    refused = then_refused(PLACE, REGISTERED, mark(source=" "), CONTEXT, InvalidInput, "blank_text")
    assert refused.field_path == ("source",)


def test_retiring_records_the_reason_and_the_day() -> None:
    command = RetirePlace(place_id="bro-centrum", reason="rivs", **meta(KOMMUN_EDITOR))
    assert when(PLACE, MARKED, command, CONTEXT) == [PlaceRetired(reason="rivs", retired_on=TODAY)]
    state = PLACE.fold(RETIRED)
    assert (state.status, state.retired_on, state.unsafe) == ("retired", TODAY, True)


def test_retiring_needs_a_reason() -> None:
    command = RetirePlace(place_id="bro-centrum", reason="", **meta(KOMMUN_EDITOR))
    then_refused(PLACE, REGISTERED, command, CONTEXT, InvalidInput, "blank_text")


@pytest.mark.parametrize(
    "command",
    [
        mark(),
        clear(),
        RenamePlace(place_id="bro-centrum", name="Bro torg", **meta(KOMMUN_EDITOR)),
        RetirePlace(place_id="bro-centrum", reason="igen", **meta(KOMMUN_EDITOR)),
    ],
    ids=["mark", "clear", "rename", "retire"],
)
def test_a_retired_place_cannot_be_changed(command: object) -> None:
    then_refused(PLACE, RETIRED, command, CONTEXT, RuleViolated, "wrong_status")


@pytest.mark.parametrize(
    "command",
    [
        mark(place_id="nowhere"),
        clear(place_id="nowhere"),
        RenamePlace(place_id="nowhere", name="X", **meta(KOMMUN_EDITOR)),
        RetirePlace(place_id="nowhere", reason="x", **meta(KOMMUN_EDITOR)),
    ],
    ids=["mark", "clear", "rename", "retire"],
)
def test_changing_a_place_nobody_registered_is_not_found(command: object) -> None:
    then_refused(PLACE, (), command, CONTEXT, NotFound, "place_not_found")


@pytest.mark.parametrize(
    "command",
    [
        mark(actor=OTHER_KOMMUN_EDITOR),
        clear(actor=OTHER_LPO_EDITOR),
        RenamePlace(place_id="bro-centrum", name="Bro torg", **meta(OTHER_KOMMUN_EDITOR)),
        RetirePlace(place_id="bro-centrum", reason="x", **meta(OTHER_LPO_EDITOR)),
    ],
    ids=["mark", "clear", "rename", "retire"],
)
def test_nobody_outside_the_municipality_and_its_police_areas_changes_its_places(
    command: object,
) -> None:
    then_refused(PLACE, MARKED, command, CONTEXT, Forbidden, "not_a_party")


def test_a_viewer_of_the_municipality_changes_nothing() -> None:
    then_refused(PLACE, MARKED, mark(actor=VIEWER), CONTEXT, Forbidden, "missing_role")


def test_places_are_streams_of_their_own() -> None:
    assert PLACE.stream_of(register()) == "place-bro-centrum"
