"""Trygghetsvandringar: the safety walks of a municipality, recording a walk (its day,
organiser, participants, route of the municipality's shared places and the planned occasion it
carries out), a walk's page with its findings, and recording a finding on its route. Moving a
finding to closure is findings.py's."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from events.messages import Principal
from service.identity.sessions import LiveSession
from service.web.public.present import N_, Words
from service.web.public_page import language_of, today, valid_id, words_for
from service.web.workspace import pages, views
from service.web.workspace.carry import incomplete, is_date, redirect_after, short_id, whole
from service.web.workspace.core import Workspace
from service.web.workspace.forms import one
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
GROUPS = 2
"""How many counted groups the walk form offers."""
WALK_FIELDS = {
    "heldOn": "held_on",
    "organiserId": "organiser",
    "participants": "participants",
    "route": "route",
    "carriesOut": "carries_out",
}
"""The walk form's field ids by RecordWalkInput's names."""
FINDING_FIELDS = {
    "placeId": "place",
    "category": "category",
    "description": "description",
    "ownerId": "owner",
    "dueOn": "due_on",
    "photoSha256": "description",
}
"""The finding form's field ids by RecordFindingInput's names."""


def routes(ws: Workspace) -> list[BaseRoute]:
    """The walks, the walk form, a walk's page and its finding form."""
    handlers = Walks(ws)
    return [
        Route("/vandringar", handlers.walks, methods=["GET"]),
        Route("/vandringar/ny", handlers.new_walk, methods=["GET", "POST"]),
        Route("/vandringar/{walk_id}", handlers.walk, methods=["GET"]),
        Route("/vandringar/{walk_id}/fynd/nytt", handlers.new_finding, methods=["GET", "POST"]),
    ]


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


@dataclass(slots=True, kw_only=True)
class WalkForm:
    """The walk form's values, as rendered or as posted."""

    command_id: str
    municipality: str
    held_on: str = ""
    organiser: str = ""
    participants: list[str] = field(default_factory=list)
    groups: list[tuple[str, str]] = field(default_factory=lambda: [("", "")] * GROUPS)
    route: list[str] = field(default_factory=list)
    carries_out: str = ""

    @classmethod
    def posted(cls, form: dict[str, list[str]]) -> WalkForm:
        """The values a post carries."""
        names = form.get("group", [])[:GROUPS]
        counts = form.get("group_count", [])[:GROUPS]
        names += [""] * (GROUPS - len(names))
        counts += [""] * (GROUPS - len(counts))
        return cls(
            command_id=one(form, "command_id"),
            municipality=one(form, "municipality"),
            held_on=one(form, "held_on"),
            organiser=one(form, "organiser"),
            participants=[p for p in form.get("participants", []) if p],
            groups=[(n.strip(), c.strip()) for n, c in zip(names, counts, strict=True)],
            route=[p for p in form.get("route", []) if p],
            carries_out=one(form, "carries_out"),
        )

    def problems(self, words: Words) -> list[views.FieldError]:
        """What the form itself needs: a command id, a day, whole numbers."""
        errors = [] if self.command_id else [incomplete(words)]
        if not is_date(self.held_on):
            errors.append(
                views.FieldError(
                    message=words(N_("Enter the day of the walk (year-month-day).")),
                    field="held_on",
                )
            )
        for index, (_, count) in enumerate(self.groups, start=1):
            if count and not whole(count):
                errors.append(
                    views.FieldError(
                        message=words(N_("Enter how many came as a whole number.")),
                        field=f"group_count-{index}",
                    )
                )
        return errors

    def command_input(self) -> dict[str, Any]:
        """RecordWalkInput from the form."""
        participants: list[dict[str, Any]] = [{"organisationId": p} for p in self.participants]
        participants += [
            {"group": name, "count": int(count) if count else None}
            for name, count in self.groups
            if name or count
        ]
        carries_out = None
        if self.carries_out:
            promise_id, _, rest = self.carries_out.partition("/")
            plan_id, _, occurrence_id = rest.partition("/")
            carries_out = {
                "promiseId": promise_id,
                "planId": plan_id,
                "occurrenceId": occurrence_id,
            }
        return {
            "walkId": f"vandring-{short_id(self.command_id)}",
            "municipalityId": self.municipality,
            "heldOn": self.held_on,
            "organiserId": self.organiser,
            "participants": participants or None,
            "route": self.route,
            "carriesOut": carries_out,
        }


