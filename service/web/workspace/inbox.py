"""Att göra: what waits for the session's organisation, and the occasions planned this week."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from service.web.public_page import today
from service.web.workspace import graph, pages, views
from service.web.workspace.core import Workspace


def routes(ws: Workspace) -> list[BaseRoute]:
    """The inbox, the workspace's first page."""
    return [Route("/", Inbox(ws).inbox, methods=["GET"])]


class Inbox:
    """The inbox's handler."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    async def inbox(self, request: Request) -> Response:
        """Att göra: what waits for the organisation, and what is planned this week."""
        session = await self.ws.session(request)
        if isinstance(session, Response):
            return session
        principal = session.principal
        await self.ws.graph.after_write(request, principal)
        day = today()
        data = await self.ws.graph.run(request, principal, graph.INBOX, {"on": day.isoformat()})
        running: list[dict[str, Any]] = []
        after: str | None = None
        for _ in range(graph.PLANNED_PAGES):
            page = await self.ws.graph.run(
                request,
                principal,
                graph.PLANNED,
                {"org": principal.organisation_id, "on": day.isoformat(), "after": after},
            )
            running.extend(page["promises"]["promises"])
            after = page["promises"]["pageInfo"]["endCursor"]
            if not page["promises"]["pageInfo"]["hasNextPage"]:
                break
        monday, sunday = views.week_of(day)
        return pages.page(
            request,
            "inbox.html",
            person=principal,
            items=data["inbox"],
            actions=views.ACTIONS,
            planned=views.planned_between(running, monday, sunday),
            monday=monday,
            sunday=sunday,
        )
