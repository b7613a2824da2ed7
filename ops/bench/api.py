"""API benchmark: the promise-list GraphQL query next to a plain Starlette JSON endpoint,
recordActivity through GraphQL next to a plain endpoint doing the same dispatch, conditional
GETs (304) of a public page and an open-data file next to a plain endpoint answering a
constant 304, and mutation → visible latency.

Run `python -m ops.bench.api` (full) or with `--quick` (a smoke run). The server and databases
come from `ops.bench.harness`. The app is the real `create_app` in dev mode (demo loaded, dev
tokens), served by uvicorn on 127.0.0.1 in a child process, so that the load generator
(httpx, this process) does not share the server's event loop; as deployed, the workers
(sequencer, projection runners, checkpointer) run beside it in a `samverkan worker` process
of their own rather than in the API's event loop (`serve --dev` runs them in-process). The
plain endpoint is mounted in the same app through `extra_routes` and runs the reader's own SQL
on the app's pool, so both peers pay for the same HTTP stack, pool and rows; only GraphQL
(parsing, validation, resolvers, access rules) differs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import itertools
import os
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ops.bench.harness import (
    Db,
    Row,
    Server,
    arg_parser,
    heading,
    measured,
    median,
    open_loop,
    percentile,
    render,
    say,
    write_results,
)
from service.web.reader import PgReader

ROOT = Path(__file__).resolve().parents[2]
UB, LPO = "org-upplands-bro", "org-lpo-jarfalla"
PROMISES = 20
COMMITMENTS = 5
PLAIN_PATH = "/bench/promises"
PLAIN_RECORD_PATH = "/bench/record-activity"
PLAIN_304_PATH = "/bench/not-modified"
PAGE_PATH = "/p/bench-ub-00"
OPEN_DATA_PATH = "/open-data/promises.csv"

LIST_QUERY = """query($org: String) {
  promises(organisation: $org, first: 20) {
    promises { id status title progress { commitmentId target achieved status colour } }
  }
}"""

VISIBLE_QUERY = """query($id: ID!, $token: String) {
  promise(id: $id, consistencyToken: $token) { id document }
}"""

SEEN_QUERY = """query($id: ID!, $token: String) {
  promise(id: $id, consistencyToken: $token) { id revisionNo }
}"""
"""What a client reads back after its mutation in the lag phase: the token makes the answer
wait until the promise projection holds the event; what it asks for is small, as a client's
read would be (the whole document of a promise the closed-loop phase filled with thousands of
activities is megabytes of JSON a request, which would measure the transfer, not the lag)."""

RECORDS_QUERY = """query($id: ID!, $after: String) {
  activities(promiseId: $id, first: 100, after: $after) {
    __typename
    ... on ActivityPage { activities { recordId } pageInfo { hasNextPage endCursor } }
  }
}"""

MUTATION = (
    "mutation($id: ID!, $input: {input}!) {{ result: {name}(commandId: $id, input: $input) "
    "{{ __typename ... on CommandAccepted {{ version consistencyToken eventIds }} "
    "... on Forbidden {{ message }} ... on RuleViolated {{ message }} "
    "... on InvalidInput {{ message field }} ... on NotFound {{ message }} "
    "... on VersionConflict {{ message }} }} }}"
)


@dataclass(frozen=True, slots=True)
class Sizes:
    clients: int
    warmup_s: float
    duration_s: float
    mutation_clients: int
    lag_rate: int
    lag_duration_s: float
    reps: int
    pause_s: float
    get_clients: int = 32


FULL = Sizes(
    clients=50,
    warmup_s=1.0,
    duration_s=10.0,
    mutation_clients=16,
    lag_rate=100,
    lag_duration_s=10.0,
    reps=2,
    pause_s=2.0,
)
QUICK = Sizes(
    clients=50,
    warmup_s=0.2,
    duration_s=1.0,
    mutation_clients=16,
    lag_rate=100,
    lag_duration_s=1.0,
    reps=1,
    pause_s=0.1,
)


# --------------------------------------------------------------------------------------------
# The server (child process)


async def plain_promises(request: Request) -> Response:
    """The GraphQL resolver's reader call (same SQL, same arguments) as plain JSON."""
    org = request.query_params.get("org") or UB
    reader = PgReader(request.state.services.pool, (), {})
    rows = await reader.promise_documents(
        organisation=org,
        status=None,
        title=None,
        after=None,
        limit=21,
        member_of=frozenset({org}),
        everything=False,
    )
    promises = [
        {
            "id": key.removeprefix("promise-"),
            "status": doc["state"]["status"],
            "title": _title(doc),
            "progress": [
                {
                    "commitmentId": p["commitment_id"],
                    "target": p["target"],
                    "achieved": p["achieved"],
                    "status": p["status"],
                    "colour": p["colour"],
                }
                for p in doc.get("progress", ())
            ],
        }
        for key, doc in rows[:20]
    ]
    return JSONResponse({"data": {"promises": {"promises": promises}}})


