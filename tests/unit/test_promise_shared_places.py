"""A promise's places linked to the municipality's shared places (events.place): the link is
checked against the shared place's stream, and a place of a municipality that is no party of
the promise is refused."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from events.messages import Event, Forbidden, NotFound, Refusal, RuleViolated
from events.place import PlaceState
from events.promise.commands import LinkSharedPlace, RegisterPlace
from events.promise.content import Place
from events.promise.decider import PROMISE
from events.promise.events import PlaceRegistered, SharedPlaceLinked
from tests.unit.decider_world import (
    CONTEXT,
    DRAFTED,
    IN_FORCE,
    KOMMUN,
    KOMMUN_EDITOR,
    OTHER_KOMMUN,
    VIEWER,
    promise_meta,
)
from tests.unit.given_when_then import then_refused, when

HERE = PlaceState(place_id="torget", status="active", municipality_id=KOMMUN, name="Torget")
THERE = replace(HERE, place_id="annat-torg", municipality_id=OTHER_KOMMUN)
RETIRED = replace(HERE, place_id="gamla-torget", status="retired")
LINKED = replace(
    CONTEXT,
    linked={
        "place-torget": HERE,
        "place-annat-torg": THERE,
        "place-gamla-torget": RETIRED,
        "place-saknas": PlaceState(),
    },
)


def register(shared: str | None, municipality: str | None = None) -> RegisterPlace:
    place = Place(
        place_id="pl2",
        name="Torget",
        kind="centrum",
        municipality_id=municipality,
        shared_place_id=shared,
    )
    return RegisterPlace(**promise_meta(KOMMUN_EDITOR), place=place)


def test_the_promise_links_its_place_to_the_shared_place_and_takes_its_municipality() -> None:
    assert PROMISE.links(register("torget")) == ("place-torget",)
    events = when(PROMISE, DRAFTED, register("torget"), LINKED)
    assert events == [
        PlaceRegistered(
            place=Place(
                place_id="pl2",
                name="Torget",
                kind="centrum",
                municipality_id=KOMMUN,
                shared_place_id="torget",
            )
        )
    ]


def test_a_place_without_a_shared_place_names_no_other_stream() -> None:
    assert PROMISE.links(register(None, KOMMUN)) == ()
    assert when(PROMISE, DRAFTED, register(None, KOMMUN), CONTEXT) == [
        PlaceRegistered(place=register(None, KOMMUN).place)
    ]


REFUSALS = [
    pytest.param(
        register("annat-torg"),
        RuleViolated,
        "place_of_another_municipality",
        ("place", "shared_place_id"),
        id="a shared place of a municipality that is no party of the promise",
    ),
    pytest.param(
        register(None, OTHER_KOMMUN),
        RuleViolated,
        "place_of_another_municipality",
        ("place", "municipality_id"),
        id="a place in a municipality that is no party of the promise",
    ),
    pytest.param(
        register("torget", OTHER_KOMMUN),
        RuleViolated,
        "place_of_another_municipality",
        ("place", "shared_place_id"),
        id="a shared place and a municipality that disagree",
    ),
    pytest.param(
        register("saknas"),
        NotFound,
        "place_not_found",
        ("place", "shared_place_id"),
        id="a shared place that was never registered",
    ),
    pytest.param(
        register("gamla-torget"),
        RuleViolated,
        "place_retired",
        ("place", "shared_place_id"),
        id="a retired shared place",
    ),
]


@pytest.mark.parametrize(("command", "kind", "code", "path"), REFUSALS)
def test_a_place_is_refused_with_its_field(
    command: RegisterPlace, kind: type[Refusal], code: str, path: tuple[str, ...]
) -> None:
    given: tuple[Event, ...] = DRAFTED
    refusal = then_refused(PROMISE, given, command, LINKED, kind, code)
    assert refusal.field_path == path


def link(
    place_id: str = "pl1", shared: str = "torget", actor: Any = KOMMUN_EDITOR
) -> LinkSharedPlace:
    return LinkSharedPlace(**promise_meta(actor), place_id=place_id, shared_place_id=shared)


def test_a_place_of_a_promise_in_force_is_linked_without_new_signatures() -> None:
    assert PROMISE.links(link()) == ("place-torget",)
    events = when(PROMISE, IN_FORCE, link(), LINKED)
    assert events == [
        SharedPlaceLinked(place_id="pl1", shared_place_id="torget", municipality_id=KOMMUN)
    ]
    state = PROMISE.fold((*IN_FORCE, *events))
    assert state.shared_place_of("pl1") == "torget"
    assert state.in_force is not None and state.in_force.signatures  # what was signed stands


LINK_REFUSALS = [
    pytest.param(
        link(place_id="pl9"),
        NotFound,
        "place_not_found",
        ("place_id",),
        id="a place the promise does not name",
    ),
    pytest.param(
        link(shared="annat-torg"),
        RuleViolated,
        "place_of_another_municipality",
        ("shared_place_id",),
        id="a shared place of a municipality that is no party",
    ),
    pytest.param(
        link(shared="gamla-torget"),
        RuleViolated,
        "place_retired",
        ("shared_place_id",),
        id="a retired shared place",
    ),
    pytest.param(
        link(shared="saknas"),
        NotFound,
        "place_not_found",
        ("shared_place_id",),
        id="a shared place never registered",
    ),
]


@pytest.mark.parametrize(("command", "kind", "code", "path"), LINK_REFUSALS)
def test_a_link_is_refused_with_its_field(
    command: LinkSharedPlace, kind: type[Refusal], code: str, path: tuple[str, ...]
) -> None:
    refusal = then_refused(PROMISE, IN_FORCE, command, LINKED, kind, code)
    assert refusal.field_path == path


def test_a_place_is_linked_once() -> None:
    given = (
        *IN_FORCE,
        SharedPlaceLinked(place_id="pl1", shared_place_id="torget", municipality_id=KOMMUN),
    )
    refusal = then_refused(PROMISE, given, link(), LINKED, RuleViolated, "place_already_linked")
    assert refusal.field_path == ("place_id",)


def test_only_an_editor_of_a_party_links_a_place() -> None:
    then_refused(PROMISE, IN_FORCE, link(actor=VIEWER), LINKED, Forbidden, "missing_role")
