"""What an agreement (samverkansöverenskommelse, SÖK) holds and the events of its life."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from events.messages import Event
from events.promise.content import FocusArea, Period
from events.recorded import Evidence


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementContent:
    """What the parties sign: parties, title, goal (mål), period, prioriterade områden."""

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
    """SÖK undertecknad by one party, here, by a registered signatory with a mandate.

    `role_title` is the signatory's title in the directory on the day (None in events written
    before it was kept, or when the directory names none).
    """

    revision_no: int
    content_hash: str
    party_id: str
    person_id: str
    signed_on: dt.date | None = None
    role_title: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementSignatureRecorded(Event):
    """A signature made outside Samverkan (on paper), recorded from the document that shows it.

    Never a live signature (`AgreementSigned`): the signatory is named as the document states
    them (None when it names nobody), `recorded_by` is the editor who recorded it, `evidence`
    says where the document is, and `signed_on` is None when the document gives no date.
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
class AgreementSignaturesVoided(Event):
    """An edit of the proposed agreement voided its signatures."""

    revision_no: int
    content_hash: str
    party_ids: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementPublished(Event):
    """SÖK offentliggjord in a channel on `published_on` (None: the source gives no date).

    `recorded_from_document` marks a publication recorded afterwards from `evidence` (a web
    page, a press release) rather than published through Samverkan by a publisher.
    """

    revision_no: int
    channel: str
    published_on: dt.date | None
    url: str | None = None
    recorded_from_document: bool = False
    evidence: Evidence | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementExtended(Event):
    """SÖK förlängd to a new end date by decision."""

    new_valid_to: dt.date
    reason: str
    decision_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementExpired(Event):
    """SÖK utgången: its period ended; `expired_on` is the first day after it."""

    expired_on: dt.date


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
    AgreementSignatureRecorded,
    AgreementSignaturesVoided,
    AgreementPublished,
    AgreementExtended,
    AgreementExpired,
    AgreementEnded,
)
