"""What every workspace journey shares: the session or the login page, a posted form checked
for its CSRF token, a command sent as its generated mutation, and the plain pages (not found,
refused)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events.messages import Principal
from service.identity.cookies import csrf_matches, current_session
from service.identity.errors import SessionEnded
from service.identity.sessions import LiveSession
from service.web.public.present import N_
from service.web.public_page import language_of, valid_id, words_for
from service.web.workspace import graph, pages
from service.web.workspace.forms import FormRefused, form_of, one
from service.web.workspace.graph import Graph


async def live_session(request: Request) -> LiveSession | None:
    """The request's live browser session; None without one (or with one that ended)."""
    try:
        return await current_session(request)
    except SessionEnded:
        return None


class Workspace:
    """The schema the pages run on, the login providers to offer, and the handlers' common
    steps. A journey's module takes one and returns its routes."""

    def __init__(self, graph: Graph, providers: Sequence[str]) -> None:
        self.graph = graph
        self.providers = tuple(providers)

    def login(self, request: Request) -> Response:
        """The "Logga in" page, its links coming back to the page asked for."""
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            back = request.url.path
        links = [
            (name, f"/login/{quote(name)}?next={quote(back, safe='')}") for name in self.providers
        ]
        return pages.page(request, "login.html", status_code=401, providers=links)

    def message(self, request: Request, status: int, heading: str, text: str) -> Response:
        """A page that only says something (not found, refused)."""
        return pages.page(request, "message.html", status_code=status, heading=heading, text=text)

    def not_found(self, request: Request) -> Response:
        """The page for a promise that is not there, or not to be seen by this person."""
        words = words_for(language_of(request))
        return self.message(
            request,
            404,
            words(N_("Promise not found")),
            words(N_("There is no promise at this address that you may see.")),
        )

    def missing(self, request: Request, heading: str, text: str) -> Response:
        """The 404 page for something else than a promise (`heading` and `text` are msgids)."""
        words = words_for(language_of(request))
        return self.message(request, 404, words(heading), words(text))

    async def session(self, request: Request) -> LiveSession | Response:
        """The live session, or the login page to answer instead."""
        session = await live_session(request)
        return self.login(request) if session is None else session

    async def opened(self, request: Request) -> tuple[LiveSession, dict[str, list[str]]] | Response:
        """The session and, for a POST, its form checked for the CSRF token (an empty form for
        any other method); or the page to answer instead: the login page, the refused form."""
        session = await self.session(request)
        if isinstance(session, Response):
            return session
        if request.method != "POST":
            return session, {}
        posted = await self.posted(request, session)
        if isinstance(posted, Response):
            return posted
        return session, posted

    async def opened_promise(
        self, request: Request
    ) -> tuple[LiveSession, dict[str, list[str]], dict[str, Any]] | Response:
        """As `opened`, with the promise page's data of the path's promise; the not-found page
        when it is not there for this person."""
        opened = await self.opened(request)
        if isinstance(opened, Response):
            return opened
        session, form = opened
        data = await promise_data(self, request, session, request.path_params["promise_id"])
        if data is None:
            return self.not_found(request)
        return session, form, data

    async def posted(
        self, request: Request, session: LiveSession
    ) -> dict[str, list[str]] | Response:
        """The posted form when it is a readable form carrying this session's CSRF token; else
        the page refusing it (400 or 403), before anything is read or dispatched."""
        words = words_for(language_of(request))
        try:
            form = await form_of(request)
        except FormRefused as exc:
            return self.message(
                request, 400, words(N_("The form could not be read")), words(exc.reason)
            )
        if not csrf_matches(session, one(form, "csrf_token")):
            return self.message(
                request,
                403,
                words(N_("The form was refused")),
                words(
                    N_(
                        "The form did not carry this session's security token, so nothing "
                        "was saved. Open the form again and send it from there."
                    )
                ),
            )
        return form

    async def command(
        self,
        request: Request,
        principal: Principal,
        field: str,
        command_id: str,
        command_input: dict[str, Any],
        *,
        acknowledge: list[str] | None = None,
    ) -> dict[str, Any]:
        """The CommandResult of the mutation `field` (e.g. "signPromise") sent as `principal`;
        a refusal is a member of the result, never an exception."""
        data = await self.graph.run(
            request,
            principal,
            graph.mutation(field),
            {"commandId": command_id, "input": command_input, "acknowledge": acknowledge},
        )
        result: dict[str, Any] = data["result"]
        return result


async def promise_data(
    ws: Workspace, request: Request, session: LiveSession, promise_id: str
) -> dict[str, Any] | None:
    """The promise page's data (graph.PROMISE) for the session, or None when the id is
    malformed or the promise is not there for this person."""
    if not valid_id(promise_id):
        return None
    await ws.graph.after_write(request, session.principal)
    data = await ws.graph.run(request, session.principal, graph.PROMISE, {"id": promise_id})
    return data if data["promise"] is not None else None


def redirect_after(path: str, result: Mapping[str, Any], anchor: str = "") -> Response:
    """The 303 to `path` after an accepted command, carrying its consistency token (`?efter=`)
    so the page opened reads the write it follows; `anchor` ("#planer") ends the address."""
    token = quote(str(result.get("consistencyToken") or ""), safe="")
    separator = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{separator}efter={token}{anchor}", status_code=303)


__all__ = ["Workspace", "live_session", "promise_data", "redirect_after"]
