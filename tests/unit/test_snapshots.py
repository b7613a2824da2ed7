"""Snapshots never change a fold: resuming from one equals folding from the first event."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import msgspec
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from events.catalogue import event_registry
from events.log.store import StoredEvent
from events.messages import Event
from events.promise.decider import PROMISE
from events.promise.state import PromiseState
from projections import snapshots
from projections.promises import promise_projection
from tests.unit.test_promise_properties import STEPS, _run

AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
REGISTRY = event_registry()
PROJECTION = promise_projection(PROMISE, REGISTRY)


def stored(history: list[Event]) -> list[StoredEvent]:
    """The events as the store hands them back: encoded, JSON round-tripped, numbered."""
    out = []
    for n, event in enumerate(history, 1):
        kind, version, data = REGISTRY.encode(event)
        out.append(
            StoredEvent(
                id=n,
                event_id=uuid.uuid4(),
                stream_id="promise-p1",
                stream_version=n,
                type=kind,
                schema_version=version,
                data=orjson.loads(orjson.dumps(data)),
                metadata={},
                occurred_at=AT,
                recorded_at=AT,
                log_index=10 * n,
            )
        )
    return out


def through_the_table(snapshot: snapshots.Snapshot[PromiseState]) -> PromiseState:
    """A snapshot's state as a reader gets it back from the snapshots table."""
    return snapshots.decode(PromiseState, bytes(snapshots.encode(snapshot.state)))


@settings(max_examples=60, deadline=None)
@given(steps=STEPS, every=st.integers(1, 7))
def test_as_of_from_the_newest_snapshot_equals_the_fold_from_the_start_at_every_position(
    steps: list[tuple[str, int, int]], every: int
) -> None:
    _, history = _run(steps)
    events = stored(history)
    _, due = snapshots.resume(PROJECTION.fold, PROMISE.initial_state, events, every)
    assert [s.stream_version for s in due] == [
        e.stream_version for e in events if e.stream_version % every == 0
    ]
    for position in range(len(events) + 1):
        from_start = PROJECTION.fold(PROMISE.initial_state, events[:position])
        usable = [s for s in due if s.stream_version <= position]
        start = usable[-1] if usable else None
        state, _ = snapshots.resume(
            PROJECTION.fold,
            through_the_table(start) if start else PROMISE.initial_state,
            events[start.stream_version if start else 0 : position],
            every,
        )
        assert state == from_start
        assert PROJECTION.document(state) == PROJECTION.document(from_start)


def test_no_snapshot_is_due_for_an_event_not_yet_in_the_log() -> None:
    _, history = _run([("draft", 0, 0), ("area", 0, 0)])
    events = [msgspec.structs.replace(e, log_index=None) for e in stored(history)]
    assert len(events) == 2
    _, due = snapshots.resume(PROJECTION.fold, PROMISE.initial_state, events, 1)
    assert due == []


def test_a_state_with_other_fields_has_another_snapshot_key_so_no_old_snapshot_is_read() -> None:
    @dataclass(frozen=True)
    class Before:
        status: str = "draft"

    @dataclass(frozen=True)
    class After:
        status: str = "draft"
        plans: tuple[str, ...] = field(default_factory=tuple)

    assert snapshots.key("promise", Before) != snapshots.key("promise", After)
    assert snapshots.key("promise", PromiseState) == snapshots.key("promise", PromiseState)
    assert snapshots.key("promise", PromiseState) != snapshots.key("agreement", PromiseState)


def test_a_fold_to_the_head_writes_only_when_it_passes_a_multiple_not_yet_written() -> None:
    def at(version: int) -> snapshots.Snapshot[None]:
        return snapshots.Snapshot(version, 10 * version, None)

    assert not snapshots.Found(0, None, 0).due(4)  # no stream
    assert not snapshots.Found(0, None, 3).due(4)
    assert snapshots.Found(0, None, 4).due(4)
    assert not snapshots.Found(0, at(4), 7).due(4)  # the newest is the last multiple
    assert snapshots.Found(0, at(4), 8).due(4)
    assert snapshots.Found(0, at(200), 400).due()  # SNAPSHOT_EVERY
    assert not snapshots.Found(0, at(200), 399).due()
