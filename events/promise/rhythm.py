"""The rhythm of follow-up (uppföljningsplan): follow-ups the parties plan, each due on a day.

A party's editor (or signatory) plans a follow-up of a kind (interim or final) covering part of
the promise's period and due on a day on or after that part's end (e.g. an interim follow-up of
the first half-year by 30 June, the final one by the period's end), and may move its due day
with a reason. A planned follow-up is met once a published follow-up of its kind covers its
period; until then, on any day it is upcoming, due soon (within DUE_SOON_DAYS of its due day)
or overdue (after it). The inbox lists the due-soon and overdue ones of each party.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from events.context import DecisionContext
from events.directory.authority import require_party_member
from events.messages import Command, Event, NotFound, RuleViolated, unknown_command
from events.promise.activity import require_in_period
from events.promise.commands import RescheduleFollowUp, ScheduleFollowUp
from events.promise.drafting import EDITORS, require_status
from events.promise.events import FollowUpRescheduled, FollowUpScheduled
from events.promise.state import (
    EXPIRED,
    IN_FORCE,
    FollowUpReport,
    PromiseState,
    ScheduledFollowUp,
)
from events.well_formed import require_choice, require_id, require_ordered, require_text

KINDS = frozenset({"interim", "final"})
DUE_SOON_DAYS = 30
_PLANNED = frozenset({IN_FORCE, EXPIRED})

UPCOMING, DUE_SOON, OVERDUE, MET = "upcoming", "due_soon", "overdue", "met"


@dataclass(frozen=True, slots=True, kw_only=True)
class DueStatus:
    """Where a planned follow-up stands on a day, and the published follow-up that met it."""

    status: str
    met_by: str | None = None


def met_by(due: ScheduledFollowUp, follow_ups: tuple[FollowUpReport, ...]) -> str | None:
    """The first published follow-up of the due's kind that covers its period, if any."""
    return next(
        (
            f.report_id
            for f in follow_ups
            if f.published
            and f.kind == due.kind
            and f.covers_from <= due.covers_from
            and due.covers_to <= f.covers_to
        ),
        None,
    )


def due_status(
    due: ScheduledFollowUp, follow_ups: tuple[FollowUpReport, ...], day: dt.date
) -> DueStatus:
    """Met, or else upcoming, due soon or overdue on `day`."""
    report = met_by(due, follow_ups)
    if report is not None:
        return DueStatus(status=MET, met_by=report)
    if day > due.due_on:
        return DueStatus(status=OVERDUE)
    if day >= due_soon_from(due):
        return DueStatus(status=DUE_SOON)
    return DueStatus(status=UPCOMING)


_SOON = dt.timedelta(days=DUE_SOON_DAYS)


def due_soon_from(due: ScheduledFollowUp) -> dt.date:
    """The first day a follow-up is due soon: until it is met, it is due soon or overdue on
    that day and every day after."""
    return due.due_on - _SOON if due.due_on > dt.date.min + _SOON else dt.date.min


def _require_due_after_covered(covers_to: dt.date, due_on: dt.date) -> None:
    if due_on < covers_to:
        raise RuleViolated(
            code="due_before_covered_end",
            message="A follow-up of a period up to {end} cannot be due before it ({due}).",
            params={"end": covers_to, "due": due_on},
            field_path=("due_on",),
        )


def decide_rhythm(command: Command, state: PromiseState, context: DecisionContext) -> list[Event]:
    """Decide ScheduleFollowUp or RescheduleFollowUp."""
    del context  # the rhythm needs nothing from the directory
    match command:
        case ScheduleFollowUp():
            require_party_member(command.actor, state.parties, EDITORS, "plan a follow-up")
            require_status(state, _PLANNED, "plan a follow-up")
            require_id(command.due_id, "due_id")
            if state.scheduled(command.due_id) is not None:
                raise RuleViolated(
                    code="follow_up_due_exists",
                    message="A follow-up {due} is already planned.",
                    params={"due": command.due_id},
                    field_path=("due_id",),
                )
            require_choice(command.kind, KINDS, "kind")
            require_ordered(command.covers_from, command.covers_to, "covers_to")
            assert state.in_force is not None  # both planned statuses passed through InForce
            period = state.in_force.content.details.period
            for name in ("covers_from", "covers_to"):
                require_in_period(period, getattr(command, name), (name,))
            _require_due_after_covered(command.covers_to, command.due_on)
            return [
                FollowUpScheduled(
                    due_id=command.due_id,
                    kind=command.kind,
                    covers_from=command.covers_from,
                    covers_to=command.covers_to,
                    due_on=command.due_on,
                )
            ]
        case RescheduleFollowUp():
            require_party_member(command.actor, state.parties, EDITORS, "plan a follow-up")
            due = state.scheduled(command.due_id)
            if due is None:
                raise NotFound(
                    code="follow_up_due_not_found",
                    message="No follow-up {due} is planned.",
                    params={"due": command.due_id},
                )
            report = met_by(due, state.follow_ups)
            if report is not None:
                raise RuleViolated(
                    code="follow_up_due_met",
                    message="The planned follow-up {due} was met by {report}; it has no due day "
                    "left to move.",
                    params={"due": due.due_id, "report": report},
                )
            require_text(command.reason, "reason")
            _require_due_after_covered(due.covers_to, command.due_on)
            return [
                FollowUpRescheduled(due_id=due.due_id, due_on=command.due_on, reason=command.reason)
            ]
    raise unknown_command(command)