async def plain_record_activity(request: Request) -> Response:
    """recordActivity without GraphQL: the same bearer validation, command and dispatch."""
    import datetime as dt_

    from events.messages import Refusal, VersionConflict
    from events.promise.commands import RecordActivity
    from schema.consistency import consistency_token
    from service.bootstrap import dispatch_for

    services = request.state.services
    _scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    principal = await services.bearer.validate(token.strip())
    body = orjson.loads(await request.body())
    given = body["input"]
    command = RecordActivity(
        command_id=str(body["commandId"]),
        actor=principal,
        at=dt_.datetime.now(dt_.UTC),
        promise_id=given["promiseId"],
        record_id=given["recordId"],
        commitment_id=given["commitmentId"],
        occurred_on=dt_.date.fromisoformat(given["occurredOn"]),
        performed_by=tuple(given["performedBy"]),
        summary=given["summary"],
        place_ids=tuple(given.get("placeIds") or ()),
    )
    dispatch = dispatch_for(services.dispatcher, principal, request.state.request_id)
    try:
        done = await dispatch(command, None)
    except (Refusal, VersionConflict) as exc:  # as the resolver answers them: a union member
        refused = {"__typename": type(exc).__name__, "message": str(exc)}
        return JSONResponse({"data": {"result": refused}})
    result = {
        "__typename": "CommandAccepted",
        "version": done.version,
        "consistencyToken": consistency_token(done.event_ids),
        "eventIds": [str(e) for e in done.event_ids],
    }
    return JSONResponse({"data": {"result": result}})


async def plain_not_modified(request: Request) -> Response:
    """A constant 304 with a page's headers: the floor of a conditional GET over HTTP."""
    return Response(
        status_code=304,
        headers={"etag": '"bench"', "cache-control": "public, no-cache", "vary": "Accept-Language"},
    )


def _title(doc: dict[str, Any]) -> str | None:
    state = doc["state"]
    revision = state.get("working") or state.get("in_force")
    if not revision:
        return None
    title: str | None = revision["content"]["details"]["title"]
    return title


def serve(url: str, data_dir: Path, port: int) -> None:
    """Child process: the real app (dev mode) plus the plain endpoint, on 127.0.0.1:port."""
    import uvicorn

    from service import database
    from service.settings import Settings
    from service.web.app import create_app
    from service.web.warm import before_serving
    from service.workers import collect_less

    collect_less(api_only=True)  # as `samverkan serve --no-workers` does (its worker runs apart)

    settings = Settings(
        database_url=url,
        app_database_url=database.runtime_url(url, None),
        data_dir=data_dir,
        dev=True,
    )
    app = create_app(
        settings,
        run_workers=False,
        extra_routes=[
            Route(PLAIN_PATH, plain_promises, methods=["GET"]),
            Route(PLAIN_RECORD_PATH, plain_record_activity, methods=["POST"]),
            Route(PLAIN_304_PATH, plain_not_modified, methods=["GET"]),
        ],
        on_ready=before_serving,  # as `samverkan serve` does
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def served(db: Db, data_dir: Path) -> AsyncIterator[str]:
    """The app and a worker in child processes until the block ends; yields the app's base URL
    once ready."""
    port = free_port()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ops.bench.api",
        "--serve",
        "--database-url",
        db.admin_url,
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
        cwd=str(ROOT),
    )
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "service.cli",
        "worker",
        cwd=str(ROOT),
        env={
            **os.environ,
            "DATABASE_URL": db.admin_url,
            "SAMVERKAN_DATA_DIR": str(data_dir),
            "SAMVERKAN_DEV": "1",
        },
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            for _ in range(600):  # at most 60 s
                if child.returncode is not None:
                    raise RuntimeError(f"the app exited with {child.returncode}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{base}/readyz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError("the app did not become ready within 60 s")
        yield base
    finally:
        for process in (child, worker):
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
        for process in (child, worker):
            try:
                await asyncio.wait_for(process.wait(), timeout=30)
            except TimeoutError:
                process.kill()
                await asyncio.wait_for(process.wait(), timeout=10)


# --------------------------------------------------------------------------------------------
# Seeding through GraphQL


class Client:
    def __init__(self, http: httpx.AsyncClient, base: str, token: str) -> None:
        self.http, self.base = http, base
        self.headers = {"authorization": f"Bearer {token}"}

    async def query(self, query: str, /, **variables: Any) -> dict[str, Any]:
        response = await self.http.post(
            f"{self.base}/graphql",
            content=orjson.dumps({"query": query, "variables": variables}),
            headers={**self.headers, "content-type": "application/json"},
        )
        body = orjson.loads(response.content)
        if response.status_code != 200 or "errors" in body:
            raise RuntimeError(f"GraphQL failed: {response.status_code} {body}")
        data: dict[str, Any] = body["data"]
        return data

    async def ok(self, mutation_name: str, /, **input: Any) -> dict[str, Any]:
        field = mutation_name
        mutation = MUTATION.format(input=field[0].upper() + field[1:] + "Input", name=field)
        data = await self.query(mutation, id=str(uuid.uuid4()), input=input)
        result: dict[str, Any] = data["result"]
        if result["__typename"] != "CommandAccepted":
            raise RuntimeError(f"{field} was not accepted: {result}")
        return result


class FastClient(Client):
    """A Client on aiohttp, for the open-loop phase: httpx spent about 8 ms of this process's
    CPU per mutation and read-back, so at 100 mutations/s the generator took a whole core of
    this 2-CPU machine and launched 35-70 a second instead of 100 (measured per process)."""

    def __init__(self, http: aiohttp.ClientSession, base: str, token: str) -> None:
        self.session, self.base = http, base
        self.headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}

    async def query(self, query: str, /, **variables: Any) -> dict[str, Any]:
        payload = orjson.dumps({"query": query, "variables": variables})
        async with self.session.post(
            f"{self.base}/graphql", data=payload, headers=self.headers
        ) as response:
            body = orjson.loads(await response.read())
            status = response.status
        if status != 200 or "errors" in body:
            raise RuntimeError(f"GraphQL failed: {status} {body}")
        data: dict[str, Any] = body["data"]
        return data


