"""GraphQL over HTTP and WebSocket: authentication, body limits and the per-request context.

While the database cannot be reached, a request answers HTTP 503 with a typed GraphQL error
(`extensions.code` "UNAVAILABLE", a `Retry-After` header) instead of a masked internal error;
the asyncpg pool reconnects by itself once the database is back.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import asyncpg
import orjson
import strawberry
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.dataloader import DataLoader
from strawberry.exceptions import ConnectionRejectionError
from strawberry.extensions import SchemaExtension
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from events.messages import HOME, Principal
from schema.context import Context, Dispatch, SessionAdmin
from schema.errors import ClientError
from service import database
from service.identity.connections import stop_watching, watch_until_ended, websocket_grant
from service.identity.errors import CsrfMissing, InvalidToken, SessionEnded
from service.web import kept_answers
from service.web.errors import graphql_error
from service.web.group_read import SharedRuns
from service.web.kept_answers import MAX_KEPT_BODY, KeptAnswers, Key, Made, QueriesOnly
from service.web.languages import language_for
from service.web.metrics import RecordOperation, graphql_operation
from service.web.reader import PgReader
from service.web.request_body import BodyRefused, json_object
from service.web.typed_errors import TypedUnstorable
from service.web.ws_operations import GRANT_ENDED, GrantCheckedHandler

MAX_BODY_BYTES = 64 * 1024
UNAVAILABLE = "UNAVAILABLE"
RETRY_AFTER_S = 1
TOO_LARGE = f"the request body is larger than {MAX_BODY_BYTES} bytes"


class DatabaseUnavailable(ClientError):
    """The database cannot be reached right now; the request may be retried."""


class TypedUnavailable(SchemaExtension):
    """Turns database outages into the typed UNAVAILABLE error before errors are masked.

    It must come after MaskErrors in the schema's extensions: hooks exit in reverse order, so
    it sees the original exceptions and MaskErrors then keeps the (ClientError) replacement.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is None or not errors:
            return
        result.errors = [_typed(e) if database.unreachable(e.original_error) else e for e in errors]


def _typed(error: GraphQLError) -> GraphQLError:
    return GraphQLError(
        "the database is unavailable; retry shortly",
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=DatabaseUnavailable("the database is unavailable"),
        extensions={"code": UNAVAILABLE},
    )


def _unavailable(data: GraphQLHTTPResponse | list[GraphQLHTTPResponse]) -> bool:
    for response in data if isinstance(data, list) else [data]:
        errors: list[dict[str, Any]] = list(response.get("errors") or ())  # type: ignore[arg-type]
        if any((e.get("extensions") or {}).get("code") == UNAVAILABLE for e in errors):
            return True
    return False


def _with_errors(data: GraphQLHTTPResponse | list[GraphQLHTTPResponse]) -> bool:
    return any(r.get("errors") for r in (data if isinstance(data, list) else [data]))


def _json_body(data: object) -> bytes:
    """Compact JSON of a GraphQL response; keys that are not strings are written as strings,
    as the standard library's encoder would."""
    try:
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # a value orjson does not know: the encoder Strawberry uses decides
        return json.dumps(data, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True, kw_only=True)
class Contexts:
    """How a request's GraphQL context is built for a principal: the one construction both
    /graphql and the workspace's in-process execution use, so both run under the same rules."""

    make_dispatch: Callable[[Principal | None, str], Dispatch]
    make_reader: Callable[[], PgReader]
    sessions: SessionAdmin | None = None

    def build(
        self,
        principal: Principal | None,
        *,
        request_id: str,
        accept_language: str | None,
        extras: dict[str, Any] | None = None,
    ) -> Context:
        """The context of one operation by `principal`, in the request's language."""
        reader = self.make_reader()
        return Context(
            principal=principal,
            reader=reader,
            documents=DataLoader(load_fn=reader.documents_by_keys),
            dispatch=self.make_dispatch(principal, request_id),
            request_id=request_id,
            now=lambda: dt.datetime.now(dt.UTC),
            language=language_for(accept_language),
            sessions=self.sessions,
            extras=extras or {},
        )


