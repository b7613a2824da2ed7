"""A promise's revisions as the writing and signing pages show them, shaped from the `document`
GraphQL gives a party's members (its `state`: the revision in force, the working revision and
the past ones, each with its content, content hash and signatures).

The pages decide nothing from these: which forms to offer is a convenience, and every form's
command is decided by the API, whose refusal the page shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.web.public.present import N_

STAGES = {
    "draft": N_("being written"),
    "proposed": N_("proposed for signing"),
    "signed": N_("signed by every party"),
    "in_force": N_("in force"),
    "reopened": N_("reopened (its signatures are void)"),
    "superseded": N_("replaced by a later revision"),
    "withdrawn": N_("withdrawn"),
    "expired": N_("expired"),
    "terminated": N_("terminated"),
}
"""A revision's stage in words."""
COLLECTING = ("proposed", "signed")
"""Stages of a revision that holds or awaits signatures (events.promise.revision)."""
COMPARATORS = {">=": N_("at least"), "=": N_("exactly"), "<=": N_("at most")}
TARGET_PERIODS = {
    "period": N_("over the period"),
    "year": N_("per year"),
    "month": N_("per month"),
    "occurrence": N_("per occasion"),
}
PLACE_KINDS = {
    "centrum": N_("town centre"),
    "station": N_("station"),
    "district": N_("district"),
    "kommundel": N_("part of the municipality"),
    "school": N_("school"),
    "road": N_("road"),
    "other": N_("other"),
}
CONSEQUENCE_KINDS = frozenset({"VOID_SIGNATURES"})
"""The ConsequenceKind values a confirmation may carry (schema ConsequenceKind)."""
PARTY_KINDS = ("municipality", "police_area", "partner")
"""Organisations that may be a promise's party (the API checks the rule: events.promise)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Revision:
    """One revision: its number, stage, content hash, content and signatures."""

    number: int
    stage: str
    content_hash: str | None
    content: Mapping[str, Any]
    signatures: Sequence[Mapping[str, Any]]
    in_force_from: str | None
    in_force_until: str | None

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> Revision:
        """A revision from the document's plain form."""
        return cls(
            number=int(raw["revision_no"]),
            stage=str(raw.get("stage") or "draft"),
            content_hash=raw.get("content_hash"),
            content=raw.get("content") or {},
            signatures=list(raw.get("signatures") or ()),
            in_force_from=raw.get("in_force_from"),
            in_force_until=raw.get("in_force_until"),
        )

    @property
    def details(self) -> Mapping[str, Any]:
        """The header: title, period, goal and the texts around the commitments."""
        details: Mapping[str, Any] = self.content.get("details") or {}
        return details

    @property
    def period(self) -> Mapping[str, Any]:
        """The period: valid_from, valid_to, label."""
        period: Mapping[str, Any] = self.details.get("period") or {}
        return period

    @property
    def focus_areas(self) -> list[Mapping[str, Any]]:
        return list(self.content.get("focus_areas") or ())

    @property
    def places(self) -> list[Mapping[str, Any]]:
        return list(self.content.get("places") or ())

    @property
    def commitments(self) -> list[Mapping[str, Any]]:
        return list(self.content.get("commitments") or ())

    @property
    def parties(self) -> list[str]:
        return list(self.content.get("parties") or ())

    def signed_by(self) -> set[str]:
        """The parties that signed this revision."""
        return {s["party_id"] for s in self.signatures}

    def signature_of(self, party_id: str) -> Mapping[str, Any] | None:
        """The signature of `party_id` on this revision, if it signed."""
        return next((s for s in self.signatures if s["party_id"] == party_id), None)

    def area_title(self, focus_area_id: str | None) -> str | None:
        """The title of a focus area of this revision, if it has one by that id."""
        return next(
            (a["title"] for a in self.focus_areas if a["focus_area_id"] == focus_area_id), None
        )

    def place_name(self, place_id: str) -> str:
        """The name of a place of this revision (its id when it has none by that id)."""
        return next((p["name"] for p in self.places if p["place_id"] == place_id), place_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class Revisions:
    """Every revision a party's member sees, oldest first, and which is which."""

    all: list[Revision]
    working: Revision | None
    in_force: Revision | None

    @property
    def to_sign(self) -> Revision | None:
        """The revision that holds or awaits signatures, if any."""
        working = self.working
        return working if working is not None and working.stage in COLLECTING else None

    @property
    def editable(self) -> Revision | None:
        """The revision being written, if any (a proposed one reopens when edited)."""
        working = self.working
        return working if working is not None and working.stage in ("draft", "proposed") else None


def revisions_of(document: Mapping[str, Any]) -> Revisions:
    """The revisions of a promise document; none for a public view (which has no state)."""
    state: Mapping[str, Any] = document.get("state") or {}
    past = [Revision.of(r) for r in state.get("past_revisions") or ()]
    in_force = Revision.of(state["in_force"]) if state.get("in_force") else None
    working = Revision.of(state["working"]) if state.get("working") else None
    shown = [*past, *(r for r in (in_force, working) if r is not None)]
    return Revisions(all=sorted(shown, key=lambda r: r.number), working=working, in_force=in_force)


def unpublished(document: dict[str, Any]) -> bool:
    """True when the revision in force (else a fully signed one) has not been published."""
    state = document.get("state") or {}
    revision = state.get("in_force") or state.get("working") or {}
    number = revision.get("revision_no")
    return not any(p["revision_no"] == number for p in state.get("publications") or ())


def party_choices(
    organisations: Sequence[Mapping[str, Any]], own: str
) -> list[tuple[str, str, str]]:
    """The organisations a promise may be drafted with besides `own`: (id, name, kind)."""
    return [
        (o["id"], o["name"], o["kind"])
        for o in organisations
        if o["kind"] in PARTY_KINDS and o["id"] != own
    ]


def acknowledged(form: Mapping[str, Sequence[str]]) -> list[str]:
    """The consequence kinds a confirmation form carries (anything else is dropped)."""
    return sorted({k for k in form.get("acknowledge", ()) if k in CONSEQUENCE_KINDS})
