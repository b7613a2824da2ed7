"""Events of a promise stream "promise-<id>": lifecycle, activity records and follow-ups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from events.messages import Event
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
class PromiseDrafted(Event):
    """Medborgarlöfte påbörjat: parties and header of revision 1."""

    promise_id: str
    parties: tuple[str, ...]
    details: PromiseDetails


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseDetailsRevised(Event):
    """The header (title, period, texts) of the working revision changed."""

    details: PromiseDetails


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseInputRecorded(Event):
    """An input to the problem picture was added or replaced (same input_id)."""

    input: PromiseInput


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseInputRemoved(Event):
    """An input was taken out of the working revision."""

    input_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FocusAreaAdded(Event):
    """Fokusområde tillagt."""

    focus_area: FocusArea


@dataclass(frozen=True, slots=True, kw_only=True)
class FocusAreaRemoved(Event):
    """Fokusområde struket."""

    focus_area_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceRegistered(Event):
    """Plats registrerad in the working revision."""

    place: Place


@dataclass(frozen=True, slots=True, kw_only=True)
class SharedPlaceLinked(Event):
    """Plats kopplad till en gemensam plats: the promise's place `place_id` is the shared place
    `shared_place_id` of `municipality_id` (events.place)."""

    place_id: str
    shared_place_id: str
    municipality_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceRemoved(Event):
    """A place was taken out of the working revision."""

    place_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitmentAdded(Event):
    """Åtagande tillagt."""

    commitment: Commitment


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitmentRevised(Event):
    """Åtagande ändrat: the commitment's new full content."""

    commitment: Commitment


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitmentRemoved(Event):
    """Åtagande struket."""

    commitment_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseProposedForSigning(Event):
    """Löfte lagt för underskrift: the working revision is frozen under `content_hash`."""

    revision_no: int
    content_hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseSigned(Event):
    """Löfte undertecknat by one party; `signed_on` is None when the source gives no date."""

    revision_no: int
    content_hash: str
    party_id: str
    person_id: str
    role_title: str | None = None
    signed_on: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseSignatureRecorded(Event):
    """A signature made outside Samverkan (on paper), recorded from the document that shows it.

    Never a live signature: the signatory is named as the document states them (None when it
    names nobody), `recorded_by` is the editor who recorded it, and `evidence` says where the
    document is. `signed_on` is None when the document gives no date.
    """

    revision_no: int
    content_hash: str
    party_id: str
    signatory_name: str | None
    signatory_title: str | None
    signed_on: dt.date | None
    evidence: Evidence
    recorded_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseSignaturesVoided(Event):
    """Underskrifter ogiltiga: an edit of a frozen revision voided its signatures."""

    revision_no: int
    content_hash: str
    party_ids: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseReopened(Event):
    """A proposed revision was reopened for editing as the draft `new_revision_no`.

    Schema version 2: version 1 sent revision n itself back to Draft under the same number
    (so a re-proposal was revision n again); it upcasts with `new_revision_no` = `revision_no`,
    keeping that meaning. Since version 2 the frozen revision n stays as it was (reopened) and
    the edits go into revision n+1.
    """

    SCHEMA_VERSION: ClassVar[int] = 2

    revision_no: int
    new_revision_no: int
    reason: str


