"""Planned activities: planned on days or recurring, each occurrence performed, moved or
cancelled; progress counts planned and performed occurrences and the records they made; every
refusal; and a property: whatever is planned, performed, moved, cancelled and voided, progress
equals a recount of the occurrences and records that stand."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.messages import Command, Event, Forbidden, InvalidInput, NotFound, Refusal, RuleViolated
from events.promise.commands import (
    CancelOccurrence,
    MoveOccurrence,
    PerformOccurrence,
    PlanActivity,
    VoidActivityRecord,
)
from events.promise.content import Recurrence
from events.promise.decider import PROMISE
from events.promise.events import ActivityPerformed, ActivityPlanned, OccurrencePerformed
from events.promise.plans import MAX_OCCURRENCES
from events.promise.state import PromiseState
from projections.progress import Progress, pace, progress
from tests.unit.decider_world import (
    CONTEXT,
    IN_FORCE,
    KOMMUN,
    LPO,
    LPO_EDITOR,
    PARTNER,
    PERIOD,
    principal,
    promise_meta,
)
from tests.unit.given_when_then import then_refused, when

JOINT_DAYS = tuple(dt.date(2026, month, 12) for month in range(2, 10))  # eight, Feb–Sep


def plan(
    plan_id: str = "joint",
    commitment_ids: tuple[str, ...] = ("c2",),
    dates: tuple[dt.date, ...] = JOINT_DAYS,
    recurrence: Recurrence | None = None,
    actor: Any = LPO_EDITOR,
    kind: str = "activity",
) -> PlanActivity:
    return PlanActivity(
        **promise_meta(actor),
        kind=kind,
        plan_id=plan_id,
        commitment_ids=commitment_ids,
        title="Gemensam insats i centrum",
        dates=dates,
        recurrence=recurrence,
        place_ids=("pl1",),
        responsible_ids=(LPO, KOMMUN),
    )


def perform(occurrence_id: str, record_id: str, day: dt.date, plan_id: str = "joint") -> Command:
    """Reported on the day it was done."""
    return PerformOccurrence(
        **promise_meta(LPO_EDITOR, dt.datetime.combine(day, dt.time(18), tzinfo=dt.UTC)),
        plan_id=plan_id,
        occurrence_id=occurrence_id,
        record_id=record_id,
        occurred_on=day,
        performed_by=(LPO, KOMMUN),
        summary="Genomförd gemensam insats",
        place_ids=("pl1",),
    )


def run(given: tuple[Event, ...], *commands: Command) -> tuple[Event, ...]:
    for command in commands:
        given = (*given, *when(PROMISE, given, command, CONTEXT))
    return given


def by_id(state: PromiseState) -> dict[str, Progress]:
    return {row.commitment_id: row for row in progress(state)}


WALKS = Recurrence(times_per_year=3)


def test_eight_planned_joint_actions_and_three_walks_a_year_are_counted_as_they_are_done() -> None:
    planned = run(IN_FORCE, plan(), plan("walks", ("c1", "c2"), dates=(), recurrence=WALKS))
    [joint, walks] = [e for e in planned if isinstance(e, ActivityPlanned)]
    assert [o.starts_on for o in joint.occurrences] == list(JOINT_DAYS)
    assert [(o.starts_on, o.ends_on) for o in walks.occurrences] == [
        (dt.date(2026, 1, 1), dt.date(2026, 5, 1)),
        (dt.date(2026, 5, 2), dt.date(2026, 8, 31)),
        (dt.date(2026, 9, 1), dt.date(2026, 12, 31)),
    ]
    done = run(
        planned,
        perform("joint-1", "j1", dt.date(2026, 2, 12)),
        perform("joint-2", "j2", dt.date(2026, 3, 12)),
        MoveOccurrence(
            **promise_meta(LPO_EDITOR),
            plan_id="joint",
            occurrence_id="joint-3",
            starts_on=dt.date(2026, 4, 20),
            reason="Påsklovet",
        ),
        CancelOccurrence(
            **promise_meta(LPO_EDITOR), plan_id="joint", occurrence_id="joint-4", reason="Inställd"
        ),
        perform("walks-1", "w1", dt.date(2026, 2, 20), plan_id="walks"),
    )
    state = PROMISE.fold(done)
    joint_plan = state.plan("joint")
    assert joint_plan is not None
    assert [o.status for o in joint_plan.occurrences[:5]] == [
        "performed",
        "performed",
        "moved",
        "cancelled",
        "planned",
    ]
    rows = by_id(state)
    # c2: the seven joint occurrences still standing and the three walks; performed: two joint
    # actions and one walk, which the walk's record counts towards c2 as well (linked).
    assert (rows["c2"].planned, rows["c2"].planned_performed, rows["c2"].achieved) == (10, 3, 3)
    assert (rows["c1"].planned, rows["c1"].planned_performed, rows["c1"].achieved) == (3, 1, 1)
    # Pace of c2's eight at several days of 2026: due by the day against done.
    assert [
        (pace(rows["c2"], PERIOD, day).expected, pace(rows["c2"], PERIOD, day).status)
        for day in (dt.date(2026, 2, 1), dt.date(2026, 4, 1), dt.date(2026, 7, 1))
    ] == [(0, "on_track"), (1, "on_track"), (3, "on_track")]
    assert pace(rows["c2"], PERIOD, dt.date(2026, 10, 1)).status == "behind"

    # A void of a performing record leaves its occurrence to be done again.
    voided = run(
        done,
        VoidActivityRecord(**promise_meta(LPO_EDITOR), record_id="j2", reason="Fel insats"),
    )
    again = PROMISE.fold(voided)
    joint_again = again.plan("joint")
    assert joint_again is not None and joint_again.occurrences[1].status == "planned"
    assert by_id(again)["c2"].planned_performed == 2
    redone = run(voided, perform("joint-2", "j2b", dt.date(2026, 3, 13)))
    assert isinstance(redone[-1], OccurrencePerformed) and redone[-1].record_id == "j2b"


def test_a_partner_plans_and_performs_on_the_commitment_that_names_it() -> None:
    partner = principal(PARTNER, "editor")
    planned = run(IN_FORCE, plan("kvall", ("c2",), dates=(dt.date(2026, 2, 2),), actor=partner))
    performed = when(
        PROMISE,
        planned,
        PerformOccurrence(
            **promise_meta(partner),
            plan_id="kvall",
            occurrence_id="kvall-1",
            record_id="k1",
            occurred_on=dt.date(2026, 2, 2),
            performed_by=(PARTNER,),
            summary="Kvällsvandring",
        ),
        CONTEXT,
    )
    assert isinstance(performed[0], ActivityPerformed) and performed[0].performed_by == (PARTNER,)


PLANNED = run(IN_FORCE, plan())
PERFORMED = run(PLANNED, perform("joint-1", "j1", dt.date(2026, 2, 12)))
CANCELLED = run(
    PLANNED,
    CancelOccurrence(
        **promise_meta(LPO_EDITOR), plan_id="joint", occurrence_id="joint-2", reason="x"
    ),
)


def move(occurrence_id: str, day: dt.date) -> Command:
    return MoveOccurrence(
        **promise_meta(LPO_EDITOR),
        plan_id="joint",
        occurrence_id=occurrence_id,
        starts_on=day,
        reason="Flyttad",
    )


REFUSALS = [
    pytest.param(
        IN_FORCE,
        plan(kind="meeting"),
        InvalidInput,
        "invalid_choice",
        id="a plan is of an activity or a safety walk",
    ),
    pytest.param(
        IN_FORCE,
        plan(dates=(dt.date(2025, 12, 30),)),
        RuleViolated,
        "outside_period",
        id="a plan lies within the promise's period",
    ),
    pytest.param(
        IN_FORCE,
        plan(dates=(), recurrence=Recurrence(times_per_year=MAX_OCCURRENCES + 1)),
        RuleViolated,
        "too_many_occurrences",
        id="a recurrence expands to at most 500 occurrences",
    ),
    pytest.param(
        IN_FORCE,
        plan(recurrence=WALKS),
        InvalidInput,
        "conflicting_fields",
        id="dates or a recurrence, not both",
    ),
    pytest.param(
        IN_FORCE,
        plan(dates=()),
        InvalidInput,
        "conflicting_fields",
        id="dates or a recurrence, not neither",
    ),
    pytest.param(
        IN_FORCE,
        plan(dates=(), recurrence=Recurrence(every_weeks=2)),
        InvalidInput,
        "conflicting_fields",
        id="a weekly recurrence has its first and last day",
    ),
    pytest.param(
        IN_FORCE,
        plan(commitment_ids=("c9",)),
        RuleViolated,
        "commitment_not_in_force",
        id="a plan serves commitments in force",
    ),
    pytest.param(PLANNED, plan(), RuleViolated, "plan_exists", id="a plan id is used once"),
    pytest.param(
        IN_FORCE,
        plan(commitment_ids=("c1",), actor=principal(PARTNER, "editor")),
        Forbidden,
        "not_a_partner",
        id="a partner plans only for the commitments that name it",
    ),
    pytest.param(
        PERFORMED,
        perform("joint-1", "j9", dt.date(2026, 2, 13)),
        RuleViolated,
        "occurrence_performed",
        id="an occurrence is performed once",
    ),
    pytest.param(
        PERFORMED,
        move("joint-1", dt.date(2026, 3, 1)),
        RuleViolated,
        "occurrence_performed",
        id="a performed occurrence is not moved",
    ),
    pytest.param(
        CANCELLED,
        perform("joint-2", "j9", dt.date(2026, 3, 12)),
        RuleViolated,
        "occurrence_cancelled",
        id="a cancelled occurrence is not performed",
    ),
    pytest.param(
        PLANNED,
        move("joint-3", dt.date(2027, 1, 2)),
        RuleViolated,
        "outside_period",
        id="an occurrence moves within the period",
    ),
    pytest.param(
        PLANNED,
        move("joint-99", dt.date(2026, 3, 1)),
        NotFound,
        "occurrence_not_found",
        id="only an occurrence of the plan moves",
    ),
    pytest.param(
        PLANNED,
        perform("joint-1", "j1", dt.date(2026, 2, 12), plan_id="nope"),
        NotFound,
        "plan_not_found",
        id="only a planned activity is performed",
    ),
]


@pytest.mark.parametrize(("given", "command", "kind", "code"), REFUSALS)
def test_planning_refuses(
    given: tuple[Event, ...], command: Command, kind: type[Refusal], code: str
) -> None:
    then_refused(PROMISE, given, command, CONTEXT, kind, code)
    # …and the stream is unchanged: the refusal is raised before any event.


STEP = st.tuples(
    st.sampled_from(("plan", "perform", "move", "cancel", "void")),
    st.integers(0, 30),
    st.integers(0, 300),
    st.booleans(),
)


@settings(max_examples=120, deadline=None)
@given(steps=st.lists(STEP, max_size=30))
def test_progress_equals_a_recount_of_the_standing_occurrences_and_records(
    steps: list[tuple[str, int, int, bool]],
) -> None:
    events: tuple[Event, ...] = IN_FORCE
    for n, (kind, pick, days, both) in enumerate(steps):
        state = PROMISE.fold(events)
        day = dt.date(2026, 1, 1) + dt.timedelta(days=days)
        occurrences = [(p.plan_id, o) for p in state.plans for o in p.occurrences]
        command: Command | None = None
        if kind == "plan":
            commitments = ("c2", "c1") if both else ("c2",)
            command = plan(f"p{n}", commitments, dates=(day, day + dt.timedelta(days=7)))
        elif kind == "void":
            standing = [a for a in state.activities if not a.voided]
            if standing:
                record = standing[pick % len(standing)]
                command = VoidActivityRecord(
                    **promise_meta(LPO_EDITOR), record_id=record.record_id, reason="x"
                )
        elif occurrences:
            plan_id, occurrence = occurrences[pick % len(occurrences)]
            if kind == "perform":
                command = perform(occurrence.occurrence_id, f"r{n}", day, plan_id)
            elif kind == "move":
                command = MoveOccurrence(
                    **promise_meta(LPO_EDITOR),
                    plan_id=plan_id,
                    occurrence_id=occurrence.occurrence_id,
                    starts_on=day,
                    reason="x",
                )
            else:
                command = CancelOccurrence(
                    **promise_meta(LPO_EDITOR),
                    plan_id=plan_id,
                    occurrence_id=occurrence.occurrence_id,
                    reason="x",
                )
        if command is None:
            continue
        with contextlib.suppress(Refusal):  # a refused command leaves the stream as it was
            events = (*events, *when(PROMISE, events, command, CONTEXT))
    state = PROMISE.fold(events)
    standing = {a.record_id: a for a in state.activities if not a.voided}
    rows = by_id(state)
    for commitment in ("c1", "c2"):
        plans = [p for p in state.plans if commitment in p.commitment_ids]
        live = [o for p in plans for o in p.occurrences if not o.cancelled]
        assert rows[commitment].planned == len(live)
        assert rows[commitment].planned_performed == sum(
            1 for o in live if o.record_id is not None and o.record_id in standing
        )
        counted = [a for a in standing.values() if commitment in a.counts_for()]
        assert rows[commitment].achieved == sum(a.quantity for a in counted)
    # Every performed occurrence points at a standing record, and every record made by
    # performing is pointed at by at most one occurrence.
    pointed = [o.record_id for p in state.plans for o in p.occurrences if o.record_id]
    assert all(r in standing for r in pointed) and len(pointed) == len(set(pointed))
