"""The workspace's routes under /app/, gathered from its journeys' modules; every page for the
session's principal, through GraphQL."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import strawberry
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from service.web.graphql_view import RETRY_AFTER_S, Contexts
from service.web.middleware import AnswerUnavailable
from service.web.workspace import (
    audit,
    carry,
    dashboard,
    directory,
    findings,
    follow,
    inbox,
    pages,
    promises,
    record,
    walks,
    write,
)
from service.web.workspace.core import Workspace
from service.web.workspace.graph import Graph, GraphFailed

_log = logging.getLogger("service.workspace")

JOURNEYS = (
    inbox,
    write,
    promises,
    record,
    follow,
    carry,
    walks,
    findings,
    directory,
    audit,
    dashboard,
)
"""The modules whose `routes(workspace)` make up the workspace, in the order they are tried
(write's /loften/nytt before the promise page's /loften/{promise_id})."""


def routes(
    schema: strawberry.Schema,
    contexts: Contexts,
    providers: Sequence[str],
) -> list[BaseRoute]:
    """The workspace's routes, to be mounted at /app."""
    workspace = Workspace(Graph(schema, contexts), providers)
    gathered: list[BaseRoute] = [
        route for journey in JOURNEYS for route in journey.routes(workspace)
    ]
    gathered.append(Route("/static/{name}", pages.static, methods=["GET"]))
    return gathered


def app(
    schema: strawberry.Schema,
    contexts: Contexts,
    providers: Sequence[str],
) -> Starlette:
    """The workspace as the application mounted at /app: its routes, and its own pages for an
    unknown address, a database outage and a failed read (never a JSON answer or a bare 500)."""
    return Starlette(
        routes=routes(schema, contexts, providers),
        middleware=[Middleware(AnswerUnavailable, answer=pages.error_page)],
        exception_handlers={HTTPException: http_exception_page, GraphFailed: graph_failed_page},
    )


async def http_exception_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return pages.error_page(
        request.url.path,
        exc.status_code,
        headers=exc.headers,
        accept_language=request.headers.get("accept-language"),
    )


async def graph_failed_page(request: Request, exc: Exception) -> Response:
    """An outage the schema typed (503, to be tried again) or a defect of a page (500)."""
    assert isinstance(exc, GraphFailed)
    status = 503 if exc.unavailable else 500
    if status == 500:
        _log.error("%s: a workspace read failed: %s", request.url.path, exc)
    return pages.error_page(
        request.url.path,
        status,
        headers={"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None,
        accept_language=request.headers.get("accept-language"),
    )


__all__ = ["app", "routes"]
