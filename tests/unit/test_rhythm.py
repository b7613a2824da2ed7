"""The rhythm of follow-up: the parties plan follow-ups due on days, move a due day with a
reason, and each planned follow-up stands upcoming, due soon, overdue or met (by a published
follow-up of its kind that covers its period); every refusal."""

from __future__ import annotations

import datetime as dt

import pytest

from events.messages import Command, Event, Forbidden, InvalidInput, NotFound, Refusal, RuleViolated
from events.promise.commands import RescheduleFollowUp, ScheduleFollowUp
from events.promise.decider import PROMISE
from events.promise.events import (
    FollowUpPublished,
    FollowUpReportDrafted,
    FollowUpRescheduled,
    FollowUpScheduled,
)
from events.promise.rhythm import DUE_SOON, MET, OVERDUE, UPCOMING, due_status
from tests.unit.decider_world import (
    CONTEXT,
    IN_FORCE,
    KOMMUN_EDITOR,
    KOMMUN_PUBLISHER,
    PROPOSED,
    promise_meta,
)
from tests.unit.given_when_then import then_refused, when

HALF_YEAR = (dt.date(2026, 1, 1), dt.date(2026, 6, 30))


def schedule(
    due_id: str = "d1",
    kind: str = "interim",
    covers: tuple[dt.date, dt.date] = HALF_YEAR,
    due_on: dt.date = dt.date(2026, 6, 30),
    actor: object = KOMMUN_EDITOR,
) -> ScheduleFollowUp:
    return ScheduleFollowUp(
        **promise_meta(actor),  # type: ignore[arg-type]
        due_id=due_id,
        kind=kind,
        covers_from=covers[0],
        covers_to=covers[1],
        due_on=due_on,
    )


INTERIM = FollowUpScheduled(
    due_id="d1",
    kind="interim",
    covers_from=HALF_YEAR[0],
    covers_to=HALF_YEAR[1],
    due_on=dt.date(2026, 6, 30),
)
PLANNED: tuple[Event, ...] = (*IN_FORCE, INTERIM)


def published(kind: str, covers: tuple[dt.date, dt.date], report_id: str = "u1") -> list[Event]:
    return [
        FollowUpReportDrafted(
            report_id=report_id, kind=kind, covers_from=covers[0], covers_to=covers[1]
        ),
        FollowUpPublished(report_id=report_id, channel="polisen.se", published_on=covers[1]),
    ]


def test_an_editor_plans_an_interim_and_a_final_follow_up() -> None:
    assert when(PROMISE, IN_FORCE, schedule(), CONTEXT) == [INTERIM]
    final = schedule(
        "d2", "final", (dt.date(2026, 1, 1), dt.date(2026, 12, 31)), dt.date(2027, 2, 28)
    )
    (event,) = when(PROMISE, PLANNED, final, CONTEXT)
    state = PROMISE.fold((*PLANNED, event))
    assert [d.due_id for d in state.follow_up_schedule] == ["d1", "d2"]


def test_a_due_day_moves_with_a_reason() -> None:
    move = RescheduleFollowUp(
        **promise_meta(KOMMUN_EDITOR), due_id="d1", due_on=dt.date(2026, 8, 31), reason="Semester"
    )
    events = when(PROMISE, PLANNED, move, CONTEXT)
    assert events == [
        FollowUpRescheduled(due_id="d1", due_on=dt.date(2026, 8, 31), reason="Semester")
    ]
    due = PROMISE.fold((*PLANNED, *events)).scheduled("d1")
    assert due is not None and due.due_on == dt.date(2026, 8, 31)


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (dt.date(2026, 5, 30), UPCOMING),
        (dt.date(2026, 5, 31), DUE_SOON),
        (dt.date(2026, 6, 30), DUE_SOON),
        (dt.date(2026, 7, 1), OVERDUE),
    ],
)
def test_a_planned_follow_up_is_upcoming_then_due_soon_then_overdue(
    day: dt.date, status: str
) -> None:
    state = PROMISE.fold(PLANNED)
    assert due_status(state.follow_up_schedule[0], state.follow_ups, day).status == status


