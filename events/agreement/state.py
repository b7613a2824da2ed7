"""The folded state of one agreement: status, content, signatures, publications, extensions.

Status: draft → proposed → partially_signed → signed, then expired (its period ended, recorded
by an `AgreementExpired` event) or ended. `signed` means every party signed, by hand here or
on paper (recorded): the agreement then holds for its period. Whether it is in force on a
given day is derived from the period by whoever knows the day (the read side), never by a
clock inside this fold; that it ended is an event, appended by a steward or the platform's
daily expiry job.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from events.agreement.events import (
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
from events.frozen import replace
from events.messages import Event
from events.recorded import Evidence

STATUSES = ("draft", "proposed", "partially_signed", "signed", "expired", "ended")
"""Every status a drafted agreement can be in (refusals name them)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementSignature:
    """Underskrift of one party on the proposed revision.

    A live signature names the registered signatory (`person_id`, with the directory's title
    in `signatory_title`). A signature recorded from a document (`recorded_from_document`)
    names the signatory as the document states them (`signatory_name`, `signatory_title`, None
    when it names nobody), is attributed to the editor who recorded it (`recorded_by`) and
    carries its `evidence`.
    """

    party_id: str
    revision_no: int
    content_hash: str
    signed_on: dt.date | None
    person_id: str | None = None
    signatory_name: str | None = None
    signatory_title: str | None = None
    recorded_from_document: bool = False
    recorded_by: str | None = None
    evidence: Evidence | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementPublication:
    """Where and when the signed agreement was made public."""

    revision_no: int
    channel: str
    published_on: dt.date | None
    url: str | None = None
    recorded_from_document: bool = False
    evidence: Evidence | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementExtension:
    """Förlängning: the end moved from `previous_valid_to` to `new_valid_to` by decision."""

    previous_valid_to: dt.date | None
    new_valid_to: dt.date
    reason: str
    decision_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementState:
    """One agreement: status, content, the proposed revision's hash and its signatures."""

    agreement_id: str = ""
    status: str = "none"
    content: AgreementContent | None = None
    revision_no: int = 0
    content_hash: str | None = None
    signatures: tuple[AgreementSignature, ...] = ()
    publications: tuple[AgreementPublication, ...] = ()
    extensions: tuple[AgreementExtension, ...] = ()
    expired_on: dt.date | None = None
    ended_on: dt.date | None = None

    @property
    def signed_by(self) -> tuple[str, ...]:
        """The parties that signed the proposed revision, in signing order."""
        return tuple(s.party_id for s in self.signatures)

    @property
    def parties(self) -> tuple[str, ...]:
        """The parties to the agreement (none before it is drafted)."""
        return () if self.content is None else self.content.parties

    def fully_signed_with(self, party_id: str) -> bool:
        """True when every party has signed once `party_id` has too."""
        return set(self.signed_by) | {party_id} >= set(self.parties)

    def latest_signature_date(self) -> dt.date | None:
        """The latest known date among the signatures."""
        dates = [s.signed_on for s in self.signatures if s.signed_on is not None]
        return max(dates) if dates else None


def _signed(state: AgreementState, signature: AgreementSignature) -> AgreementState:
    signatures = (*state.signatures, signature)
    done = {s.party_id for s in signatures} >= set(state.parties)
    return replace(state, signatures=signatures, status="signed" if done else "partially_signed")


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
                signatures=(),
            )
        case AgreementSigned():
            signature = AgreementSignature(
                party_id=event.party_id,
                revision_no=event.revision_no,
                content_hash=event.content_hash,
                signed_on=event.signed_on,
                person_id=event.person_id,
                signatory_title=event.role_title,
            )
            return _signed(state, signature)
        case AgreementSignatureRecorded():
            signature = AgreementSignature(
                party_id=event.party_id,
                revision_no=event.revision_no,
                content_hash=event.content_hash,
                signed_on=event.signed_on,
                signatory_name=event.signatory_name,
                signatory_title=event.signatory_title,
                recorded_from_document=True,
                recorded_by=event.recorded_by,
                evidence=event.evidence,
            )
            return _signed(state, signature)
        case AgreementSignaturesVoided():
            return replace(state, signatures=())
        case AgreementPublished():
            publication = AgreementPublication(
                revision_no=event.revision_no,
                channel=event.channel,
                published_on=event.published_on,
                url=event.url,
                recorded_from_document=event.recorded_from_document,
                evidence=event.evidence,
            )
            return replace(state, publications=(*state.publications, publication))
        case AgreementExtended():
            if state.content is None:
                return state
            period = state.content.period
            extension = AgreementExtension(
                previous_valid_to=period.valid_to,
                new_valid_to=event.new_valid_to,
                reason=event.reason,
                decision_ref=event.decision_ref,
            )
            content = replace(state.content, period=replace(period, valid_to=event.new_valid_to))
            return replace(state, content=content, extensions=(*state.extensions, extension))
        case AgreementExpired():
            return replace(state, status="expired", expired_on=event.expired_on)
        case AgreementEnded():
            return replace(state, status="ended", ended_on=event.ended_on)
    return state
