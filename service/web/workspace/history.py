"""A stream's history in words ("vem gjorde vad, när"): who, what and when of each entry the
API's `history` gives, for the auditor's pages and the promise page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request

from events.messages import Principal
from service.web.public.present import N_, Words
from service.web.public_page import HOME
from service.web.workspace.graph import Graph

HISTORY = """
query History($id: ID!, $after: Int!) {
  history(promiseId: $id, first: 100, afterVersion: $after) {
    __typename
    ... on HistoryPage {
      entries {
        logIndex eventId streamVersion type actorIssuer actorSubject organisationId roles
        clientId occurredAt recordedAt
      }
      pageInfo { endCursor hasNextPage }
    }
    ... on Forbidden { message code }
    ... on InvalidInput { message code }
  }
}
"""
NAMES = """
query Names { organisations { id name people { personId name } } }
"""
HISTORY_PAGES = 20
"""How many pages of HISTORY a page reads at most (2,000 entries)."""

EVENTS = {
    "PromiseDrafted": N_("drafted the promise"),
    "PromiseDetailsRevised": N_("revised the promise's details"),
    "PromiseInputRecorded": N_("recorded an input the promise rests on"),
    "PromiseInputRemoved": N_("removed an input the promise rests on"),
    "FocusAreaAdded": N_("added a focus area"),
    "FocusAreaRemoved": N_("removed a focus area"),
    "PlaceRegistered": N_("registered a place"),
    "SharedPlaceLinked": N_("linked a shared place"),
    "PlaceRemoved": N_("removed a place"),
    "CommitmentAdded": N_("added a commitment"),
    "CommitmentRevised": N_("revised a commitment"),
    "CommitmentRemoved": N_("removed a commitment"),
    "PromiseProposedForSigning": N_("proposed the promise for signing"),
    "PromiseSigned": N_("signed the promise"),
    "PromiseSignatureRecorded": N_("recorded a signature given on paper"),
    "PromiseSignaturesVoided": N_("voided the signatures"),
    "PromiseReopened": N_("reopened the promise"),
    "PromiseEnteredIntoForce": N_("recorded that the promise entered into force"),
    "PromiseAmendmentStarted": N_("started an amendment"),
    "PromiseAmended": N_("amended the promise"),
    "PromisePublished": N_("published the promise"),
    "PromiseWithdrawn": N_("withdrew the promise"),
    "PromiseTerminated": N_("terminated the promise"),
    "PromiseExpired": N_("recorded that the promise expired"),
    "PromiseClosed": N_("closed the promise"),
    "PromiseArchived": N_("archived the promise"),
    "PromiseSuperseded": N_("recorded that the promise was superseded"),
    "ActivityPerformed": N_("recorded a performed activity"),
    "ActivityRecordCorrected": N_("corrected an activity record"),
    "ActivityRecordVoided": N_("voided an activity record"),
    "ActivityPlanned": N_("planned an activity"),
    "OccurrenceMoved": N_("moved a planned occasion"),
    "OccurrenceCancelled": N_("cancelled a planned occasion"),
    "OccurrencePerformed": N_("carried out a planned occasion"),
    "FollowUpScheduled": N_("scheduled a follow-up"),
    "FollowUpRescheduled": N_("rescheduled a follow-up"),
    "FollowUpReportDrafted": N_("drafted a follow-up report"),
    "CommitmentAssessed": N_("assessed a commitment"),
    "FollowUpApproved": N_("approved a follow-up"),
    "FollowUpPublished": N_("published a follow-up"),
}
"""What an event type says was done, as the rest of a sentence after who did it."""
ROLES = {
    "viewer": N_("reader"),
    "editor": N_("editor"),
    "signatory": N_("signatory"),
    "publisher": N_("publisher"),
    "org_admin": N_("administrator"),
    "auditor": N_("auditor"),
    "service": N_("system"),
}
"""A role in words (the directory's names)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One history entry in words: when (Swedish time), who (a person or a system, of which
    organisation and in which roles) and what; with the event's id for its proof."""

    event_id: str
    log_index: int
    version: int
    when: dt.datetime
    who: str
    organisation: str
    roles: str
    what: str
    event_type: str


async def read_history(
    graph: Graph, request: Request, principal: Principal, promise_id: str
) -> list[dict[str, Any]] | dict[str, Any]:
    """Every history entry of the promise as the API gives it, oldest first (at most
    HISTORY_PAGES pages), or the API's refusal (Forbidden, InvalidInput)."""
    entries: list[dict[str, Any]] = []
    after = 0
    for _ in range(HISTORY_PAGES):
        data = await graph.run(request, principal, HISTORY, {"id": promise_id, "after": after})
        result: dict[str, Any] = data["history"]
        if result["__typename"] != "HistoryPage":
            return result
        entries.extend(result["entries"])
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = int(result["pageInfo"]["endCursor"])
    return entries


async def names(
    graph: Graph, request: Any, principal: Principal
) -> tuple[dict[str, str], dict[str, str]]:
    """Organisation names by id and the people's names by person id, as the caller sees them."""
    data = await graph.run(request, principal, NAMES, {})
    organisations = {o["id"]: o["name"] for o in data["organisations"]}
    people = {
        p["personId"]: p["name"] for o in data["organisations"] for p in o["people"] if p["name"]
    }
    return organisations, people


def in_words(
    entries: Sequence[Mapping[str, Any]],
    words: Words,
    organisations: Mapping[str, str],
    people: Mapping[str, str],
) -> list[Entry]:
    """The entries in words, oldest first; an unknown event type keeps its name."""
    return [
        Entry(
            event_id=e["eventId"],
            log_index=e["logIndex"],
            version=e["streamVersion"],
            when=dt.datetime.fromisoformat(e["recordedAt"]).astimezone(ZoneInfo(HOME)),
            who=_who(e, words, people),
            organisation=organisations.get(e["organisationId"] or "", e["organisationId"] or ""),
            roles=", ".join(words.label(ROLES, r) for r in e["roles"]),
            what=words.label(EVENTS, e["type"]),
            event_type=e["type"],
        )
        for e in entries
    ]


def _who(entry: Mapping[str, Any], words: Words, people: Mapping[str, str]) -> str:
    subject = entry["actorSubject"]
    if subject is None:
        return words(N_("The system"))
    return people.get(subject, subject)
