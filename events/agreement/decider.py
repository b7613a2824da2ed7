"""The agreement decider (samverkansöverenskommelse, SÖK): drafted, proposed, signed, extended.

Stream "agreement-<id>". Like a promise, proposing freezes the content under a hash, an edit of
a proposed agreement voids its signatures, and a signature names revision and hash.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from events.access import require_party_seen
from events.consequences import require_acknowledged, signatures_voided
from events.context import DecisionContext
from events.decider import Decider
from events.directory.authority import require_party_member, require_signing_mandate
from events.messages import Command, Event, NotFound, RuleViolated, Term, unknown_command
from events.promise.content import FocusArea, Period, content_hash
from events.promise.drafting import EDITORS, check_parties
from events.well_formed import (
    require_id,
    require_not_after,
    require_ordered,
    require_text,
    require_unique,
)

STREAM_PREFIX = "agreement-"
SIGNATORIES = frozenset({"signatory"})
STATUSES = ("draft", "proposed", "partially_signed", "signed", "ended")
"""Every status a drafted agreement can be in (refusals name them)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementContent:
    """What the parties sign: parties, title, goal (mål), period and prioritised focus areas."""

    parties: tuple[str, ...]
    title: str
    goal: str | None = None
    period: Period = field(default_factory=Period)
    focus_areas: tuple[FocusArea, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementDrafted(Event):
    """SÖK upprättad (utkast)."""

    agreement_id: str
    content: AgreementContent


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementRevised(Event):
    """The draft's content was replaced."""

    content: AgreementContent


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementProposed(Event):
    """SÖK lagd för underskrift: content frozen under `content_hash`."""

    revision_no: int
    content_hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementSigned(Event):
    """SÖK undertecknad by one party."""

    revision_no: int
    content_hash: str
    party_id: str
    person_id: str
    signed_on: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementSignaturesVoided(Event):
    """An edit of the proposed agreement voided its signatures."""

    revision_no: int
    content_hash: str
    party_ids: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementExtended(Event):
    """SÖK förlängd to a new end date by decision."""

    new_valid_to: dt.date
    reason: str
    decision_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementEnded(Event):
    """SÖK avslutad."""

    ended_on: dt.date
    reason: str


AGREEMENT_EVENTS: tuple[type[Event], ...] = (
    AgreementDrafted,
    AgreementRevised,
    AgreementProposed,
    AgreementSigned,
    AgreementSignaturesVoided,
    AgreementExtended,
    AgreementEnded,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementCommand(Command):
    """A command addressed to agreement `agreement_id`."""

    agreement_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftAgreement(AgreementCommand):
    """Start an agreement."""

    content: AgreementContent


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviseAgreement(AgreementCommand):
    """Replace the content of an unsigned agreement (parties stay)."""

    content: AgreementContent


@dataclass(frozen=True, slots=True, kw_only=True)
class ProposeAgreement(AgreementCommand):
    """Freeze the agreement for signing."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SignAgreement(AgreementCommand):
    """Sign the proposed revision for your own party."""

    revision_no: int
    content_hash: str
    party_id: str
    signed_on: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtendAgreement(AgreementCommand):
    """Extend a signed agreement to a later end date."""

    new_valid_to: dt.date
    reason: str
    decision_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EndAgreement(AgreementCommand):
    """End a signed agreement."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementState:
    """One agreement: status, content, the proposed revision's hash and signatures."""

    agreement_id: str = ""
    status: str = "none"
    content: AgreementContent | None = None
    revision_no: int = 0
    content_hash: str | None = None
    signed_by: tuple[str, ...] = ()


def evolve_agreement(state: AgreementState, event: Event) -> AgreementState:
    """Fold one agreement event into the state."""
    match event:
        case AgreementDrafted():
            return replace(
                state, agreement_id=event.agreement_id, status="draft", content=event.content
            )
        case AgreementRevised():
            return replace(state, status="draft", content=event.content, content_hash=None)
        case AgreementProposed():
            return replace(
                state,
                status="proposed",
                revision_no=event.revision_no,
                content_hash=event.content_hash,
                signed_by=(),
            )
        case AgreementSigned():
            signed_by = (*state.signed_by, event.party_id)
            parties = () if state.content is None else state.content.parties
            status = "signed" if set(signed_by) >= set(parties) else "partially_signed"
            return replace(state, status=status, signed_by=signed_by)
        case AgreementSignaturesVoided():
            return replace(state, signed_by=())
        case AgreementExtended():
            if state.content is None:
                return state
            period = replace(state.content.period, valid_to=event.new_valid_to)
            return replace(state, content=replace(state.content, period=period))
        case AgreementEnded():
            return replace(state, status="ended")
    return state


def _check_content(content: AgreementContent, context: DecisionContext) -> None:
    check_parties(content.parties, context)
    require_text(content.title, ("content", "title"), max_length=300)
    if content.goal is not None:
        require_text(content.goal, ("content", "goal"))
    period = content.period
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
    """Refuse, as if the agreement did not exist, an actor who may not see it (events.access);
    an agreement is never public."""
    if isinstance(command, DraftAgreement):
        return
    if state.status == "none":
        raise _not_found()
    require_party_seen(command.actor, _parties(state), public=False, missing=_not_found())


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


def _parties(state: AgreementState) -> tuple[str, ...]:
    return () if state.content is None else state.content.parties


def _decide_signing(
    command: SignAgreement, state: AgreementState, context: DecisionContext
) -> list[Event]:
    _require_status(state, frozenset({"proposed", "partially_signed"}), "sign")
    actor = command.actor
    require_party_member(actor, _parties(state), SIGNATORIES, "sign an agreement")
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
    today = command.at.date()
    if command.signed_on is not None:
        require_not_after(command.signed_on, today, "signed_on")
    day = command.signed_on or today
    person_id = require_signing_mandate(context.directory, actor, command.party_id, day, "sign")
    if command.party_id in state.signed_by:
        raise RuleViolated(
            code="already_signed",
            message="{party} already signed this revision.",
            params={"party": command.party_id},
        )
    return [
        AgreementSigned(
            revision_no=state.revision_no,
            content_hash=command.content_hash,
            party_id=command.party_id,
            person_id=person_id,
            signed_on=day,  # a signature made here is dated the day it is made unless given
        )
    ]


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
            return [AgreementDrafted(agreement_id=command.agreement_id, content=command.content)]
        case ReviseAgreement():
            _require_status(state, frozenset({"draft", "proposed", "partially_signed"}), "edit")
            require_party_member(actor, _parties(state), EDITORS, "edit an agreement")
            if command.content.parties != _parties(state):
                raise RuleViolated(code="parties_fixed", message="The parties cannot change.")
            _check_content(command.content, context)
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
            return [*voided, AgreementRevised(content=command.content)]
        case ProposeAgreement():
            _require_status(state, frozenset({"draft"}), "propose")
            require_party_member(actor, _parties(state), EDITORS, "propose an agreement")
            assert state.content is not None
            return [
                AgreementProposed(
                    revision_no=state.revision_no + 1, content_hash=content_hash(state.content)
                )
            ]
        case SignAgreement():
            return _decide_signing(command, state, context)
        case ExtendAgreement():
            _require_status(state, frozenset({"signed"}), "extend")
            require_party_member(actor, _parties(state), SIGNATORIES, "extend an agreement")
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
        case EndAgreement():
            _require_status(state, frozenset({"signed"}), "end")
            require_party_member(actor, _parties(state), SIGNATORIES, "end an agreement")
            require_text(command.reason, "reason")
            return [AgreementEnded(ended_on=command.at.date(), reason=command.reason)]
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
        ExtendAgreement,
        EndAgreement,
    ),
    event_types=AGREEMENT_EVENTS,
    stream_of=agreement_stream,
    gate=agreement_gate,
)
