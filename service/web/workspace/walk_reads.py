"""What the safety-walk pages read: the queries, the session's setting (the municipalities it
records walks in and the organisations a walk names), a municipality's shared places and a
walk with its findings; the categories and statuses in words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from events.messages import Principal
from service.identity.sessions import LiveSession
from service.web.public.present import N_
from service.web.public_page import today, valid_id
from service.web.workspace.core import Workspace
from service.web.workspace.graph import GraphFailed

WALKS = """
query Walks($m: String, $after: String) {
  walks(municipalityId: $m, first: 50, after: $after) {
    walks { id municipalityId heldOn organiserId findingCount fixedCount }
    pageInfo { endCursor hasNextPage }
  }
  organisations { id name }
}
"""
WALK = """
query Walk($id: ID!, $token: String) {
  walk(id: $id, consistencyToken: $token) {
    id municipalityId heldOn organiserId
    participants { organisationId group count }
    route
    carriesOut { promiseId planId occurrenceId }
    findings {
      id placeId description category ownerId dueOn status closedOn overdue formerOwnerIds reason
    }
    findingCount fixedCount
  }
  organisations { id name kind }
}
"""
SETTING = """
query Setting($me: ID!) {
  organisation(id: $me) { id kind links { municipalityId validFrom validTo } }
  organisations { id name kind links { policeAreaId municipalityId validFrom validTo } }
}
"""
PLACES = """
query Places($m: String!, $after: String) {
  places(municipalityId: $m, first: 100, after: $after) {
    places { id name status }
    pageInfo { endCursor hasNextPage }
  }
}
"""
PLACE_PAGES = 10
"""How many pages of PLACES a page reads at most."""
PLANNED_WALKS = """
query PlannedWalks($m: String!, $after: String) {
  promises(organisation: $m, status: ["in_force"], first: 10, after: $after) {
    promises {
      id title
      plans(first: 20) { planId title kind occurrences { occurrenceId startsOn endsOn status } }
    }
    pageInfo { endCursor hasNextPage }
  }
}
"""
PLANNED_PAGES = 10
"""How many pages of PLANNED_WALKS a page reads at most."""
CATEGORIES = {
    "lighting": N_("Lighting"),
    "vegetation": N_("Vegetation"),
    "vandalism": N_("Vandalism"),
    "littering": N_("Littering"),
    "traffic": N_("Traffic"),
    "other": N_("Other"),
}
"""What a finding is about (RecordFindingInput.category)."""
FINDING_STATUSES = {
    "assigned": N_("assigned"),
    "in_progress": N_("in progress"),
    "done": N_("done"),
    "wont_fix": N_("will not be fixed"),
}
"""Where a finding stands."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Setting:
    """Who the session's organisation may walk with: the municipalities it records walks in
    (its own, or those its police area serves today), and the organisations by id."""

    municipalities: list[str]
    organisations: dict[str, dict[str, Any]]

    def names(self) -> dict[str, str]:
        """Organisation names by id."""
        return {k: o["name"] for k, o in self.organisations.items()}

    def concerned(self, municipality_id: str, me: str, on: dt.date) -> list[str]:
        """The organisations a walk in `municipality_id` would name: the municipality, the
        police areas serving it on `on`, the partners, and the session's own."""
        day = on.isoformat()
        served = [
            link["policeAreaId"]
            for link in (self.organisations.get(municipality_id) or {}).get("links") or ()
            if link["municipalityId"] == municipality_id
            and (link["validFrom"] or "") <= day
            and (link["validTo"] is None or link["validTo"] >= day)
        ]
        partners = [k for k, o in self.organisations.items() if o["kind"] == "partner"]
        return list(dict.fromkeys([municipality_id, *served, *partners, me]))


async def setting_of(ws: Workspace, request: Request, principal: Principal) -> Setting:
    """The session's organisation's Setting, from the directory."""
    data = await ws.graph.run(request, principal, SETTING, {"me": principal.organisation_id})
    organisations = {o["id"]: o for o in data["organisations"]}
    me = data["organisation"] or {"kind": "", "links": []}
    day = today().isoformat()
    if me["kind"] == "municipality":
        municipalities = [principal.organisation_id]
    else:
        municipalities = [
            link["municipalityId"]
            for link in me["links"]
            if (link["validFrom"] or "") <= day
            and (link["validTo"] is None or link["validTo"] >= day)
        ]
    if not municipalities:
        municipalities = [k for k, o in organisations.items() if o["kind"] == "municipality"]
    return Setting(municipalities=list(dict.fromkeys(municipalities)), organisations=organisations)


async def places_of(
    ws: Workspace, request: Request, principal: Principal, municipality_id: str
) -> list[dict[str, Any]]:
    """The municipality's shared places (id, name, status), in pages of PLACES."""
    found: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(PLACE_PAGES):
        page = (
            await ws.graph.run(request, principal, PLACES, {"m": municipality_id, "after": after})
        )["places"]
        found.extend(page["places"])
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    return found


async def walk_data(
    ws: Workspace, request: Request, session: LiveSession, walk_id: str
) -> dict[str, Any] | None:
    """The walk's data (WALK) read after the write the link names, or None when there is no
    such walk."""
    if not valid_id(walk_id):
        return None
    token = request.query_params.get("efter") or None
    variables = {"id": walk_id, "token": token}
    try:
        data = await ws.graph.run(request, session.principal, WALK, variables)
    except GraphFailed:
        if token is None:
            raise
        data = await ws.graph.run(request, session.principal, WALK, {**variables, "token": None})
    return data if data["walk"] is not None else None
