"""Översikt: a police area's (or region's) municipalities with their promises' progress, pace
and overdue follow-ups, as the API's `policeAreaOverview` gives them; for a municipality, its
part of the overview of each police area serving it. Tables with text only: no chart needs a
text alternative because the numbers are the text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from service.web.public.present import N_
from service.web.public_page import today, valid_id
from service.web.workspace import pages, views
from service.web.workspace.core import Workspace

COUNTS = """
fragment Counts on OverviewCounts {
  promises inForce commitmentsMet commitmentsPartly commitmentsNotMet commitmentsBehind
  commitmentsAtRisk followUpsOverdue
}
fragment Area on PoliceAreaOverview {
  policeAreaId name on truncated
  counts { ...Counts }
  municipalities {
    municipalityId name
    counts { ...Counts }
    promises(first: 20) { id title status }
  }
}
"""
DETAILS = """
query Details($org: String!) {
  promises(organisation: $org, first: 50) {
    promises { id progress { status pace { status } } followUpSchedule { dueOn status } }
  }
}
"""
"""The progress, pace and follow-ups of a municipality's promises, read apart from the overview
so that neither query goes over the API's cost limit (the overview nests promises in
municipalities, and a commitment list in each would count 20 × 20 × 20 times)."""
ORGANISATION = """
query Organisation($org: ID!) {
  organisation(id: $org) {
    id name kind
    links { policeAreaId municipalityId validFrom validTo }
  }
}
"""
AREA = (
    """
query Area($area: ID!) {
  overview: policeAreaOverview(policeAreaId: $area) {
    __typename
    ... on PoliceAreaOverview { ...Area }
    ... on NotFound { message code }
  }
}
"""
    + COUNTS
)
AREAS = """
query Areas { organisations(kind: "police_area") { id parentId } }
"""
"""The police areas with their regions: a region's overview is each of its areas' (one query
for the whole region, `policeRegionOverview`, nests too deep for the cost limit with promises)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One promise of a municipality, in words for the table."""

    promise_id: str
    title: str
    status: str
    commitments: int | None
    """None when the details were not read (more than 50 promises)."""
    met: int
    behind: int
    at_risk: int
    overdue: list[str]
    """The days the overdue follow-ups were due (ISO)."""


def rows_of(
    promises: Iterable[Mapping[str, Any]], details: Mapping[str, Mapping[str, Any]]
) -> list[Row]:
    """A municipality's promises as table rows, in the overview's order, with the progress,
    pace and follow-ups `details` holds by promise id."""
    rows: list[Row] = []
    for p in promises:
        found = details.get(p["id"])
        progress = found["progress"] if found else []
        rows.append(
            Row(
                promise_id=p["id"],
                title=p["title"] or p["id"],
                status=p["status"],
                commitments=len(progress) if found else None,
                met=sum(1 for c in progress if c["status"] == "met"),
                behind=sum(1 for c in progress if c["pace"]["status"] == "behind"),
                at_risk=sum(1 for c in progress if c["pace"]["status"] == "at_risk"),
                overdue=[
                    f["dueOn"]
                    for f in (found["followUpSchedule"] if found else [])
                    if f["status"] == "overdue"
                ],
            )
        )
    return rows


def serving_areas(links: Iterable[Mapping[str, Any]], municipality: str, on: dt.date) -> list[str]:
    """The police areas serving `municipality` on `on`, each once, in the directory's order."""
    day = on.isoformat()
    found: list[str] = []
    for link in links:
        if link["municipalityId"] != municipality:
            continue
        serving = (link["validFrom"] or day) <= day <= (link["validTo"] or day)
        if serving and link["policeAreaId"] not in found:
            found.append(link["policeAreaId"])
    return found


def routes(ws: Workspace) -> list[BaseRoute]:
    """The overview page."""
    return [Route("/oversikt", Dashboard(ws).overview, methods=["GET"])]


class Dashboard:
    """The overview's handler."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    async def overview(self, request: Request) -> Response:
        """Översikt for the session's organisation, or for the police area `?omrade=` names."""
        session = await self.ws.session(request)
        if isinstance(session, Response):
            return session
        principal = session.principal
        await self.ws.graph.after_write(request, principal)
        asked = request.query_params.get("omrade", "")
        org = asked if asked and valid_id(asked) else principal.organisation_id
        found = await self.ws.graph.run(request, principal, ORGANISATION, {"org": org})
        organisation = found["organisation"]
        if organisation is None:
            return self._no_overview(request)
        only: str | None = None
        areas: list[dict[str, Any]] = []
        if organisation["kind"] == "police_region":
            listed = await self.ws.graph.run(request, principal, AREAS, {})
            wanted = [o["id"] for o in listed["organisations"] if o["parentId"] == org]
        elif organisation["kind"] == "police_area":
            wanted = [org]
        elif organisation["kind"] == "municipality":
            wanted, only = serving_areas(organisation["links"], org, today()), org
        else:
            return self._no_overview(request)
        for area_id in wanted:
            data = await self.ws.graph.run(request, principal, AREA, {"area": area_id})
            if data["overview"]["__typename"] == "PoliceAreaOverview":
                areas.append(data["overview"])
        details: dict[str, dict[str, Any]] = {}
        shown: list[dict[str, Any]] = []
        for area in areas:
            municipalities: list[dict[str, Any]] = []
            for m in area["municipalities"]:
                if only is not None and m["municipalityId"] != only:
                    continue
                if m["municipalityId"] not in details and m["promises"]:
                    read = await self.ws.graph.run(
                        request, principal, DETAILS, {"org": m["municipalityId"]}
                    )
                    details[m["municipalityId"]] = {
                        p["id"]: p for p in read["promises"]["promises"]
                    }
                rows = rows_of(m["promises"], details.get(m["municipalityId"], {}))
                municipalities.append({**m, "rows": rows})
            shown.append({**area, "municipalities": municipalities})
        return pages.page(
            request,
            "dashboard.html",
            person=principal,
            organisation=organisation,
            areas=shown,
            statuses=views.STATUSES,
            municipality_view=only is not None,
        )

    def _no_overview(self, request: Request) -> Response:
        return self.ws.missing(
            request,
            N_("No overview to show"),
            N_("The overview is for a police area, a police region or a municipality."),
        )
