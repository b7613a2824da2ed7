"""Request and correlation ids: taken from the headers or generated, echoed, and on every log
line written while the request is handled (the command's dispatch included)."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from service import logs
from tests.api.conftest import RunningApp

UB, LPO = "org-upplands-bro", "org-lpo-jarfalla"
DRAFT = """mutation($id: ID!, $input: DraftPromiseInput!) {
  draftPromise(commandId: $id, input: $input) { __typename } }"""


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Every log record of the app (same process) as JSON lines, at INFO."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter("serve", "api-test"))
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def entries(stream: io.StringIO, request_id: str) -> list[dict[str, Any]]:
    found = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [e for e in found if e.get("request_id") == request_id]


async def test_a_mutations_log_lines_carry_the_ids_from_its_headers(
    dev_app: RunningApp, log_lines: io.StringIO
) -> None:
    request_id, correlation_id = f"req-{uuid.uuid4().hex}", "order-flow-42"
    variables = {
        "id": str(uuid.uuid4()),
        "input": {
            "promiseId": f"logs-{uuid.uuid4().hex[:8]}",
            "parties": [UB, LPO],
            "details": {"title": "Loggar", "period": {"validFrom": "2025-01-01", "label": "x"}},
        },
    }
    headers = {
        "authorization": f"Bearer {dev_app.token(UB, 'editor')}",
        "x-request-id": request_id,
        "x-correlation-id": correlation_id,
    }
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(
            f"{dev_app.url}/graphql",
            json={"query": DRAFT, "variables": variables},
            headers=headers,
        )
    assert response.json()["data"]["draftPromise"]["__typename"] == "CommandAccepted"
    assert response.headers["x-request-id"] == request_id
    assert response.headers["x-correlation-id"] == correlation_id
    mine = entries(log_lines, request_id)
    loggers = {e["logger"] for e in mine}
    assert {"service.app", "service.access"} <= loggers, mine
    assert all(e["correlation_id"] == correlation_id for e in mine)
    accepted = next(e for e in mine if e["logger"] == "service.app")
    assert accepted["command"] == "DraftPromise" and accepted["role"] == "serve"
    access = next(e for e in mine if e["logger"] == "service.access")
    assert (access["method"], access["path"], access["status"]) == ("POST", "/graphql", 200)


async def test_without_headers_the_ids_are_generated_and_echoed(
    dev_app: RunningApp, log_lines: io.StringIO
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(f"{dev_app.url}/healthz", headers={"x-request-id": "bad\tid"})
    request_id = response.headers["x-request-id"]
    assert request_id != "bad\tid" and logs.valid_id(request_id) == request_id
    assert response.headers["x-correlation-id"] == request_id
    (access,) = entries(log_lines, request_id)
    assert access["path"] == "/healthz"
