"""The promise decider (medborgarlöfte): propose, sign, force, amend, publish and end.

A revision is frozen under a content hash when proposed; a signature names revision and hash,
and the promise is in force only when every party signed the same revision and hash and the
period has begun. After that, changes go into revision n+1 while revision n stays in force.
"""

from __future__ import annotations

import datetime as dt

from events.access import operates_platform, require_party_seen
from events.consequences import require_acknowledged, signatures_voided
from events.context import DecisionContext
from events.decider import Decider
from events.directory.authority import require_party_member, require_signing_mandate
from events.messages import Command, Event, InvalidInput, RuleViolated, unknown_command
from events.promise.activity import decide_activity, partnered
from events.promise.commands import (
    AddCommitment,
    AddFocusArea,
    ApproveFollowUp,
    ArchivePromise,
    AssessCommitment,
    CancelOccurrence,
    ClosePromise,
    CorrectActivityRecord,
    DraftFollowUp,
    DraftPromise,
    EnterPromiseIntoForce,
    ExpirePromise,
    LinkSharedPlace,
    MoveOccurrence,
    PerformOccurrence,
    PlanActivity,
    PromiseCommand,
    ProposePromise,
    PublishFollowUp,
    PublishPromise,
    RecordActivity,
    RecordPromiseInput,
    RecordPromisePublication,
    RecordPromiseSignature,
    RegisterPlace,
    RemoveCommitment,
    RemoveFocusArea,
    RemovePlace,
    RemovePromiseInput,
    ReopenPromise,
    RescheduleFollowUp,
    ReviseCommitment,
    RevisePromiseDetails,
    ScheduleFollowUp,
    SignPromise,
    StartPromiseAmendment,
    SupersedePromise,
    TerminatePromise,
    VoidActivityRecord,
    WithdrawPromise,
)
from events.promise.content import content_hash
from events.promise.drafting import (
    EDITORS,
    decide_draft_promise,
    decide_edit,
    decide_link_shared_place,
    editable_working,
    promise_links,
    promise_not_found,
    reopen_events,
    require_promise,
    require_status,
)
from events.promise.events import (
    PROMISE_EVENTS,
    PromiseAmended,
    PromiseAmendmentStarted,
    PromiseArchived,
    PromiseClosed,
    PromiseEnteredIntoForce,
    PromiseExpired,
    PromiseProposedForSigning,
    PromisePublished,
    PromiseSignatureRecorded,
    PromiseSigned,
    PromiseSuperseded,
    PromiseTerminated,
    PromiseWithdrawn,
)
from events.promise.followup import decide_follow_up
from events.promise.plans import decide_plans
from events.promise.revision import COLLECTING, STAGE_DRAFT, Revision
from events.promise.rhythm import decide_rhythm
from events.promise.state import (
    CLOSED,
    DRAFT,
    EXPIRED,
    IN_FORCE,
    PARTIALLY_SIGNED,
    PROPOSED,
    SIGNED,
    TERMINATED,
    PromiseState,
    evolve_promise,
)
from events.recorded import check_recorded_signature, checked_publication
from events.well_formed import require_id, require_not_after, require_text

STREAM_PREFIX = "promise-"
SIGNATORIES = frozenset({"signatory"})
STEWARDS = frozenset({"editor", "signatory", "service"})
_EDITS = (
    RevisePromiseDetails,
    RecordPromiseInput,
    RemovePromiseInput,
    AddFocusArea,
    RemoveFocusArea,
    RegisterPlace,
    RemovePlace,
    AddCommitment,
    ReviseCommitment,
    RemoveCommitment,
)
_ACTIVITY = (RecordActivity, CorrectActivityRecord, VoidActivityRecord)
_FOLLOW_UP = (DraftFollowUp, AssessCommitment, ApproveFollowUp, PublishFollowUp)
_RHYTHM = (ScheduleFollowUp, RescheduleFollowUp)
_PLANS = (PlanActivity, MoveOccurrence, CancelOccurrence, PerformOccurrence)


