"""Validation costs what the document costs, and suggestions stay in dev mode, over HTTP."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from schema.limits import MAX_DEPTH, TOO_COSTLY, TOO_DEEP
from service.web.app import create_app
from tests.api.conftest import RunningApp, free_port, settings_for
from tests.conftest import Database

LOG_SIZE = "query { logSize }"

PATIENCE_S = 20
"""Generous for a loaded machine; the old limiters needed hours for 30 doubling levels."""


def doubling(levels: int) -> str:
    """Fragments that each spread the next one twice: 2^levels fields once inlined."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    fragments.append(f"fragment F{levels} on Query {{ logSize }}")
    return "query { ...F0 } " + " ".join(fragments)


@pytest.fixture(scope="module")
async def threaded_app(
    db: Database, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """The production app served from a thread of its own, so that a request blocking its event
    loop cannot block the test's clients and their timeouts."""
    data_dir: Path = tmp_path_factory.mktemp("threaded")
    port = free_port()
    config = uvicorn.Config(
        create_app(settings_for(db, data_dir, dev=False)),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="threaded-app", daemon=True)
    thread.start()
    async with asyncio.timeout(30):
        while not server.started:
            assert thread.is_alive(), "the server stopped while starting"
            await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 15)


def code(body: dict[str, Any]) -> object:
    return (body["errors"][0].get("extensions") or {}).get("code")


async def test_fragments_doubling_thirty_levels_deep_are_refused_while_others_are_answered(
    threaded_app: str,
) -> None:
    async with (
        httpx.AsyncClient(base_url=threaded_app, timeout=PATIENCE_S) as attacker,
        httpx.AsyncClient(base_url=threaded_app, timeout=PATIENCE_S) as citizen,
    ):
        refused, health, answered = await asyncio.gather(
            attacker.post("/graphql", json={"query": doubling(30)}),
            citizen.get("/healthz"),
            citizen.post("/graphql", json={"query": LOG_SIZE}),
        )
        too_deep = (
            '{ organisation(id: "x") { '
            + "parent { " * MAX_DEPTH
            + "id"
            + " }" * (MAX_DEPTH + 1)
            + " }"
        )
        depth_refusal = await attacker.post("/graphql", json={"query": too_deep})
    assert health.json() == {"status": "ok"}
    assert isinstance(answered.json()["data"]["logSize"], int)
    assert code(refused.json()) == TOO_COSTLY
    assert "fields" in refused.json()["errors"][0]["message"]
    assert code(depth_refusal.json()) == TOO_DEEP
    # The new refusal is answered like the limits that were there before it.
    assert refused.status_code == depth_refusal.status_code


MUTATION = (
    'mutation { registerPerson(commandId: "c-1", input: {personId: "p", nam: "N"}) { __typename } }'
)
TYPOS = {
    "unknown field": "{ logSiz }",
    "unknown argument": "{ promises(frist: 3) { pageInfo { hasNextPage } } }",
    "unknown type in a fragment": "{ ...F } fragment F on Quer { logSize }",
    "unknown input field in a mutation input": MUTATION,
}


async def error_messages(http: httpx.AsyncClient, app: RunningApp, query: str) -> list[str]:
    body = (await http.post(f"{app.url}/graphql", json={"query": query})).json()
    return [e["message"] for e in body["errors"]]


@pytest.mark.parametrize("case", sorted(TYPOS))
async def test_no_error_suggests_a_name_of_the_schema_outside_dev_mode(
    prod_app: RunningApp, http: httpx.AsyncClient, case: str
) -> None:
    messages = await error_messages(http, prod_app, TYPOS[case])
    assert messages
    assert not [m for m in messages if "Did you mean" in m]


async def test_dev_mode_still_suggests_names(dev_app: RunningApp, http: httpx.AsyncClient) -> None:
    messages = await error_messages(http, dev_app, TYPOS["unknown argument"])
    assert messages == ["Unknown argument 'frist' on field 'Query.promises'. Did you mean 'first'?"]
