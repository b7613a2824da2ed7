"""Commitment progress (måluppfyllelse): target against achieved, status and colour.

Achieved is the sum of the quantities of the activity records that are not voided, counted
against the commitments of the revision in force. Colours follow the traffic lights
municipalities use in follow-ups: met = green, partly = yellow, not met = red, no numeric
target = grey (qualitative).
"""

from __future__ import annotations

from dataclasses import dataclass

from events.promise.content import Commitment, Target
from events.promise.state import PromiseState

COLOURS = {"met": "green", "partly": "yellow", "not_met": "red", "no_target": "grey"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    """How far one commitment has come."""

    commitment_id: str
    text: str
    target: int | None
    comparator: str | None
    unit: str | None
    achieved: int
    records: int
    status: str
    colour: str


def status_of(target: Target | None, achieved: int) -> str:
    """met / partly / not_met / no_target for a count against a target.

    A promise of "at least n" or "n times" is met once n are done (doing more still keeps the
    promise); some but fewer is partly met (delvis); none is not met. "At most n" is met while
    the count stays within n.
    """
    if target is None:
        return "no_target"
    if target.comparator == "<=":
        return "met" if achieved <= target.quantity else "not_met"
    if achieved >= target.quantity:
        return "met"
    return "partly" if achieved > 0 else "not_met"


def progress(state: PromiseState) -> list[Progress]:
    """Progress of every commitment of the revision in force (empty before it is in force)."""
    if state.in_force is None:
        return []
    totals: dict[str, list[int]] = {}  # commitment id → [achieved, records], one pass
    for a in state.activities:
        if not a.voided:
            total = totals.get(a.commitment_id)
            if total is None:
                totals[a.commitment_id] = [a.quantity, 1]
            else:
                total[0] += a.quantity
                total[1] += 1
    result = []
    for commitment in state.in_force.content.commitments:
        achieved, records = totals.get(commitment.commitment_id, (0, 0))
        status = status_of(commitment.target, achieved)
        result.append(_progress(commitment, achieved, records, status))
    return result


def _progress(commitment: Commitment, achieved: int, records: int, status: str) -> Progress:
    target = commitment.target
    return Progress(
        commitment_id=commitment.commitment_id,
        text=commitment.text,
        target=None if target is None else target.quantity,
        comparator=None if target is None else target.comparator,
        unit=None if target is None else target.unit,
        achieved=achieved,
        records=records,
        status=status,
        colour=COLOURS[status],
    )