@dataclass(slots=True, kw_only=True)
class FindingForm:
    """The finding form's values, as rendered or as posted."""

    command_id: str
    place: str = ""
    category: str = ""
    description: str = ""
    owner: str = ""
    due_on: str = ""

    @classmethod
    def posted(cls, form: dict[str, list[str]]) -> FindingForm:
        """The values a post carries."""
        return cls(
            command_id=one(form, "command_id"),
            place=one(form, "place"),
            category=one(form, "category"),
            description=one(form, "description"),
            owner=one(form, "owner"),
            due_on=one(form, "due_on"),
        )

    def problems(self, words: Words) -> list[views.FieldError]:
        """What the form itself needs: a command id and a due date."""
        errors = [] if self.command_id else [incomplete(words)]
        if not is_date(self.due_on):
            errors.append(
                views.FieldError(
                    message=words(N_("Enter the day it is to be fixed by (year-month-day).")),
                    field="due_on",
                )
            )
        return errors

    def command_input(self, walk_id: str) -> dict[str, Any]:
        """RecordFindingInput from the form."""
        return {
            "walkId": walk_id,
            "findingId": f"fynd-{short_id(self.command_id)}",
            "placeId": self.place,
            "category": self.category,
            "description": self.description,
            "ownerId": self.owner,
            "dueOn": self.due_on,
        }


