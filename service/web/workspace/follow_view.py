"""What the follow-up pages show, shaped from the promise's GraphQL answer: the follow-ups
(uppföljningar) of its document, one commitment's progress beside its assessment, the parties'
approvals, and the public page's preview.

The preview is the public page's own shaping (service.web.public.promise_view) over the view
citizens see now, with this follow-up added as if it were published: what the public page
will show once it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.web.public.present import FOLLOW_UP_KIND, N_, STATUS_LABEL, Directory, Words
from service.web.public.promise_view import PromiseInput, PromisePage, promise_page

ASSESSMENTS = STATUS_LABEL
"""What an assessment may say of a commitment (the API's statuses), in the public page's
words."""
KINDS = FOLLOW_UP_KIND
"""A follow-up's kind as the public page names it (Delrapport, Slutrapport)."""
STAGES = {
    "draft": N_("Being assessed"),
    "approving": N_("Being approved"),
    "approved": N_("Approved by every party"),
    "published": N_("Published"),
}
"""Where a follow-up stands."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """One follow-up of the promise as its parties see it."""

    report_id: str
    kind: str
    covers_from: dt.date
    covers_to: dt.date
    assessments: Mapping[str, Mapping[str, Any]]
    approved_by: tuple[str, ...]
    published: bool
    published_on: dt.date | None
    channel: str | None
    url: str | None
    stage: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One commitment on the follow-up page: its progress and its assessment so far, and the
    ids of its form's fields (`c<n>-status` …, unique on the page)."""

    index: int
    commitment_id: str
    progress: Mapping[str, Any]
    assessment: Mapping[str, Any] | None

    def field(self, name: str) -> str:
        """The id of this commitment's form field `name`."""
        return f"c{self.index}-{name}"


def stage_of(raw: Mapping[str, Any], parties: Sequence[str]) -> str:
    """draft, approving, approved or published."""
    approved = set(raw.get("approved_by") or ())
    if raw.get("published"):
        return "published"
    if approved and approved >= set(parties):
        return "approved"
    return "approving" if approved else "draft"


def _day(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value else None


def reports_of(document: Mapping[str, Any], parties: Sequence[str]) -> list[Report]:
    """The follow-ups a party's member sees, newest period first; none in a public view
    (the document has no state then)."""
    state: Mapping[str, Any] = document.get("state") or {}
    found = [
        Report(
            report_id=str(f["report_id"]),
            kind=str(f["kind"]),
            covers_from=dt.date.fromisoformat(str(f["covers_from"])),
            covers_to=dt.date.fromisoformat(str(f["covers_to"])),
            assessments={
                str(a["commitment_id"]): a for a in f.get("assessments") or () if a is not None
            },
            approved_by=tuple(f.get("approved_by") or ()),
            published=bool(f.get("published")),
            published_on=_day(f.get("published_on")),
            channel=f.get("channel"),
            url=f.get("url"),
            stage=stage_of(f, parties),
        )
        for f in state.get("follow_ups") or ()
    ]
    return sorted(found, key=lambda r: (r.covers_to, r.report_id), reverse=True)


def report_in(document: Mapping[str, Any], parties: Sequence[str], report_id: str) -> Report | None:
    """The follow-up `report_id`, or None when this person sees no such follow-up."""
    return next((r for r in reports_of(document, parties) if r.report_id == report_id), None)


def rows_of(progress: Iterable[Mapping[str, Any]], report: Report) -> list[Row]:
    """Every commitment in force, with its progress and its assessment in `report`."""
    return [
        Row(
            index=n,
            commitment_id=str(p["commitmentId"]),
            progress=p,
            assessment=report.assessments.get(str(p["commitmentId"])),
        )
        for n, p in enumerate(progress, start=1)
    ]


def chosen_due(
    schedule: Sequence[Mapping[str, Any]], wanted: str | None
) -> Mapping[str, Any] | None:
    """The planned follow-up a new one meets: the one asked for, else the first overdue or due
    soon, else the first still to come; None when nothing is planned."""
    open_items = [s for s in schedule if s["status"] != "met"]
    for item in schedule:
        if wanted and item["dueId"] == wanted:
            return item
    for status in ("overdue", "due_soon", "upcoming"):
        for item in open_items:
            if item["status"] == status:
                return item
    return None


def directory_of(organisations: Iterable[Mapping[str, Any]]) -> Directory:
    """The names the public page's shaping needs, from the GraphQL organisations."""
    return Directory.of(
        (
            {"org_id": o["id"], "name": o["name"], "kind": o["kind"], "kommunkod": o["kommunkod"]}
            for o in organisations
        ),
        (),
    )


def public_now(document: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The view citizens see now; None when the promise is not published."""
    public: Mapping[str, Any] | None = document.get("public")
    return public


def preview(
    document: Mapping[str, Any],
    report_id: str,
    organisations: Iterable[Mapping[str, Any]],
    today: dt.date,
    words: Words,
) -> PromisePage:
    """The public page as it will be once `report_id` is published: the published view (or,
    for a promise not yet published, the revision in force), its follow-ups with this one
    among them, shaped as the public page shapes it."""
    state: Mapping[str, Any] = document.get("state") or {}
    shown = [
        {**f, "published": True}
        for f in state.get("follow_ups") or ()
        if f.get("published") or f.get("report_id") == report_id
    ]
    now = public_now(document)
    base: dict[str, Any] = (
        dict(now)
        if now is not None
        else {
            "promise_id": state.get("promise_id"),
            "status": state.get("status"),
            "revision": state.get("in_force") or {},
            "publications": [],
            "progress": document.get("progress") or [],
            "activities": [],
        }
    )
    base["follow_ups"] = shown
    source = PromiseInput(
        public=base,
        activities=list(base.get("activities") or []),
        directory=directory_of(organisations),
        today=today,
    )
    return promise_page(source, words)
