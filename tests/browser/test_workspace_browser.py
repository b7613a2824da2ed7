"""The workspace (/app/) in headless Chromium on a 320 × 640 phone: an Upplands-Bro editor logs
in through the test suite's real OpenID Provider, opens the inbox and a promise, and records a
performed activity (first refused, then saved); axe-core finds no WCAG 2.1 A/AA violation on
any of those pages, none scrolls sideways, and a screenshot of each is kept in
build/screenshots/ as a test artefact.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from playwright.async_api import Page, ViewportSize, async_playwright

from service.identity.dev_issuer import DevIssuer
from service.settings import Settings
from service.web.app import create_app
from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client
from tests.api.test_public_page import PERIOD, TODAY, caught_up, publish_promise
from tests.browser.test_public_page_browser import (
    ARGS,
    CHROMIUM,
    axe_source,
    axe_violations,
    need_chromium,
)
from tests.conftest import Database
from tests.e2e.test_app_sso import UB, WAIT_S, sso_registry
from tests.idp.fixtures import LOGIN_SECRETS, Idps, idps

PROMISE = "ub-workspace-browser"
PLAN_TITLE = "Testdata: gemensam insats i Bro centrum"
PHONE: ViewportSize = {"width": 320, "height": 640}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
TIMEOUT_MS = 15_000

pytestmark = pytest.mark.browser
__all__ = ["axe_source", "idps"]


@contextlib.asynccontextmanager
async def serve_on(settings: Settings, port: int) -> AsyncIterator[RunningApp]:
    """The app on `port` (the origin the providers redirect back to) until the block ends."""
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(WAIT_S):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.02)
        dev = DevIssuer.load_or_create(settings.data_dir)
        yield RunningApp(url=f"http://127.0.0.1:{port}", settings=settings, dev_issuer=dev)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)


@pytest.fixture(scope="module")
async def workspace_app(
    idps: Idps, db: Database, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningApp]:
    """The app trusting both test providers for login, in dev mode so the test data is written
    with the dev issuer's tokens: a promise of Upplands-Bro and LPO Järfälla in force, with an
    activity planned for today."""
    tmp = tmp_path_factory.mktemp("workspace-browser")
    registry = tmp / "issuers.toml"
    registry.write_text(sso_registry(idps), encoding="utf-8")
    settings = Settings(
        database_url=db.admin_url,
        app_database_url=db.app_url,
        data_dir=tmp / "data",
        dev=True,
        issuer_registry=registry,
        public_url=idps.app_origin,
        session_secret="workspace-browser-session-secret",
    )
    with pytest.MonkeyPatch.context() as patch:
        for name, value in LOGIN_SECRETS.items():
            patch.setenv(name, value)
        async with serve_on(settings, int(urlsplit(idps.app_origin).port or 0)) as app:
            async with httpx.AsyncClient(timeout=15) as http:
                await publish_promise(app, http, PROMISE, covers=None)
                editor = Client(http, app, app.token(UB, "editor"))
                planned = await editor.ok(
                    "planActivity",
                    promiseId=PROMISE,
                    planId="ws-plan",
                    commitmentIds=["c2"],
                    title=PLAN_TITLE,
                    dates=[TODAY.isoformat()],
                )
                await caught_up(editor, PROMISE, planned["consistencyToken"])
            yield app


async def checked(page: Page, axe: str, name: str) -> None:
    """No WCAG 2.1 A/AA violation, no sideways scrolling, and the screenshot kept as `name`."""
    violations = await axe_violations(page, axe)
    assert violations == [], f"{page.url}: {violations}"
    width = await page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"workspace-{name}.png"
    await page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 1000


async def test_an_editor_logs_in_and_records_an_activity_on_a_phone_with_no_wcag_violation(
    workspace_app: RunningApp, idps: Idps, axe_source: str
) -> None:
    need_chromium()
    base = workspace_app.url
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=ARGS, timeout=TIMEOUT_MS
        )
        try:
            # The pages allow no script but their own: axe is injected past the policy here.
            context = await browser.new_context(viewport=PHONE, locale="sv-SE", bypass_csp=True)
            page = await context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))

            login = await page.goto(f"{base}/app/")
            assert login is not None and login.status == 401
            assert await page.locator("h1").inner_text() == "Logga in"
            await checked(page, axe_source, "login")
            await page.get_by_role("link", name="Logga in med kommun").click()
            await page.wait_for_url(f"{idps.municipality.issuer}/**")
            await page.fill("input[name=login]", "ub-editor")
            await page.fill("input[name=password]", "any")
            await page.click("button[type=submit]")
            await page.click("button[type=submit]")  # the provider's consent screen
            await page.wait_for_url(f"{base}/app/")  # back where the login started

            assert await page.locator("h1").inner_text() == "Att göra"
            planned = page.locator("li.planned")
            assert PLAN_TITLE in await planned.inner_text()
            await checked(page, axe_source, "inbox")

            await page.get_by_role("link", name="Löften", exact=True).click()
            await page.wait_for_url(f"{base}/app/loften")
            # htmx (served by the app, allowed by the policy) narrows the list in place.
            await page.evaluate("() => { window.sameDocument = true; }")
            await page.select_option("#status", "in_force")
            await page.wait_for_url(f"{base}/app/loften?status=in_force")
            assert await page.evaluate("() => window.sameDocument === true")
            await page.get_by_role(
                "link", name="Upplands-Bro – trygghet i Bro & Kungsängen"
            ).click()
            await page.wait_for_url(f"{base}/app/loften/{PROMISE}")
            assert await page.locator("li.commitment").count() == 4
            assert await page.locator("p.pace strong").first.inner_text() in (
                "i fas",
                "efter",
                "risk",
                "inget mål",
            )
            await checked(page, axe_source, "promise")

            await page.get_by_role("link", name="Registrera genomförd insats").click()
            await page.wait_for_url(f"{base}/app/loften/{PROMISE}/insats")
            await checked(page, axe_source, "record")
            await page.select_option("#commitment", "c2")
            await page.fill("#occurred_on", "1999-05-01")
            await page.fill("#quantity", "2")
            await page.get_by_label("Bro centrum", exact=True).check()
            await page.fill("#summary", "Testdata: gemensam insats med synlig närvaro")
            await page.get_by_role("button", name="Spara").click()
            summary = page.locator(".error-summary")
            assert "utanför löftets period" in await summary.inner_text()
            focused = await page.evaluate("() => document.activeElement.className")
            assert focused == "error-summary"  # read first, by a screen reader too
            await checked(page, axe_source, "record-refused")
            await summary.get_by_role("link").click()
            focused = await page.evaluate("() => document.activeElement.id")
            assert focused == "occurred_on"
            await page.fill("#occurred_on", PERIOD[0])
            await page.get_by_role("button", name="Spara").click()
            assert await page.locator("h1").inner_text() == "Sparat"
            await checked(page, axe_source, "receipt")

            await page.get_by_role("link", name="Tillbaka till löftet").click()
            assert (
                "Testdata: gemensam insats med synlig närvaro"
                in await page.locator("table.activities").inner_text()
            )
            assert errors == []
        finally:
            await browser.close()