class View(GraphQL[Context, None]):
    """Strawberry's ASGI app with our context and WebSocket authentication."""

    graphql_transport_ws_handler_class = GrantCheckedHandler

    def __init__(
        self,
        schema: strawberry.Schema,
        *,
        dev: bool,
        validate: Callable[[str], Awaitable[Principal]],
        contexts: Contexts,
        recheck_s: float = 30.0,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if dev else None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=5),
            max_subscriptions_per_connection=10,
        )
        self._validate = validate
        self._contexts = contexts
        self._recheck_s = recheck_s
        if TypedUnavailable not in schema.extensions:
            schema.extensions = (*schema.extensions, TypedUnavailable)
        if RecordOperation not in schema.extensions:
            schema.extensions = (*schema.extensions, RecordOperation)
        if TypedUnstorable not in schema.extensions:
            schema.extensions = (*schema.extensions, TypedUnstorable)
        if QueriesOnly not in schema.extensions:
            schema.extensions = (*schema.extensions, QueriesOnly)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Strawberry answers its refusals as plain text; ours are typed, GraphQL-shaped.
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:
            response = graphql_error(exc.status_code, exc.reason)
        await response(scope, receive, send)

    def parse_json(self, data: str | bytes) -> Any:
        """The HTTP body as one GraphQL request object; a typed 400 for any other shape."""
        try:
            request = json_object(data)
        except BodyRefused as exc:
            raise HTTPException(400, exc.reason) from exc
        if not isinstance(request.get("operationName"), str | None):
            raise HTTPException(400, "operationName must be a string or null")
        return request

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """Strawberry's reading of a POST with `Content-Type: application/json` (anything else
        goes to Strawberry's own), without parsing the header as an e-mail message, which
        costs a third of a millisecond per request; the same checks and messages."""
        content_type = (request.content_type or "").partition(";")[0].strip().lower()
        if (
            request.method != "POST"
            or content_type != "application/json"
            or self._get_stream_transport_from_headers(request.headers) is not None
        ):
            return await super().parse_http_body(request)
        data = self.parse_json(await request.get_body())  # one object, or a typed 400
        query, variables = data.get("query"), data.get("variables")
        extensions = data.get("extensions")
        if not isinstance(query, str | None):
            raise HTTPException(
                400, "The GraphQL operation's `query` must be a string or null, if provided."
            )
        if not isinstance(variables, dict | None):
            raise HTTPException(
                400, "The GraphQL operation's `variables` must be an object or null, if provided."
            )
        if not isinstance(extensions, dict | None):
            raise HTTPException(
                400,
                "The GraphQL operation's `extensions` must be an object or null, if provided.",
            )
        return GraphQLRequestData(
            query=query,
            variables=variables,
            operation_name=data.get("operationName"),
            extensions=extensions,
            protocol="http",
        )

    def decode_json(self, data: str | bytes) -> object:
        """One WebSocket message; any shape but a JSON object closes the socket with 4400."""
        try:
            return json_object(data)
        except BodyRefused as exc:
            raise json.JSONDecodeError(exc.reason, "", 0) from exc

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        """Strawberry's HTTP response, with the body written by orjson (several times faster
        than the standard library's encoder on a page of promises); the WebSocket messages
        keep Strawberry's text encoder."""
        if _with_errors(response_data):
            kept_answers.not_kept()
        if _unavailable(response_data):
            sub_response.status_code = 503
            sub_response.headers["Retry-After"] = str(RETRY_AFTER_S)
        response = Response(
            _json_body(response_data), status_code=200, media_type="application/json"
        )
        response.headers.raw.extend(sub_response.headers.raw)
        if sub_response.background:
            response.background = sub_response.background
        if sub_response.status_code:
            response.status_code = sub_response.status_code
        return response

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return self._contexts.build(
            getattr(request.state, "principal", None),
            request_id=getattr(request.state, "request_id", ""),
            accept_language=request.headers.get("accept-language"),
            extras={"websocket": request} if isinstance(request, WebSocket) else None,
        )

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        websocket: WebSocket = context.extras["websocket"]
        params = context.connection_params or {}
        try:
            grant = await websocket_grant(
                websocket, params, validate=self._validate, now=time.time()
            )
        except InvalidToken as exc:
            raise ConnectionRejectionError({"reason": exc.reason}) from exc
        context.principal = grant.principal
        context.reauthorise = lambda: grant.current(time.time())
        context.extras[GRANT_ENDED] = grant.ended
        context.dispatch = self._contexts.make_dispatch(context.principal, context.request_id)
        # The connection closes (4403) once the token expires or the session ends.
        watch_until_ended(websocket, grant, recheck_s=self._recheck_s)
        return {"organisation": context.principal.organisation_id}


