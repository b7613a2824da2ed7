"""Trygghetsvandringar: the safety walks of a municipality, recording a walk (its day,
organiser, participants, route of the municipality's shared places and the planned occasion it
carries out), a walk's page with its findings, and recording a finding on its route. Moving a
finding to closure is findings.py's."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from events.messages import Principal
from service.identity.sessions import LiveSession
from service.web.public.present import N_
from service.web.public_page import language_of, today, valid_id, words_for
from service.web.workspace import pages, views
from service.web.workspace.core import Workspace, redirect_after
from service.web.workspace.graph import GraphFailed
from service.web.workspace.walk_forms import FINDING_FIELDS, WALK_FIELDS, FindingForm, WalkForm
from service.web.workspace.walk_reads import (
    CATEGORIES,
    FINDING_STATUSES,
    PLANNED_PAGES,
    PLANNED_WALKS,
    WALKS,
    Setting,
    places_of,
    setting_of,
    walk_data,
)


def routes(ws: Workspace) -> list[BaseRoute]:
    """The walks, the walk form, a walk's page and its finding form."""
    handlers = Walks(ws)
    return [
        Route("/vandringar", handlers.walks, methods=["GET"]),
        Route("/vandringar/ny", handlers.new_walk, methods=["GET", "POST"]),
        Route("/vandringar/{walk_id}", handlers.walk, methods=["GET"]),
        Route("/vandringar/{walk_id}/fynd/nytt", handlers.new_finding, methods=["GET", "POST"]),
    ]


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
        opened = await self.ws.opened(request)
        if isinstance(opened, Response):
            return opened
        session, form = opened
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
        opened = await self.ws.opened(request)
        if isinstance(opened, Response):
            return opened
        session, form = opened
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
