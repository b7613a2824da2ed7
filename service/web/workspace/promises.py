"""Löften: the organisation's promises in pages with a status filter, and a promise's page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from service.identity.sessions import LiveSession
from service.web.public.present import N_
from service.web.public_page import language_of, valid_id, words_for
from service.web.workspace import follow_view, graph, history, pages, revisions, views
from service.web.workspace.core import Workspace, promise_data
from service.web.workspace.graph import GraphFailed


def routes(ws: Workspace) -> list[BaseRoute]:
    """The promise list and a promise's page."""
    handlers = Promises(ws)
    return [
        Route("/loften", handlers.promises, methods=["GET"]),
        Route("/loften/{promise_id}", handlers.promise, methods=["GET"]),
    ]


class Promises:
    """The list's and the page's handlers."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    async def promises(self, request: Request) -> Response:
        """Löften: the organisation's promises, filtered by status, in pages."""
        session = await self.ws.session(request)
        if isinstance(session, Response):
            return session
        principal = session.principal
        status = request.query_params.get("status", "")
        after = request.query_params.get("after") or None
        if status not in views.STATUSES:
            status = ""
        if after is not None and not valid_id(after):
            after = None
        try:
            data = await self.ws.graph.run(
                request,
                principal,
                graph.PROMISES,
                {
                    "org": principal.organisation_id,
                    "status": [status] if status else None,
                    "after": after,
                },
            )
        except GraphFailed:
            if after is None:
                raise
            words = words_for(language_of(request))
            return self.ws.message(
                request,
                400,
                words(N_("Page not found")),
                words(N_("The list has no such page; start again from its first page.")),
            )
        page = data["promises"]
        return pages.page(
            request,
            "promises.html",
            person=principal,
            promises=page["promises"],
            next_after=page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None,
            status=status,
            statuses=views.STATUSES,
            names=views.names_of(data["organisations"]),
        )

    async def promise(self, request: Request) -> Response:
        """A promise: parties, period, commitments with progress and pace, plans, activity
        records and the follow-up schedule."""
        session = await self.ws.session(request)
        if isinstance(session, Response):
            return session
        data = await promise_data(self.ws, request, session, request.path_params["promise_id"])
        if data is None:
            return self.ws.not_found(request)
        promise = data["promise"]
        activities = data["activities"]
        texts = {c["commitmentId"]: c["text"] for c in promise["progress"]}
        entries = await promise_history(self.ws, request, session, promise["id"])
        return pages.page(
            request,
            "promise.html",
            person=session.principal,
            promise=promise,
            names=views.names_of(data["organisations"]),
            places=dict(views.places_of(promise["document"])),
            texts=texts,
            activities=(
                activities["activities"] if activities["__typename"] == "ActivityPage" else None
            ),
            statuses=views.STATUSES,
            pace=views.PACE,
            occurrence_statuses=views.OCCURRENCE_STATUSES,
            follow_up_statuses=views.FOLLOW_UP_STATUSES,
            follow_up_kinds=views.FOLLOW_UP_KINDS,
            follow_ups=follow_view.reports_of(promise["document"], promise["parties"]),
            follow_up_stages=follow_view.STAGES,
            report_kinds=follow_view.KINDS,
            revisions=revisions.revisions_of(promise["document"]),
            unpublished=revisions.unpublished(promise["document"]),
            stages=revisions.STAGES,
            place_kinds=revisions.PLACE_KINDS,
            entries=entries,
        )


async def promise_history(
    ws: Workspace, request: Request, session: LiveSession, promise_id: str
) -> list[history.Entry] | None:
    """The promise's history in words for the promise page; None when the API does not let
    this person read it."""
    read = await history.read_history(ws.graph, request, session.principal, promise_id)
    if isinstance(read, dict):
        return None
    organisations, people = await history.names(ws.graph, request, session.principal)
    return history.in_words(read, words_for(language_of(request)), organisations, people)
