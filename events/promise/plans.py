"""Planned activities (planerade insatser) and their occurrences.

A party's editor — or a partner's, for the commitments that name it — plans an activity for one
or more commitments of the revision in force: on given days, or recurring (so many times in
each year of the period, one occurrence in each equal window of the year; or every n weeks
between two days). The occurrences are expanded when it is planned, at most MAX_OCCURRENCES,
all within the period. Each occurrence is then performed (an activity record of the plan's
commitments, the first its own and the others linked, reported like any other), moved to
another day with a reason, or cancelled with a reason. A performed occurrence is neither moved,
cancelled nor performed again; a void of its record leaves it to be performed again.
"""

from __future__ import annotations

import datetime as dt

from events.context import DecisionContext
from events.messages import (
    Command,
    Event,
    FieldPath,
    InvalidInput,
    NotFound,
    RuleViolated,
    unknown_command,
)
from events.promise.activity import (
    decide_activity,
    require_in_period,
    require_places,
    require_recorder,
)
from events.promise.commands import (
    CancelOccurrence,
    MoveOccurrence,
    PerformOccurrence,
    PlanActivity,
    RecordActivity,
)
from events.promise.content import Period, Recurrence
from events.promise.events import (
    ActivityPlanned,
    OccurrenceCancelled,
    OccurrenceMoved,
    OccurrencePerformed,
    PlannedOccurrence,
)
from events.promise.state import IN_FORCE, Occurrence, Plan, PromiseState
from events.well_formed import (
    require_choice,
    require_id,
    require_ordered,
    require_text,
    require_unique,
)

PLAN_KINDS = frozenset({"activity", "safety_walk"})
"""What a plan is of: an activity (insats) or a safety walk (trygghetsvandring), whose walk and
findings are then recorded in a walk stream of their own."""

MAX_OCCURRENCES = 500
"""The most occurrences one plan expands to (a sane bound: ten years of every week)."""


