"""The promise projection's fast paths equal the plain ones: folding many events at once equals
`evolve` one event at a time, and the document written in one pass by the codec's encoder is the
document `to_plain` gives."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from events.catalogue import event_registry
from events.codec import to_plain
from events.messages import Event
from events.promise.decider import PROMISE
from events.promise.state import PromiseState, evolve_promise_all
from ops.bench.projection import Generator
from projections.activities import attach
from projections.progress import progress
from projections.promises import (
    is_public,
    promise_projection,
    public_activities,
    public_plan,
    public_view,
)
from tests.unit.test_promise_properties import STEPS, _run

REGISTRY = event_registry()
PROJECTION = promise_projection(PROMISE, REGISTRY)


def one_at_a_time(state: PromiseState, events: list[Event]) -> PromiseState:
    for event in events:
        state = PROMISE.evolve(state, event)
    return state


def reference_document(state: PromiseState) -> dict[str, Any]:
    """The document as it was built before the one-pass encoding: to_plain of each part."""
    rows = [to_plain(p) for p in progress(state)]
    doc: dict[str, Any] = {"state": to_plain(state), "progress": rows}
    revision = state.in_force
    if revision is not None and is_public(state):
        published = [p for p in state.publications if p.revision_no == revision.revision_no]
        doc["public"] = {
            "promise_id": state.promise_id,
            "status": state.status,
            "revision": to_plain(revision),
            "publications": to_plain(tuple(published)),
            "progress": rows,
            "follow_ups": to_plain(tuple(f for f in state.follow_ups if f.published)),
            "plans": to_plain(tuple(public_plan(p) for p in state.plans)),
            "shared_places": {
                p.place_id: state.shared_place_of(p.place_id)
                for p in revision.content.places
                if state.shared_place_of(p.place_id) is not None
            },
            "activities": public_activities(state),
        }
    return doc


def assert_documents_equal(state: PromiseState) -> None:
    expected = reference_document(state)
    assert PROJECTION.document(state) == expected
    # What is stored leaves the records out (they are rows of their own); put back, they give
    # the whole document.
    stored = orjson.loads(PROJECTION.document_json(state))
    assert stored["state"]["activities"] == []
    assert "activities" not in stored.get("public", {})
    assert attach(stored, expected["state"]["activities"]) == expected
    assert public_view(state) == expected.get("public")


@settings(max_examples=80, deadline=None)
@given(steps=STEPS, cut=st.integers(0, 60))
def test_folding_many_events_at_once_equals_evolving_one_at_a_time(
    steps: list[tuple[str, int, int]], cut: int
) -> None:
    _, history = _run(steps)
    expected = one_at_a_time(PROMISE.initial_state, history)
    assert evolve_promise_all(PROMISE.initial_state, history) == expected
    head = evolve_promise_all(PROMISE.initial_state, history[:cut])
    assert evolve_promise_all(head, history[cut:]) == expected
    assert_documents_equal(expected)


def test_a_published_promise_with_activities_and_a_follow_up_has_the_reference_document() -> None:
    gen, _ = Generator.build(REGISTRY)
    encoded = gen.opening(3) + gen.activities(3, 0, 40) + gen.follow_up(3)
    history = [REGISTRY.decode(kind, version, data) for kind, version, data in encoded]
    state = PROMISE.initial_state
    for n in range(len(history) + 1):
        state = evolve_promise_all(PROMISE.initial_state, history[:n])
        assert state == one_at_a_time(PROMISE.initial_state, history[:n])
        assert_documents_equal(state)
    assert "public" in PROJECTION.document(state) and state.follow_ups[0].published


def test_a_lone_surrogate_in_a_summary_is_written_as_before() -> None:
    gen, _ = Generator.build(REGISTRY)
    encoded = gen.opening(4) + gen.activities(4, 0, 2)
    history = [REGISTRY.decode(kind, version, data) for kind, version, data in encoded]
    state = evolve_promise_all(PROMISE.initial_state, history)
    odd = replace(state.activities[0], summary="a\ud800b")
    state = replace(state, activities=(odd, *state.activities[1:]))
    assert PROJECTION.document(state) == reference_document(state)
