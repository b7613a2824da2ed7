"""The agreement decider (samverkansöverenskommelse, SÖK): drafted, proposed, signed (here or
recorded from paper), published, extended, expired, ended.

Stream "agreement-<id>". Like a promise, proposing freezes the content under a hash, an edit of
a proposed agreement voids its signatures, and a signature names revision and hash. A live
signature (`AgreementSigned`) needs a registered signatory with a mandate on the day; a
signature given on paper is recorded by an editor of a party from its evidence
(`AgreementSignatureRecorded`), never taken for a live one; both count towards "every party
signed".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from events.access import operates_platform, require_party_seen
from events.agreement.commands import (
    AgreementCommand,
    DraftAgreement,
    EndAgreement,
    ExpireAgreement,
    ExtendAgreement,
    ProposeAgreement,
    PublishAgreement,
    RecordAgreementPublication,
    RecordAgreementSignature,
    ReviseAgreement,
    SignAgreement,
)
from events.agreement.events import (
    AGREEMENT_EVENTS,
    AgreementContent,
    AgreementDrafted,
    AgreementEnded,
    AgreementExpired,
    AgreementExtended,
    AgreementProposed,
    AgreementPublished,
    AgreementRevised,
    AgreementSignatureRecorded,
    AgreementSignaturesVoided,
    AgreementSigned,
)
from events.agreement.state import AgreementState, evolve_agreement
from events.consequences import require_acknowledged, signatures_voided
from events.context import DecisionContext
from events.decider import Decider
from events.directory.authority import require_party_member, require_signing_mandate
from events.messages import (
    Command,
    Event,
    NotFound,
    RuleViolated,
    Term,
    unknown_command,
)
from events.promise.content import AGREEMENT_STREAM_PREFIX, content_hash
from events.promise.drafting import EDITORS, check_parties
from events.recorded import check_recorded_signature, checked_publication, resolved_period
from events.well_formed import (
    require_id,
    require_not_after,
    require_ordered,
    require_text,
    require_unique,
)

STREAM_PREFIX = AGREEMENT_STREAM_PREFIX
SIGNATORIES = frozenset({"signatory"})
PUBLISHERS = frozenset({"publisher"})
STEWARDS = frozenset({"editor", "signatory", "service"})
"""Who of a party may mark its agreement expired (the platform's expiry job may too)."""
SIGNING = frozenset({"proposed", "partially_signed"})
PUBLISHABLE = frozenset({"signed", "expired", "ended"})
"""An agreement is made public only once every party signed (also after its period)."""


def _resolved(content: AgreementContent) -> AgreementContent:
    """The content with its period's dates read from its label when only the label is given."""
    return replace(content, period=resolved_period(content.period, ("content", "period")))


def _check_content(content: AgreementContent, context: DecisionContext) -> None:
    check_parties(content.parties, context)
    require_text(content.title, ("content", "title"), max_length=300)
    if content.goal is not None:
        require_text(content.goal, ("content", "goal"))
    period = content.period
    if period.label is not None:
        require_text(period.label, ("content", "period", "label"), max_length=100)
    require_ordered(period.valid_from, period.valid_to, ("content", "period", "valid_to"))
    require_unique(tuple(f.focus_area_id for f in content.focus_areas), ("content", "focus_areas"))
    for position, area in enumerate(content.focus_areas):
        require_id(area.focus_area_id, ("content", "focus_areas", position, "focus_area_id"))
        require_text(area.title, ("content", "focus_areas", position, "title"), max_length=300)
        if area.description is not None:
            require_text(area.description, ("content", "focus_areas", position, "description"))


def _not_found() -> NotFound:
    return NotFound(code="agreement_not_found", message="No such agreement has been drafted.")


def agreement_gate(command: Command, state: AgreementState) -> None:
    """Refuse, as if the agreement did not exist, an actor who may not see it (events.access).

    An agreement's stream is seen by its parties only; the platform's expiry job, acting for no
    party, may expire any agreement whose period ended.
    """
    if isinstance(command, DraftAgreement):
        return
    if state.status == "none":
        raise _not_found()
    if isinstance(command, ExpireAgreement) and operates_platform(command.actor):
        return
    require_party_seen(command.actor, state.parties, public=False, missing=_not_found())


def _require_status(state: AgreementState, allowed: frozenset[str], action: str) -> None:
    if state.status == "none":
        raise _not_found()
    if state.status not in allowed:
        raise RuleViolated(
            code="wrong_status",
            message="Cannot {action} an agreement that is {status}.",
            params={
                "action": Term("action", action),
                "status": Term("agreement_status", state.status),
            },
        )


def _require_proposed(
    command: SignAgreement | RecordAgreementSignature, state: AgreementState
) -> None:
    if (command.revision_no, command.content_hash) != (state.revision_no, state.content_hash):
        raise RuleViolated(
            code="stale_revision",
            message=(
                "You signed revision {signed}, but revision {proposed} with hash {hash} "
                "is the one proposed."
            ),
            params={
                "signed": command.revision_no,
                "proposed": state.revision_no,
                "hash": state.content_hash,
            },
        )


def _require_unsigned(state: AgreementState, party_id: str) -> None:
    if party_id in state.signed_by:
        raise RuleViolated(
            code="already_signed",
            message="{party} already signed this revision.",
            params={"party": party_id},
        )


def _completion(state: AgreementState, party_id: str, today: dt.date) -> list[Event]:
    """What follows a signature of `party_id`: once every party signed an agreement whose
    period already ended, it is recorded as expired the day after its period, in the same
    decision (entering an old agreement leaves it where it belongs)."""
    if not state.fully_signed_with(party_id):
        return []
    valid_to = state.content.period.valid_to if state.content is not None else None
    if valid_to is not None and valid_to < today:
        return [AgreementExpired(expired_on=valid_to + dt.timedelta(days=1))]
    return []


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


def _decide_signing(
    command: SignAgreement, state: AgreementState, context: DecisionContext
) -> list[Event]:
    _require_status(state, SIGNING, "sign")
    actor = command.actor
    require_party_member(actor, state.parties, SIGNATORIES, "sign an agreement")
    _require_proposed(command, state)
    today = command.day
    if command.signed_on is not None:
        require_not_after(command.signed_on, today, "signed_on")
    day = command.signed_on or today
    person_id = require_signing_mandate(context.directory, actor, command.party_id, day, "sign")
    _require_unsigned(state, command.party_id)
    signed = AgreementSigned(
        revision_no=state.revision_no,
        content_hash=command.content_hash,
        party_id=command.party_id,
        person_id=person_id,
        signed_on=day,  # a signature made here is dated the day it is made unless given
        role_title=_role_title(context, person_id, command.party_id, day),
    )
    return [signed, *_completion(state, command.party_id, today)]


def _decide_recorded_signature(
    command: RecordAgreementSignature, state: AgreementState
) -> list[Event]:
    """A signature made on paper, recorded by an editor of a party from its evidence."""
    _require_status(state, SIGNING, "record a signature")
    actor = command.actor
    require_party_member(actor, state.parties, EDITORS, "record a signature")
    _require_proposed(command, state)
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
    _require_unsigned(state, command.party_id)
    recorded = AgreementSignatureRecorded(
        revision_no=state.revision_no,
        content_hash=command.content_hash,
        party_id=command.party_id,
        signatory_name=command.signatory_name,
        signatory_title=command.signatory_title,
        signed_on=command.signed_on,
        evidence=command.evidence,
        recorded_by=actor.person_id or actor.subject,
    )
    return [recorded, *_completion(state, command.party_id, today)]


def _decide_publication(
    command: PublishAgreement | RecordAgreementPublication, state: AgreementState
) -> list[Event]:
    """Published here by a publisher, or recorded from its evidence by an editor; only once
    every party signed, never dated in the future nor before the last known signature."""
    recorded = isinstance(command, RecordAgreementPublication)
    action = "record a publication" if recorded else "publish"
    _require_status(state, PUBLISHABLE, action)
    roles = EDITORS if recorded else PUBLISHERS
    require_party_member(command.actor, state.parties, roles, action)
    today = command.day
    published_on = command.published_on if recorded else (command.published_on or today)
    evidence = command.evidence if isinstance(command, RecordAgreementPublication) else None
    checked_publication(
        channel=command.channel,
        url=command.url,
        published_on=published_on,
        evidence=evidence,
        last_signed_on=state.latest_signature_date(),
        today=today,
    )
    return [
        AgreementPublished(
            revision_no=state.revision_no,
            channel=command.channel,
            published_on=published_on,
            url=command.url,
            recorded_from_document=recorded,
            evidence=evidence,
        )
    ]


def _decide_extension(command: ExtendAgreement, state: AgreementState) -> list[Event]:
    if state.status == "expired":
        raise RuleViolated(
            code="agreement_expired",
            message="The agreement expired on {day}; draft a new agreement instead.",
            params={"day": state.expired_on},
        )
    _require_status(state, frozenset({"signed"}), "extend")
    require_party_member(command.actor, state.parties, SIGNATORIES, "extend an agreement")
    require_text(command.reason, "reason")
    assert state.content is not None
    period = state.content.period
    if period.valid_to is not None and command.new_valid_to <= period.valid_to:
        raise RuleViolated(
            code="not_an_extension",
            message="The new end must be after the current end {end}.",
            params={"end": period.valid_to},
        )
    require_ordered(period.valid_from, command.new_valid_to, "new_valid_to")
    return [
        AgreementExtended(
            new_valid_to=command.new_valid_to,
            reason=command.reason,
            decision_ref=command.decision_ref,
        )
    ]


def _decide_expiry(command: ExpireAgreement, state: AgreementState) -> list[Event]:
    _require_status(state, frozenset({"signed"}), "expire")
    if not operates_platform(command.actor):
        require_party_member(command.actor, state.parties, STEWARDS, "expire an agreement")
    valid_to = state.content.period.valid_to if state.content is not None else None
    if valid_to is None or valid_to >= command.day:
        raise RuleViolated(code="period_not_over", message="The agreement period has not ended.")
    return [AgreementExpired(expired_on=valid_to + dt.timedelta(days=1))]


def decide_agreement(
    command: Command, state: AgreementState, context: DecisionContext
) -> list[Event]:
    """Decide any command on an agreement stream."""
    agreement_gate(command, state)
    actor = command.actor
    match command:
        case DraftAgreement():
            require_id(command.agreement_id, "agreement_id")
            if state.status != "none":
                raise RuleViolated(code="agreement_exists", message="The agreement exists.")
            require_party_member(actor, command.content.parties, EDITORS, "draft an agreement")
            _check_content(command.content, context)
            content = _resolved(command.content)
            return [AgreementDrafted(agreement_id=command.agreement_id, content=content)]
        case ReviseAgreement():
            _require_status(state, frozenset({"draft", *SIGNING}), "edit")
            require_party_member(actor, state.parties, EDITORS, "edit an agreement")
            if command.content.parties != state.parties:
                raise RuleViolated(code="parties_fixed", message="The parties cannot change.")
            _check_content(command.content, context)
            content = _resolved(command.content)
            voided: list[Event] = []
            if state.signed_by:
                voiding = signatures_voided(context.directory, state.revision_no, state.signed_by)
                require_acknowledged(command, voiding)
                voided.append(
                    AgreementSignaturesVoided(
                        revision_no=state.revision_no,
                        content_hash=state.content_hash or "",
                        party_ids=tuple(sorted(state.signed_by)),
                        reason="the agreement was edited",
                    )
                )
            return [*voided, AgreementRevised(content=content)]
        case ProposeAgreement():
            _require_status(state, frozenset({"draft"}), "propose")
            require_party_member(actor, state.parties, EDITORS, "propose an agreement")
            assert state.content is not None
            return [
                AgreementProposed(
                    revision_no=state.revision_no + 1, content_hash=content_hash(state.content)
                )
            ]
        case SignAgreement():
            return _decide_signing(command, state, context)
        case RecordAgreementSignature():
            return _decide_recorded_signature(command, state)
        case PublishAgreement() | RecordAgreementPublication():
            return _decide_publication(command, state)
        case ExtendAgreement():
            return _decide_extension(command, state)
        case ExpireAgreement():
            return _decide_expiry(command, state)
        case EndAgreement():
            _require_status(state, frozenset({"signed"}), "end")
            require_party_member(actor, state.parties, SIGNATORIES, "end an agreement")
            require_text(command.reason, "reason")
            return [AgreementEnded(ended_on=command.day, reason=command.reason)]
    raise unknown_command(command)


def agreement_stream(command: Command) -> str:
    """The stream an agreement command addresses: "agreement-<agreement_id>"."""
    assert isinstance(command, AgreementCommand)
    return STREAM_PREFIX + command.agreement_id


AGREEMENT: Decider[AgreementState] = Decider(
    name="agreement",
    stream_prefix=STREAM_PREFIX,
    initial_state=AgreementState(),
    decide=decide_agreement,
    evolve=evolve_agreement,
    command_types=(
        DraftAgreement,
        ReviseAgreement,
        ProposeAgreement,
        SignAgreement,
        RecordAgreementSignature,
        PublishAgreement,
        RecordAgreementPublication,
        ExtendAgreement,
        ExpireAgreement,
        EndAgreement,
    ),
    event_types=AGREEMENT_EVENTS,
    stream_of=agreement_stream,
    gate=agreement_gate,
)