class Walks:
    """The walks' handlers."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    async def walks(self, request: Request) -> Response:
        """Trygghetsvandringar: the walks of the organisation's municipality (for anybody
        else, every municipality's), in pages."""
        session = await self.ws.session(request)
        if isinstance(session, Response):
            return session
        principal = session.principal
        await self.ws.graph.after_write(request, principal)
        setting = await setting_of(self.ws, request, principal)
        kind = setting.organisations.get(principal.organisation_id, {}).get("kind")
        municipality = principal.organisation_id if kind == "municipality" else None
        after = request.query_params.get("after") or None
        if after is not None and not valid_id(after):
            after = None
        try:
            data = await self.ws.graph.run(
                request, principal, WALKS, {"m": municipality, "after": after}
            )
        except GraphFailed:
            if after is None:
                raise
            return self.ws.missing(
                request,
                N_("Page not found"),
                N_("The list has no such page; start again from its first page."),
            )
        page = data["walks"]
        walks = sorted(page["walks"], key=lambda w: (w["heldOn"], w["id"]), reverse=True)
        return pages.page(
            request,
            "walk_list.html",
            person=principal,
            walks=walks,
            next_after=page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None,
            names=views.names_of(data["organisations"]),
        )

    async def walk(self, request: Request) -> Response:
        """A walk: who walked where, the occasion it carried out, and its findings."""
        session = await self.ws.session(request)
        if isinstance(session, Response):
            return session
        data = await walk_data(self.ws, request, session, request.path_params["walk_id"])
        if data is None:
            return self.no_walk(request)
        walk = data["walk"]
        places = await places_of(self.ws, request, session.principal, walk["municipalityId"])
        return pages.page(
            request,
            "walk_page.html",
            person=session.principal,
            walk=walk,
            places={p["id"]: p["name"] for p in places},
            names=views.names_of(data["organisations"]),
            categories=CATEGORIES,
            statuses=FINDING_STATUSES,
        )

    async def new_walk(self, request: Request) -> Response:
        """Registrera trygghetsvandring: the form (GET) and its submission (POST)."""
        session = await self.ws.session(request)
        if isinstance(session, Response):
            return session
        form: dict[str, list[str]] = {}
        if request.method == "POST":
            posted = await self.ws.posted(request, session)
            if isinstance(posted, Response):
                return posted
            form = posted
        principal = session.principal
        setting = await setting_of(self.ws, request, principal)
        if request.method == "POST":
            values = WalkForm.posted(form)
            words = words_for(language_of(request))
            errors = values.problems(words)
            if not errors:
                result = await self.ws.command(
                    request, principal, "recordWalk", values.command_id, values.command_input()
                )
                refused = views.refusal_of(result, WALK_FIELDS)
                if refused is None:
                    walk_id = values.command_input()["walkId"]
                    return redirect_after(f"/app/vandringar/{walk_id}", result)
                errors = [refused]
            return await self._walk_page(request, session, setting, values, errors, 422)
        occasion = request.query_params.get("tillfalle", "")
        municipality = request.query_params.get("kommun", "")
        if municipality not in setting.municipalities:
            municipality = ""
        if not municipality and occasion:
            municipality = await self._party_of(request, principal, setting, occasion)
        if not municipality and len(setting.municipalities) == 1:
            municipality = setting.municipalities[0]
        if not municipality:
            return pages.page(
                request,
                "walk_choose.html",
                person=principal,
                municipalities=setting.municipalities,
                names=setting.names(),
                occasion=occasion,
            )
        values = WalkForm(
            command_id=str(uuid.uuid4()),
            municipality=municipality,
            held_on=today().isoformat(),
            organiser=principal.organisation_id,
            participants=[principal.organisation_id],
            carries_out=occasion,
        )
        return await self._walk_page(request, session, setting, values, [], 200)

    async def _party_of(
        self, request: Request, principal: Principal, setting: Setting, occasion: str
    ) -> str:
        """The municipality of the session's choices that is party to the occasion's promise,
        or empty."""
        promise_id = occasion.partition("/")[0]
        for municipality in setting.municipalities:
            if promise_id in await self._walk_plans_ids(request, principal, municipality):
                return municipality
        return ""

    async def _walk_plans_ids(
        self, request: Request, principal: Principal, municipality: str
    ) -> set[str]:
        return {p["id"] for p in await self._planned(request, principal, municipality)}

    async def _planned(
        self, request: Request, principal: Principal, municipality: str
    ) -> list[dict[str, Any]]:
        """The municipality's promises in force with their plans, in pages of PLANNED_WALKS."""
        found: list[dict[str, Any]] = []
        after: str | None = None
        for _ in range(PLANNED_PAGES):
            page = (
                await self.ws.graph.run(
                    request, principal, PLANNED_WALKS, {"m": municipality, "after": after}
                )
            )["promises"]
            found.extend(page["promises"])
            after = page["pageInfo"]["endCursor"]
            if not page["pageInfo"]["hasNextPage"]:
                break
        return found

    async def _walk_page(
        self,
        request: Request,
        session: LiveSession,
        setting: Setting,
        values: WalkForm,
        errors: list[views.FieldError],
        status_code: int,
    ) -> Response:
        principal = session.principal
        municipality = values.municipality
        places: list[dict[str, Any]] = []
        occasions: list[tuple[str, str]] = []
        if valid_id(municipality):
            places = [
                p
                for p in await places_of(self.ws, request, principal, municipality)
                if p["status"] == "active"
            ]
            planned = await self._planned(request, principal, municipality)
            words = words_for(language_of(request))
            occasions = [
                (
                    f"{promise['id']}/{plan['planId']}/{o['occurrenceId']}",
                    f"{plan['title']}, {words.date(o['startsOn'])} "
                    f"({promise['title'] or promise['id']})",
                )
                for promise in planned
                for plan in promise["plans"]
                if plan["kind"] == "safety_walk"
                for o in plan["occurrences"]
                if o["status"] in views.OPEN
            ]
        names = setting.names()
        concerned = setting.concerned(municipality, principal.organisation_id, today())
        return pages.page(
            request,
            "walk_new.html",
            status_code=status_code,
            person=principal,
            csrf_token=session.csrf,
            form=values,
            errors=errors,
            municipality_name=names.get(municipality, municipality),
            organisations=[(o, names.get(o, o)) for o in concerned],
            places=[(p["id"], p["name"]) for p in places],
            occasions=occasions,
        )

    async def new_finding(self, request: Request) -> Response:
        """Registrera brist: a finding at a place of the walk's route (GET form, POST)."""
        session = await self.ws.session(request)
        if isinstance(session, Response):
            return session
        form: dict[str, list[str]] = {}
        if request.method == "POST":
            posted = await self.ws.posted(request, session)
            if isinstance(posted, Response):
                return posted
            form = posted
        data = await walk_data(self.ws, request, session, request.path_params["walk_id"])
        if data is None:
            return self.no_walk(request)
        walk = data["walk"]
        if request.method == "GET":
            values = FindingForm(command_id=str(uuid.uuid4()))
            return await self._finding_page(request, session, data, values, [], 200)
        values = FindingForm.posted(form)
        errors = values.problems(words_for(language_of(request)))
        if not errors:
            result = await self.ws.command(
                request,
                session.principal,
                "recordFinding",
                values.command_id,
                values.command_input(walk["id"]),
            )
            refused = views.refusal_of(result, FINDING_FIELDS)
            if refused is None:
                return redirect_after(f"/app/vandringar/{walk['id']}", result, "#fynd")
            errors = [refused]
        return await self._finding_page(request, session, data, values, errors, 422)

    async def _finding_page(
        self,
        request: Request,
        session: LiveSession,
        data: dict[str, Any],
        values: FindingForm,
        errors: list[views.FieldError],
        status_code: int,
    ) -> Response:
        principal = session.principal
        walk = data["walk"]
        places = await places_of(self.ws, request, principal, walk["municipalityId"])
        place_names = {p["id"]: p["name"] for p in places}
        setting = await setting_of(self.ws, request, principal)
        held_on = dt.date.fromisoformat(walk["heldOn"])
        concerned = setting.concerned(walk["municipalityId"], principal.organisation_id, held_on)
        names = setting.names()
        return pages.page(
            request,
            "walk_finding_new.html",
            status_code=status_code,
            person=principal,
            csrf_token=session.csrf,
            walk=walk,
            form=values,
            errors=errors,
            places=[(p, place_names.get(p, p)) for p in walk["route"]],
            categories=CATEGORIES,
            owners=[(o, names.get(o, o)) for o in concerned],
            names=names,
        )

    def no_walk(self, request: Request) -> Response:
        """The 404 page of a walk that is not there."""
        return self.ws.missing(
            request,
            N_("Safety walk not found"),
            N_("There is no safety walk at this address."),
        )
