"""One revision of a promise: its stage, content, content hash and signatures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from events.promise.content import RevisionContent

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
    """Underskrift of one party on one revision and content hash."""

    party_id: str
    person_id: str
    revision_no: int
    content_hash: str
    role_title: str | None
    signed_on: dt.date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Revision:
    """One revision of the promise's content; frozen once proposed."""

    revision_no: int
    content: RevisionContent
    stage: str = STAGE_DRAFT
    content_hash: str | None = None
    signatures: tuple[Signature, ...] = ()

    def signed_parties(self) -> frozenset[str]:
        """Parties that signed this revision."""
        return frozenset(s.party_id for s in self.signatures)

    def fully_signed(self) -> bool:
        """True when every party signed this revision."""
        return self.signed_parties() >= frozenset(self.content.parties)