@dataclass(frozen=True, slots=True)
class Clients:
    editor: Client
    police: Client
    police_signer: Client
    municipal_signer: Client
    publisher: Client


def make_clients(
    http: httpx.AsyncClient, base: str, data_dir: Path
) -> tuple[Clients, tuple[Client, Client]]:
    from service.identity.dev_issuer import DevIssuer

    dev = DevIssuer.load_or_create(data_dir)

    def client(org: str, role: str, person: str | None = None) -> Client:
        token = dev.mint(
            organisation_id=org, roles=[role], subject=f"bench-{org}-{role}", person_id=person
        )
        return Client(http, base, token)

    clients = Clients(
        editor=client(UB, "editor"),
        police=client(LPO, "editor"),
        police_signer=client(LPO, "signatory", "p-bench-lpo"),
        municipal_signer=client(UB, "signatory", "p-bench-ks"),
        publisher=client(UB, "publisher"),
    )
    return clients, (client(UB, "org_admin"), client(LPO, "org_admin"))


def promise_id(i: int) -> str:
    return f"bench-ub-{i:02d}"


async def seed_promise(c: Clients, i: int) -> None:
    """A promise with five commitments, signed, in force, published, with some activities."""
    pid = promise_id(i)
    await c.editor.ok(
        "draftPromise",
        promiseId=pid,
        parties=[UB, LPO],
        details={
            "title": f"Medborgarlöfte {i:02d}: trygghet i Bro och Kungsängen",
            "period": {"validFrom": "2026-01-01", "validTo": "2030-12-31", "label": "2026–2030"},
            "goal": "Ökad trygghet i centrala Bro och Kungsängen.",
        },
    )
    await c.editor.ok(
        "addFocusArea", promiseId=pid, focusArea={"focusAreaId": "fa1", "title": "Trygghet"}
    )
    await c.editor.ok(
        "registerPlace",
        promiseId=pid,
        place={"placeId": "p1", "name": "Bro centrum", "kind": "centrum"},
    )
    for n in range(1, COMMITMENTS + 1):
        commitment: dict[str, Any] = {
            "commitmentId": f"c{n}",
            "focusAreaId": "fa1",
            "placeIds": ["p1"],
            "text": f"Åtagande {n}: gemensamma insatser med synlig närvaro i Bro centrum",
            "responsibleIds": [LPO, UB],
        }
        if n % 2 == 0:
            commitment["target"] = {"comparator": ">=", "quantity": 8, "unit": "insats"}
        await c.editor.ok("addCommitment", promiseId=pid, commitment=commitment)
    proposed = await c.editor.ok("proposePromise", promiseId=pid)
    doc = await c.editor.query(VISIBLE_QUERY, id=pid, token=proposed["consistencyToken"])
    working = doc["promise"]["document"]["state"]["working"]
    revision, content_hash = working["revision_no"], working["content_hash"]
    for signer, party in ((c.police_signer, LPO), (c.municipal_signer, UB)):
        await signer.ok(
            "signPromise",
            promiseId=pid,
            revisionNo=revision,
            contentHash=content_hash,
            partyId=party,
        )
    await c.publisher.ok("publishPromise", promiseId=pid, channel="kommunens webb")
    for n in range(6):
        await c.police.ok(
            "recordActivity",
            promiseId=pid,
            recordId=f"seed-{n}",
            commitmentId=f"c{1 + n % COMMITMENTS}",
            occurredOn="2026-03-10",
            performedBy=[LPO, UB],
            summary="Gemensam insats i Bro centrum",
            placeIds=["p1"],
        )


