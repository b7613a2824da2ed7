"""The folded state of one safety walk: what was recorded of it and each finding as it stands.

A finding's status: assigned → in_progress → done, or won't fix (from assigned or in progress);
done and won't fix are closed and never reopen. A reassignment gives an open finding a new
owner (and due date) and makes it assigned again: the new owner has not started on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from events.frozen import replace
from events.messages import Event
from events.walk.events import (
    FindingCompleted,
    FindingDeclined,
    FindingReassigned,
    FindingRecorded,
    FindingStarted,
    PlannedWalk,
    WalkParticipant,
    WalkRecorded,
)

NONE = "none"
HELD = "held"
ASSIGNED = "assigned"
IN_PROGRESS = "in_progress"
DONE = "done"
WONT_FIX = "wont_fix"
FINDING_STATUSES = (ASSIGNED, IN_PROGRESS, DONE, WONT_FIX)
"""Every status a recorded finding can be in."""
CLOSED = frozenset({DONE, WONT_FIX})
"""The statuses a finding never leaves."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """A finding of a walk (brist) as it stands now."""

    finding_id: str
    place_id: str
    description: str
    category: str
    owner_id: str
    due_on: dt.date
    photo_sha256: str | None = None
    status: str = ASSIGNED
    closed_on: dt.date | None = None
    reason: str | None = None
    """Why it will not be fixed, or why it was last reassigned (free text)."""
    former_owners: tuple[str, ...] = ()

    @property
    def closed(self) -> bool:
        """True when done or won't fix."""
        return self.status in CLOSED

    def overdue_on(self, day: dt.date) -> bool:
        """True when still open after its due date."""
        return not self.closed and day > self.due_on


@dataclass(frozen=True, slots=True, kw_only=True)
class WalkState:
    """One safety walk (trygghetsvandring) with its findings in the order recorded."""

    walk_id: str = ""
    status: str = NONE
    municipality_id: str = ""
    held_on: dt.date | None = None
    organiser_id: str = ""
    participants: tuple[WalkParticipant, ...] = ()
    route: tuple[str, ...] = ()
    carries_out: PlannedWalk | None = None
    findings: tuple[Finding, ...] = ()

    def finding(self, finding_id: str) -> Finding | None:
        """The finding `finding_id`, if any."""
        return next((f for f in self.findings if f.finding_id == finding_id), None)

    def fixed(self) -> int:
        """How many findings are done (won't fix is not fixed)."""
        return sum(1 for f in self.findings if f.status == DONE)


def _changed(state: WalkState, finding_id: str, **changes: object) -> WalkState:
    return replace(
        state,
        findings=tuple(
            replace(f, **changes) if f.finding_id == finding_id else f  # type: ignore[arg-type]
            for f in state.findings
        ),
    )


def evolve_walk(state: WalkState, event: Event) -> WalkState:
    """Fold one walk event into the state."""
    match event:
        case WalkRecorded():
            return replace(
                state,
                walk_id=event.walk_id,
                status=HELD,
                municipality_id=event.municipality_id,
                held_on=event.held_on,
                organiser_id=event.organiser_id,
                participants=event.participants,
                route=event.route,
                carries_out=event.carries_out,
            )
        case FindingRecorded():
            finding = Finding(
                finding_id=event.finding_id,
                place_id=event.place_id,
                description=event.description,
                category=event.category,
                owner_id=event.owner_id,
                due_on=event.due_on,
                photo_sha256=event.photo_sha256,
            )
            return replace(state, findings=(*state.findings, finding))
        case FindingStarted():
            return _changed(state, event.finding_id, status=IN_PROGRESS)
        case FindingCompleted():
            return _changed(state, event.finding_id, status=DONE, closed_on=event.completed_on)
        case FindingDeclined():
            return _changed(
                state,
                event.finding_id,
                status=WONT_FIX,
                closed_on=event.declined_on,
                reason=event.reason,
            )
        case FindingReassigned():
            before = state.finding(event.finding_id)
            former = () if before is None else (*before.former_owners, before.owner_id)
            return _changed(
                state,
                event.finding_id,
                status=ASSIGNED,
                owner_id=event.owner_id,
                due_on=event.due_on,
                reason=event.reason,
                former_owners=former,
            )
    return state
