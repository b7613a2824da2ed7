"""The demo's shared places: what the Upplands-Bro 2018 promise names as most unsafe, and only
that, folded through the deciders after the seed history without a refusal."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from events.catalogue import deciders
from events.context import DecisionContext
from events.directory.decider import DIRECTORY
from events.place import PLACE, PlaceState, UnsafeMark
from events.promise.state import PromiseState
from service.demo.history import UPPLANDS_BRO
from service.demo.places import place_commands
from service.demo.records import demo_commands
from service.demo.sources import PROMISE_2018

AT = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)


def _states() -> dict[str, Any]:
    states: dict[str, Any] = {}
    context = DecisionContext()
    for stream, command in [*demo_commands(AT), *place_commands(AT)]:
        decider = next(d for d in deciders() if d.handles(command))
        assert decider.stream_of(command) == stream
        state = states.get(stream, decider.initial_state)
        linked = {
            s: states.get(
                s, next(d for d in deciders() if s.startswith(d.stream_prefix)).initial_state
            )
            for s in decider.links(command)
        }
        decided = decider.decide(command, state, replace(context, linked=linked))
        for event in decided:  # a refusal fails the test
            state = decider.evolve(state, event)
        states[stream] = state
        if decider is DIRECTORY:
            context = DecisionContext(directory=state)
    return states


def places_ids(places: dict[str, PlaceState]) -> list[str]:
    return [p.place_id for p in places.values()]


def test_the_2018_promise_s_most_unsafe_places_are_shared_places_marked_unsafe_and_linked() -> None:
    states = _states()
    places: dict[str, PlaceState] = {
        s: state for s, state in states.items() if s.startswith(PLACE.stream_prefix)
    }
    promise: PromiseState = states["promise-upplands-bro-2018"]
    assert promise.in_force is not None
    named = {p.place_id: p for p in promise.in_force.content.places}
    assert {(p.name, p.kind) for p in places.values()} == {
        (named[i].name, named[i].kind) for i in ("p1", "p2", "p3")
    }
    assert {promise.shared_place_of(i) for i in ("p1", "p2", "p3")} == set(places_ids(places))
    for place in places.values():
        assert place.municipality_id == UPPLANDS_BRO and place.status == "active"
        assert place.coordinates is None  # the text gives none
        assert place.unsafe
        assert place.marks == (
            UnsafeMark(
                unsafe=True,
                source=f"{PROMISE_2018.description}: dialogen med medborgarna",
                as_of=dt.date(2018, 1, 1),
            ),
        )


def test_the_demo_place_command_ids_are_deterministic_and_none_is_a_seed_command_id() -> None:
    ids = [c.command_id for _, c in place_commands(AT)]
    assert ids == [c.command_id for _, c in place_commands(AT + dt.timedelta(days=3))]
    seed = {c.command_id for _, c in demo_commands(AT)}
    assert len(set(ids)) == len(ids) == 9 and seed.isdisjoint(ids)