def test_a_published_follow_up_of_its_kind_covering_its_period_meets_it() -> None:
    late = dt.date(2026, 9, 1)
    wrong_kind = PROMISE.fold((*PLANNED, *published("final", HALF_YEAR)))
    assert due_status(wrong_kind.follow_up_schedule[0], wrong_kind.follow_ups, late).status == (
        OVERDUE
    )
    short = PROMISE.fold((*PLANNED, *published("interim", (HALF_YEAR[0], dt.date(2026, 5, 31)))))
    assert due_status(short.follow_up_schedule[0], short.follow_ups, late).status == OVERDUE
    drafted_only = PROMISE.fold((*PLANNED, published("interim", HALF_YEAR)[0]))
    assert due_status(drafted_only.follow_up_schedule[0], drafted_only.follow_ups, late).status == (
        OVERDUE
    )
    met = PROMISE.fold((*PLANNED, *published("interim", (HALF_YEAR[0], dt.date(2026, 7, 31)))))
    standing = due_status(met.follow_up_schedule[0], met.follow_ups, late)
    assert (standing.status, standing.met_by) == (MET, "u1")


MET_PLAN = (*PLANNED, *published("interim", HALF_YEAR))

REFUSALS = [
    pytest.param(
        PLANNED, schedule(), RuleViolated, "follow_up_due_exists", id="a due id is used once"
    ),
    pytest.param(
        IN_FORCE, schedule(kind="monthly"), InvalidInput, "invalid_choice", id="interim or final"
    ),
    pytest.param(
        IN_FORCE,
        schedule(covers=(dt.date(2026, 6, 30), dt.date(2026, 1, 1))),
        InvalidInput,
        "period_reversed",
        id="the covered period runs forwards",
    ),
    pytest.param(
        IN_FORCE,
        schedule(covers=(dt.date(2025, 7, 1), dt.date(2025, 12, 31)), due_on=dt.date(2026, 1, 31)),
        RuleViolated,
        "outside_period",
        id="a follow-up covers part of the promise's period",
    ),
    pytest.param(
        IN_FORCE,
        schedule(due_on=dt.date(2026, 6, 29)),
        RuleViolated,
        "due_before_covered_end",
        id="a follow-up is not due before the period it covers ends",
    ),
    pytest.param(
        IN_FORCE,
        schedule(actor=KOMMUN_PUBLISHER),
        Forbidden,
        "missing_role",
        id="editors and signatories plan follow-ups, a publisher does not",
    ),
    pytest.param(
        PROPOSED,
        schedule(),
        RuleViolated,
        "wrong_status",
        id="only a promise in force is followed up",
    ),
    pytest.param(
        PLANNED,
        RescheduleFollowUp(
            **promise_meta(KOMMUN_EDITOR), due_id="d9", due_on=dt.date(2026, 9, 1), reason="x"
        ),
        NotFound,
        "follow_up_due_not_found",
        id="only a planned follow-up moves",
    ),
    pytest.param(
        MET_PLAN,
        RescheduleFollowUp(
            **promise_meta(KOMMUN_EDITOR), due_id="d1", due_on=dt.date(2026, 9, 1), reason="x"
        ),
        RuleViolated,
        "follow_up_due_met",
        id="a met follow-up has no due day to move",
    ),
    pytest.param(
        PLANNED,
        RescheduleFollowUp(
            **promise_meta(KOMMUN_EDITOR), due_id="d1", due_on=dt.date(2026, 9, 1), reason=" "
        ),
        InvalidInput,
        "blank_text",
        id="a move gives its reason",
    ),
    pytest.param(
        PLANNED,
        RescheduleFollowUp(
            **promise_meta(KOMMUN_EDITOR), due_id="d1", due_on=dt.date(2026, 6, 1), reason="x"
        ),
        RuleViolated,
        "due_before_covered_end",
        id="a move keeps the due day after the covered period",
    ),
]


@pytest.mark.parametrize(("given", "command", "kind", "code"), REFUSALS)
def test_planning_follow_ups_refuses(
    given: tuple[Event, ...], command: Command, kind: type[Refusal], code: str
) -> None:
    then_refused(PROMISE, given, command, CONTEXT, kind, code)
