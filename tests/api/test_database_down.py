"""While the database cannot be reached, every route that needs it answers 503 with
`Retry-After` and a typed body, and answers again by itself once the database is back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from service.settings import Settings
from tests.api.conftest import RunningApp, serve_app
from tests.api.pg_proxy import PgProxy, pg_proxy
from tests.conftest import Database

PROMISE = "upplands-bro-2018"  # any id of the right shape reaches the database
SOME_SESSION = "0" * 43  # a session id of the right shape, looked up in the database


@pytest.fixture(scope="module")
async def behind_proxy(
    db: Database, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[RunningApp, PgProxy]]:
    """An app whose every database connection goes through a proxy the test can cut."""
    async with pg_proxy(db.admin_url) as proxy:
        settings = Settings(
            database_url=proxy.url(db.admin_url),
            app_database_url=proxy.url(db.app_url),
            data_dir=tmp_path_factory.mktemp("down"),
            dev=False,
        )
        async with serve_app(settings) as app:
            yield app, proxy
            if not proxy.listening:
                await proxy.start()  # let the app shut down against a reachable database


async def until_status(
    http: httpx.AsyncClient, url: str, wanted: int, timeout: float = 30
) -> httpx.Response:
    """GET `url` until it answers `wanted` (bounded)."""
    async with asyncio.timeout(timeout):
        while True:
            response = await http.get(url)
            if response.status_code == wanted:
                return response
            await asyncio.sleep(0.1)


ROUTES = ["/p/", f"/p/{PROMISE}", f"/p/{PROMISE}/embed", "/open-data/promises.csv"]
ROUTES += ["/open-data/promises.json", "/readyz"]


async def test_every_route_answers_503_with_retry_after_while_the_database_is_down(
    behind_proxy: tuple[RunningApp, PgProxy], http: httpx.AsyncClient
) -> None:
    app, proxy = behind_proxy
    await until_status(http, f"{app.url}/readyz", 200)
    assert (await http.get(f"{app.url}/p/{PROMISE}")).status_code == 404  # reachable, unknown

    await proxy.cut()
    graphql = await http.post(f"{app.url}/graphql", json={"query": "{ logSize }"})
    assert graphql.status_code == 503, graphql.text
    assert graphql.headers["retry-after"] == "1"
    assert graphql.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    for route in ROUTES:
        response = await http.get(app.url + route)
        assert response.status_code == 503, (route, response.text[:300])
        assert response.headers["retry-after"] == "1", route
    for route in ("/p/", f"/p/{PROMISE}", f"/p/{PROMISE}/embed"):
        page = await http.get(app.url + route)
        assert page.headers["content-type"].startswith("text/html"), route
        assert "Tillfälligt otillgänglig" in page.text, route
    for route in ("/open-data/promises.csv", "/open-data/promises.json"):
        assert (await http.get(app.url + route)).json()["error"] == "unavailable", route
    # The workspace looks the session up in the database: its own page, in Swedish.
    workspace = await http.get(
        f"{app.url}/app/", headers={"cookie": f"__Host-samverkan_session={SOME_SESSION}"}
    )
    assert workspace.status_code == 503, workspace.text[:300]
    assert workspace.headers["retry-after"] == "1"
    assert workspace.headers["content-type"].startswith("text/html")
    assert "Tillfälligt otillgänglig" in workspace.text
    assert (await http.get(f"{app.url}/readyz")).json()["database"] is False
    # Liveness and metrics stay up: the process is fine, only its database is not.
    assert (await http.get(f"{app.url}/healthz")).status_code == 200
    metrics = await http.get(f"{app.url}/metrics")
    assert metrics.status_code == 200 and "samverkan_db_up 0.0" in metrics.text

    await proxy.start()
    back = await until_status(http, f"{app.url}/p/", 200)
    assert "Medborgarlöften" in back.text
    assert (await http.get(f"{app.url}/open-data/promises.json")).status_code == 200
    await until_status(http, f"{app.url}/readyz", 200)
