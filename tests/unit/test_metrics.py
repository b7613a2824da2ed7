"""Metrics without a database: bounded operation labels and the response counter."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from service.settings import OWNER_ROLE, RUNTIME_ROLE
from service.web.metrics import (
    ANONYMOUS,
    KNOWN_OPERATIONS,
    OTHER,
    CountResponses,
    Metrics,
    OperationLabels,
)

ROLES = {OWNER_ROLE, RUNTIME_ROLE}


def test_an_operation_name_of_the_client_guide_is_its_own_label() -> None:
    labels = OperationLabels()
    for name in ("Published", "Draft", "Sign", "Audit"):
        assert labels(name) == name


def test_no_name_is_anonymous() -> None:
    labels = OperationLabels()
    assert labels(None) == ANONYMOUS
    assert labels("") == ANONYMOUS


def test_a_name_the_server_does_not_know_is_other_however_many_a_caller_invents() -> None:
    labels = OperationLabels()
    invented = ["PromiseList", "1abc", "a b", "x" * 65, 'Q"} evil{', "ÅÄÖ"]
    invented += [f"Flood{n}" for n in range(1000)]
    assert {labels(name) for name in invented} == {OTHER}
    assert labels("Published") == "Published"  # a flood first does not take a known name's place


def test_every_operation_of_the_client_guide_has_its_own_label() -> None:
    guide = (Path(__file__).parents[2] / "docs" / "client-guide.md").read_text(encoding="utf-8")
    named = set(re.findall(r"^(?:query|mutation|subscription) (\w+)", guide, re.M))
    assert named, "the guide names its operations"
    missing = sorted(named - KNOWN_OPERATIONS)
    assert not missing, f"add {missing} to KNOWN_OPERATIONS in service/web/metrics.py"


async def call(app: Any, metrics: Metrics) -> None:
    scope = {"type": "http", "state": {"services": SimpleNamespace(metrics=metrics)}}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await CountResponses(app)(scope, receive, send)


def answering(status: int) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return app


async def failing(scope: Any, receive: Any, send: Any) -> None:
    raise RuntimeError("boom")


async def test_responses_are_counted_by_status_class_and_a_crash_counts_as_5xx() -> None:
    m = Metrics.create()
    for status in (200, 204, 404, 503):
        await call(answering(status), m)
    with pytest.raises(RuntimeError):
        await call(failing, m)

    def count(status: str) -> float | None:
        return m.registry.get_sample_value("samverkan_http_responses_total", {"status": status})

    assert (count("2xx"), count("4xx"), count("5xx")) == (2, 1, 2)


def test_every_metric_the_operator_readme_names_exists() -> None:
    readme = (Path(__file__).resolve().parents[2] / "ops" / "README.md").read_text("utf-8")
    named = set(re.findall(r"\bsamverkan_[a-z_]+[a-z]", readme)) - ROLES
    families = {f.name for f in Metrics.create().registry.collect()}
    suffixes = ("", "_total", "_bucket", "_count", "_sum")
    exported = {f + s for f in families for s in suffixes}
    assert named and named <= exported, named - exported
