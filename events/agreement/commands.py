"""Commands on an agreement (samverkansöverenskommelse): each names its stream's agreement."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from events.agreement.events import AgreementContent
from events.messages import Command
from events.recorded import Evidence


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementCommand(Command):
    """A command addressed to agreement `agreement_id`."""

    agreement_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftAgreement(AgreementCommand):
    """Start an agreement; a period given only as a label ("2021–2023") gets its dates."""

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
class RecordAgreementSignature(AgreementCommand):
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
class PublishAgreement(AgreementCommand):
    """Publish the signed agreement in a channel; `published_on` defaults to today."""

    channel: str
    url: str | None = None
    published_on: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordAgreementPublication(AgreementCommand):
    """Record a publication made outside Samverkan (a web page, a notice) from its evidence.

    `published_on` None when the source gives no date.
    """

    channel: str
    evidence: Evidence
    url: str | None = None
    published_on: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtendAgreement(AgreementCommand):
    """Extend a signed agreement to a later end date."""

    new_valid_to: dt.date
    reason: str
    decision_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpireAgreement(AgreementCommand):
    """Mark a signed agreement whose period ended as expired (a party's steward, or the
    platform's expiry job)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EndAgreement(AgreementCommand):
    """End a signed agreement."""

    reason: str
