"""A warm-up request that fails is logged and counted, and the warm-up goes on: a node is
never kept from serving by the pages it warms."""

from __future__ import annotations

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