async def seed(http: httpx.AsyncClient, base: str, data_dir: Path) -> Clients:
    clients, admins = make_clients(http, base, data_dir)
    admin_ub, admin_lpo = admins
    for client, person, org in ((admin_lpo, "p-bench-lpo", LPO), (admin_ub, "p-bench-ks", UB)):
        await client.ok("registerPerson", personId=person, name=f"Signatory of {org}")
        await client.ok("grantSigningMandate", mandateId=f"m-{person}", personId=person, orgId=org)
    for start in range(0, PROMISES, 5):
        await asyncio.gather(*(seed_promise(clients, i) for i in range(start, start + 5)))
    return clients


# --------------------------------------------------------------------------------------------
# Load


@dataclass(slots=True)
class LoadResult:
    rate: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


async def closed_loop(
    clients: int, sizes: Sizes, call: Callable[[int, int], Awaitable[bool]]
) -> LoadResult:
    """`clients` workers call back to back; count and time calls ending in the window."""
    begin = time.perf_counter()
    start, end = begin + sizes.warmup_s, begin + sizes.warmup_s + sizes.duration_s
    latencies: list[float] = []
    errors = 0

    async def worker(w: int) -> None:
        nonlocal errors
        n = 0
        while time.perf_counter() < end:
            t0 = time.perf_counter()
            ok = await call(w, n)
            t1 = time.perf_counter()
            n += 1
            if start <= t1 <= end:
                latencies.append((t1 - t0) * 1000)
                if not ok:
                    errors += 1

    await asyncio.wait_for(
        asyncio.gather(*(worker(w) for w in range(clients))),
        timeout=sizes.warmup_s + sizes.duration_s + 60,
    )
    return LoadResult(
        rate=len(latencies) / sizes.duration_s,
        p50_ms=percentile(latencies, 0.5),
        p99_ms=percentile(latencies, 0.99),
        requests=len(latencies),
        errors=errors,
    )


async def alternating(
    reps: int,
    load: Callable[[bool], Awaitable[LoadResult]],
    label: str,
    *,
    after_each: Callable[[], Awaitable[None]] | None = None,
    names: tuple[str, str] = ("graphql", "plain"),
) -> dict[str, list[LoadResult]]:
    """`reps` runs of `load(True)` (GraphQL, named `names[0]`) and of its peer `load(False)`
    (`names[1]`), the order reversed every other repetition so neither always runs on a
    warmer (or busier) machine."""
    ours, peer = names
    runs: dict[str, list[LoadResult]] = {ours: [], peer: []}
    order = [(peer, False), (ours, True)]
    for rep in range(reps):
        for key, graphql in order if rep % 2 == 0 else reversed(order):
            result = await load(graphql)
            runs[key].append(result)
            say(
                f"  rep {rep + 1}/{reps} {label}{key}: {result.rate:,.0f} /s, "
                f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms"
            )
            if after_each is not None:
                await after_each()
    return runs


def aiohttp_session(connections: int) -> aiohttp.ClientSession:
    """The load generator's HTTP client (see FastClient for why not httpx)."""
    connector = aiohttp.TCPConnector(limit=connections, limit_per_host=connections)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30))


async def list_load(base: str, token: str, sizes: Sizes, graphql: bool) -> LoadResult:
    body = orjson.dumps({"query": LIST_QUERY, "variables": {"org": UB}})
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    async with aiohttp_session(sizes.clients) as http:

        async def twenty(answer: Awaitable[aiohttp.ClientResponse]) -> bool:
            try:
                async with await answer as r:
                    content = await r.read()
                    if r.status != 200:
                        return False
                return len(orjson.loads(content)["data"]["promises"]["promises"]) == 20
            except (aiohttp.ClientError, TimeoutError):
                return False
            except (orjson.JSONDecodeError, KeyError, TypeError):
                return False

        async def call_graphql(_: int, __: int) -> bool:
            return await twenty(http.post(f"{base}/graphql", data=body, headers=headers))

        async def call_plain(_: int, __: int) -> bool:
            return await twenty(
                http.get(f"{base}{PLAIN_PATH}", params={"org": UB}, headers=headers)
            )

        return await closed_loop(sizes.clients, sizes, call_graphql if graphql else call_plain)


ANONYMOUS_LIST = """query { promises(first: 20) { promises { id title periodLabel
  progress { commitmentId achieved target status colour } } } }"""
"""What a citizen's app or a dashboard polls: the published promises, without a token."""