def _propose(command: ProposePromise, state: PromiseState) -> list[Event]:
    require_party_member(command.actor, state.parties, EDITORS, "propose a promise")
    working = editable_working(state)
    if working.stage != STAGE_DRAFT:
        raise RuleViolated(code="already_proposed", message="The revision is already proposed.")
    content = working.content
    if not content.focus_areas and not content.commitments:
        raise RuleViolated(
            code="empty_promise",
            message="A promise needs at least one focus area or commitment before signing.",
        )
    digest = content_hash(content)
    if state.in_force is not None and state.in_force.content_hash == digest:
        raise RuleViolated(
            code="no_changes", message="The amendment does not change the revision in force."
        )
    return [PromiseProposedForSigning(revision_no=working.revision_no, content_hash=digest)]


def _role_title(
    context: DecisionContext, person_id: str, party_id: str, day: dt.date
) -> str | None:
    for role in context.directory.roles:
        in_time = (role.valid_from is None or role.valid_from <= day) and (
            role.valid_to is None or day <= role.valid_to
        )
        if role.person_id == person_id and role.org_id == party_id and in_time:
            return role.title
    return None


def _sign(command: SignPromise, state: PromiseState, context: DecisionContext) -> list[Event]:
    actor = command.actor
    require_party_member(actor, state.parties, SIGNATORIES, "sign a promise")
    working = state.working
    if working is None or working.stage not in COLLECTING:
        raise RuleViolated(code="not_proposed", message="No revision is proposed for signing.")
    _require_proposed_revision(command, working)
    digest = working.content_hash
    assert digest is not None  # a proposed revision always carries its hash
    today = command.day
    if command.signed_on is not None:
        require_not_after(command.signed_on, today, "signed_on")
        if command.date_unknown:
            raise InvalidInput(
                code="conflicting_fields",
                message="Give a signing date or say that it is unknown, not both.",
                field_path=("date_unknown",),
            )
    day = command.signed_on or today
    person_id = require_signing_mandate(
        context.directory, actor, command.party_id, day, "sign a promise"
    )
    if command.party_id in working.signed_parties():
        raise RuleViolated(
            code="already_signed",
            message="{party} already signed this revision.",
            params={"party": command.party_id},
        )
    signed = PromiseSigned(
        revision_no=working.revision_no,
        content_hash=digest,
        party_id=command.party_id,
        person_id=person_id,
        role_title=_role_title(context, person_id, command.party_id, day),
        # A signature made here is dated the day it is made, unless the caller says otherwise.
        signed_on=None if command.date_unknown else day,
    )
    return [signed, *_completion(state, working, signed.party_id, signed.signed_on, today)]


def _record_signature(command: RecordPromiseSignature, state: PromiseState) -> list[Event]:
    """A signature made on paper, recorded by an editor of a party from its evidence."""
    actor = command.actor
    require_party_member(actor, state.parties, EDITORS, "record a signature")
    working = state.working
    if working is None or working.stage not in COLLECTING:
        raise RuleViolated(code="not_proposed", message="No revision is proposed for signing.")
    _require_proposed_revision(command, working)
    assert working.content_hash is not None  # a proposed revision always carries its hash
    today = command.day
    check_recorded_signature(
        party_id=command.party_id,
        parties=state.parties,
        signed_on=command.signed_on,
        signatory_name=command.signatory_name,
        signatory_title=command.signatory_title,
        evidence=command.evidence,
        today=today,
    )
    if command.party_id in working.signed_parties():
        raise RuleViolated(
            code="already_signed",
            message="{party} already signed this revision.",
            params={"party": command.party_id},
        )
    recorded = PromiseSignatureRecorded(
        revision_no=working.revision_no,
        content_hash=working.content_hash,
        party_id=command.party_id,
        signatory_name=command.signatory_name,
        signatory_title=command.signatory_title,
        signed_on=command.signed_on,
        evidence=command.evidence,
        recorded_by=actor.person_id or actor.subject,
    )
    return [recorded, *_completion(state, working, command.party_id, command.signed_on, today)]


