"""What the workspace's pages show, shaped from GraphQL answers: plain values for templates.

Words are gettext msgids marked with `N_` (translated when a page is rendered); the page
decides nothing the API has not decided.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.web.public.present import N_

ACTIONS = {
    "sign_revision": N_("Sign the revision"),
    "approve_follow_up": N_("Approve the follow-up"),
    "publish_promise": N_("Publish the promise"),
    "publish_follow_up": N_("Publish the follow-up"),
    "follow_up_due": N_("Follow-up due soon"),
    "follow_up_overdue": N_("Follow-up overdue"),
    "finding_overdue": N_("Finding of a safety walk overdue"),
}
"""What an inbox item asks of the organisation."""
PACE = {
    "on_track": N_("on track"),
    "behind": N_("behind"),
    "at_risk": N_("at risk"),
    "no_target": N_("no target"),
    "not_assessable": N_("cannot be assessed"),
}
"""A commitment's pace (takt) in words."""
STATUSES = {
    "draft": N_("Draft"),
    "proposed": N_("Proposed"),
    "partially_signed": N_("Partially signed"),
    "signed": N_("Signed"),
    "in_force": N_("In force"),
    "expired": N_("Expired"),
    "closed": N_("Closed"),
    "archived": N_("Archived"),
    "withdrawn": N_("Withdrawn"),
    "terminated": N_("Terminated"),
    "superseded": N_("Superseded"),
}
"""A promise's status; the list's filter offers these."""
OCCURRENCE_STATUSES = {
    "planned": N_("planned"),
    "moved": N_("moved"),
    "cancelled": N_("cancelled"),
    "performed": N_("performed"),
}
FOLLOW_UP_STATUSES = {
    "upcoming": N_("upcoming"),
    "due_soon": N_("due soon"),
    "overdue": N_("overdue"),
    "met": N_("met"),
}
FOLLOW_UP_KINDS = {"interim": N_("interim"), "final": N_("final")}
OPEN = ("planned", "moved")
"""Occurrences still to be carried out."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Planned:
    """One open occurrence of a plan."""

    promise_id: str
    promise_title: str
    plan_id: str
    plan_title: str
    occurrence_id: str
    starts_on: dt.date
    ends_on: dt.date


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The Monday and the Sunday of the week holding `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def planned_between(
    promises: Iterable[Mapping[str, Any]], first: dt.date, last: dt.date
) -> list[Planned]:
    """The open occurrences of the promises' plans that touch the days `first` to `last`,
    by their first day."""
    found = [
        Planned(
            promise_id=promise["id"],
            promise_title=promise["title"] or promise["id"],
            plan_id=plan["planId"],
            plan_title=plan["title"],
            occurrence_id=occurrence["occurrenceId"],
            starts_on=dt.date.fromisoformat(occurrence["startsOn"]),
            ends_on=dt.date.fromisoformat(occurrence["endsOn"]),
        )
        for promise in promises
        for plan in promise["plans"]
        for occurrence in plan["occurrences"]
        if occurrence["status"] in OPEN
        and occurrence["startsOn"] <= last.isoformat()
        and occurrence["endsOn"] >= first.isoformat()
    ]
    return sorted(found, key=lambda p: (p.starts_on, p.promise_id, p.plan_id))


def names_of(organisations: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Organisation names by id."""
    return {o["id"]: o["name"] for o in organisations}


def places_of(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The places (id, name) of the revision in force (what a record may name), else of the
    working revision."""
    state: Mapping[str, Any] = document.get("state") or {}
    revision: Mapping[str, Any] = state.get("in_force") or state.get("working") or {}
    content: Mapping[str, Any] = revision.get("content") or {}
    return [(p["place_id"], p["name"]) for p in content.get("places") or ()]


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldError:
    """A refusal shown in the error summary, linked to its field's id (None: the form)."""

    message: str
    field: str | None


def incomplete(words: Callable[[str], str]) -> FieldError:
    """The error of a form that came without its command id (not one a page rendered)."""
    return FieldError(message=words(N_("The form is incomplete; open it again.")), field=None)


FORM_FIELDS = {
    "commitmentId": "commitment",
    "occurrenceId": "occurrence",
    "planId": "occurrence",
    "occurredOn": "occurred_on",
    "quantity": "quantity",
    "placeIds": "places",
    "performedBy": "performed_by",
    "summary": "summary",
}
"""The record form's field ids by the mutation input's names."""


def field_of(path: Sequence[str], fields: Mapping[str, str] = FORM_FIELDS) -> str | None:
    """The form field a refusal's path (["input", "occurredOn"], or nested: ["input",
    "commitment", "target", "quantity"]) is about, if any: the longest prefix of the path
    below `input` that `fields` names ("commitment.target.quantity", … "commitment"); `fields`
    maps the input's names to the form's field ids."""
    if len(path) < 2 or path[0] != "input":
        return None
    segments = [str(segment) for segment in path[1:]]
    while segments:
        found = fields.get(".".join(segments))
        if found is not None:
            return found
        segments.pop()
    return None


def refusal_of(
    result: Mapping[str, Any], fields: Mapping[str, str] = FORM_FIELDS
) -> FieldError | None:
    """The refusal a CommandResult is, linked to the form field its input path names, or None
    when it was accepted."""
    if result["__typename"] == "CommandAccepted":
        return None
    return FieldError(message=result["message"], field=field_of(result.get("field") or (), fields))
