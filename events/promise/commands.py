"""Commands on a promise stream: drafting, signing, lifecycle, activity records, follow-ups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from events.messages import Command
from events.promise.content import (
    Commitment,
    FocusArea,
    Place,
    PromiseDetails,
    PromiseInput,
    Recurrence,
)
from events.recorded import Evidence


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseCommand(Command):
    """A command addressed to the promise `promise_id` (stream "promise-<id>")."""

    promise_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftPromise(PromiseCommand):
    """Start a medborgarlöfte with its parties and header."""

    parties: tuple[str, ...]
    details: PromiseDetails


@dataclass(frozen=True, slots=True, kw_only=True)
class RevisePromiseDetails(PromiseCommand):
    """Replace the header of the working revision."""

    details: PromiseDetails


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordPromiseInput(PromiseCommand):
    """Add or replace an input to the problem picture."""

    input: PromiseInput


@dataclass(frozen=True, slots=True, kw_only=True)
class RemovePromiseInput(PromiseCommand):
    """Take an input out of the working revision."""

    input_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AddFocusArea(PromiseCommand):
    """Add a fokusområde."""

    focus_area: FocusArea


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveFocusArea(PromiseCommand):
    """Remove a fokusområde no commitment refers to."""

    focus_area_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterPlace(PromiseCommand):
    """Name a place the promise is about."""

    place: Place


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkSharedPlace(PromiseCommand):
    """Say which of the municipality's shared places a place of the promise is, without
    changing what was signed: for a place registered before it was linked, in any revision."""

    place_id: str
    shared_place_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RemovePlace(PromiseCommand):
    """Remove a place no commitment refers to."""

    place_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AddCommitment(PromiseCommand):
    """Add an åtagande."""

    commitment: Commitment


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviseCommitment(PromiseCommand):
    """Replace an åtagande's content."""

    commitment: Commitment


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveCommitment(PromiseCommand):
    """Strike an åtagande from the working revision."""

    commitment_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ProposePromise(PromiseCommand):
    """Freeze the working revision for signing."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReopenPromise(PromiseCommand):
    """Send a proposed revision back to Draft, voiding any signatures."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SignPromise(PromiseCommand):
    """Sign revision `revision_no` with `content_hash` for your party; dated today by default."""

    revision_no: int
    content_hash: str
    party_id: str
    signed_on: dt.date | None = None
    # True records a signature whose date the source does not give (transcribed from paper).
    date_unknown: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordPromiseSignature(PromiseCommand):
    """Record a signature made on paper for `party_id`, from the document that shows it.

    An editor of a party records it; the signatory is named as the document states them (None
    when it names nobody); `signed_on` None when the document gives no date.
    """

    revision_no: int
    content_hash: str
    party_id: str
    evidence: Evidence
    signatory_name: str | None = None
    signatory_title: str | None = None
    signed_on: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EnterPromiseIntoForce(PromiseCommand):
    """Put a signed promise in force once its valid_from has been reached."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StartPromiseAmendment(PromiseCommand):
    """Draft revision n+1 from the revision in force."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishPromise(PromiseCommand):
    """Communicate the signed revision in a channel; `published_on` defaults to today."""

    channel: str
    url: str | None = None
    published_on: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordPromisePublication(PromiseCommand):
    """Record a publication made outside Samverkan (a web page, a notice) from its evidence.

    `published_on` None when the source gives no date.
    """

    channel: str
    evidence: Evidence
    url: str | None = None
    published_on: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WithdrawPromise(PromiseCommand):
    """Withdraw a promise that has not entered into force."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TerminatePromise(PromiseCommand):
    """End an in-force promise early by decision."""

    reason: str
    decision_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpirePromise(PromiseCommand):
    """Mark the promise expired after its valid_to."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ClosePromise(PromiseCommand):
    """Close an expired or terminated promise whose final follow-up is published."""

    final_report_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchivePromise(PromiseCommand):
    """Archive a closed promise."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SupersedePromise(PromiseCommand):
    """Record that a new promise replaces this one."""

    successor_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordActivity(PromiseCommand):
    """Report a genomförd insats against a commitment of the revision in force (and, with
    `also_counts_for`, towards further commitments of it: one activity, several counts)."""

    record_id: str
    commitment_id: str
    occurred_on: dt.date
    performed_by: tuple[str, ...]
    summary: str
    place_ids: tuple[str, ...] = ()
    quantity: int = 1
    also_counts_for: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectActivityRecord(PromiseCommand):
    """Replace an activity record's content with a correction (`also_counts_for` None keeps
    the record's links to further commitments)."""

    record_id: str
    occurred_on: dt.date
    performed_by: tuple[str, ...]
    summary: str
    reason: str
    place_ids: tuple[str, ...] = ()
    quantity: int = 1
    also_counts_for: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VoidActivityRecord(PromiseCommand):
    """Makulera an activity record."""

    record_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftFollowUp(PromiseCommand):
    """Start an uppföljning (interim or final) for a period."""

    report_id: str
    kind: str
    covers_from: dt.date
    covers_to: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanActivity(PromiseCommand):
    """Plan an activity (planerad insats) for one or more commitments of the revision in force:
    on given `dates`, or recurring (`recurrence`); each occurrence is later performed, moved or
    cancelled."""

    plan_id: str
    commitment_ids: tuple[str, ...]
    title: str
    dates: tuple[dt.date, ...] = ()
    recurrence: Recurrence | None = None
    place_ids: tuple[str, ...] = ()
    responsible_ids: tuple[str, ...] = ()
    partner_ids: tuple[str, ...] = ()
    kind: str = "activity"
    """What is planned: an activity (insats) or a safety walk (trygghetsvandring)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MoveOccurrence(PromiseCommand):
    """Move a planned occurrence to another day (or window, with `ends_on`), with the reason."""

    plan_id: str
    occurrence_id: str
    starts_on: dt.date
    reason: str
    ends_on: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOccurrence(PromiseCommand):
    """Cancel a planned occurrence, with the reason."""

    plan_id: str
    occurrence_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PerformOccurrence(PromiseCommand):
    """Report a planned occurrence as done: an activity record of the plan's commitments (the
    first its own, the others linked) and the occurrence marked performed by it."""

    plan_id: str
    occurrence_id: str
    record_id: str
    occurred_on: dt.date
    performed_by: tuple[str, ...]
    summary: str
    place_ids: tuple[str, ...] = ()
    quantity: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleFollowUp(PromiseCommand):
    """Plan a follow-up: its kind, the period it covers and the day it is due (e.g. an interim
    follow-up of the first half-year by 30 June, the final one by the period's end)."""

    due_id: str
    kind: str
    covers_from: dt.date
    covers_to: dt.date
    due_on: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class RescheduleFollowUp(PromiseCommand):
    """Move a planned follow-up's due day, with the reason."""

    due_id: str
    due_on: dt.date
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AssessCommitment(PromiseCommand):
    """Assess one commitment in a follow-up."""

    report_id: str
    commitment_id: str
    status: str
    achieved: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ApproveFollowUp(PromiseCommand):
    """Approve a follow-up for the signatory's own party."""

    report_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishFollowUp(PromiseCommand):
    """Communicate an approved follow-up to citizens."""

    report_id: str
    channel: str
    url: str | None = None
    published_on: dt.date | None = None
    """The day it was published (a past day when recorded afterwards); today by default."""
