"""Metrics without a database: bounded operation labels and the response counter."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from service.settings import OWNER_ROLE, RUNTIME_ROLE
from service.web.metrics import ANONYMOUS, OTHER, CountResponses, Metrics, OperationLabels

ROLES = {OWNER_ROLE, RUNTIME_ROLE}


def test_a_graphql_operation_name_is_its_own_label() -> None:
    assert OperationLabels()("PromiseList") == "PromiseList"


def test_no_name_or_an_invalid_name_is_anonymous() -> None:
    labels = OperationLabels()
    for name in (None, "", "1abc", "a b", "x" * 65, 'Q"} evil{', "ÅÄÖ"):
        assert labels(name) == ANONYMOUS, name


def test_new_names_beyond_the_cap_share_one_label_and_known_ones_keep_theirs() -> None:
    labels = OperationLabels(cap=3)
    assert [labels(n) for n in ("A", "B", "C")] == ["A", "B", "C"]
    assert {labels(f"Flood{n}") for n in range(1000)} == {OTHER}
    assert labels("B") == "B"


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
