"""ASGI middleware every route shares: 503 while the database is down, and security headers."""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.database import unreachable
from service.web.errors import PAGE_PREFIX, error_for
from service.web.graphql_view import RETRY_AFTER_S

_log = logging.getLogger("service.app")

UNAVAILABLE_MESSAGE = "the database is unavailable; retry shortly"

ErrorAnswer = Callable[..., Response]
"""How a route family answers an error: `(path, status, message, *, headers,
accept_language)` → the response (service.web.errors.error_for by default)."""


class AnswerUnavailable:
    """Turns a database outage that escapes a route into 503 with `Retry-After`.

    The GraphQL view types its own outages (inside the schema's execution); this catches the
    rest (public pages, open data, anything added later) with the same
    `service.database.unreachable`
    test, shaped for the route. Other errors and outages after the answer started pass on.
    A 503 a route gives itself (/readyz) gets `Retry-After` too, when it has none.
    """

    def __init__(self, app: ASGIApp, answer: ErrorAnswer = error_for) -> None:
        self.app = app
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if message["status"] == 503:
                    MutableHeaders(scope=message).setdefault("Retry-After", str(RETRY_AFTER_S))
            await send(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception as exc:
            if started or not unreachable(exc):
                raise
            _log.warning("%s: database unavailable (%s)", scope["path"], type(exc).__name__)
            response = self.answer(
                scope["path"],
                503,
                UNAVAILABLE_MESSAGE,
                headers={"Retry-After": str(RETRY_AFTER_S)},
                accept_language=Headers(scope=scope).get("accept-language"),
            )
            await response(scope, receive, send)


def frameable(path: str) -> bool:
    """Only the embed (`/p/{id}/embed`) may be framed, by a municipality's own site."""
    return path.startswith(PAGE_PREFIX) and path.endswith("/embed")


class SecurityHeaders:
    """`X-Content-Type-Options: nosniff` on every answer, `X-Frame-Options: DENY` on every
    answer but the embed; a header the route set itself is kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deny_framing = not frameable(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if deny_framing:
                    headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, send_with_headers)
