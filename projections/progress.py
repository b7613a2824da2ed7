"""Commitment progress (måluppfyllelse): target against achieved, status and colour.

Achieved is the sum of the quantities of the activity records that are not voided, counted
against the commitments of the revision in force: a record counts towards its own commitment
and towards every further commitment it links explicitly (`also_counts_for`), once each.
Colours follow the traffic lights municipalities use in follow-ups: met = green, partly =
yellow, not met = red, no numeric target = grey (qualitative).

A target "per year" or "per month" is evaluated per sub-period of the promise's period: the
period is cut into years (or months) counted from its first day, the last one ending with the
period (so shorter when the period is not a whole number of them). Each sub-period has the
target's quantity as its own target and counts the records that occurred in it. The whole
period's figures add them up (target = quantity × sub-periods) and its status is met when every
sub-period is met, not met when nothing counts, partly otherwise (for "at most n": met when
every sub-period stays within n). A target per period or per occurrence, or a period without
known dates, is evaluated over the whole period as one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from events.promise.content import Commitment, Period, Target, add_months
from events.promise.state import ActivityRecord, PromiseState

COLOURS = {"met": "green", "partly": "yellow", "not_met": "red", "no_target": "grey"}

MONTHS_PER = {"year": 12, "month": 1}
"""The length of a sub-period, in months, for the targets evaluated per sub-period."""

MOST_SUB_PERIODS = 1200
"""More sub-periods than this (a hundred years of months) are not cut: the whole period
counts as one."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PeriodProgress:
    """How far one commitment has come within one sub-period (a year, a month)."""

    label: str
    starts_on: dt.date
    ends_on: dt.date
    target: int
    achieved: int
    records: int
    status: str
    colour: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    """How far one commitment has come over the whole period (and per sub-period)."""

    commitment_id: str
    text: str
    target: int | None
    comparator: str | None
    unit: str | None
    achieved: int
    records: int
    status: str
    colour: str
    per: str = "period"
    periods: tuple[PeriodProgress, ...] = ()
    planned: int = 0
    """Occurrences of the activities planned for the commitment, not cancelled."""
    planned_performed: int = 0
    """Of those, the ones a standing activity record performed."""


def status_of(target: Target | None, achieved: int) -> str:
    """met / partly / not_met / no_target for a count against a target.

    A promise of "at least n" or "n times" is met once n are done (doing more still keeps the
    promise); some but fewer is partly met (delvis); none is not met. "At most n" is met while
    the count stays within n.
    """
    if target is None:
        return "no_target"
    return _status(target.comparator, target.quantity, achieved)


def _status(comparator: str, quantity: int, achieved: int) -> str:
    if comparator == "<=":
        return "met" if achieved <= quantity else "not_met"
    if achieved >= quantity:
        return "met"
    return "partly" if achieved > 0 else "not_met"


def sub_periods(period: Period, per: str) -> list[tuple[dt.date, dt.date]]:
    """The sub-periods a target `per` year or month is evaluated in (see the module's note);
    empty when it is evaluated over the whole period."""
    months = MONTHS_PER.get(per)
    return [] if months is None else period.cut(months, MOST_SUB_PERIODS)


def _label(start: dt.date, end: dt.date, per: str) -> str:
    """The sub-period's name: "2023" for a calendar year, "2023-05" for a calendar month, else
    "from–to"."""
    whole_year = (start.month, start.day, end.month, end.day) == (1, 1, 12, 31)
    if per == "year" and whole_year and start.year == end.year:
        return str(start.year)
    if per == "month" and start.day == 1 and end == add_months(start, 1) - dt.timedelta(days=1):
        return f"{start.year:04d}-{start.month:02d}"
    return f"{start.isoformat()}–{end.isoformat()}"


def progress(state: PromiseState) -> list[Progress]:
    """Progress of every commitment of the revision in force (empty before it is in force)."""
    if state.in_force is None:
        return []
    content = state.in_force.content
    # One pass over the records: per commitment its sum and count, and the records themselves
    # only for the commitments whose target is cut into years or months.
    dated: dict[str, list[ActivityRecord]] = {
        c.commitment_id: [] for c in content.commitments if c.target and c.target.per in MONTHS_PER
    }
    totals: dict[str, list[int]] = {}  # commitment id → [achieved, records]
    for a in state.activities:
        if a.voided:
            continue
        own = a.commitment_id
        total = totals.get(own)
        if total is None:
            totals[own] = [a.quantity, 1]
        else:
            total[0] += a.quantity
            total[1] += 1
        if dated and own in dated:
            dated[own].append(a)
        for linked in a.also_counts_for:
            total = totals.setdefault(linked, [0, 0])
            total[0] += a.quantity
            total[1] += 1
            if linked in dated:
                dated[linked].append(a)
    planned: dict[str, list[int]] = {}  # commitment id → [planned, performed]
    for plan in state.plans:
        standing = [o for o in plan.occurrences if not o.cancelled]
        done = sum(1 for o in standing if o.record_id is not None)
        for commitment_id in plan.commitment_ids:
            counts = planned.setdefault(commitment_id, [0, 0])
            counts[0] += len(standing)
            counts[1] += done
    period = content.details.period
    rows = [
        _progress(
            commitment,
            totals.get(commitment.commitment_id, (0, 0)),
            dated.get(commitment.commitment_id, []),
            period,
        )
        for commitment in content.commitments
    ]
    if not planned:
        return rows
    return [
        dataclasses.replace(
            row,
            planned=planned.get(row.commitment_id, [0, 0])[0],
            planned_performed=planned.get(row.commitment_id, [0, 0])[1],
        )
        for row in rows
    ]


