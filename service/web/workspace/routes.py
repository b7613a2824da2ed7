"""The workspace's routes under /app/, gathered from its journeys' modules; every page for the
session's principal, through GraphQL."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import strawberry
from starlette.routing import BaseRoute, Route

from service.web.graphql_view import Contexts
from service.web.workspace import audit, dashboard, directory, inbox, pages, promises, record
from service.web.workspace.core import Workspace
from service.web.workspace.graph import Graph

JOURNEYS = (inbox, promises, record, directory, audit, dashboard)
"""The modules whose `routes(workspace)` make up the workspace, in the order they are tried."""


def routes(
    schema: strawberry.Schema,
    contexts: Contexts,
    providers: Sequence[str],
    log_vkey_file: Path | None = None,
) -> list[BaseRoute]:
    """The workspace's routes, to be mounted at /app; `log_vkey_file` holds the log's public
    key the auditor's pages check proofs against."""
    workspace = Workspace(Graph(schema, contexts), providers, log_vkey_file)
    gathered: list[BaseRoute] = [
        route for journey in JOURNEYS for route in journey.routes(workspace)
    ]
    gathered.append(Route("/static/{name}", pages.static, methods=["GET"]))
    return gathered


__all__ = ["routes"]
