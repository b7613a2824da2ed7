"""One revision of a promise: its stage, content, content hash and signatures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from events.promise.content import RevisionContent
from events.recorded import Evidence

# Stages of one revision: where it is in its own life, beside the promise's status.
STAGE_DRAFT = "draft"
STAGE_PROPOSED = "proposed"
STAGE_SIGNED = "signed"
"""Every party signed it; it waits for its period to begin."""
STAGE_IN_FORCE = "in_force"
STAGE_REOPENED = "reopened"
"""It was proposed, then reopened: its signatures are void and revision n+1 carries the edits."""
STAGE_SUPERSEDED = "superseded"
"""An amendment (or a successor promise) replaced it."""
STAGE_WITHDRAWN = "withdrawn"
STAGE_EXPIRED = "expired"
STAGE_TERMINATED = "terminated"
COLLECTING = frozenset({STAGE_PROPOSED, STAGE_SIGNED})
"""Stages of a frozen revision that holds (or awaits) signatures."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Signature:
    """Underskrift of one party on one revision and content hash.

    A live signature names the registered signatory (`person_id`) who signed here. A signature
    recorded from a document (`recorded_from_document`) names the signatory as the document
    states them (`signatory_name`, `signatory_title`, None when it names nobody), is attributed
    to the editor who recorded it (`recorded_by`) and carries its `evidence`.
    """

    party_id: str
    person_id: str | None
    revision_no: int
    content_hash: str
    role_title: str | None
    signed_on: dt.date | None
    recorded_from_document: bool = False
    signatory_name: str | None = None
    signatory_title: str | None = None
    recorded_by: str | None = None
    evidence: Evidence | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Revision:
    """One revision of the promise's content; frozen once proposed."""

    revision_no: int
    content: RevisionContent
    stage: str = STAGE_DRAFT
    content_hash: str | None = None
    signatures: tuple[Signature, ...] = ()
    in_force_from: dt.date | None = None
    """The first day this revision was in force (business date), once it entered into force."""
    in_force_until: dt.date | None = None
    """The last day it was in force, once it was replaced, expired or terminated."""

    def in_force_on(self, day: dt.date) -> bool:
        """True when this revision was in force on `day`."""
        start, end = self.in_force_from, self.in_force_until
        return start is not None and start <= day and (end is None or day <= end)

    def latest_signature_date(self) -> dt.date | None:
        """The latest known date among this revision's signatures."""
        dates = [s.signed_on for s in self.signatures if s.signed_on is not None]
        return max(dates) if dates else None

    def signed_parties(self) -> frozenset[str]:
        """Parties that signed this revision."""
        return frozenset(s.party_id for s in self.signatures)

    def fully_signed(self) -> bool:
        """True when every party signed this revision."""
        return self.signed_parties() >= frozenset(self.content.parties)
