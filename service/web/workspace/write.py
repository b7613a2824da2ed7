"""Skriv ett löfte: draft a promise with the other parties, write its working revision (focus
areas, places, commitments with targets, the header) and propose it for signing; signing,
entering into force, publishing and amending are in `signing`.

Every form's command id is fixed when the form is rendered (a resubmission is the same command
and gets the same receipt), and every id a form creates (the promise's, a focus area's, a
place's, a commitment's) follows from it, so a retry names the same thing. An edit that would
void signatures comes back from the API as ConfirmationRequired: the page shows the
consequences in words and sends the same command again, acknowledged, only when the user
confirms.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from service.identity.sessions import LiveSession
from service.web.public.present import N_
from service.web.public_page import language_of, valid_id, words_for
from service.web.workspace import pages, revisions, signing, views
from service.web.workspace.core import Workspace, promise_data, redirect_after
from service.web.workspace.edits import (
    DRAFT_FIELDS,
    EDITS,
    WRITE_FIELDS,
    Values,
    date_or_none,
    new_id,
    text_or_none,
)

ORGANISATIONS = """
query Organisations {
  organisations { id name kind }
}
"""
SHARED_PLACES = """
query SharedPlaces($municipality: String!) {
  places(municipalityId: $municipality, first: 100) { places { id name status } }
}
"""


def routes(ws: Workspace) -> list[BaseRoute]:
    """Draft, write and propose a promise; then sign, put in force, publish and amend it."""
    handlers = Write(ws)
    return [
        Route("/loften/nytt", handlers.draft, methods=["GET", "POST"]),
        Route("/loften/{promise_id}/skriv", handlers.write, methods=["GET"]),
        Route(
            "/loften/{promise_id}/skriv/atagande/{commitment_id}",
            handlers.commitment,
            methods=["GET"],
        ),
        Route("/loften/{promise_id}/skriv/{action}", handlers.edit, methods=["POST"]),
        *signing.routes(ws),
    ]


class Write:
    """The draft form's, the writing page's and its forms' handlers."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    async def draft(self, request: Request) -> Response:
        """Nytt löfte: the parties, title and period of a new promise (GET), drafted (POST)."""
        session = await self.ws.session(request)
        if isinstance(session, Response):
            return session
        words = words_for(language_of(request))
        data = await self.ws.graph.run(request, session.principal, ORGANISATIONS, {})
        organisations = data["organisations"]
        if request.method == "GET":
            values = Values({"command_id": [new_id()]})
            return self._draft_page(request, session, organisations, values, [])
        posted = await self.ws.posted(request, session)
        if isinstance(posted, Response):
            return posted
        values = Values(posted)
        command_id = values.one("command_id")
        errors: list[views.FieldError] = [] if command_id else [views.incomplete(words)]
        period = {
            "label": text_or_none(values.one("label")),
            "validFrom": date_or_none(values.one("valid_from"), "valid_from", words, errors),
            "validTo": date_or_none(values.one("valid_to"), "valid_to", words, errors),
        }
        if not errors:
            own = session.principal.organisation_id
            others = [p for p in values.many("parties") if p != own]
            promise_id = f"lofte-{command_id}"
            result = await self.ws.command(
                request,
                session.principal,
                "draftPromise",
                command_id,
                {
                    "promiseId": promise_id,
                    "parties": [own, *others],
                    "details": {"title": values.one("title"), "period": period},
                },
            )
            refused = views.refusal_of(result, DRAFT_FIELDS)
            if refused is None:
                return redirect_after(f"/app/loften/{promise_id}/skriv", result)
            errors = [refused]
        return self._draft_page(request, session, organisations, values, errors, status_code=422)

    def _draft_page(
        self,
        request: Request,
        session: LiveSession,
        organisations: list[dict[str, Any]],
        values: Values,
        errors: list[views.FieldError],
        *,
        status_code: int = 200,
    ) -> Response:
        own = session.principal.organisation_id
        return pages.form_page(
            request,
            session,
            "write_draft.html",
            status_code=status_code,
            form=values,
            errors=errors,
            own=views.names_of(organisations).get(own, own),
            choices=revisions.party_choices(organisations, own),
        )

    async def write(self, request: Request) -> Response:
        """Skriv: the working revision with a form for each change, and the proposal."""
        session = await self.ws.session(request)
        if isinstance(session, Response):
            return session
        promise_id = request.path_params["promise_id"]
        data = await promise_data(self.ws, request, session, promise_id)
        if data is None:
            return self.ws.not_found(request)
        return await self._write_page(request, session, data, None, Values({}), [])

    async def commitment(self, request: Request) -> Response:
        """Ändra åtagande: one commitment of the working revision in its own form."""
        session = await self.ws.session(request)
        if isinstance(session, Response):
            return session
        promise_id = request.path_params["promise_id"]
        commitment_id = request.path_params["commitment_id"]
        data = await promise_data(self.ws, request, session, promise_id)
        if data is None or not valid_id(commitment_id):
            return self.ws.not_found(request)
        working = revisions.revisions_of(data["promise"]["document"]).working
        found = next(
            (
                c
                for c in (working.commitments if working else ())
                if c["commitment_id"] == commitment_id
            ),
            None,
        )
        if working is None or found is None:
            return self.ws.missing(
                request,
                N_("Commitment not found"),
                N_("The revision being written has no such commitment."),
            )
        target = found.get("target") or {}
        values = Values(
            {
                "command_id": [new_id()],
                "commitment_id": [commitment_id],
                "c_text": [found["text"]],
                "c_focus_area": [found.get("focus_area_id") or ""],
                "c_responsible": list(found.get("responsible_ids") or ()),
                "c_places": list(found.get("place_ids") or ()),
                "c_comparator": [target.get("comparator") or ">="],
                "c_quantity": ["" if not target else str(target["quantity"])],
                "c_unit": [target.get("unit") or ""],
                "c_per": [target.get("per") or "period"],
                "c_schedule": [found.get("schedule_hint") or ""],
            }
        )
        return self._commitment_page(request, session, data, working, values, [])

    def _commitment_page(
        self,
        request: Request,
        session: LiveSession,
        data: dict[str, Any],
        working: revisions.Revision,
        values: Values,
        errors: list[views.FieldError],
        *,
        status_code: int = 200,
    ) -> Response:
        return pages.form_page(
            request,
            session,
            "write_commitment.html",
            status_code=status_code,
            promise=data["promise"],
            working=working,
            names=views.names_of(data["organisations"]),
            form=values,
            errors=errors,
            comparators=revisions.COMPARATORS,
            target_periods=revisions.TARGET_PERIODS,
        )

    async def edit(self, request: Request) -> Response:
        """One form of the writing page, sent as its mutation: back to the page (303) when
        accepted, the consequences to confirm, or the page again with the refusal (422)."""
        session = await self.ws.session(request)
        if isinstance(session, Response):
            return session
        action = request.path_params["action"]
        edit = EDITS.get(action)
        if edit is None:
            return self.ws.missing(
                request, N_("Page not found"), N_("There is no such form on this promise.")
            )
        posted = await self.ws.posted(request, session)
        if isinstance(posted, Response):
            return posted
        promise_id = request.path_params["promise_id"]
        data = await promise_data(self.ws, request, session, promise_id)
        words = words_for(language_of(request))
        values = Values(posted)
        command_id = values.one("command_id")
        command_input, errors = edit.read(promise_id, command_id, values, words)
        if not command_id:
            errors = [views.incomplete(words), *errors]
        if data is None and (errors or not valid_id(promise_id)):
            return self.ws.not_found(request)
        page = f"/app/loften/{promise_id}/skriv"
        if not errors:
            result = await self.ws.command(
                request,
                session.principal,
                edit.mutation,
                command_id,
                command_input,
                acknowledge=revisions.acknowledged(posted) or None,
            )
            if result["__typename"] == "ConfirmationRequired":
                return signing.confirm_page(
                    request, session, result, f"{page}/{action}", posted, page
                )
            refused = views.refusal_of(result, WRITE_FIELDS)
            if refused is not None and data is None:
                return signing.refused_page(self.ws, request, result)
            if refused is None:
                if action == "foreslaa":
                    return redirect_after(f"/app/loften/{promise_id}/underteckna", result)
                return redirect_after(page, result, f"#{edit.anchor}")
            errors = [refused]
        if data is None:
            return self.ws.not_found(request)
        if action == "andra-atagande":
            working = revisions.revisions_of(data["promise"]["document"]).working
            if working is not None:
                return self._commitment_page(
                    request, session, data, working, values, errors, status_code=422
                )
        return await self._write_page(
            request, session, data, action, values, errors, status_code=422
        )

    async def _write_page(
        self,
        request: Request,
        session: LiveSession,
        data: dict[str, Any],
        action: str | None,
        posted: Values,
        errors: list[views.FieldError],
        *,
        status_code: int = 200,
    ) -> Response:
        """The writing page; after a refused form, that form keeps what was typed and its
        command id, the others start afresh."""
        promise = data["promise"]
        revs = revisions.revisions_of(promise["document"])
        working = revs.working
        shared: list[tuple[str, str]] = []
        directory = await self.ws.graph.run(request, session.principal, ORGANISATIONS, {})
        kinds = {o["id"]: o["kind"] for o in directory["organisations"]}
        for party in promise["parties"]:
            if kinds.get(party) == "municipality":
                found = await self.ws.graph.run(
                    request, session.principal, SHARED_PLACES, {"municipality": party}
                )
                shared.extend(
                    (p["id"], p["name"])
                    for p in found["places"]["places"]
                    if p["status"] == "active"
                )
        current: dict[str, list[str]] = {}
        if working is not None:
            details, period = working.details, working.period
            current = {
                "d_title": [details.get("title") or ""],
                "d_label": [period.get("label") or ""],
                "d_from": [period.get("valid_from") or ""],
                "d_to": [period.get("valid_to") or ""],
                "d_agreement": [details.get("agreement_id") or ""],
                "d_goal": [details.get("goal") or ""],
                "d_problem": [details.get("problem_picture") or ""],
                "d_effect": [details.get("expected_effect") or ""],
                "d_follow_up": [details.get("follow_up_plan") or ""],
            }
        ids = {name: new_id() for name in EDITS}
        if action is not None:
            current.update(posted.values)
            ids[action] = posted.one("command_id") or ids[action]
        return pages.form_page(
            request,
            session,
            "write_revision.html",
            status_code=status_code,
            promise=promise,
            working=working,
            editable=revs.editable is not None,
            names=views.names_of(data["organisations"]),
            form=Values(current),
            ids=ids,
            new_id=new_id,
            errors=errors,
            statuses=views.STATUSES,
            stages=revisions.STAGES,
            comparators=revisions.COMPARATORS,
            target_periods=revisions.TARGET_PERIODS,
            place_kinds=revisions.PLACE_KINDS,
            shared_places=shared,
        )
