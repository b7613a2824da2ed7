"""The folded state of one promise stream and `evolve`, total over the promise events."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from events.frozen import maker, replace
from events.messages import Event
from events.promise import positions
from events.promise.content import RevisionContent
from events.promise.events import (
    ActivityPerformed,
    ActivityPlanned,
    ActivityRecordCorrected,
    ActivityRecordVoided,
    CommitmentAdded,
    CommitmentAssessed,
    CommitmentRemoved,
    CommitmentRevised,
    FocusAreaAdded,
    FocusAreaRemoved,
    FollowUpApproved,
    FollowUpPublished,
    FollowUpReportDrafted,
    FollowUpRescheduled,
    FollowUpScheduled,
    OccurrenceCancelled,
    OccurrenceMoved,
    OccurrencePerformed,
    PlaceRegistered,
    PlaceRemoved,
    PromiseAmended,
    PromiseAmendmentStarted,
    PromiseArchived,
    PromiseClosed,
    PromiseDetailsRevised,
    PromiseDrafted,
    PromiseEnteredIntoForce,
    PromiseExpired,
    PromiseInputRecorded,
    PromiseInputRemoved,
    PromiseProposedForSigning,
    PromisePublished,
    PromiseReopened,
    PromiseSignatureRecorded,
    PromiseSignaturesVoided,
    PromiseSigned,
    PromiseSuperseded,
    PromiseTerminated,
    PromiseWithdrawn,
    SharedPlaceLinked,
)
from events.promise.revision import (
    STAGE_DRAFT,
    STAGE_EXPIRED,
    STAGE_IN_FORCE,
    STAGE_PROPOSED,
    STAGE_REOPENED,
    STAGE_SIGNED,
    STAGE_SUPERSEDED,
    STAGE_TERMINATED,
    STAGE_WITHDRAWN,
    Revision,
    Signature,
)
from events.recorded import Evidence

T = TypeVar("T")

# Lifecycle states (domain.md §3).
NONE = "none"
DRAFT = "draft"
PROPOSED = "proposed"
PARTIALLY_SIGNED = "partially_signed"
SIGNED = "signed"
IN_FORCE = "in_force"
EXPIRED = "expired"
CLOSED = "closed"
ARCHIVED = "archived"
WITHDRAWN = "withdrawn"
TERMINATED = "terminated"
SUPERSEDED = "superseded"
STATUSES = (
    DRAFT,
    PROPOSED,
    PARTIALLY_SIGNED,
    SIGNED,
    IN_FORCE,
    EXPIRED,
    CLOSED,
    ARCHIVED,
    WITHDRAWN,
    TERMINATED,
    SUPERSEDED,
)
"""Every status a drafted promise can be in (refusals name them)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityRecord:
    """Genomförd insats as currently reported (after corrections)."""

    record_id: str
    commitment_id: str
    revision_no: int
    occurred_on: dt.date
    place_ids: tuple[str, ...]
    performed_by: tuple[str, ...]
    quantity: int
    summary: str
    voided: bool = False
    also_counts_for: tuple[str, ...] = ()

    def counts_for(self) -> tuple[str, ...]:
        """Every commitment this record counts towards: its own first, then its links."""
        return (self.commitment_id, *self.also_counts_for)


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    """Bedömning of one commitment in a follow-up."""

    commitment_id: str
    status: str
    achieved: int | None
    comment: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowUpReport:
    """Uppföljning: its period, assessments, approvals by party, and whether it is published."""

    report_id: str
    kind: str
    covers_from: dt.date
    covers_to: dt.date
    assessments: tuple[Assessment, ...] = ()
    approved_by: tuple[str, ...] = ()
    published: bool = False
    published_on: dt.date | None = None
    channel: str | None = None
    url: str | None = None

    def assessed(self) -> frozenset[str]:
        """Commitment ids assessed so far."""
        return frozenset(a.commitment_id for a in self.assessments)