def _completion(
    state: PromiseState,
    working: Revision,
    party_id: str,
    signed_on: dt.date | None,
    today: dt.date,
) -> list[Event]:
    """What follows a signature of `party_id`: nothing until every party signed; then the
    amendment takes over, or the promise enters into force (and expires at once when its
    whole period lies in the past)."""
    if working.signed_parties() | {party_id} < set(state.parties):
        return []
    assert working.content_hash is not None
    if state.in_force is not None:
        known = [d for d in (working.latest_signature_date(), signed_on) if d is not None]
        return [
            PromiseAmended(
                revision_no=working.revision_no,
                content_hash=working.content_hash,
                in_force_from=max(known) if known else today,
            )
        ]
    return _entering(working, today)


def _day_after(day: dt.date) -> dt.date:
    """The first day after `day` (the last day of the calendar stays itself)."""
    return day if day == dt.date.max else day + dt.timedelta(days=1)


def _entering(revision: Revision, today: dt.date) -> list[Event]:
    """The revision enters into force when its period has begun; a period already over is
    recorded as having been in force for its whole length, then expired."""
    if not _may_enter_force(revision, today):
        return []
    events: list[Event] = [_entered(revision)]
    valid_to = revision.content.details.period.valid_to
    if valid_to is not None and valid_to < today:
        events.append(PromiseExpired(expired_on=_day_after(valid_to), recorded_on=today))
    return events


def _require_proposed_revision(
    command: SignPromise | RecordPromiseSignature, working: Revision
) -> None:
    """The signature names the proposed revision and its hash."""
    if command.revision_no != working.revision_no:
        raise RuleViolated(
            code="stale_revision",
            message=(
                "You signed revision {signed}, but revision {proposed} with hash {hash} "
                "is the one proposed."
            ),
            params={
                "signed": command.revision_no,
                "proposed": working.revision_no,
                "hash": working.content_hash,
            },
        )
    if command.content_hash != working.content_hash:
        raise RuleViolated(
            code="stale_revision",
            message="You signed hash {signed} of revision {proposed}, but its hash is {hash}.",
            params={
                "signed": command.content_hash,
                "proposed": working.revision_no,
                "hash": working.content_hash,
            },
        )


def _may_enter_force(revision: Revision, today: dt.date) -> bool:
    valid_from = revision.content.details.period.valid_from
    return valid_from is not None and valid_from <= today


def _entered(revision: Revision) -> PromiseEnteredIntoForce:
    valid_from = revision.content.details.period.valid_from
    assert valid_from is not None and revision.content_hash is not None
    return PromiseEnteredIntoForce(
        revision_no=revision.revision_no,
        content_hash=revision.content_hash,
        valid_from=valid_from,
    )


def _enter_into_force(command: EnterPromiseIntoForce, state: PromiseState) -> list[Event]:
    require_status(state, frozenset({SIGNED}), "put in force")
    require_party_member(command.actor, state.parties, STEWARDS, "put a promise in force")
    working = state.working
    assert working is not None and working.fully_signed()  # status SIGNED guarantees both
    if not _may_enter_force(working, command.day):
        raise RuleViolated(
            code="period_not_begun",
            message="The promise enters into force only once its valid_from is known and reached.",
        )
    return _entering(working, command.day)


