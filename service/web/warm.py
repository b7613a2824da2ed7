"""Warming a node before it is ready: its own public requests, answered in-process.

A node that starts under load pays for every code path's first run (Strawberry's and
graphql-core's caches, the interpreter's specialised bytecode, the pages' locale data) and for
every pooled connection's first statements (a new server process builds its catalogue caches,
asyncpg prepares each statement once per connection) inside the first requests it serves. On a
busy machine that backlog takes seconds to drain: in `make load` (three nodes at 600 requests/s
on two cores) the first three seconds held the whole run's p99.

`warm_up` sends the anonymous requests a node serves most, through the whole application (the
middleware, the routes, the pooled connections) without a socket: the published promise list,
the first two listed promises by GraphQL and their pages (plain, then conditional on the ETag
the first answer gave), the public index and the open-data promise file. It runs `parallel`
copies at once so that as many pooled connections as that prepare their statements. It reads
only what anyone may read and writes nothing; on an empty database it warms the same paths
with empty answers. Each request carries the request id `warm-up-…` in the access log and
counts in /metrics like any other.

`before_serving` is what `samverkan serve` (and the API benchmark's server, as it) does once
its services are up and before it listens: compile the public templates, warm up
(`SAMVERKAN_WARM_UP` copies at once), and freeze the startup heap out of garbage collections.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from starlette.types import ASGIApp, Message

from service.web.public import templates
from service.workers import freeze_startup

if TYPE_CHECKING:
    from service.web.app import Services

log = logging.getLogger(__name__)

PROMISE_LIST = """query Warm { promises(first: 20) {
  promises { id title periodLabel publicOnly status
    progress { commitmentId achieved target status colour } }
  pageInfo { endCursor hasNextPage } } }"""
WARM_UP_S = 30.0
"""The longest a warm-up may take: a database that hangs delays the start, never stops it."""
PROMISES = 2
"""Listed promises whose GraphQL answer and page (plain and conditional) each copy asks for."""
PROMISE = """query Warm($id: ID!) { promise(id: $id) { id status title publicOnly
  progress { commitmentId achieved target status colour } } }"""


@dataclass(frozen=True, slots=True)
class Answer:
    """One in-process answer: status, headers (lower-case names), body."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Warmed:
    """What a warm-up did: each answered request's method, path and status, and the seconds
    the whole took."""

    answers: tuple[tuple[str, str, int], ...]
    seconds: float
    finished: bool = True
    """False when the timeout cancelled requests still unanswered."""

    @property
    def answered(self) -> int:
        """Requests answered 200 or 304."""
        return sum(1 for _, _, status in self.answers if status in (200, 304))


async def call(
    app: ASGIApp,
    state: dict[str, Any],
    method: str,
    path: str,
    *,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    request_id: str,
) -> Answer:
    """One HTTP request through `app`, in-process, with the lifespan's `state`."""
    raw_headers = [
        (b"host", b"127.0.0.1"),
        (b"x-request-id", request_id.encode()),
        *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
    ]
    if body:
        raw_headers.append((b"content-length", str(len(body)).encode()))
    path_only, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path_only,
        "raw_path": path_only.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 80),
        "state": dict(state),
    }
    sent = False
    status = 0
    answer_headers: dict[str, str] = {}
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # a listener for the client's disconnect: it never comes
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
            answer_headers.update(
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]
            )
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return Answer(status, answer_headers, b"".join(chunks))


def _listed(answer: Answer) -> list[str]:
    """The promise ids a promise-list answer names (none when it is not one)."""
    try:
        page = orjson.loads(answer.body)["data"]["promises"]["promises"]
        return [str(p["id"]) for p in page]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return []


async def _round(
    app: ASGIApp, state: dict[str, Any], n: int, answers: list[tuple[str, str, int]]
) -> None:
    """One copy of the warm-up's requests, each one's method, path and status appended to
    `answers` (500 for one that raised: the error is logged and the warm-up goes on)."""

    async def go(method: str, path: str, **kw: Any) -> Answer:
        request_id = f"warm-up-{n}-{len(answers) + 1}"
        try:
            answer = await call(app, state, method, path, request_id=request_id, **kw)
        except Exception as exc:  # a failing page must not keep the node from serving
            log.warning("warm-up request %s %s failed: %r", method, path, exc)
            answer = Answer(500, {}, b"")
        answers.append((method, path, answer.status))
        return answer

    def graphql(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            "body": orjson.dumps({"query": query, "variables": variables or {}}),
            "headers": {"content-type": "application/json"},
        }

    listed = await go("POST", "/graphql", **graphql(PROMISE_LIST))
    await go("GET", "/p/")
    await go("GET", "/open-data/promises.csv")
    for promise_id in _listed(listed)[:PROMISES]:
        await go("POST", "/graphql", **graphql(PROMISE, {"id": promise_id}))
        page = await go("GET", f"/p/{promise_id}")
        if etag := page.headers.get("etag"):
            await go("GET", f"/p/{promise_id}", headers={"if-none-match": etag})


async def warm_up(
    app: ASGIApp, state: dict[str, Any], *, parallel: int, timeout: float = WARM_UP_S
) -> Warmed:
    """Send `parallel` copies of the warm-up's requests at once through `app`; after
    `timeout` seconds whatever has not been answered is cancelled (and logged)."""
    started = time.perf_counter()
    answers: list[list[tuple[str, str, int]]] = [[] for _ in range(max(1, parallel))]
    rounds = [asyncio.ensure_future(_round(app, state, n, a)) for n, a in enumerate(answers)]
    _, late = await asyncio.wait(rounds, timeout=timeout)
    for task in late:
        task.cancel()
    for failed in await asyncio.gather(*rounds, return_exceptions=True):
        if isinstance(failed, Exception):  # outside a request: not answered, not hidden either
            log.warning("a warm-up copy failed: %r", failed)
    if late:
        log.warning("warm-up stopped after %.0f s: %d copies unfinished", timeout, len(late))
    return Warmed(
        answers=tuple(a for copy in answers for a in copy),
        seconds=time.perf_counter() - started,
        finished=not late,
    )


async def before_serving(app: ASGIApp, services: Services) -> Warmed | None:
    """Compile the public templates, warm up, freeze the startup heap; the warm-up's account
    (None when `SAMVERKAN_WARM_UP` is 0)."""
    templates.compile_all()
    warmed = None
    if copies := services.settings.warm_up:
        warmed = await warm_up(app, {"services": services}, parallel=copies)
        log.info(
            "warmed up: %d requests, %d answered, in %.2f s",
            len(warmed.answers),
            warmed.answered,
            warmed.seconds,
        )
    freeze_startup()
    return warmed
