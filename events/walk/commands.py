"""Commands on a safety walk (trygghetsvandring) and its findings: each names its walk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from events.messages import Command
from events.walk.events import PlannedWalk, WalkParticipant


@dataclass(frozen=True, slots=True, kw_only=True)
class WalkCommand(Command):
    """A command addressed to walk `walk_id`."""

    walk_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordWalk(WalkCommand):
    """Record a safety walk held on `held_on` in a municipality: its organiser, participants,
    route of the municipality's shared places, and the planned occurrence it carries out."""

    municipality_id: str
    held_on: dt.date
    organiser_id: str
    participants: tuple[WalkParticipant, ...] = ()
    route: tuple[str, ...]
    carries_out: PlannedWalk | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordFinding(WalkCommand):
    """Record a finding (brist) of the walk at a place of its route, owned by an organisation
    that is to fix it by `due_on`.

    `category` is one of lighting, vegetation, vandalism, littering, traffic, other;
    `photo_sha256` the SHA-256 of a photo kept elsewhere, if any.
    """

    finding_id: str
    place_id: str
    description: str
    category: str
    owner_id: str
    due_on: dt.date
    photo_sha256: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingCommand(WalkCommand):
    """A command on finding `finding_id` of the walk."""

    finding_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StartFinding(FindingCommand):
    """The owner has started fixing the finding (assigned → in progress)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CompleteFinding(FindingCommand):
    """The owner has fixed the finding (done)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclineFinding(FindingCommand):
    """The owner will not fix the finding, saying why (won't fix)."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReassignFinding(FindingCommand):
    """Hand an open finding to another owning organisation, with a new due date or the same."""

    owner_id: str
    due_on: dt.date | None = None
    reason: str | None = None