async def anonymous_list_load(base: str, sizes: Sizes, kept: bool) -> LoadResult:
    """The anonymous list with its answer kept (the same body each time), or its peer: the
    same query with a variable it does not use, a body never sent before, so every request
    runs it (service.web.kept_answers)."""
    headers = {"content-type": "application/json"}
    fresh = itertools.count()
    async with aiohttp_session(sizes.clients) as http:

        async def call(_: int, __: int) -> bool:
            variables = {} if kept else {"nonce": next(fresh)}
            body = orjson.dumps({"query": ANONYMOUS_LIST, "variables": variables})
            try:
                async with http.post(f"{base}/graphql", data=body, headers=headers) as r:
                    content = await r.read()
                    if r.status != 200:
                        return False
                return len(orjson.loads(content)["data"]["promises"]["promises"]) > 0
            except (aiohttp.ClientError, TimeoutError):
                return False
            except (orjson.JSONDecodeError, KeyError, TypeError):
                return False

        return await closed_loop(sizes.clients, sizes, call)


async def list_open_loop(
    base: str, token: str, sizes: Sizes, rate: float, graphql: bool
) -> LoadResult:
    """The list on an open-loop schedule of `rate`/s for `duration_s`: each request starts on
    time whatever the others do, so its latency includes any queue in the server."""
    body = orjson.dumps({"query": LIST_QUERY, "variables": {"org": UB}})
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    total = max(1, int(rate * sizes.duration_s))
    latencies: list[float] = []
    errors = 0
    async with aiohttp_session(256) as http:

        async def one(_: int) -> None:
            nonlocal errors
            t0 = time.perf_counter()
            try:
                if graphql:
                    answer = http.post(f"{base}/graphql", data=body, headers=headers)
                else:
                    answer = http.get(f"{base}{PLAIN_PATH}", params={"org": UB}, headers=headers)
                async with answer as r:
                    content = await r.read()
                    good = r.status == 200
                good = good and len(orjson.loads(content)["data"]["promises"]["promises"]) == 20
            except (aiohttp.ClientError, TimeoutError, orjson.JSONDecodeError, KeyError):
                good = False
            latencies.append((time.perf_counter() - t0) * 1000)
            errors += 0 if good else 1

        launch_rate = await open_loop(rate, total, one, sizes.duration_s + 60)
    return LoadResult(
        rate=launch_rate,
        p50_ms=percentile(latencies, 0.5),
        p99_ms=percentile(latencies, 0.99),
        requests=len(latencies),
        errors=errors,
    )


def activity(w: int, n: int, tag: str) -> dict[str, Any]:
    return {
        "promiseId": promise_id((w + n) % PROMISES),
        "recordId": f"{tag}-{w}-{n}-{uuid.uuid4().hex[:6]}",
        "commitmentId": f"c{1 + n % COMMITMENTS}",
        "occurredOn": "2026-06-01",
        "performedBy": [LPO, UB],
        "summary": "Gemensam insats i Bro centrum",
        "placeIds": ["p1"],
    }


async def mutation_load(base: str, clients: Clients, sizes: Sizes, graphql: bool) -> LoadResult:
    """Closed-loop recordActivity: through GraphQL, or the plain endpoint's same dispatch."""
    async with aiohttp_session(64) as http:
        police = FastClient(http, base, clients.police.headers["authorization"].split()[1])
        tag = "tg" if graphql else "tp"

        async def call_graphql(w: int, n: int) -> bool:
            try:
                await police.ok("recordActivity", **activity(w, n, tag))
            except (RuntimeError, aiohttp.ClientError, TimeoutError):
                return False
            return True

        async def call_plain(w: int, n: int) -> bool:
            body = {"commandId": str(uuid.uuid4()), "input": activity(w, n, tag)}
            try:
                async with http.post(
                    f"{base}{PLAIN_RECORD_PATH}", data=orjson.dumps(body), headers=police.headers
                ) as r:
                    text = await r.text()
                    return r.status == 200 and "consistencyToken" in text
            except (aiohttp.ClientError, TimeoutError):
                return False

        call = call_graphql if graphql else call_plain
        return await closed_loop(sizes.mutation_clients, sizes, call)


