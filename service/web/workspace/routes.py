"""The workspace's routes under /app/: Att göra, Löften, a promise's page and the form that
records a performed activity; every page for the session's principal, through GraphQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from service.identity.cookies import csrf_matches, current_session
from service.identity.errors import SessionEnded
from service.identity.sessions import LiveSession
from service.web.graphql_view import Contexts
from service.web.public.present import N_
from service.web.public_page import language_of, today, valid_id, words_for
from service.web.workspace import graph, pages, views
from service.web.workspace.forms import FormRefused, RecordForm, form_of, one, well_formed
from service.web.workspace.graph import Graph, GraphFailed


def routes(
    schema: strawberry.Schema, contexts: Contexts, providers: Sequence[str]
) -> list[BaseRoute]:
    """The workspace's routes, to be mounted at /app."""
    workspace = Workspace(Graph(schema, contexts), tuple(providers))
    return [
        Route("/", workspace.inbox, methods=["GET"]),
        Route("/loften", workspace.promises, methods=["GET"]),
        Route("/loften/{promise_id}", workspace.promise, methods=["GET"]),
        Route("/loften/{promise_id}/insats", workspace.record, methods=["GET", "POST"]),
        Route("/static/{name}", pages.static, methods=["GET"]),
    ]


async def live_session(request: Request) -> LiveSession | None:
    """The request's live browser session; None without one (or with one that ended)."""
    try:
        return await current_session(request)
    except SessionEnded:
        return None


class Workspace:
    """The handlers, with the schema they run on and the login providers to offer."""

    def __init__(self, graph: Graph, providers: tuple[str, ...]) -> None:
        self.graph = graph
        self.providers = providers

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

    async def inbox(self, request: Request) -> Response:
        """Att göra: what waits for the organisation, and what is planned this week."""
        session = await live_session(request)
        if session is None:
            return self.login(request)
        principal = session.principal
        await self.graph.after_write(request, principal)
        day = today()
        data = await self.graph.run(request, principal, graph.INBOX, {"on": day.isoformat()})
        running: list[dict[str, Any]] = []
        after: str | None = None
        for _ in range(graph.PLANNED_PAGES):
            page = await self.graph.run(
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

    async def promises(self, request: Request) -> Response:
        """Löften: the organisation's promises, filtered by status, in pages."""
        session = await live_session(request)
        if session is None:
            return self.login(request)
        principal = session.principal
        status = request.query_params.get("status", "")
        after = request.query_params.get("after") or None
        if status not in views.STATUSES:
            status = ""
        if after is not None and not valid_id(after):
            after = None
        try:
            data = await self.graph.run(
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
            return self.message(
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

    async def _promise_data(
        self, request: Request, session: LiveSession, promise_id: str
    ) -> dict[str, Any] | None:
        if not valid_id(promise_id):
            return None
        await self.graph.after_write(request, session.principal)
        data = await self.graph.run(request, session.principal, graph.PROMISE, {"id": promise_id})
        return data if data["promise"] is not None else None

    async def promise(self, request: Request) -> Response:
        """A promise: parties, period, commitments with progress and pace, plans, activity
        records and the follow-up schedule."""
        session = await live_session(request)
        if session is None:
            return self.login(request)
        data = await self._promise_data(request, session, request.path_params["promise_id"])
        if data is None:
            return self.not_found(request)
        promise = data["promise"]
        activities = data["activities"]
        texts = {c["commitmentId"]: c["text"] for c in promise["progress"]}
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
        )

    async def record(self, request: Request) -> Response:
        """Registrera genomförd insats: the form (GET) and its submission (POST)."""
        session = await live_session(request)
        if session is None:
            return self.login(request)
        words = words_for(language_of(request))
        form: dict[str, list[str]] = {}
        if request.method == "POST":
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
        promise_id = request.path_params["promise_id"]
        data = await self._promise_data(request, session, promise_id)
        if data is None:
            return self.not_found(request)
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
            query = graph.PERFORM_OCCURRENCE
            variables = {**common, "planId": plan_id, "occurrenceId": occurrence_id}
        else:
            query = graph.RECORD_ACTIVITY
            variables = {**common, "commitmentId": values.commitment}
        data = await self.graph.run(
            request,
            session.principal,
            query,
            {"commandId": values.command_id, "input": variables},
        )
        result: dict[str, Any] = data["result"]
        return result

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
        return pages.page(
            request,
            "record.html",
            status_code=status_code,
            person=session.principal,
            csrf_token=session.csrf,
            promise=promise,
            form=values,
            errors=errors,
            commitments=[(c["commitmentId"], c["text"]) for c in promise["progress"]],
            occurrences=open_occurrences,
            places=views.places_of(promise["document"]),
            names=views.names_of(data["organisations"]),
        )


__all__ = ["Workspace", "live_session", "routes"]