@dataclass(frozen=True, slots=True, kw_only=True)
class Occurrence:
    """One occurrence of a planned activity as it stands: planned, moved (to its new day),
    cancelled, or performed by the standing activity record `record_id` (a void of that record
    leaves it planned, or moved, again)."""

    occurrence_id: str
    starts_on: dt.date
    ends_on: dt.date
    moved: bool = False
    cancelled: bool = False
    record_id: str | None = None
    reason: str | None = None
    """Why it was last moved or cancelled."""

    @property
    def status(self) -> str:
        """cancelled, performed, moved or planned."""
        if self.cancelled:
            return "cancelled"
        if self.record_id is not None:
            return "performed"
        return "moved" if self.moved else "planned"


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """A planned activity for one or more commitments, with its occurrences."""

    plan_id: str
    commitment_ids: tuple[str, ...]
    title: str
    occurrences: tuple[Occurrence, ...]
    place_ids: tuple[str, ...] = ()
    responsible_ids: tuple[str, ...] = ()
    partner_ids: tuple[str, ...] = ()
    kind: str = "activity"
    """activity (insats) or safety_walk (trygghetsvandring)."""

    def occurrence(self, occurrence_id: str) -> Occurrence | None:
        """The occurrence `occurrence_id`, if any."""
        return next((o for o in self.occurrences if o.occurrence_id == occurrence_id), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduledFollowUp:
    """A follow-up the parties planned: its kind, the period it covers, the day it is due.
    It is met once a published follow-up of its kind covers its period (events.promise.rhythm)."""

    due_id: str
    kind: str
    covers_from: dt.date
    covers_to: dt.date
    due_on: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class Publication:
    """Where and when a revision was communicated (`published_on` None: the source gives no
    date); a publication recorded from a document carries its evidence."""

    revision_no: int
    channel: str
    published_on: dt.date | None
    url: str | None
    recorded_from_document: bool = False
    evidence: Evidence | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SharedPlaceLink:
    """A place of the promise linked, after it was registered, to a shared place."""

    place_id: str
    shared_place_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseState:
    """One promise: lifecycle status, the revision in force, the working revision, and records."""

    promise_id: str = ""
    status: str = NONE
    parties: tuple[str, ...] = ()
    in_force: Revision | None = None
    working: Revision | None = None
    publications: tuple[Publication, ...] = ()
    activities: tuple[ActivityRecord, ...] = ()
    follow_ups: tuple[FollowUpReport, ...] = ()
    successor_id: str | None = None
    expiry_recorded_on: dt.date | None = None
    """The day the expiry was recorded (late reports have their grace window from it)."""
    voided_signatures: tuple[Signature, ...] = ()
    past_revisions: tuple[Revision, ...] = ()
    """Revisions no longer worked on nor in force (reopened, superseded), oldest first."""
    follow_up_schedule: tuple[ScheduledFollowUp, ...] = ()
    """The follow-ups the parties planned, in the order planned."""
    plans: tuple[Plan, ...] = ()
    """The planned activities, in the order planned."""
    shared_place_links: tuple[SharedPlaceLink, ...] = ()
    """Places linked to shared places after they were registered (LinkSharedPlace)."""

    def activity(self, record_id: str) -> ActivityRecord | None:
        """The activity record with `record_id`, if any (found by `positions`, not a scan)."""
        at = positions.position(self.activities, record_id)
        return None if at is None else self.activities[at]

    def follow_up(self, report_id: str) -> FollowUpReport | None:
        """The follow-up with `report_id`, if any."""
        return next((f for f in self.follow_ups if f.report_id == report_id), None)

    def shared_place_of(self, place_id: str) -> str | None:
        """The shared place a place of the promise is: named when it was registered (in the
        working revision or the one in force), or linked since."""
        for revision in (self.working, self.in_force):
            place = revision.content.place(place_id) if revision is not None else None
            if place is not None and place.shared_place_id is not None:
                return place.shared_place_id
        return next(
            (k.shared_place_id for k in self.shared_place_links if k.place_id == place_id), None
        )

    def plan(self, plan_id: str) -> Plan | None:
        """The planned activity `plan_id`, if any."""
        return next((p for p in self.plans if p.plan_id == plan_id), None)

    def scheduled(self, due_id: str) -> ScheduledFollowUp | None:
        """The planned follow-up `due_id`, if any."""
        return next((d for d in self.follow_up_schedule if d.due_id == due_id), None)

    def in_force_on(self, day: dt.date) -> Revision | None:
        """The revision that was in force on `day` (business time), if any."""
        candidates = (*self.past_revisions, *((self.in_force,) if self.in_force else ()))
        return next((r for r in reversed(candidates) if r.in_force_on(day)), None)


def _occurrence(
    state: PromiseState,
    plan_id: str,
    occurrence_id: str,
    change: Callable[[Occurrence], Occurrence],
) -> PromiseState:
    """The state with one occurrence of one plan changed."""
    return replace(
        state,
        plans=tuple(
            replace(
                p,
                occurrences=tuple(
                    change(o) if o.occurrence_id == occurrence_id else o for o in p.occurrences
                ),
            )
            if p.plan_id == plan_id
            else p
            for p in state.plans
        ),
    )


def _released(state: PromiseState, record_id: str) -> PromiseState:
    """The state with the occurrence a voided record performed back to planned (or moved)."""
    for plan in state.plans:
        for o in plan.occurrences:
            if o.record_id == record_id:
                return _occurrence(
                    state, plan.plan_id, o.occurrence_id, lambda x: replace(x, record_id=None)
                )
    return state


def _edit(
    state: PromiseState, change: Callable[[RevisionContent], RevisionContent]
) -> PromiseState:
    if state.working is None:
        return state
    working = replace(state.working, content=change(state.working.content))
    return replace(state, working=working)


def _upsert(items: tuple[T, ...], key: Callable[[T], str], new: T) -> tuple[T, ...]:
    if any(key(item) == key(new) for item in items):
        return tuple(new if key(item) == key(new) else item for item in items)
    return (*items, new)


def _content_event(state: PromiseState, event: Event) -> PromiseState:
    match event:
        case PromiseDetailsRevised():
            details = event.details
            return _edit(state, lambda c: replace(c, details=details))
        case PromiseInputRecorded():
            new_input = event.input
            return _edit(
                state,
                lambda c: replace(c, inputs=_upsert(c.inputs, lambda i: i.input_id, new_input)),
            )
        case PromiseInputRemoved():
            input_id = event.input_id
            return _edit(
                state,
                lambda c: replace(c, inputs=tuple(i for i in c.inputs if i.input_id != input_id)),
            )
        case FocusAreaAdded():
            area = event.focus_area
            return _edit(state, lambda c: replace(c, focus_areas=(*c.focus_areas, area)))
        case FocusAreaRemoved():
            area_id = event.focus_area_id
            return _edit(
                state,
                lambda c: replace(
                    c, focus_areas=tuple(f for f in c.focus_areas if f.focus_area_id != area_id)
                ),
            )
        case PlaceRegistered():
            place = event.place
            return _edit(state, lambda c: replace(c, places=(*c.places, place)))
        case SharedPlaceLinked():
            link = SharedPlaceLink(place_id=event.place_id, shared_place_id=event.shared_place_id)
            return replace(state, shared_place_links=(*state.shared_place_links, link))
        case PlaceRemoved():
            place_id = event.place_id
            return _edit(
                state,
                lambda c: replace(c, places=tuple(p for p in c.places if p.place_id != place_id)),
            )
        case CommitmentAdded() | CommitmentRevised():
            item = event.commitment
            return _edit(
                state,
                lambda c: replace(
                    c, commitments=_upsert(c.commitments, lambda x: x.commitment_id, item)
                ),
            )
        case CommitmentRemoved():
            gone = event.commitment_id
            return _edit(
                state,
                lambda c: replace(
                    c, commitments=tuple(x for x in c.commitments if x.commitment_id != gone)
                ),
            )
    return state


def _pre_force_status(working: Revision) -> str:
    if working.stage == STAGE_DRAFT:
        return DRAFT
    if working.fully_signed():
        return SIGNED
    return PARTIALLY_SIGNED if working.signatures else PROPOSED


def _signing_event(state: PromiseState, event: Event) -> PromiseState:
    working = state.working
    if working is None:
        return state
    match event:
        case PromiseProposedForSigning():
            working = replace(
                working, stage=STAGE_PROPOSED, content_hash=event.content_hash, signatures=()
            )
        case PromiseSigned():
            signature = Signature(
                party_id=event.party_id,
                person_id=event.person_id,
                revision_no=event.revision_no,
                content_hash=event.content_hash,
                role_title=event.role_title,
                signed_on=event.signed_on,
            )
            working = _signed(working, signature)
        case PromiseSignatureRecorded():
            signature = Signature(
                party_id=event.party_id,
                person_id=None,
                revision_no=event.revision_no,
                content_hash=event.content_hash,
                role_title=event.signatory_title,
                signed_on=event.signed_on,
                recorded_from_document=True,
                signatory_name=event.signatory_name,
                signatory_title=event.signatory_title,
                recorded_by=event.recorded_by,
                evidence=event.evidence,
            )
            working = _signed(working, signature)
        case PromiseSignaturesVoided():
            state = replace(
                state, voided_signatures=(*state.voided_signatures, *working.signatures)
            )
            stage = STAGE_PROPOSED if working.stage == STAGE_SIGNED else working.stage
            working = replace(working, stage=stage, signatures=())
        case PromiseReopened():
            state, working = _reopened(state, working, event.new_revision_no)
        case _:
            return state
    if state.in_force is None:
        return replace(state, working=working, status=_pre_force_status(working))
    return replace(state, working=working)


def _day_before(day: dt.date) -> dt.date:
    """The last day before `day` (the first day of the calendar stays itself)."""
    return day if day == dt.date.min else day - dt.timedelta(days=1)


def _signed(working: Revision, signature: Signature) -> Revision:
    working = replace(working, signatures=(*working.signatures, signature))
    if working.stage == STAGE_PROPOSED and working.fully_signed():
        working = replace(working, stage=STAGE_SIGNED)
    return working


def _reopened(
    state: PromiseState, working: Revision, new_revision_no: int
) -> tuple[PromiseState, Revision]:
    """The state and new working revision after a reopen.

    A reopen as the same number is a version 1 event: that revision itself went back to Draft.
    """
    if new_revision_no == working.revision_no:
        return state, replace(working, stage=STAGE_DRAFT, content_hash=None, signatures=())
    frozen = replace(working, stage=STAGE_REOPENED)
    state = replace(state, past_revisions=(*state.past_revisions, frozen))
    return state, Revision(revision_no=new_revision_no, content=working.content)


def _retired(state: PromiseState, stage: str, last_day: dt.date | None = None) -> PromiseState:
    """The state with the revision in force relabelled `stage` (the promise's life ended),
    in force until `last_day` when the ending event dates it."""
    if state.in_force is None:
        return state
    until = state.in_force.in_force_until if last_day is None else last_day
    return replace(state, in_force=replace(state.in_force, stage=stage, in_force_until=until))


def _record_event(state: PromiseState, event: Event) -> PromiseState:
    match event:
        case ActivityPerformed():
            return replace(state, activities=_appended(state.activities, (_performed(event),)))
        case ActivityRecordCorrected() | ActivityRecordVoided():
            at = positions.position(state.activities, event.record_id)
            if at is None:
                return state
            old = state.activities[at]
            if isinstance(event, ActivityRecordVoided):
                new = replace(old, voided=True)
                state = _released(state, event.record_id)
            else:
                new = replace(
                    old,
                    occurred_on=event.occurred_on,
                    place_ids=event.place_ids,
                    performed_by=event.performed_by,
                    quantity=event.quantity,
                    summary=event.summary,
                    also_counts_for=(
                        old.also_counts_for
                        if event.also_counts_for is None
                        else tuple(sys.intern(c) for c in event.also_counts_for)
                    ),
                )
            records = state.activities
            changed = (*records[:at], new, *records[at + 1 :])
            positions.replaced(records, changed)
            return replace(state, activities=changed)
        case ActivityPlanned():
            plan = Plan(
                plan_id=event.plan_id,
                commitment_ids=event.commitment_ids,
                title=event.title,
                occurrences=tuple(
                    Occurrence(
                        occurrence_id=o.occurrence_id, starts_on=o.starts_on, ends_on=o.ends_on
                    )
                    for o in event.occurrences
                ),
                place_ids=event.place_ids,
                responsible_ids=event.responsible_ids,
                partner_ids=event.partner_ids,
                kind=event.kind,
            )
            return replace(state, plans=(*state.plans, plan))
        case OccurrenceMoved():
            return _occurrence(
                state,
                event.plan_id,
                event.occurrence_id,
                lambda o: replace(
                    o,
                    starts_on=event.starts_on,
                    ends_on=event.ends_on,
                    moved=True,
                    reason=event.reason,
                ),
            )
        case OccurrenceCancelled():
            return _occurrence(
                state,
                event.plan_id,
                event.occurrence_id,
                lambda o: replace(o, cancelled=True, reason=event.reason),
            )
        case OccurrencePerformed():
            return _occurrence(
                state,
                event.plan_id,
                event.occurrence_id,
                lambda o: replace(o, record_id=event.record_id),
            )
        case FollowUpScheduled():
            due = ScheduledFollowUp(
                due_id=event.due_id,
                kind=event.kind,
                covers_from=event.covers_from,
                covers_to=event.covers_to,
                due_on=event.due_on,
            )
            return replace(state, follow_up_schedule=(*state.follow_up_schedule, due))
        case FollowUpRescheduled():
            return replace(
                state,
                follow_up_schedule=tuple(
                    replace(d, due_on=event.due_on) if d.due_id == event.due_id else d
                    for d in state.follow_up_schedule
                ),
            )
        case FollowUpReportDrafted():
            report = FollowUpReport(
                report_id=event.report_id,
                kind=event.kind,
                covers_from=event.covers_from,
                covers_to=event.covers_to,
            )
            return replace(state, follow_ups=(*state.follow_ups, report))
    return _follow_up_event(state, event)


def _follow_up_event(state: PromiseState, event: Event) -> PromiseState:
    report_id = getattr(event, "report_id", None)
    report = None if report_id is None else state.follow_up(report_id)
    if report is None:
        return state
    match event:
        case CommitmentAssessed():
            assessment = Assessment(
                commitment_id=event.commitment_id,
                status=event.status,
                achieved=event.achieved,
                comment=event.comment,
            )
            report = replace(
                report,
                assessments=_upsert(report.assessments, lambda a: a.commitment_id, assessment),
            )
        case FollowUpApproved():
            report = replace(report, approved_by=(*report.approved_by, event.party_id))
        case FollowUpPublished():
            report = replace(
                report,
                published=True,
                published_on=event.published_on,
                channel=event.channel,
                url=event.url,
            )
        case _:
            return state
    return replace(state, follow_ups=_upsert(state.follow_ups, lambda f: f.report_id, report))


def _lifecycle_event(state: PromiseState, event: Event) -> PromiseState:
    match event:
        case PromiseDrafted():
            content = RevisionContent(parties=event.parties, details=event.details)
            return replace(
                state,
                promise_id=event.promise_id,
                status=DRAFT,
                parties=event.parties,
                working=Revision(revision_no=1, content=content),
            )
        case PromiseEnteredIntoForce() | PromiseAmended():
            if state.working is None:
                return replace(state, status=IN_FORCE)
            start = (
                event.valid_from
                if isinstance(event, PromiseEnteredIntoForce)
                else event.in_force_from
            )
            past = state.past_revisions
            if state.in_force is not None:
                until = None if start is None else _day_before(start)
                past = (
                    *past,
                    replace(state.in_force, stage=STAGE_SUPERSEDED, in_force_until=until),
                )
            in_force = replace(state.working, stage=STAGE_IN_FORCE, in_force_from=start)
            return replace(
                state, in_force=in_force, working=None, status=IN_FORCE, past_revisions=past
            )
        case PromiseAmendmentStarted():
            base = state.in_force
            if base is None:
                return state
            working = Revision(revision_no=event.revision_no, content=base.content)
            return replace(state, working=working)
        case PromisePublished():
            publication = Publication(
                revision_no=event.revision_no,
                channel=event.channel,
                published_on=event.published_on,
                url=event.url,
                recorded_from_document=event.recorded_from_document,
                evidence=event.evidence,
            )
            return replace(state, publications=(*state.publications, publication))
        case PromiseWithdrawn():
            withdrawn = state.working
            if withdrawn is not None:
                withdrawn = replace(withdrawn, stage=STAGE_WITHDRAWN)
            return replace(state, status=WITHDRAWN, working=withdrawn)
        case PromiseTerminated():
            last_day = _day_before(event.terminated_on)
            retired = _retired(state, STAGE_TERMINATED, last_day)
            return replace(retired, status=TERMINATED, working=None)
        case PromiseExpired():
            last_day = _day_before(event.expired_on)
            return replace(
                _retired(state, STAGE_EXPIRED, last_day),
                status=EXPIRED,
                working=None,
                expiry_recorded_on=event.recorded_on,
            )
        case PromiseClosed():
            return replace(state, status=CLOSED)
        case PromiseArchived():
            return replace(state, status=ARCHIVED)
        case PromiseSuperseded():
            return replace(
                _retired(state, STAGE_SUPERSEDED),
                status=SUPERSEDED,
                successor_id=event.successor_id,
                working=None,
            )
    return state


def evolve_promise(state: PromiseState, event: Event) -> PromiseState:
    """Fold one promise-stream event into the state; unknown events leave it unchanged."""
    for step in (_lifecycle_event, _content_event, _signing_event, _record_event):
        new = step(state, event)
        if new is not state:
            return new
    return state


_new_record = maker(ActivityRecord)


def _performed(event: ActivityPerformed) -> ActivityRecord:
    # Identifiers repeat across a promise's records: interned, every record shares one copy
    # (a long promise held in memory, by a rebuild or a cache, is a fifth smaller). Equal
    # values, so the state is the same. One record per event: made without the frozen
    # class's __init__ (events.frozen.maker).
    intern = sys.intern
    links = event.also_counts_for
    return _new_record(
        record_id=event.record_id,
        commitment_id=intern(event.commitment_id),
        revision_no=event.revision_no,
        occurred_on=event.occurred_on,
        place_ids=tuple(map(intern, event.place_ids)),
        performed_by=tuple(map(intern, event.performed_by)),
        quantity=event.quantity,
        summary=event.summary,
        also_counts_for=tuple(map(intern, links)) if links else (),
    )


def evolve_promise_all(state: PromiseState, events: Iterable[Event]) -> PromiseState:
    """Fold many events: equal to `evolve_promise` one event at a time, but a run of
    `ActivityPerformed` (which only appends a record, whatever the state) extends the
    activities tuple once, so a long promise no longer copies it per activity."""
    run: list[ActivityRecord] = []
    for event in events:
        if type(event) is ActivityPerformed:
            run.append(_performed(event))
            continue
        if run:
            state = replace(state, activities=_appended(state.activities, run))
            run = []
        state = evolve_promise(state, event)
    if run:
        state = replace(state, activities=_appended(state.activities, run))
    return state


def _appended(
    records: tuple[ActivityRecord, ...], new: Sequence[ActivityRecord]
) -> tuple[ActivityRecord, ...]:
    """`records` with `new` after them (their positions kept with them: `positions`)."""
    longer = (*records, *new)
    positions.extended(records, longer)
    return longer
