"""Registrera genomförd insats: the form that records a performed activity or carries out a
planned occasion, usable at 320 px, with its command id fixed when it is rendered."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from service.identity.sessions import LiveSession
from service.web.public_page import language_of, today, words_for
from service.web.workspace import pages, views
from service.web.workspace.core import Workspace
from service.web.workspace.forms import RecordForm, well_formed


def routes(ws: Workspace) -> list[BaseRoute]:
    """The record form of a promise."""
    return [Route("/loften/{promise_id}/insats", Record(ws).record, methods=["GET", "POST"])]


class Record:
    """The form's handler."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    async def record(self, request: Request) -> Response:
        """Registrera genomförd insats: the form (GET) and its submission (POST)."""
        opened = await self.ws.opened_promise(request)
        if isinstance(opened, Response):
            return opened
        session, form, data = opened
        promise_id = data["promise"]["id"]
        words = words_for(language_of(request))
        if request.method == "GET":
            values = RecordForm(
                command_id=str(uuid.uuid4()),
                occurrence=request.query_params.get("tillfalle", ""),
                occurred_on=today().isoformat(),
                performed_by=[session.principal.organisation_id],
            )
            return self._record_page(request, session, data, values, [])
        values = RecordForm.posted(form)
        errors = well_formed(values, words)
        if not errors:
            result = await self._submit(request, session, promise_id, values)
            refused = views.refusal_of(result)
            if refused is None:
                return pages.page(
                    request,
                    "receipt.html",
                    person=session.principal,
                    promise=data["promise"],
                    result=result,
                )
            errors = [refused]
        return self._record_page(request, session, data, values, errors, status_code=422)

    async def _submit(
        self, request: Request, session: LiveSession, promise_id: str, values: RecordForm
    ) -> dict[str, Any]:
        """The mutation's CommandResult: performOccurrence for a chosen occurrence, else
        recordActivity; the record's id follows from the command id, so a retry is the same."""
        common: dict[str, Any] = {
            "promiseId": promise_id,
            "recordId": f"insats-{values.command_id}",
            "occurredOn": values.occurred_on,
            "performedBy": values.performed_by,
            "summary": values.summary,
            "placeIds": values.places or None,
            "quantity": int(values.quantity) if values.quantity else None,
        }
        plan_id, _, occurrence_id = values.occurrence.partition("/")
        if values.occurrence:
            field = "performOccurrence"
            variables = {**common, "planId": plan_id, "occurrenceId": occurrence_id}
        else:
            field = "recordActivity"
            variables = {**common, "commitmentId": values.commitment}
        return await self.ws.command(
            request, session.principal, field, values.command_id, variables
        )

    def _record_page(
        self,
        request: Request,
        session: LiveSession,
        data: dict[str, Any],
        values: RecordForm,
        errors: list[views.FieldError],
        *,
        status_code: int = 200,
    ) -> Response:
        promise = data["promise"]
        open_occurrences = [
            (f"{plan['planId']}/{o['occurrenceId']}", plan["title"], o["startsOn"], o["endsOn"])
            for plan in promise["plans"]
            for o in plan["occurrences"]
            if o["status"] in views.OPEN
        ]
        return pages.form_page(
            request,
            session,
            "record.html",
            status_code=status_code,
            promise=promise,
            form=values,
            errors=errors,
            commitments=[(c["commitmentId"], c["text"]) for c in promise["progress"]],
            occurrences=open_occurrences,
            places=views.places_of(promise["document"]),
            names=views.names_of(data["organisations"]),
        )
