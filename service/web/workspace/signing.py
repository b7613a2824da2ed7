"""Underteckna, träda i kraft, publicera, ändra: exactly what is signed (the proposed
revision's content and its content hash as the API gives it) and the signature for the
session's organisation; putting a signed promise in force, publishing it, and starting an
amendment of one in force.

The signature names the revision number and the hash the page showed, so what is signed is
what was read: if the revision changed in between, the API refuses it (stale_revision) and the
page shows that refusal.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from service.identity.sessions import LiveSession
from service.web.public.present import N_
from service.web.public_page import language_of, today, words_for
from service.web.workspace import pages, revisions, views
from service.web.workspace.core import Workspace, promise_data, redirect_after
from service.web.workspace.forms import one

SIGN_FIELDS: dict[str, str] = {}
"""The signing form has no field a refusal could name (the hash and number are the page's)."""
PUBLISH_FIELDS = {"channel": "channel", "url": "url", "publishedOn": "published_on"}
AMEND_FIELDS = {"reason": "reason"}


def routes(ws: Workspace) -> list[BaseRoute]:
    """The signing page, entering into force, publishing and amending."""
    handlers = Signing(ws)
    return [
        Route("/loften/{promise_id}/underteckna", handlers.sign, methods=["GET", "POST"]),
        Route("/loften/{promise_id}/ikraft", handlers.enter_into_force, methods=["POST"]),
        Route("/loften/{promise_id}/publicera", handlers.publish, methods=["GET", "POST"]),
        Route("/loften/{promise_id}/andra", handlers.amend, methods=["GET", "POST"]),
    ]


def confirm_page(
    request: Request,
    session: LiveSession,
    result: Mapping[str, Any],
    action: str,
    form: Mapping[str, list[str]],
    back: str,
) -> Response:
    """The consequences the API named, and a form sending the same command again (same
    command id, same values) with them acknowledged."""
    hidden = [
        (name, value)
        for name, values in form.items()
        if name not in ("csrf_token", "acknowledge")
        for value in values
    ]
    return pages.form_page(
        request,
        session,
        "write_confirm.html",
        status_code=409,
        consequences=result["consequences"],
        kinds=sorted({c["kind"] for c in result["consequences"]}),
        action=action,
        hidden=hidden,
        back=back,
    )


def refused_page(ws: Workspace, request: Request, result: Mapping[str, Any]) -> Response:
    """The API's refusal of a command on a promise the session cannot read (another
    organisation's draft): only its message, with the status its type calls for."""
    words = words_for(language_of(request))
    status = {"NotFound": 404, "Forbidden": 403}.get(result["__typename"], 422)
    return ws.message(request, status, words(N_("The change was refused")), result["message"])


class Signing:
    """The handlers of the signing, force, publishing and amending pages."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    async def sign(self, request: Request) -> Response:
        """Underteckna: the revision proposed, its hash, who has signed, and the signature
        for the session's organisation."""
        opened = await self.ws.opened(request)
        if isinstance(opened, Response):
            return opened
        session, form = opened
        promise_id = request.path_params["promise_id"]
        data = await promise_data(self.ws, request, session, promise_id)
        if request.method == "GET":
            if data is None:
                return self.ws.not_found(request)
            return self._sign_page(request, session, data, str(uuid.uuid4()), [])
        words = words_for(language_of(request))
        command_id = one(form, "command_id")
        number = one(form, "revision_no")
        if not command_id or not number.isascii() or not number.isdigit():
            if data is None:
                return self.ws.not_found(request)
            errors = [views.incomplete(words)]
            return self._sign_page(request, session, data, command_id, errors, status_code=422)
        result = await self.ws.command(
            request,
            session.principal,
            "signPromise",
            command_id,
            {
                "promiseId": promise_id,
                "revisionNo": int(number),
                "contentHash": one(form, "content_hash"),
                "partyId": session.principal.organisation_id,
            },
        )
        refused = views.refusal_of(result, SIGN_FIELDS)
        if refused is None:
            return redirect_after(f"/app/loften/{promise_id}/underteckna", result)
        if data is None:
            return refused_page(self.ws, request, result)
        return self._sign_page(request, session, data, command_id, [refused], status_code=422)

    def _sign_page(
        self,
        request: Request,
        session: LiveSession,
        data: dict[str, Any],
        command_id: str,
        errors: list[views.FieldError],
        *,
        status_code: int = 200,
    ) -> Response:
        promise = data["promise"]
        revs = revisions.revisions_of(promise["document"])
        shown = revs.to_sign or revs.in_force
        own = session.principal.organisation_id
        return pages.form_page(
            request,
            session,
            "write_sign.html",
            status_code=status_code,
            promise=promise,
            revision=shown,
            to_sign=revs.to_sign,
            own=own,
            awaiting=revs.to_sign is not None and own not in revs.to_sign.signed_by(),
            signatory="signatory" in session.principal.roles,
            unpublished=revisions.unpublished(promise["document"]),
            command_id=command_id,
            force_id=str(uuid.uuid4()),
            errors=errors,
            names=views.names_of(data["organisations"]),
            statuses=views.STATUSES,
            stages=revisions.STAGES,
            comparators=revisions.COMPARATORS,
            target_periods=revisions.TARGET_PERIODS,
            place_kinds=revisions.PLACE_KINDS,
        )

    async def enter_into_force(self, request: Request) -> Response:
        """Träda i kraft: a signed promise whose period has begun put in force."""
        opened = await self.ws.opened_promise(request)
        if isinstance(opened, Response):
            return opened
        session, posted, data = opened
        promise_id = data["promise"]["id"]
        command_id = one(posted, "command_id") or str(uuid.uuid4())
        result = await self.ws.command(
            request,
            session.principal,
            "enterPromiseIntoForce",
            command_id,
            {"promiseId": promise_id},
        )
        refused = views.refusal_of(result, SIGN_FIELDS)
        if refused is None:
            return redirect_after(f"/app/loften/{promise_id}", result)
        return self._sign_page(
            request, session, data, str(uuid.uuid4()), [refused], status_code=422
        )

    async def publish(self, request: Request) -> Response:
        """Publicera: where and when the signed promise was communicated to citizens."""
        opened = await self.ws.opened_promise(request)
        if isinstance(opened, Response):
            return opened
        session, form, data = opened
        promise_id = data["promise"]["id"]
        if request.method == "GET":
            values = {
                "command_id": str(uuid.uuid4()),
                "channel": "",
                "url": "",
                "published_on": today().isoformat(),
            }
            return self._publish_page(request, session, data, values, [])
        values = {
            name: one(form, name) for name in ("command_id", "channel", "url", "published_on")
        }
        words = words_for(language_of(request))
        errors: list[views.FieldError] = []
        if not values["command_id"]:
            errors.append(views.incomplete(words))
        if not _is_day(values["published_on"]):
            errors.append(
                views.FieldError(
                    message=words(N_("Enter the day as year-month-day.")), field="published_on"
                )
            )
        if not errors:
            result = await self.ws.command(
                request,
                session.principal,
                "publishPromise",
                values["command_id"],
                {
                    "promiseId": promise_id,
                    "channel": values["channel"],
                    "url": values["url"] or None,
                    "publishedOn": values["published_on"],
                },
            )
            refused = views.refusal_of(result, PUBLISH_FIELDS)
            if refused is None:
                return redirect_after(f"/app/loften/{promise_id}", result)
            errors = [refused]
        return self._publish_page(request, session, data, values, errors, status_code=422)

    def _publish_page(
        self,
        request: Request,
        session: LiveSession,
        data: dict[str, Any],
        values: dict[str, str],
        errors: list[views.FieldError],
        *,
        status_code: int = 200,
    ) -> Response:
        return pages.form_page(
            request,
            session,
            "write_publish.html",
            status_code=status_code,
            promise=data["promise"],
            form=values,
            errors=errors,
            statuses=views.STATUSES,
        )

    async def amend(self, request: Request) -> Response:
        """Ändra ett löfte i kraft: what an amendment means, said before it is started, and
        revision n+1 drafted from the revision in force when the user goes ahead."""
        opened = await self.ws.opened_promise(request)
        if isinstance(opened, Response):
            return opened
        session, form, data = opened
        promise_id = data["promise"]["id"]
        if request.method == "GET":
            values = {"command_id": str(uuid.uuid4()), "reason": ""}
            return self._amend_page(request, session, data, values, [])
        values = {name: one(form, name) for name in ("command_id", "reason")}
        words = words_for(language_of(request))
        if not values["command_id"]:
            errors = [views.incomplete(words)]
            return self._amend_page(request, session, data, values, errors, status_code=422)
        result = await self.ws.command(
            request,
            session.principal,
            "startPromiseAmendment",
            values["command_id"],
            {"promiseId": promise_id, "reason": values["reason"]},
            acknowledge=revisions.acknowledged(form) or None,
        )
        if result["__typename"] == "ConfirmationRequired":
            return confirm_page(
                request,
                session,
                result,
                f"/app/loften/{promise_id}/andra",
                form,
                f"/app/loften/{promise_id}",
            )
        refused = views.refusal_of(result, AMEND_FIELDS)
        if refused is None:
            return redirect_after(f"/app/loften/{promise_id}/skriv", result)
        return self._amend_page(request, session, data, values, [refused], status_code=422)

    def _amend_page(
        self,
        request: Request,
        session: LiveSession,
        data: dict[str, Any],
        values: dict[str, str],
        errors: list[views.FieldError],
        *,
        status_code: int = 200,
    ) -> Response:
        promise = data["promise"]
        revs = revisions.revisions_of(promise["document"])
        in_force = revs.in_force
        return pages.form_page(
            request,
            session,
            "write_amend.html",
            status_code=status_code,
            promise=promise,
            in_force=in_force,
            next_number=(in_force.number + 1) if in_force else None,
            names=views.names_of(data["organisations"]),
            form=values,
            errors=errors,
        )


def _is_day(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True