class GraphQLEndpoint:
    """The ASGI app for /graphql: size limit and authentication before Strawberry runs."""

    def __init__(
        self,
        view: View,
        authenticate: Callable[[Request], Awaitable[Principal | None]],
        request_id: Callable[[], str],
        observe: Callable[[str, float], None],
        answers: KeptAnswers | None = None,
        read_pool: Callable[[], asyncpg.Pool] | None = None,
        counted: Callable[[str], None] = lambda outcome: None,
    ) -> None:
        self._view = view
        self._authenticate = authenticate
        self._request_id = request_id
        self._observe = observe
        self._answers = answers
        self._read_pool = read_pool
        self._counted = counted
        self._runs: SharedRuns[tuple[Key, int], Sent] = SharedRuns()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        scope.setdefault("state", {})
        scope["state"]["request_id"] = self._request_id()
        if scope["type"] != "http":
            try:
                await self._view(scope, receive, send)
            finally:
                stop_watching(scope)
            return
        request = Request(scope, receive)
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
            await graphql_error(413, TOO_LARGE)(scope, receive, send)
            return
        try:
            scope["state"]["principal"] = await self._authenticate(request)
        except CsrfMissing as exc:
            await graphql_error(403, exc.reason)(scope, receive, send)
            return
        except InvalidToken as exc:
            # GraphQL-shaped, and with RFC 6750's fields for OAuth clients.
            response = graphql_error(
                401,
                exc.reason,
                headers={"WWW-Authenticate": exc.www_authenticate()},
                extra={
                    "error": "session_ended" if isinstance(exc, SessionEnded) else "invalid_token",
                    "error_description": exc.reason,
                },
            )
            await response(scope, receive, send)
            return
        if scope["state"]["principal"] is None and _keepable(request):
            await self._anonymous(scope, request, receive, send)
        else:
            await self._view(scope, _limited(receive, MAX_BODY_BYTES), send)
        self._observe("http", time.perf_counter() - started)

    async def _anonymous(
        self, scope: Scope, request: Request, receive: Receive, send: Send
    ) -> None:
        """An anonymous read: its kept answer while what it read stands, else run (and kept
        when it may be: service.web.kept_answers), once for all that ask the same meanwhile."""
        answers = self._answers
        if answers is None or self._read_pool is None:
            await self._view(scope, _limited(receive, MAX_BODY_BYTES), send)
            return
        body = await request.body()
        day = dt.datetime.now(HOME).date()
        key = (body, language_for(request.headers.get("accept-language")), day)
        pool = self._read_pool()
        kept = answers.kept(key)
        try:
            # An answer kept by its documents asks after them alone; any other, and one whose
            # documents changed, after where every projection stands (its marks, or the marks
            # for the answer that is made now).
            fresh = kept is not None and await answers.documents_current(pool, kept)
            stand = {} if fresh else await answers.standing(pool)
        except Exception:  # the database is away: the view answers as it does then
            await self._view(scope, _replay(body, receive), send)
            return
        if kept is not None and (fresh or kept.current(stand)):
            self._counted("sent_again")
            graphql_operation.set(kept.operation)
            await send(
                {
                    "type": "http.response.start",
                    "status": kept.status,
                    "headers": list(kept.headers),
                }
            )
            await send({"type": "http.response.body", "body": kept.body})
            return
        if _streams(request):  # its answer is sent as it is made, to this client alone
            await self._run(answers, scope, _replay(body, receive), send, pool, key, stand)
            return
        me = object()

        async def make() -> Sent:
            sent = Sent(made_by=me)
            await self._run(answers, scope, _replay(body, receive), sent.take, pool, key, stand)
            sent.operation = graphql_operation.get()
            return sent

        # Requests that ask the same while it runs share the next run: a burst of them after
        # their answer changed costs two runs, not one each (service.web.group_read).
        sent = await self._runs.run((key, id(pool)), make)
        if sent.made_by is not me:
            self._counted("shared_run")
        graphql_operation.set(sent.operation)  # the run set it in its own task's context
        await sent.send_to(send)

    async def _run(
        self,
        answers: KeptAnswers,
        scope: Scope,
        receive: Receive,
        send: Send,
        pool: asyncpg.Pool,
        key: Key,
        stand: dict[str, str],
    ) -> None:
        """Run the query, sending its answer to `send`, and keep the answer when it may be."""
        self._counted("run")
        with kept_answers.reading(pool) as found:
            made = Made(found, answers.budget)

            async def sending(message: Message) -> None:
                made.take(message)
                await send(message)

            await self._view(scope, receive, sending)
        if dt.datetime.now(HOME).date() == key[2]:
            made.operation = graphql_operation.get()
            answers.keep(key, found, stand, made)


@dataclass(slots=True)
class Sent:
    """A response as the view sent it (one start, then its body), to send to each client that
    shared the run that made it."""

    made_by: object
    status: int = 500
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: list[bytes] = field(default_factory=list)
    operation: str | None = None

    async def take(self, message: Message) -> None:
        """Hold what `message` (an ASGI send) adds to the response."""
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", ()))
        elif message["type"] == "http.response.body":
            self.body.append(message.get("body", b""))

    async def send_to(self, send: Send) -> None:
        # A fresh message each: the middleware adds each request's own ids to its headers.
        await send(
            {"type": "http.response.start", "status": self.status, "headers": list(self.headers)}
        )
        await send({"type": "http.response.body", "body": b"".join(self.body)})


def _streams(request: Request) -> bool:
    """Whether the client accepts an answer sent in parts (a subscription or an incremental
    answer over HTTP): such an answer is never shared."""
    accept = request.headers.get("accept", "").lower()
    return "multipart/" in accept or "text/event-stream" in accept


def _keepable(request: Request) -> bool:
    """A JSON POST with a small body of known length: one whose answer may be kept."""
    length = request.headers.get("content-length")
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    return (
        request.method == "POST"
        and content_type == "application/json"
        and length is not None
        and length.isdigit()
        and int(length) <= MAX_KEPT_BODY
    )


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives `body` (already read) first, then what the client sends."""
    given = False

    async def replayed() -> Any:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _limited(receive: Receive, limit: int) -> Receive:
    """A receive that stops a chunked body from growing past `limit`."""
    seen = 0

    async def wrapped() -> Any:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise HTTPException(413, TOO_LARGE)  # the view answers it, typed
        return message

    return wrapped
