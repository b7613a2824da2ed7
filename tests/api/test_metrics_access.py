"""/metrics on a served app that allows no loopback scraper: only the token opens it."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.conftest import RunningApp, serve_app, settings_for
from tests.conftest import Database

TOKEN = "scrape-token-for-tests"


@pytest.fixture(scope="module")
async def guarded_app(
    db: Database, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningApp]:
    """The app with a metrics token and an allow-list that leaves out 127.0.0.1."""
    settings = dataclasses.replace(
        settings_for(db, tmp_path_factory.mktemp("guarded"), dev=False),
        metrics_token=TOKEN,
        metrics_allow=("10.0.0.0/8",),
    )
    async with serve_app(settings) as app:
        yield app


async def test_metrics_without_the_token_is_a_typed_401_from_an_address_not_allowed(
    guarded_app: RunningApp, http: httpx.AsyncClient
) -> None:
    for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": f"Basic {TOKEN}"}):
        response = await http.get(f"{guarded_app.url}/metrics", headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["error"] == "unauthenticated"
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "samverkan_" not in response.text


async def test_metrics_with_the_token_is_served(
    guarded_app: RunningApp, http: httpx.AsyncClient
) -> None:
    response = await http.get(
        f"{guarded_app.url}/metrics", headers={"authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200
    assert "samverkan_log_size" in response.text


async def test_loopback_reads_metrics_by_default(
    prod_app: RunningApp, http: httpx.AsyncClient
) -> None:
    assert (await http.get(f"{prod_app.url}/metrics")).status_code == 200