async def raw_get_load(
    base: str, path: str, headers: dict[str, str], status: int, sizes: Sizes
) -> LoadResult:
    """Closed-loop GETs on `get_clients` keep-alive connections with a minimal HTTP/1.1
    client (httpx alone would cap the rate well below what the server answers): each answer
    must have `status`; the body, if any, is read by its Content-Length."""
    host, port = base.removeprefix("http://").split(":")
    lines = [f"GET {path} HTTP/1.1", f"host: {host}:{port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    connections = [await asyncio.open_connection(host, int(port)) for _ in range(sizes.get_clients)]
    try:

        async def call(w: int, _: int) -> bool:
            reader, writer = connections[w]
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _sep, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            return head.startswith(f"HTTP/1.1 {status} ".encode())

        return await closed_loop(sizes.get_clients, sizes, call)
    finally:
        for _reader, writer in connections:
            writer.close()


@dataclass(slots=True)
class LagResult:
    p50_ms: float
    p99_ms: float
    max_ms: float
    mutations: int
    achieved_rate: float
    missing: int
    refused: int
    mutation_p50_ms: float
    mutation_p99_ms: float


async def records_of(client: Client, promise_ids: list[str]) -> set[str]:
    """The activity record ids the read model holds for `promise_ids` (bounded paging)."""
    held: set[str] = set()
    for pid in promise_ids:
        after = None
        for _ in range(1000):
            page = (await client.query(RECORDS_QUERY, id=pid, after=after))["activities"]
            held.update(a["recordId"] for a in page["activities"])
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
    return held


async def mutation_lag(base: str, clients: Clients, sizes: Sizes) -> LagResult:
    """Open-loop recordActivity at `lag_rate`/s; lag = mutation answered → a query shows it.

    The query passes the mutation's consistency token (read-your-writes), so it answers once
    the promise projection holds the event; afterwards every record id so answered is looked
    for among the promise's activity records (a record not there counts as missing).
    """
    total = int(sizes.lag_rate * sizes.lag_duration_s)
    lags: list[float] = []
    mutation_ms: list[float] = []
    refused: list[int] = []
    answered: dict[str, str] = {}
    missing = 0
    token = clients.police.headers["authorization"].split()[1]
    async with aiohttp_session(128) as session:
        police = FastClient(session, base, token)

        async def one(i: int) -> None:
            nonlocal missing
            data = activity(i, i, "lag")
            t0 = time.perf_counter()
            try:
                accepted = await police.ok("recordActivity", **data)
            except (RuntimeError, aiohttp.ClientError, TimeoutError):
                refused.append(i)
                return
            t1 = time.perf_counter()
            mutation_ms.append((t1 - t0) * 1000)
            try:
                seen = await police.query(
                    SEEN_QUERY, id=data["promiseId"], token=accepted["consistencyToken"]
                )
            except (RuntimeError, aiohttp.ClientError, TimeoutError):
                missing += 1
                return
            t2 = time.perf_counter()
            if seen["promise"] is not None:
                lags.append((t2 - t1) * 1000)
                answered[data["recordId"]] = data["promiseId"]
            else:
                missing += 1

        achieved = await open_loop(sizes.lag_rate, total, one, sizes.lag_duration_s + 60)
        # Every record a token-read answered for must be in the read model.
        async with httpx.AsyncClient(timeout=30) as http:
            reader = Client(http, base, token)
            held = await records_of(reader, sorted(set(answered.values())))
        missing += sum(1 for record in answered if record not in held)
    return LagResult(
        p50_ms=percentile(lags, 0.5),
        p99_ms=percentile(lags, 0.99),
        max_ms=max(lags, default=float("nan")),
        mutations=total,
        achieved_rate=achieved,
        missing=missing,
        refused=len(refused),
        mutation_p50_ms=percentile(mutation_ms, 0.5),
        mutation_p99_ms=percentile(mutation_ms, 0.99),
    )


# --------------------------------------------------------------------------------------------
# Main


async def measure(url: str, sizes: Sizes) -> tuple[list[Row], dict[str, Any]]:
    server = Server(url)
    notes: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="api-bench-") as tmp:
        data_dir = Path(tmp)
        async with server.fresh("api") as db, served(db, data_dir) as base:
            async with httpx.AsyncClient(timeout=30) as http:
                say("  seeding 20 promises through GraphQL")
                begin = time.perf_counter()
                clients = await seed(http, base, data_dir)
                notes["seed_s"] = round(time.perf_counter() - begin, 1)
                token = clients.editor.headers["authorization"].split()[1]
                check = await clients.editor.query(LIST_QUERY, org=UB)
                if len(check["promises"]["promises"]) != 20:
                    raise RuntimeError("the promise list does not hold 20 promises")
            await server.settle(sizes.pause_s)
            runs = await alternating(
                sizes.reps, lambda graphql: list_load(base, token, sizes, graphql), ""
            )
            half = round(median([r.rate for r in runs["graphql"]]) / 2)
            await server.settle(sizes.pause_s)
            open_list = await alternating(
                sizes.reps,
                lambda graphql: list_open_loop(base, token, sizes, half, graphql),
                f"list at {half}/s open loop ",
            )
            await server.settle(sizes.pause_s)
            anonymous = await alternating(
                sizes.reps,
                lambda kept: anonymous_list_load(base, sizes, kept),
                "anonymous list ",
                names=("kept", "run"),
            )
            gets = await conditional_gets(base, token, sizes)
            await server.settle(sizes.pause_s)
            record = await alternating(
                sizes.reps,
                lambda graphql: mutation_load(base, clients, sizes, graphql),
                "recordActivity ",
                after_each=lambda: server.settle(sizes.pause_s),
            )
            mutations = record["graphql"][len(record["graphql"]) // 2]
            await server.settle(sizes.pause_s)
            lag = await mutation_lag(base, clients, sizes)
            say(f"  mutation → visible: p50 {lag.p50_ms:.1f} ms, p99 {lag.p99_ms:.1f} ms")
    notes["list"] = {k: [asdict(r) for r in v] for k, v in runs.items()}
    notes["list_open_loop"] = {k: [asdict(r) for r in v] for k, v in open_list.items()}
    notes["mutations"] = asdict(mutations)
    notes["record_activity"] = {k: [asdict(r) for r in v] for k, v in record.items()}
    notes["conditional_gets"] = {k: [asdict(r) for r in v] for k, v in gets.items()}
    notes["anonymous_list"] = {k: [asdict(r) for r in v] for k, v in anonymous.items()}
    notes["lag"] = asdict(lag)
    errors = sum(r.errors for v in runs.values() for r in v)
    notes["list_errors"] = errors

    def med(key: str, field: str) -> float:
        return median([getattr(r, field) for r in runs[key]])

    g_rate, p_rate = med("graphql", "rate"), med("plain", "rate")
    g99, p99 = med("graphql", "p99_ms"), med("plain", "p99_ms")
    g50, p50 = med("graphql", "p50_ms"), med("plain", "p50_ms")
    c = sizes.clients
    r_rate = median([r.rate for r in record["graphql"]])
    rp_rate = median([r.rate for r in record["plain"]])
    rows = [
        Row(
            f"promise list (20 with progress), {c} clients (requests/s)",
            "/s",
            g_rate,
            p_rate,
            "plain JSON, same SQL",
            "≥ 0.7× peer",
            errors == 0 and g_rate >= 0.7 * p_rate,
            [r.rate for r in runs["graphql"]],
            [r.rate for r in runs["plain"]],
        ),
        Row(
            f"promise list p50, {c} clients",
            "ms",
            g50,
            p50,
            "plain JSON, same SQL",
            "–",
            None,
        ),
        Row(
            f"promise list p99, {c} clients",
            "ms",
            g99,
            p99,
            "plain JSON, same SQL",
            "–",
            None,
        ),
        Row(
            f"promise list p99, open loop at {half}/s (half the capacity above)",
            "ms",
            median([r.p99_ms for r in open_list["graphql"]]),
            median([r.p99_ms for r in open_list["plain"]]),
            "plain JSON, same SQL",
            "≤ 50 ms",
            median([r.p99_ms for r in open_list["graphql"]]) <= 50
            and all(r.errors == 0 for r in open_list["graphql"]),
            [r.p99_ms for r in open_list["graphql"]],
            [r.p99_ms for r in open_list["plain"]],
        ),
        Row(
            f"anonymous promise list, {c} clients, answer kept (requests/s; no writes)",
            "/s",
            median([r.rate for r in anonymous["kept"]]),
            median([r.rate for r in anonymous["run"]]),
            "the same query run for every request",
            "–",
            None,
            [r.rate for r in anonymous["kept"]],
            [r.rate for r in anonymous["run"]],
        ),
        Row(
            f"recordActivity mutations, {sizes.mutation_clients} clients (mutations/s)",
            "/s",
            r_rate,
            rp_rate,
            "plain Starlette, same dispatch",
            "≥ 400/s and ≥ 0.5× peer",
            r_rate >= 400 and r_rate >= 0.5 * rp_rate,
            [r.rate for r in record["graphql"]],
            [r.rate for r in record["plain"]],
        ),
        Row(
            f"recordActivity p50, {sizes.mutation_clients} clients",
            "ms",
            median([r.p50_ms for r in record["graphql"]]),
            median([r.p50_ms for r in record["plain"]]),
            "plain Starlette, same dispatch",
            "–",
            None,
        ),
        *get_rows(gets, sizes),
        Row(
            f"mutation → visible p50 at {sizes.lag_rate} mutations/s",
            "ms",
            lag.p50_ms,
            None,
            "",
            "–",
            None,
        ),
        Row(
            f"mutation → visible p99 at {sizes.lag_rate} mutations/s",
            "ms",
            lag.p99_ms,
            None,
            "",
            "≤ 100 ms",
            lag.missing == 0 and lag.refused == 0 and lag.p99_ms <= 100,
        ),
    ]
    return rows, notes


GETS = (
    ("page-304", "public page, conditional GET → 304"),
    ("page-200", "public page, full GET → 200"),
    ("open-data-304", "open data promises.csv, conditional GET → 304"),
    ("plain-304", "plain Starlette, constant 304"),
)


async def conditional_gets(base: str, token: str, sizes: Sizes) -> dict[str, list[LoadResult]]:
    """The public page and an open-data file asked for with the ETag the client holds, the
    page without it, and the plain constant 304, alternating order per repetition."""
    async with httpx.AsyncClient(timeout=30) as http:
        page = await http.get(f"{base}{PAGE_PATH}")
        data = await http.get(f"{base}{OPEN_DATA_PATH}")
    if page.status_code != 200 or data.status_code != 200:
        raise RuntimeError(f"public page {page.status_code}, open data {data.status_code}")
    calls = {
        "page-304": (PAGE_PATH, {"if-none-match": page.headers["etag"]}, 304),
        "page-200": (PAGE_PATH, {}, 200),
        "open-data-304": (OPEN_DATA_PATH, {"if-none-match": data.headers["etag"]}, 304),
        "plain-304": (PLAIN_304_PATH, {}, 304),
    }
    runs: dict[str, list[LoadResult]] = {key: [] for key in calls}
    for rep in range(sizes.reps):
        keys = list(calls) if rep % 2 == 0 else list(reversed(calls))
        for key in keys:
            path, headers, status = calls[key]
            result = await raw_get_load(base, path, headers, status, sizes)
            runs[key].append(result)
            say(
                f"  rep {rep + 1}/{sizes.reps} {key}: {result.rate:,.0f} /s, "
                f"p99 {result.p99_ms:.1f} ms, {result.errors} errors"
            )
    return runs


def get_rows(gets: dict[str, list[LoadResult]], sizes: Sizes) -> list[Row]:
    """The conditional-GET rows, each beside the plain constant 304 of the same run."""
    peer = median([r.rate for r in gets["plain-304"]])
    peer_errors = sum(r.errors for r in gets["plain-304"])
    rows = []
    for key, name in GETS[:3]:
        rate = median([r.rate for r in gets[key]])
        errors = sum(r.errors for r in gets[key]) + peer_errors
        conditional = key.endswith("304")
        rows.append(
            Row(
                f"{name}, {sizes.get_clients} clients (requests/s)",
                "/s",
                rate,
                peer if conditional else None,
                "plain Starlette, constant 304" if conditional else "",
                "≥ 2,000/s" if conditional else "–",
                errors == 0 and rate >= 2000 if conditional else None,
                [r.rate for r in gets[key]],
                [r.rate for r in gets["plain-304"]] if conditional else [],
            )
        )
    return rows


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = arg_parser(
        "api",
        "Benchmark the GraphQL API.",
        quick_help="short runs",
        reps_help="repetitions of the list pair",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


async def run(argv: list[str] | None = None) -> int:
    """Run every scenario once, print the table and write the JSON results; 0 when done."""
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.reps is not None:
        sizes = replace(sizes, reps=max(1, args.reps))
    started = dt.datetime.now(dt.UTC)
    mode = "quick" if args.quick else "full"
    say(f"api bench ({mode}), {sizes.reps} rep(s)")
    pg_version, rows, notes = await measured(args.database_url, measure, sizes)
    elapsed = (dt.datetime.now(dt.UTC) - started).total_seconds()
    print(
        heading(
            "api",
            mode,
            started,
            pg_version,
            f"medians of {sizes.reps} rep(s)",
            notes.get("machine_pace_s"),
        )
    )
    print(render(rows))
    print()
    m, lag = notes["mutations"], notes["lag"]
    print(
        f"list errors: {notes['list_errors']}; mutations: p50 {m['p50_ms']:.1f} ms, "
        f"p99 {m['p99_ms']:.1f} ms, {m['errors']} refused"
    )
    print(
        f"lag: {lag['mutations']:,} mutations launched at {lag['achieved_rate']:,.0f}/s, "
        f"max {lag['max_ms']:.1f} ms, missing {lag['missing']}, refused {lag['refused']}, "
        "mutation latency "
        f"p50 {lag['mutation_p50_ms']:.1f} ms / p99 {lag['mutation_p99_ms']:.1f} ms"
    )
    refused = {k: sum(r["errors"] for r in v) for k, v in notes["record_activity"].items()}
    print(
        f"recordActivity not accepted (version conflicts under contention): "
        f"GraphQL {refused['graphql']}, plain {refused['plain']}"
    )
    print(f"seeding took {notes['seed_s']} s; total time {elapsed:.0f} s")
    out = write_results(
        args.results_dir,
        "api",
        started=started,
        elapsed=elapsed,
        quick=args.quick,
        sizes=sizes,
        pg_version=pg_version,
        rows=rows,
        notes=notes,
    )
    print(f"results: {out}")
    return 0


def main() -> int:
    args = parse_args(None)
    if args.serve:
        serve(args.database_url, args.data_dir, args.port)
        return 0
    return asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
