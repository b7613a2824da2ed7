"""Safety walks (trygghetsvandringar) and the events of their findings (brister).

A walk is recorded once: the municipality, the day, the organiser, the participants by
organisation or as free groups, the route of shared places, and the planned occurrence it
carries out, if any. Each finding is then recorded at a place of the route, owned by an
organisation with a due date, and moved by its owner from assigned through in progress to done,
or closed as won't fix with a reason; an open finding may be handed to another owner.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from events.messages import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class WalkParticipant:
    """Who took part: an organisation of the directory, or a free group such as "boende och
    verksamma" (one of the two), with how many came if counted. Never a person's name."""

    organisation_id: str | None = None
    group: str | None = None
    count: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedWalk:
    """The planned occurrence a walk carries out: a safety-walk plan of a promise."""

    promise_id: str
    plan_id: str
    occurrence_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WalkRecorded(Event):
    """A safety walk was held (trygghetsvandring genomförd)."""

    walk_id: str
    municipality_id: str
    held_on: dt.date
    organiser_id: str
    participants: tuple[WalkParticipant, ...]
    route: tuple[str, ...]
    carries_out: PlannedWalk | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingRecorded(Event):
    """A finding of the walk (brist) was recorded and assigned to its owner. The description
    is free text: it is public as the walk's protocol is, and erasable should it name a person."""

    PERSONAL_FIELDS: ClassVar[frozenset[str]] = frozenset({"description"})

    finding_id: str
    place_id: str
    description: str
    category: str
    owner_id: str
    due_on: dt.date
    photo_sha256: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingStarted(Event):
    """The owner started fixing the finding."""

    finding_id: str
    started_on: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingCompleted(Event):
    """The owner fixed the finding (åtgärdad)."""

    finding_id: str
    completed_on: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingDeclined(Event):
    """The owner will not fix the finding; the reason is free text."""

    PERSONAL_FIELDS: ClassVar[frozenset[str]] = frozenset({"reason"})

    finding_id: str
    declined_on: dt.date
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingReassigned(Event):
    """The finding was handed to another owner, due on `due_on`; the reason is free text."""

    PERSONAL_FIELDS: ClassVar[frozenset[str]] = frozenset({"reason"})

    finding_id: str
    owner_id: str
    due_on: dt.date
    reassigned_on: dt.date
    reason: str | None = None


WALK_EVENTS: tuple[type[Event], ...] = (
    WalkRecorded,
    FindingRecorded,
    FindingStarted,
    FindingCompleted,
    FindingDeclined,
    FindingReassigned,
)
