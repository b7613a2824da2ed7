"""GraphQL over HTTP for the load generator and the drills, with acknowledgement bookkeeping."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

MUTATION = (
    "mutation($id: ID!, $input: {input}!) {{ result: {name}(commandId: $id, input: $input) "
    "{{ __typename ... on CommandAccepted {{ streamId version consistencyToken eventIds "
    "duplicate }} ... on Forbidden {{ message code }} ... on RuleViolated {{ message code }} "
    "... on InvalidInput {{ message field }} ... on NotFound {{ message }} "
    "... on VersionConflict {{ message }} }} }}"
)

JSON = {"content-type": "application/json"}


class GraphQLFailed(RuntimeError):
    """A request that did not succeed: a non-200 answer, GraphQL errors, or a refused command."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP answer: status, decoded body (if JSON), seconds taken."""

    status: int
    body: Any
    seconds: float

    @property
    def error_code(self) -> str | None:
        """The first GraphQL error's `extensions.code`, if any; a page's 503 is UNAVAILABLE."""
        if not isinstance(self.body, dict):
            # A page (/p/…) is HTML: the app answers it 503 only while the database is down.
            return "UNAVAILABLE" if self.status == 503 else None
        for error in self.body.get("errors") or ():
            code = (error.get("extensions") or {}).get("code")
            if code:
                return str(code)
        return None

    @property
    def ok(self) -> bool:
        """HTTP 200 and no GraphQL errors."""
        return self.status == 200 and not (isinstance(self.body, dict) and self.body.get("errors"))


@dataclass(frozen=True, slots=True)
class Ack:
    """A mutation that got a success answer: its command id and the events it appended."""

    command_id: str
    stream_id: str
    event_ids: tuple[str, ...]
    consistency_token: str


@dataclass(slots=True)
class Acknowledged:
    """Every acknowledged mutation, to be found in the log afterwards."""

    acks: list[Ack] = field(default_factory=list)

    def add(self, ack: Ack) -> None:
        self.acks.append(ack)

    @property
    def event_ids(self) -> set[str]:
        return {e for a in self.acks for e in a.event_ids}


def mutation_text(name: str) -> str:
    """The mutation document for command field `name` (input type derived from the name)."""
    return MUTATION.format(input=name[0].upper() + name[1:] + "Input", name=name)


TRANSPORT_ERRORS = (aiohttp.ClientError, TimeoutError)
"""What a request raises when it got no HTTP answer (refused, reset, timed out)."""


async def post(
    http: aiohttp.ClientSession,
    base: str,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> Answer:
    """POST one GraphQL operation; transport errors propagate (TRANSPORT_ERRORS)."""
    headers = dict(JSON)
    if token:
        headers["authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    async with http.post(
        f"{base}/graphql",
        data=orjson.dumps({"query": query, "variables": variables or {}}),
        headers=headers,
    ) as response:
        raw = await response.read()
        status = response.status
    seconds = time.perf_counter() - started
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        body = raw.decode(errors="replace")
    return Answer(status=status, body=body, seconds=seconds)


async def get(http: aiohttp.ClientSession, url: str) -> Answer:
    """GET a page; the body is not decoded."""
    started = time.perf_counter()
    async with http.get(url) as response:
        await response.read()
        status = response.status
    return Answer(status=status, body=None, seconds=time.perf_counter() - started)


def session(max_connections: int = 256, timeout: float = 30.0) -> aiohttp.ClientSession:
    """A client session for loopback load: a bounded connection pool, no DNS cache needed."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=max_connections, limit_per_host=max_connections),
        timeout=aiohttp.ClientTimeout(total=timeout),
    )


def data_of(answer: Answer) -> dict[str, Any]:
    """The `data` of a successful answer; GraphQLFailed otherwise."""
    if not answer.ok:
        raise GraphQLFailed(
            f"HTTP {answer.status}: {str(answer.body)[:300]}",
            status=answer.status,
            code=answer.error_code,
        )
    data: dict[str, Any] = answer.body["data"]
    return data


def accepted(answer: Answer, command_id: str) -> Ack:
    """The Ack of a mutation answer, GraphQLFailed unless it is CommandAccepted."""
    result: dict[str, Any] = data_of(answer)["result"]
    if result.get("__typename") != "CommandAccepted":
        raise GraphQLFailed(f"not accepted: {result}", status=answer.status)
    return Ack(
        command_id=command_id,
        stream_id=str(result["streamId"]),
        event_ids=tuple(str(e) for e in result["eventIds"]),
        consistency_token=str(result["consistencyToken"]),
    )


async def command(
    http: aiohttp.ClientSession, base: str, token: str, name: str, /, **input: Any
) -> tuple[Answer, str]:
    """Send one command mutation with a fresh command id; return the answer and the id."""
    command_id = str(uuid.uuid4())
    answer = await post(
        http, base, mutation_text(name), {"id": command_id, "input": input}, token=token
    )
    return answer, command_id