def _progress(
    commitment: Commitment,
    counts: Sequence[int],
    listed: Sequence[ActivityRecord],
    period: Period,
) -> Progress:
    """One commitment's row from its sum and count (and, for a target per year or month, its
    records)."""
    target = commitment.target
    achieved, count = counts
    cuts = [] if target is None else sub_periods(period, target.per)
    if target is None or not cuts:
        status = status_of(target, achieved)
        return Progress(
            commitment_id=commitment.commitment_id,
            text=commitment.text,
            target=None if target is None else target.quantity,
            comparator=None if target is None else target.comparator,
            unit=None if target is None else target.unit,
            achieved=achieved,
            records=count,
            status=status,
            colour=COLOURS[status],
            per="period" if target is None else target.per,
        )
    periods = []
    for start, end in cuts:
        inside = [a for a in listed if start <= a.occurred_on <= end]
        done = sum(a.quantity for a in inside)
        status = _status(target.comparator, target.quantity, done)
        periods.append(
            PeriodProgress(
                label=_label(start, end, target.per),
                starts_on=start,
                ends_on=end,
                target=target.quantity,
                achieved=done,
                records=len(inside),
                status=status,
                colour=COLOURS[status],
            )
        )
    if all(p.status == "met" for p in periods):
        whole = "met"
    elif target.comparator == "<=" or achieved == 0:
        whole = "not_met"
    else:
        whole = "partly"
    return Progress(
        commitment_id=commitment.commitment_id,
        text=commitment.text,
        target=target.quantity * len(periods),
        comparator=target.comparator,
        unit=target.unit,
        achieved=achieved,
        records=count,
        status=whole,
        colour=COLOURS[whole],
        per=target.per,
        periods=tuple(periods),
    )


ON_TRACK, BEHIND, AT_RISK, NO_TARGET, NOT_ASSESSABLE = (
    "on_track",
    "behind",
    "at_risk",
    "no_target",
    "not_assessable",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Pace:
    """Whether a commitment keeps pace on a day: what was due by then against what is done."""

    status: str
    expected: int | None
    achieved: int


def pace(row: Progress, period: Period, day: dt.date) -> Pace:
    """The pace of a commitment on `day` (takt):

    What was due by `day` is the target (of the sub-period holding `day`, for a target per year
    or month) times the share of its days that have begun by `day`, rounded down: nothing is due
    before it starts, all of it from its last day on. On track when what is done reaches what
    was due; behind when it reaches at least half of it; at risk below that. A target "at most
    n" is on track while the count stays within n, at risk once past it. A commitment without a
    numeric target has no pace (no_target); one whose period has no known dates cannot be
    assessed (not_assessable)."""
    if row.target is None or row.comparator is None:
        return Pace(status=NO_TARGET, expected=None, achieved=row.achieved)
    window: tuple[dt.date, dt.date, int, int] | None = None
    if row.periods:
        current = next(
            (p for p in row.periods if p.starts_on <= day <= p.ends_on),
            row.periods[0] if day < row.periods[0].starts_on else row.periods[-1],
        )
        window = (current.starts_on, current.ends_on, current.target, current.achieved)
    elif period.valid_from is not None and period.valid_to is not None:
        window = (period.valid_from, period.valid_to, row.target, row.achieved)
    if window is None:
        return Pace(status=NOT_ASSESSABLE, expected=None, achieved=row.achieved)
    start, end, target, achieved = window
    if row.comparator == "<=":
        status = ON_TRACK if achieved <= target else AT_RISK
        return Pace(status=status, expected=target, achieved=achieved)
    begun = min(max((day - start).days + 1, 0), (end - start).days + 1)
    expected = target * begun // ((end - start).days + 1)
    if achieved >= expected:
        status = ON_TRACK
    elif 2 * achieved >= expected:
        status = BEHIND
    else:
        status = AT_RISK
    return Pace(status=status, expected=expected, achieved=achieved)
