"""The workspace's routes under /app/, gathered from its journeys' modules; every page for the
session's principal, through GraphQL."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from starlette.routing import BaseRoute, Route

from service.web.graphql_view import Contexts
from service.web.workspace import carry, findings, inbox, pages, promises, record, walks
from service.web.workspace.core import Workspace
from service.web.workspace.graph import Graph

JOURNEYS = (inbox, promises, record, carry, walks, findings)
"""The modules whose `routes(workspace)` make up the workspace, in the order they are tried."""


def routes(
    schema: strawberry.Schema, contexts: Contexts, providers: Sequence[str]
) -> list[BaseRoute]:
    """The workspace's routes, to be mounted at /app."""
    workspace = Workspace(Graph(schema, contexts), providers)
    gathered: list[BaseRoute] = [
        route for journey in JOURNEYS for route in journey.routes(workspace)
    ]
    gathered.append(Route("/static/{name}", pages.static, methods=["GET"]))
    return gathered


__all__ = ["routes"]
