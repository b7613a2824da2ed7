"""What every workspace browser test stands on: the app served on the origin the test OpenID
Providers redirect back to, a phone-sized page of its own, and the check each main page passes
(axe-core finds no WCAG 2.1 A/AA violation, nothing scrolls sideways, a screenshot is kept in
build/screenshots/ as a test artefact)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.async_api import Browser, Page, ViewportSize, async_playwright

from service.identity.dev_issuer import DevIssuer
from service.settings import Settings
from service.web.app import create_app
from tests.api.conftest import RunningApp
from tests.browser.test_public_page_browser import ARGS, CHROMIUM, axe_violations, need_chromium
from tests.conftest import Database
from tests.e2e.test_app_sso import WAIT_S, sso_registry
from tests.idp.fixtures import LOGIN_SECRETS, Idps

PHONE: ViewportSize = {"width": 320, "height": 640}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
TIMEOUT_MS = 15_000


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


@contextlib.asynccontextmanager
async def workspace_served(
    idps: Idps, db: Database, tmp_path_factory: pytest.TempPathFactory, name: str
) -> AsyncIterator[RunningApp]:
    """The app trusting both test providers for login, in dev mode so test data can be written
    with the dev issuer's tokens; its data directory and session secret are `name`'s own."""
    tmp = tmp_path_factory.mktemp(name)
    registry = tmp / "issuers.toml"
    registry.write_text(sso_registry(idps), encoding="utf-8")
    settings = Settings(
        database_url=db.admin_url,
        app_database_url=db.app_url,
        data_dir=tmp / "data",
        dev=True,
        issuer_registry=registry,
        public_url=idps.app_origin,
        session_secret=f"{name}-session-secret",
    )
    with pytest.MonkeyPatch.context() as patch:
        for variable, value in LOGIN_SECRETS.items():
            patch.setenv(variable, value)
        async with serve_on(settings, int(urlsplit(idps.app_origin).port or 0)) as app:
            yield app


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's headless Chromium, driven by Playwright, until the block ends (a test without
    it skips on a developer's machine and fails in CI)."""
    need_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=ARGS, timeout=TIMEOUT_MS
        )
        try:
            yield browser
        finally:
            await browser.close()


async def phone_page(browser: Browser) -> tuple[Page, list[str]]:
    """A fresh phone-sized page (one person's cookies) and the script errors it reports."""
    # The pages allow no script but their own: axe is injected past the policy here.
    context = await browser.new_context(viewport=PHONE, locale="sv-SE", bypass_csp=True)
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


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
