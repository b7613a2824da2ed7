"""One real login in headless Chromium: app → provider's form → app, then GraphQL from the page."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from playwright.async_api import async_playwright

from service.bootstrap import build_domain
from service.demo.load import load_demo
from tests.conftest import Database
from tests.e2e.test_app_sso import (
    UB,
    UB_PROMISE,
    WAIT_S,
    Caller,
    Clock,
    SsoApp,
    promise_seen_by,
    propose_the_unpublished_promise,
    serve,
    settings,
    sso_registry,
)
from tests.idp.fixtures import (
    LOGIN_SECRETS,
    Idps,
    idps,
    skip_or_fail,
    user_tokens,
)

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TIMEOUT_MS = 15_000
QUERY = f'{{ promise(id: "{UB_PROMISE}") {{ id publicOnly }} }}'
"""The promise only its parties may see: the page reads it only as the logged-in editor."""

# Runs in the page: the CSRF token from /auth/session, then GraphQL with and without it.
FROM_THE_PAGE = """async (query) => {
  const session = await (await fetch('/auth/session', {credentials: 'same-origin'})).json();
  const post = (headers) => fetch('/graphql', {
    method: 'POST',
    credentials: 'same-origin',
    headers: {'content-type': 'application/json', ...headers},
    body: JSON.stringify({query}),
  });
  const refused = await post({});
  const answered = await post({'X-CSRF-Token': session.csrf_token});
  return {
    session,
    refusedStatus: refused.status,
    status: answered.status,
    body: await answered.json(),
    cookieVisibleToScript: document.cookie.includes('samverkan_session'),
  };
}"""

pytestmark = pytest.mark.browser
__all__ = ["idps"]


@pytest.fixture
def chromium() -> Path:
    """Debian's Chromium; skipped without it on a developer machine, a failure under CI=true."""
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing (Debian: apt-get install -y chromium)")
    return CHROMIUM


@pytest.fixture(scope="module")
async def login_app(
    idps: Idps, db: Database, pool: asyncpg.Pool, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[SsoApp]:
    """The app as deployed, on the origin the providers redirect back to, with the demo and
    a promise only its parties may see."""
    dispatcher = build_domain().dispatcher(pool)
    await load_demo(dispatcher)
    await propose_the_unpublished_promise(dispatcher)
    tmp = tmp_path_factory.mktemp("browser-login")
    registry = tmp / "issuers.toml"
    registry.write_text(sso_registry(idps), encoding="utf-8")
    port = int(urlsplit(idps.app_origin).port or 0)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in LOGIN_SECRETS.items():
            patch.setenv(name, value)
        chosen = settings(db, tmp / "data", registry, idps.app_origin)
        async with serve(chosen, port, Clock(), registry) as served:
            yield served


async def wait_for_demo(app: SsoApp, idps: Idps) -> None:
    """Bounded wait until the projections hold the unpublished Upplands-Bro promise."""
    tokens = await user_tokens(idps.municipality, user="ub-editor", callback_url=idps.callback_url)
    async with httpx.AsyncClient(timeout=15) as http:
        member = Caller(http, app, tokens["access_token"])
        async with asyncio.timeout(WAIT_S):
            while await promise_seen_by(member, UB_PROMISE) is None:
                await asyncio.sleep(0.1)


async def test_a_municipal_editor_logs_in_through_chromium_and_queries_with_the_csrf_header(
    chromium: Path, login_app: SsoApp, idps: Idps
) -> None:
    await wait_for_demo(login_app, idps)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium), args=ARGS, timeout=TIMEOUT_MS
        )
        try:
            context = await browser.new_context()
            page = await context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            await page.goto(f"{login_app.url}/login/kommun")
            assert page.url.startswith(idps.municipality.issuer), page.url
            await page.fill("input[name=login]", "ub-editor")
            await page.fill("input[name=password]", "any")
            await page.click("button[type=submit]")
            await page.click("button[type=submit]")  # the provider's consent screen
            await page.wait_for_url(f"{login_app.url}/")
            result: dict[str, Any] = await page.evaluate(FROM_THE_PAGE, QUERY)
            cookies = await context.cookies(login_app.url)
        finally:
            await browser.close()
    session = result["session"]
    assert session["authenticated"] is True
    assert session["principal"]["organisation_id"] == UB
    assert session["principal"]["subject"] == "ub-editor"
    assert result["refusedStatus"] == 403
    assert result["status"] == 200, result
    assert result["body"] == {"data": {"promise": {"id": UB_PROMISE, "publicOnly": False}}}
    assert result["cookieVisibleToScript"] is False
    (cookie,) = [c for c in cookies if c["name"].endswith("samverkan_session")]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