def _publish(
    command: PublishPromise | RecordPromisePublication, state: PromiseState
) -> list[Event]:
    """Löfte kommunicerat: published here by a publisher, or recorded from its evidence by an
    editor; never dated in the future nor before the revision's last known signature."""
    require_status(state, frozenset({SIGNED, IN_FORCE, EXPIRED}), "publish")
    recorded = isinstance(command, RecordPromisePublication)
    if recorded:
        require_party_member(command.actor, state.parties, EDITORS, "record a publication")
    else:
        require_party_member(command.actor, state.parties, frozenset({"publisher"}), "publish")
    today = command.day
    published_on = command.published_on if recorded else (command.published_on or today)
    revision = state.in_force or state.working
    assert revision is not None
    evidence = command.evidence if isinstance(command, RecordPromisePublication) else None
    checked_publication(
        channel=command.channel,
        url=command.url,
        published_on=published_on,
        evidence=evidence,
        last_signed_on=revision.latest_signature_date(),
        today=today,
    )
    return [
        PromisePublished(
            revision_no=revision.revision_no,
            channel=command.channel,
            published_on=published_on,
            url=command.url,
            recorded_from_document=recorded,
            evidence=evidence,
        )
    ]


def _decide_lifecycle(
    command: Command, state: PromiseState, context: DecisionContext
) -> list[Event]:
    actor = command.actor
    today = command.day
    match command:
        case ReopenPromise():
            require_party_member(actor, state.parties, EDITORS, "reopen a promise")
            working = editable_working(state)
            if working.stage not in COLLECTING:
                raise RuleViolated(code="not_proposed", message="The revision is not proposed.")
            require_text(command.reason, "reason")
            return reopen_events(command, working, command.reason, context)
        case StartPromiseAmendment():
            require_status(state, frozenset({IN_FORCE}), "amend")
            require_party_member(actor, state.parties, SIGNATORIES, "decide an amendment")
            if state.working is not None:
                raise RuleViolated(
                    code="amendment_open", message="An amendment is already being prepared."
                )
            require_text(command.reason, "reason")
            assert state.in_force is not None
            revision_no = state.in_force.revision_no + 1
            return [PromiseAmendmentStarted(revision_no=revision_no, reason=command.reason)]
        case WithdrawPromise():
            require_status(
                state, frozenset({DRAFT, PROPOSED, PARTIALLY_SIGNED, SIGNED}), "withdraw"
            )
            require_party_member(actor, state.parties, EDITORS, "withdraw a promise")
            require_text(command.reason, "reason")
            signed = state.working.signed_parties() if state.working else frozenset()
            if signed:
                assert state.working is not None
                revision_no = state.working.revision_no
                consequences = signatures_voided(context.directory, revision_no, signed)
                require_acknowledged(command, consequences)
            return [PromiseWithdrawn(reason=command.reason)]
        case TerminatePromise():
            require_status(state, frozenset({IN_FORCE}), "terminate")
            require_party_member(actor, state.parties, SIGNATORIES, "terminate a promise")
            require_text(command.reason, "reason")
            return [
                PromiseTerminated(
                    terminated_on=today, reason=command.reason, decision_ref=command.decision_ref
                )
            ]
        case ExpirePromise():
            require_status(state, frozenset({IN_FORCE}), "expire")
            # The platform's expiry job acts for no party; a party's steward may too.
            if not operates_platform(actor):
                require_party_member(actor, state.parties, STEWARDS, "expire a promise")
            assert state.in_force is not None
            valid_to = state.in_force.content.details.period.valid_to
            if valid_to is None or valid_to >= today:
                raise RuleViolated(
                    code="period_not_over", message="The promise period has not ended."
                )
            return [PromiseExpired(expired_on=_day_after(valid_to), recorded_on=today)]
        case ClosePromise():
            require_status(state, frozenset({EXPIRED, TERMINATED}), "close")
            require_party_member(actor, state.parties, EDITORS, "close a promise")
            report = state.follow_up(command.final_report_id)
            if report is None or report.kind != "final" or not report.published:
                raise RuleViolated(
                    code="final_follow_up_missing",
                    message="A promise closes only after a published final follow-up.",
                )
            return [PromiseClosed(closed_on=today, final_report_id=report.report_id)]
        case ArchivePromise():
            require_status(state, frozenset({CLOSED}), "archive")
            require_party_member(actor, state.parties, EDITORS, "archive a promise")
            return [PromiseArchived(archived_on=today)]
        case SupersedePromise():
            require_status(state, frozenset({IN_FORCE, EXPIRED}), "supersede")
            require_party_member(actor, state.parties, SIGNATORIES, "supersede a promise")
            require_id(command.successor_id, "successor_id")
            if command.successor_id == state.promise_id:
                raise RuleViolated(
                    code="self_successor", message="A promise cannot replace itself."
                )
            return [PromiseSuperseded(successor_id=command.successor_id)]
    raise unknown_command(command)