def upcast_promise_reopened_v1(data: dict[str, object]) -> dict[str, object]:
    """PromiseReopened v1 → v2: the revision kept its number (`new_revision_no` = `revision_no`)."""
    return {**data, "new_revision_no": data["revision_no"]}


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseEnteredIntoForce(Event):
    """Löfte i kraft: every party signed the same revision and its period has begun."""

    revision_no: int
    content_hash: str
    valid_from: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseAmendmentStarted(Event):
    """Ändring påbörjad: revision n+1 is drafted from the revision in force."""

    revision_no: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseAmended(Event):
    """Ändring i kraft: a fully re-signed revision replaced the one in force.

    `in_force_from` is the business date the new revision took over (None in events recorded
    before it was kept: the day it was recorded).
    """

    revision_no: int
    content_hash: str
    in_force_from: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PromisePublished(Event):
    """Löfte kommunicerat in a channel, on `published_on` (None: the source gives no date).

    `recorded_from_document` marks a publication recorded afterwards from `evidence` (a web
    page, a printed notice) rather than published through Samverkan by a publisher.
    """

    revision_no: int
    channel: str
    published_on: dt.date | None
    url: str | None = None
    recorded_from_document: bool = False
    evidence: Evidence | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseWithdrawn(Event):
    """Återkallat before it entered into force."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseTerminated(Event):
    """Avbrutet early by decision."""

    terminated_on: dt.date
    reason: str
    decision_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseExpired(Event):
    """Period slut: valid_to passed. `expired_on` is the business date (the day after the
    period); `recorded_on` the day it was recorded, from which late reports of a promise entered
    after its period still have their grace window (None in events recorded before it was kept).
    """

    expired_on: dt.date
    recorded_on: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseClosed(Event):
    """Avslutat after a published final follow-up."""

    closed_on: dt.date
    final_report_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseArchived(Event):
    """Arkiverat."""

    archived_on: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseSuperseded(Event):
    """Ersatt by a successor promise."""

    successor_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityPerformed(Event):
    """Genomförd insats against a commitment of the revision in force, and counted also
    towards the commitments in `also_counts_for` (each link explicit; empty for most records
    and for every record reported before links existed).

    Schema version 2: version 1 carried one free-text `place` (or null); now `place_ids`.
    """

    PERSONAL_FIELDS: ClassVar[frozenset[str]] = frozenset({"summary"})

    SCHEMA_VERSION: ClassVar[int] = 2

    record_id: str
    commitment_id: str
    revision_no: int
    occurred_on: dt.date
    place_ids: tuple[str, ...]
    performed_by: tuple[str, ...]
    quantity: int
    summary: str
    reported_by: str
    also_counts_for: tuple[str, ...] = ()


def upcast_activity_performed_v1(data: dict[str, object]) -> dict[str, object]:
    """ActivityPerformed v1 → v2: the single `place` becomes the tuple `place_ids`."""
    upgraded = {key: value for key, value in data.items() if key != "place"}
    place = data.get("place")
    upgraded["place_ids"] = [] if place is None else [place]
    return upgraded


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityRecordCorrected(Event):
    """Rapport korrigerad: the record's new full content, never an edit in place.
    `also_counts_for` None leaves the record's links to further commitments as they were."""

    PERSONAL_FIELDS: ClassVar[frozenset[str]] = frozenset({"summary", "reason"})

    record_id: str
    occurred_on: dt.date
    place_ids: tuple[str, ...]
    performed_by: tuple[str, ...]
    quantity: int
    summary: str
    reason: str
    also_counts_for: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityRecordVoided(Event):
    """Rapport makulerad."""

    PERSONAL_FIELDS: ClassVar[frozenset[str]] = frozenset({"reason"})

    record_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedOccurrence:
    """One dated occurrence of a planned activity: a day (starts_on = ends_on) or a window."""

    occurrence_id: str
    starts_on: dt.date
    ends_on: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityPlanned(Event):
    """Insats planerad: for commitments of the revision in force, with its occurrences expanded
    (and the recurrence they came from, when any)."""

    plan_id: str
    commitment_ids: tuple[str, ...]
    title: str
    occurrences: tuple[PlannedOccurrence, ...]
    recurrence: Recurrence | None = None
    place_ids: tuple[str, ...] = ()
    responsible_ids: tuple[str, ...] = ()
    partner_ids: tuple[str, ...] = ()
    kind: str = "activity"


@dataclass(frozen=True, slots=True, kw_only=True)
class OccurrenceMoved(Event):
    """Tillfälle flyttat."""

    PERSONAL_FIELDS: ClassVar[frozenset[str]] = frozenset({"reason"})

    plan_id: str
    occurrence_id: str
    starts_on: dt.date
    ends_on: dt.date
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OccurrenceCancelled(Event):
    """Tillfälle inställt."""

    PERSONAL_FIELDS: ClassVar[frozenset[str]] = frozenset({"reason"})

    plan_id: str
    occurrence_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OccurrencePerformed(Event):
    """Tillfälle genomfört: the activity record that reports it."""

    plan_id: str
    occurrence_id: str
    record_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowUpScheduled(Event):
    """Uppföljning planerad: kind, the period it covers, and the day it is due."""

    due_id: str
    kind: str
    covers_from: dt.date
    covers_to: dt.date
    due_on: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowUpRescheduled(Event):
    """A planned follow-up's due day moved."""

    PERSONAL_FIELDS: ClassVar[frozenset[str]] = frozenset({"reason"})

    due_id: str
    due_on: dt.date
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowUpReportDrafted(Event):
    """Uppföljning upprättad for a period; kind is interim or final."""

    report_id: str
    kind: str
    covers_from: dt.date
    covers_to: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitmentAssessed(Event):
    """Åtagande bedömt in a follow-up: achieved quantity, status and comment."""

    PERSONAL_FIELDS: ClassVar[frozenset[str]] = frozenset({"comment"})

    report_id: str
    commitment_id: str
    status: str
    achieved: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowUpApproved(Event):
    """Uppföljning godkänd by a signatory of one party."""

    report_id: str
    party_id: str
    person_id: str
    approved_on: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowUpPublished(Event):
    """Återkopplad till medborgarna."""

    report_id: str
    channel: str
    published_on: dt.date
    url: str | None = None


PROMISE_EVENTS: tuple[type[Event], ...] = (
    PromiseDrafted,
    PromiseDetailsRevised,
    PromiseInputRecorded,
    PromiseInputRemoved,
    FocusAreaAdded,
    FocusAreaRemoved,
    PlaceRegistered,
    PlaceRemoved,
    SharedPlaceLinked,
    CommitmentAdded,
    CommitmentRevised,
    CommitmentRemoved,
    PromiseProposedForSigning,
    PromiseSigned,
    PromiseSignatureRecorded,
    PromiseSignaturesVoided,
    PromiseReopened,
    PromiseEnteredIntoForce,
    PromiseAmendmentStarted,
    PromiseAmended,
    PromisePublished,
    PromiseWithdrawn,
    PromiseTerminated,
    PromiseExpired,
    PromiseClosed,
    PromiseArchived,
    PromiseSuperseded,
    ActivityPerformed,
    ActivityRecordCorrected,
    ActivityRecordVoided,
    FollowUpReportDrafted,
    CommitmentAssessed,
    FollowUpApproved,
    FollowUpPublished,
    FollowUpScheduled,
    FollowUpRescheduled,
    ActivityPlanned,
    OccurrenceMoved,
    OccurrenceCancelled,
    OccurrencePerformed,
)
