"""The workspace (/app/) in headless Chromium on a 320 × 640 phone: an Upplands-Bro editor logs
in through the test suite's real OpenID Provider, opens the inbox and a promise, and records a
performed activity (first refused, then saved); axe-core finds no WCAG 2.1 A/AA violation on
any of those pages, none scrolls sideways, and a screenshot of each is kept in
build/screenshots/ as a test artefact.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Page

from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client
from tests.api.test_public_page import PERIOD, TODAY, caught_up, publish_promise
from tests.browser.served import (
    PHONE,
    TIMEOUT_MS,
    checked,
    chromium,
    phone_page,
    workspace_served,
)
from tests.browser.steps import log_in
from tests.browser.test_public_page_browser import (
    axe_source,
)
from tests.conftest import Database
from tests.e2e.test_app_sso import UB
from tests.idp.fixtures import Idps, idps

PROMISE = "ub-workspace-browser"
PLAN_TITLE = "Testdata: gemensam insats i Bro centrum"

pytestmark = pytest.mark.browser
__all__ = ["axe_source", "idps"]


@pytest.fixture(scope="module")
async def workspace_app(
    idps: Idps, db: Database, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningApp]:
    """The app trusting both test providers for login, in dev mode so the test data is written
    with the dev issuer's tokens: a promise of Upplands-Bro and LPO Järfälla in force, with an
    activity planned for today."""
    async with workspace_served(idps, db, tmp_path_factory, "workspace-browser") as app:
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


async def test_an_editor_logs_in_and_records_an_activity_on_a_phone_with_no_wcag_violation(
    workspace_app: RunningApp, idps: Idps, axe_source: str
) -> None:
    base = workspace_app.url
    async with chromium() as browser:
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
        await page.get_by_role("link", name="Upplands-Bro – trygghet i Bro & Kungsängen").click()
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


FOCUSED = """() => {
  const e = document.activeElement;
  return e ? (e.id || e.getAttribute('name') || e.getAttribute('href') || e.tagName) : null;
}"""
CONTROLS = """() => Array.from(document.querySelectorAll('main form :is(select, textarea,'
  + ' button, input:not([type=hidden]))'))
  .filter(e => !e.disabled && e.getClientRects().length > 0)
  .filter(e => e.type !== 'radio' || e.checked || !(e.form.querySelector(
    `input[type=radio][name="${e.name}"]:checked`)) && e.form.querySelector(
    `input[type=radio][name="${e.name}"]`) === e)
  .map(e => e.id || e.getAttribute('name') || e.tagName)"""
"""The Tab stops of the page's forms in document order, named as FOCUSED names them: every
shown control, of a radio group only the chosen button (or the first; arrows move within)."""


async def tab_to(page: Page, stop: str) -> None:
    """Press Tab until the focus is on `stop` (an id, as FOCUSED names it); bounded."""
    for _ in range(60):
        await page.keyboard.press("Tab")
        if await page.evaluate(FOCUSED) == stop:
            return
    raise AssertionError(f"{stop} is not reached with Tab")


async def tab_stops(page: Page, controls: list[str]) -> list[str]:
    """The form controls Tab reaches from the top of the page, in the order it reaches them,
    until the last of `controls` (bounded: no page has 300 stops)."""
    await page.evaluate("() => document.activeElement && document.activeElement.blur()")
    visited: list[str] = []
    for _ in range(300):
        await page.keyboard.press("Tab")
        visited.append(await page.evaluate(FOCUSED))
        if visited[0] != "#innehall":
            raise AssertionError(f"the first stop is {visited[0]}, not the skip link")
        if visited[-1] == controls[-1] and visited.count(controls[-1]) == controls.count(
            controls[-1]
        ):
            break
    in_forms = [stop for stop in visited if stop in controls]
    # A date input is one control with a stop for each of its year, month and day.
    return [s for n, s in enumerate(in_forms) if n == 0 or in_forms[n - 1] != s]


async def test_the_record_form_is_reached_in_document_order_and_sent_with_the_keyboard_alone(
    workspace_app: RunningApp, idps: Idps
) -> None:
    base = workspace_app.url
    form = f"{base}/app/loften/{PROMISE}/insats"
    async with chromium() as browser:
        page, errors = await phone_page(browser)
        await log_in(page, base, idps, "ub-editor", f"/app/loften/{PROMISE}/insats")
        controls = await page.evaluate(CONTROLS)
        assert controls[-1] == "BUTTON" and "commitment" in controls and "summary" in controls

        # Tab from the top of the page: the skip link first, then every control of the form in
        # the order it is read, ending at its button.
        assert await tab_stops(page, controls) == controls

        # Filled in and sent with the keyboard only: a commitment chosen with the arrow keys,
        # the day as rendered (today), the text typed, the button pressed with Enter.
        await page.goto(form)
        await tab_to(page, "commitment")
        await page.keyboard.press("ArrowDown")
        assert await page.eval_on_selector("#commitment", "e => e.value") != ""
        await tab_to(page, "summary")
        await page.keyboard.type("Testdata: insats registrerad med tangentbordet")
        await tab_to(page, "BUTTON")
        async with page.expect_navigation():
            await page.keyboard.press("Enter")
        assert await page.locator("h1").inner_text() == "Sparat"
        assert errors == []


async def test_every_control_of_the_workspace_forms_is_reached_with_tab_in_document_order(
    workspace_app: RunningApp, idps: Idps
) -> None:
    base = workspace_app.url
    forms = [
        f"/app/loften/{PROMISE}/planera",
        f"/app/loften/{PROMISE}/uppfoljning/ny",
        f"/app/loften/{PROMISE}/andra",
        "/app/loften/nytt",
        "/app/vandringar/ny",
    ]
    async with chromium() as browser:
        page, errors = await phone_page(browser)
        await log_in(page, base, idps, "ub-editor", forms[0])
        for path in forms:
            await page.goto(base + path)
            controls = await page.evaluate(CONTROLS)
            assert controls, path
            assert await tab_stops(page, controls) == controls, path
        assert errors == []