def _published(state: PromiseState) -> bool:
    """True when citizens see the promise: its revision in force was published (the public
    view of projections.promises)."""
    in_force = state.in_force
    return in_force is not None and any(
        p.revision_no == in_force.revision_no for p in state.publications
    )


def promise_gate(command: Command, state: PromiseState) -> None:
    """Refuse, as if the promise did not exist, an actor who may not see it (events.access)."""
    if isinstance(command, DraftPromise):
        return
    require_promise(state)
    if isinstance(command, ExpirePromise) and operates_platform(command.actor):
        return  # the platform's expiry job moves every promise whose period ended
    if isinstance(command, (*_ACTIVITY, *_PLANS)) and partnered(
        state, command.actor.organisation_id
    ):
        return  # a partner the content invites reports on its commitments (decide_activity)
    require_party_seen(
        command.actor, state.parties, public=_published(state), missing=promise_not_found()
    )


def decide_promise(command: Command, state: PromiseState, context: DecisionContext) -> list[Event]:
    """Decide any command on a promise stream."""
    if isinstance(command, DraftPromise):
        return decide_draft_promise(command, state, context)
    promise_gate(command, state)
    if isinstance(command, _EDITS):
        return decide_edit(command, state, context)
    if isinstance(command, LinkSharedPlace):
        return decide_link_shared_place(command, state, context)
    if isinstance(command, _ACTIVITY):
        return decide_activity(command, state, context)
    if isinstance(command, _PLANS):
        return decide_plans(command, state, context)
    if isinstance(command, _RHYTHM):
        return decide_rhythm(command, state, context)
    if isinstance(command, _FOLLOW_UP):
        return decide_follow_up(command, state, context)
    if isinstance(command, ProposePromise):
        return _propose(command, state)
    if isinstance(command, SignPromise):
        return _sign(command, state, context)
    if isinstance(command, RecordPromiseSignature):
        return _record_signature(command, state)
    if isinstance(command, EnterPromiseIntoForce):
        return _enter_into_force(command, state)
    if isinstance(command, PublishPromise | RecordPromisePublication):
        return _publish(command, state)
    return _decide_lifecycle(command, state, context)


PROMISE_COMMANDS: tuple[type[Command], ...] = (
    DraftPromise,
    *_EDITS,
    LinkSharedPlace,
    ProposePromise,
    ReopenPromise,
    SignPromise,
    RecordPromiseSignature,
    EnterPromiseIntoForce,
    StartPromiseAmendment,
    PublishPromise,
    RecordPromisePublication,
    WithdrawPromise,
    TerminatePromise,
    ExpirePromise,
    ClosePromise,
    ArchivePromise,
    SupersedePromise,
    *_ACTIVITY,
    *_FOLLOW_UP,
    *_RHYTHM,
    *_PLANS,
)


def promise_stream(command: Command) -> str:
    """The stream a promise command addresses: "promise-<promise_id>"."""
    assert isinstance(command, PromiseCommand)
    return STREAM_PREFIX + command.promise_id


PROMISE: Decider[PromiseState] = Decider(
    name="promise",
    stream_prefix=STREAM_PREFIX,
    initial_state=PromiseState(),
    decide=decide_promise,
    evolve=evolve_promise,
    command_types=PROMISE_COMMANDS,
    event_types=PROMISE_EVENTS,
    stream_of=promise_stream,
    gate=promise_gate,
    links=promise_links,
)
