"""Brister att åtgärda: the findings of safety walks the session's organisation owns, and a
finding's page where its owner starts, completes or declines it, or hands it to another
organisation. Only the owner's editors may; the API refuses anybody else, and the page shows
that refusal."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from service.identity.sessions import LiveSession
from service.web.public.present import N_, Words
from service.web.public_page import language_of, valid_id, words_for
from service.web.workspace import pages, views
from service.web.workspace.carry import is_date
from service.web.workspace.core import Workspace, redirect_after
from service.web.workspace.forms import values_of
from service.web.workspace.walk_reads import (
    CATEGORIES,
    FINDING_STATUSES,
    places_of,
    setting_of,
    walk_data,
)

OWNED = """
query Owned($after: String) {
  walks(first: 100, after: $after) {
    walks {
      id municipalityId heldOn
      findings { id placeId description category ownerId dueOn status overdue }
    }
    pageInfo { endCursor hasNextPage }
  }
}
"""
OWNED_PAGES = 10
"""How many pages of OWNED the findings page reads at most."""
OPEN = ("assigned", "in_progress")
"""A finding still to be fixed."""
MUTATIONS = {
    "start": "startFinding",
    "complete": "completeFinding",
    "decline": "declineFinding",
    "reassign": "reassignFinding",
}
"""The finding page's forms (`action`) and the mutations they send."""
FIELDS = {
    "decline": {"reason": "decline_reason"},
    "reassign": {
        "ownerId": "reassign_owner",
        "dueOn": "reassign_due_on",
        "reason": "reassign_reason",
    },
}
"""Each form's field ids by its input's names."""


def routes(ws: Workspace) -> list[BaseRoute]:
    """The organisation's findings and a finding's page."""
    handlers = Findings(ws)
    return [
        Route("/fynd", handlers.owned, methods=["GET"]),
        Route(
            "/vandringar/{walk_id}/fynd/{finding_id}",
            handlers.finding,
            methods=["GET", "POST"],
        ),
    ]


@dataclass(slots=True, kw_only=True)
class ActionForm:
    """One of the finding page's forms, as posted (or as rendered: only command ids)."""

    action: str = ""
    command_id: str = ""
    reason: str = ""
    owner: str = ""
    due_on: str = ""

    @classmethod
    def posted(cls, form: dict[str, list[str]]) -> ActionForm:
        """The values a post carries."""
        return values_of(cls, form)

    def problems(self, words: Words) -> list[views.FieldError]:
        """What the form itself needs: a command id, a known action, a due date that is one."""
        if not self.command_id or self.action not in MUTATIONS:
            return [views.incomplete(words)]
        if self.action == "reassign" and self.due_on and not is_date(self.due_on):
            return [
                views.FieldError(
                    message=words(N_("Enter the day it is to be fixed by (year-month-day).")),
                    field="reassign_due_on",
                )
            ]
        return []

    def command_input(self, walk_id: str, finding_id: str) -> dict[str, Any]:
        """The action's input."""
        command: dict[str, Any] = {"walkId": walk_id, "findingId": finding_id}
        if self.action == "decline":
            command["reason"] = self.reason
        if self.action == "reassign":
            command["ownerId"] = self.owner
            command["dueOn"] = self.due_on or None
            command["reason"] = self.reason or None
        return command


class Findings:
    """The findings' handlers."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    async def owned(self, request: Request) -> Response:
        """Brister att åtgärda: the organisation's findings, open ones first (overdue first
        among them), then the closed."""
        session = await self.ws.session(request)
        if isinstance(session, Response):
            return session
        principal = session.principal
        await self.ws.graph.after_write(request, principal)
        found: list[dict[str, Any]] = []
        after: str | None = None
        for _ in range(OWNED_PAGES):
            page = (await self.ws.graph.run(request, principal, OWNED, {"after": after}))["walks"]
            found.extend(
                {**finding, "walkId": walk["id"], "heldOn": walk["heldOn"]}
                for walk in page["walks"]
                for finding in walk["findings"]
                if finding["ownerId"] == principal.organisation_id
            )
            after = page["pageInfo"]["endCursor"]
            if not page["pageInfo"]["hasNextPage"]:
                break
        open_ = sorted(
            (f for f in found if f["status"] in OPEN),
            key=lambda f: (not f["overdue"], f["dueOn"], f["walkId"], f["id"]),
        )
        closed = sorted(
            (f for f in found if f["status"] not in OPEN),
            key=lambda f: (f["dueOn"], f["walkId"], f["id"]),
            reverse=True,
        )
        return pages.page(
            request,
            "walk_findings.html",
            person=principal,
            open_findings=open_,
            closed_findings=closed,
            categories=CATEGORIES,
            statuses=FINDING_STATUSES,
        )

    async def finding(self, request: Request) -> Response:
        """A finding: where it stands, and its owner's forms (GET); one form sent (POST)."""
        opened = await self.ws.opened(request)
        if isinstance(opened, Response):
            return opened
        session, form = opened
        finding_id = request.path_params["finding_id"]
        data = await walk_data(self.ws, request, session, request.path_params["walk_id"])
        findings = (
            [] if data is None else [f for f in data["walk"]["findings"] if f["id"] == finding_id]
        )
        if data is None or not valid_id(finding_id) or not findings:
            return self.ws.missing(
                request,
                N_("Finding not found"),
                N_("The safety walk has no finding at this address."),
            )
        walk, finding = data["walk"], findings[0]
        if request.method == "GET":
            return await self._page(request, session, walk, finding, ActionForm(), [], 200)
        values = ActionForm.posted(form)
        errors = values.problems(words_for(language_of(request)))
        if not errors:
            result = await self.ws.command(
                request,
                session.principal,
                MUTATIONS[values.action],
                values.command_id,
                values.command_input(walk["id"], finding["id"]),
            )
            refused = views.refusal_of(result, FIELDS.get(values.action, {}))
            if refused is None:
                return redirect_after(f"/app/vandringar/{walk['id']}/fynd/{finding['id']}", result)
            errors = [refused]
        return await self._page(request, session, walk, finding, values, errors, 422)

    async def _page(
        self,
        request: Request,
        session: LiveSession,
        walk: dict[str, Any],
        finding: dict[str, Any],
        values: ActionForm,
        errors: list[views.FieldError],
        status_code: int,
    ) -> Response:
        principal = session.principal
        places = await places_of(self.ws, request, principal, walk["municipalityId"])
        setting = await setting_of(self.ws, request, principal)
        concerned = setting.concerned(
            walk["municipalityId"], principal.organisation_id, dt.date.fromisoformat(walk["heldOn"])
        )
        names = setting.names()
        # A fresh command id for every form, but the posted one stays on the form it came from
        # so sending it again is the same command.
        ids = {action: str(uuid.uuid4()) for action in MUTATIONS}
        if values.action in ids and values.command_id:
            ids[values.action] = values.command_id
        return pages.page(
            request,
            "walk_finding.html",
            status_code=status_code,
            person=principal,
            csrf_token=session.csrf,
            walk=walk,
            finding=finding,
            place=next(
                (p["name"] for p in places if p["id"] == finding["placeId"]), finding["placeId"]
            ),
            names=names,
            owners=[(o, names.get(o, o)) for o in concerned if o != finding["ownerId"]],
            categories=CATEGORIES,
            statuses=FINDING_STATUSES,
            is_open=finding["status"] in OPEN,
            owns=finding["ownerId"] == principal.organisation_id,
            ids=ids,
            form=values,
            errors=errors,
        )
