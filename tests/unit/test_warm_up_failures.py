"""A warm-up request that fails is logged and counted, and the warm-up goes on: a node is
never kept from serving by the pages it warms."""

from __future__ import annotations

import asyncio
import logging

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from service.web.warm import warm_up


async def graphql(request: Request) -> JSONResponse:
    body = await request.json()
    if "promise(" in body["query"]:
        raise RuntimeError("a resolver's bug")
    return JSONResponse({"data": {"promises": {"promises": [{"id": "a"}, {"id": "b"}]}}})


async def page(request: Request) -> PlainTextResponse:
    if request.path_params["promise_id"] == "a":
        raise RuntimeError("a template's bug")
    return PlainTextResponse("b", headers={"etag": '"1"'})


async def index(request: Request) -> PlainTextResponse:
    return PlainTextResponse("index")


APP = Starlette(
    routes=[
        Route("/graphql", graphql, methods=["POST"]),
        Route("/p/", index),
        Route("/p/{promise_id}", page),
    ]
)


async def test_failing_warm_up_requests_are_logged_as_500_and_the_rest_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="service.web.warm"):
        warmed = await warm_up(APP, {}, parallel=1)
    assert list(warmed.answers) == [
        ("POST", "/graphql", 200),
        ("GET", "/p/", 200),
        ("GET", "/open-data/promises.csv", 404),
        ("POST", "/graphql", 500),
        ("GET", "/p/a", 500),
        ("POST", "/graphql", 500),
        ("GET", "/p/b", 200),
        ("GET", "/p/b", 200),  # this app does not answer conditional requests with 304
    ]
    assert warmed.answered == 4
    failed = [r.getMessage() for r in caplog.records]
    assert len(failed) == 3 and all(
        "a resolver's bug" in m or "a template's bug" in m for m in failed
    )


async def test_a_warm_up_that_hangs_is_cancelled_at_its_timeout_with_what_was_answered(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def hangs(request: Request) -> PlainTextResponse:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    app = Starlette(routes=[Route("/graphql", graphql, methods=["POST"]), Route("/p/", hangs)])
    with caplog.at_level(logging.WARNING, logger="service.web.warm"):
        async with asyncio.timeout(10):  # without its own timeout the warm-up would hang here
            warmed = await warm_up(app, {}, parallel=2, timeout=0.2)
    assert not warmed.finished
    assert list(warmed.answers) == [("POST", "/graphql", 200)] * 2
    assert any("2 copies unfinished" in r.getMessage() for r in caplog.records)


async def test_an_answer_that_is_not_a_promise_list_warms_no_promise() -> None:
    async def html(request: Request) -> PlainTextResponse:
        return PlainTextResponse("<html>")

    app = Starlette(routes=[Route("/graphql", html, methods=["POST"])])
    warmed = await warm_up(app, {}, parallel=1)
    assert warmed.finished
    assert [path for _, path, _ in warmed.answers] == ["/graphql", "/p/", "/open-data/promises.csv"]


async def test_a_copy_that_fails_outside_a_request_is_logged_and_the_answers_are_kept(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(answer: object) -> list[str]:
        raise ValueError("a list the warm-up cannot read")

    monkeypatch.setattr("service.web.warm._listed", unreadable)
    with caplog.at_level(logging.WARNING, logger="service.web.warm"):
        warmed = await warm_up(APP, {}, parallel=2)
    assert warmed.finished
    assert (
        list(warmed.answers)
        == [
            ("POST", "/graphql", 200),
            ("GET", "/p/", 200),
            ("GET", "/open-data/promises.csv", 404),
        ]
        * 2
    )
    failed = [r.getMessage() for r in caplog.records if "a warm-up copy failed" in r.getMessage()]
    assert len(failed) == 2 and all("a list the warm-up cannot read" in m for m in failed)