def expand(
    dates: tuple[dt.date, ...], recurrence: Recurrence | None, period: Period
) -> list[tuple[dt.date, dt.date]]:
    """The (first, last) days of each occurrence: the dates in the order given, or a
    recurrence's in time order (see the module's note); InvalidInput
    when neither or both of `dates` and `recurrence` are given, or the recurrence is malformed,
    RuleViolated when it expands past MAX_OCCURRENCES."""
    if bool(dates) == (recurrence is not None):
        raise InvalidInput(
            code="conflicting_fields",
            message="Give either the dates or a recurrence of the plan, one of them.",
            field_path=("dates",),
        )
    if recurrence is None:
        require_unique(tuple(d.isoformat() for d in dates), "dates")
        return [(d, d) for d in dates]
    times, weeks = recurrence.times_per_year, recurrence.every_weeks
    if (times is None) == (weeks is None) or (times or weeks or 0) < 1:
        raise InvalidInput(
            code="conflicting_fields",
            message="A recurrence is a number of times a year or a number of weeks between, "
            "one of them, at least 1.",
            field_path=("recurrence",),
        )
    windows: list[tuple[dt.date, dt.date]] = []
    if times is not None:
        years = period.cut(12, MAX_OCCURRENCES)
        if not years:
            raise RuleViolated(
                code="period_unresolvable",
                message="The promise's period has no dates to plan a yearly recurrence in.",
                field_path=("recurrence",),
            )
        for start, end in years:
            days = (end - start).days + 1
            for i in range(times):
                windows.append(
                    (
                        start + dt.timedelta(days=i * days // times),
                        start + dt.timedelta(days=(i + 1) * days // times - 1),
                    )
                )
                _bounded(windows)
        return windows
    first, last = recurrence.starts_on, recurrence.ends_on
    if first is None or last is None:
        raise InvalidInput(
            code="conflicting_fields",
            message="A weekly recurrence needs the day it starts and the day it ends.",
            field_path=("recurrence", "starts_on"),
        )
    require_ordered(first, last, ("recurrence", "ends_on"))
    assert weeks is not None
    day = first
    while day <= last:
        windows.append((day, day))
        _bounded(windows)
        day += dt.timedelta(weeks=weeks)
    return windows


def _bounded(windows: list[tuple[dt.date, dt.date]]) -> None:
    if len(windows) > MAX_OCCURRENCES:
        raise RuleViolated(
            code="too_many_occurrences",
            message="A plan holds at most {most} occurrences.",
            params={"most": MAX_OCCURRENCES},
            field_path=("recurrence",),
        )


def _within(period: Period, windows: list[tuple[dt.date, dt.date]], path: FieldPath) -> None:
    for index, (first, last) in enumerate(windows):
        for day in (first, last):
            require_in_period(period, day, (*path, str(index)) if path == ("dates",) else path)


def _plan(state: PromiseState, plan_id: str) -> Plan:
    plan = state.plan(plan_id)
    if plan is None:
        raise NotFound(
            code="plan_not_found", message="No planned activity {plan}.", params={"plan": plan_id}
        )
    return plan


def _open(plan: Plan, occurrence_id: str) -> Occurrence:
    """An occurrence still to be done: neither performed nor cancelled."""
    occurrence = plan.occurrence(occurrence_id)
    if occurrence is None:
        raise NotFound(
            code="occurrence_not_found",
            message="The plan {plan} has no occurrence {occurrence}.",
            params={"plan": plan.plan_id, "occurrence": occurrence_id},
        )
    if occurrence.record_id is not None:
        raise RuleViolated(
            code="occurrence_performed",
            message="The occurrence {occurrence} was performed (record {record}).",
            params={"occurrence": occurrence_id, "record": occurrence.record_id},
        )
    if occurrence.cancelled:
        raise RuleViolated(
            code="occurrence_cancelled",
            message="The occurrence {occurrence} was cancelled.",
            params={"occurrence": occurrence_id},
        )
    return occurrence


def decide_plans(command: Command, state: PromiseState, context: DecisionContext) -> list[Event]:
    """Decide PlanActivity, MoveOccurrence, CancelOccurrence or PerformOccurrence."""
    if isinstance(command, PerformOccurrence):
        plan = _plan(state, command.plan_id)
        _open(plan, command.occurrence_id)
        recorded = decide_activity(
            RecordActivity(
                command_id=command.command_id,
                actor=command.actor,
                at=command.at,
                promise_id=command.promise_id,
                record_id=command.record_id,
                commitment_id=plan.commitment_ids[0],
                also_counts_for=plan.commitment_ids[1:],
                occurred_on=command.occurred_on,
                performed_by=command.performed_by,
                summary=command.summary,
                place_ids=command.place_ids,
                quantity=command.quantity,
            ),
            state,
            context,
        )
        return [
            *recorded,
            OccurrencePerformed(
                plan_id=plan.plan_id,
                occurrence_id=command.occurrence_id,
                record_id=command.record_id,
            ),
        ]
    revision = state.in_force
    match command:
        case PlanActivity():
            require_recorder(command, state, command.commitment_ids, "plan activities")
            if state.status != IN_FORCE or revision is None:
                raise RuleViolated(
                    code="not_in_force",
                    message="Activities are planned only on a promise in force.",
                )
            require_id(command.plan_id, "plan_id")
            if state.plan(command.plan_id) is not None:
                raise RuleViolated(
                    code="plan_exists",
                    message="The planned activity {plan} already exists.",
                    params={"plan": command.plan_id},
                    field_path=("plan_id",),
                )
            require_text(command.title, "title", max_length=200)
            require_choice(command.kind, PLAN_KINDS, "kind")
            if not command.commitment_ids:
                raise InvalidInput(
                    code="blank_text",
                    message="{field} must not be blank.",
                    params={"field": "commitment_ids"},
                    field_path=("commitment_ids",),
                )
            require_unique(command.commitment_ids, "commitment_ids")
            content = revision.content
            for index, commitment_id in enumerate(command.commitment_ids):
                if content.commitment(commitment_id) is None:
                    raise RuleViolated(
                        code="commitment_not_in_force",
                        message="{commitment} is not a commitment of revision {revision}.",
                        params={"commitment": commitment_id, "revision": revision.revision_no},
                        field_path=("commitment_ids", str(index)),
                    )
            require_places(content, command.place_ids)
            for name in ("responsible_ids", "partner_ids"):
                ids = getattr(command, name)
                require_unique(ids, name)
                for org_id in ids:
                    if context.directory.kind_of(org_id) is None:
                        raise NotFound(
                            code="organisation_not_found",
                            message="No organisation {organisation}.",
                            params={"organisation": org_id},
                        )
            period = content.details.period
            windows = expand(command.dates, command.recurrence, period)
            _within(period, windows, ("dates",) if command.dates else ("recurrence",))
            return [
                ActivityPlanned(
                    plan_id=command.plan_id,
                    commitment_ids=command.commitment_ids,
                    title=command.title,
                    occurrences=tuple(
                        PlannedOccurrence(
                            occurrence_id=f"{command.plan_id}-{n}", starts_on=first, ends_on=last
                        )
                        for n, (first, last) in enumerate(windows, start=1)
                    ),
                    recurrence=command.recurrence,
                    place_ids=command.place_ids,
                    responsible_ids=command.responsible_ids,
                    partner_ids=command.partner_ids,
                    kind=command.kind,
                )
            ]
        case MoveOccurrence() | CancelOccurrence():
            plan = _plan(state, command.plan_id)
            require_recorder(command, state, plan.commitment_ids, "plan activities")
            _open(plan, command.occurrence_id)
            require_text(command.reason, "reason")
            if isinstance(command, CancelOccurrence):
                return [
                    OccurrenceCancelled(
                        plan_id=plan.plan_id,
                        occurrence_id=command.occurrence_id,
                        reason=command.reason,
                    )
                ]
            ends_on = command.ends_on or command.starts_on
            require_ordered(command.starts_on, ends_on, "ends_on")
            assert revision is not None  # a plan exists only on a promise that was in force
            _within(revision.content.details.period, [(command.starts_on, ends_on)], ("starts_on",))
            return [
                OccurrenceMoved(
                    plan_id=plan.plan_id,
                    occurrence_id=command.occurrence_id,
                    starts_on=command.starts_on,
                    ends_on=ends_on,
                    reason=command.reason,
                )
            ]
    raise unknown_command(command)
