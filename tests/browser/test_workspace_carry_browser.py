"""Carrying out in the workspace (/app/) in headless Chromium on a 320 × 640 phone: an
Upplands-Bro editor logs in through the test suite's real OpenID Provider, plans an activity on
two days, moves one occasion (first refused for want of a reason, then moved) and cancels the
other, records a safety walk carrying out a planned one, records a finding at a place of its
route, and marks the finding fixed. axe-core finds no WCAG 2.1 A/AA violation on any of those
pages, none scrolls sideways, and a screenshot of each is kept in build/screenshots/.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client
from tests.api.test_public_page import COMMITMENTS, TODAY, caught_up, long_date, publish_promise
from tests.browser.served import PHONE, TIMEOUT_MS, checked, chromium, workspace_served
from tests.browser.steps import log_in
from tests.browser.steps_carry import (
    cancel_occurrence,
    close_finding,
    fill_plan,
    fill_walk,
    move_occurrence,
    record_finding,
)
from tests.browser.test_public_page_browser import axe_source
from tests.conftest import Database
from tests.e2e.test_app_sso import UB
from tests.idp.fixtures import Idps, idps

PROMISE = "ub-carry-browser"
# Test data: the places, plans, walk and finding are made up here.
TORGET, SKOLAN = "Torget (testdata)", "Skolgården (testdata)"
WALKS_TITLE = "Testdata: trygghetsvandringar"
PLAN_TITLE = "Testdata: kvällsvandringar i centrum"
DESCRIPTION = "Testdata: trasig belysning vid gångtunneln"

pytestmark = pytest.mark.browser
__all__ = ["axe_source", "idps"]


@pytest.fixture(scope="module")
async def carry_app(
    idps: Idps, db: Database, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningApp]:
    """The app trusting both test providers, with a promise of Upplands-Bro and LPO Järfälla in
    force, a safety walk planned two days ago, and two shared places of Upplands-Bro."""
    async with workspace_served(idps, db, tmp_path_factory, "carry-browser") as app:
        async with httpx.AsyncClient(timeout=15) as http:
            await publish_promise(app, http, PROMISE, covers=None)
            editor = Client(http, app, app.token(UB, "editor"))
            await editor.ok(
                "planActivity",
                promiseId=PROMISE,
                planId="ws-walks",
                commitmentIds=["c4"],
                title=WALKS_TITLE,
                dates=[(TODAY - dt.timedelta(days=2)).isoformat()],
                kind="safety_walk",
            )
            for place, name in (("carry-torget", TORGET), ("carry-skolgarden", SKOLAN)):
                last = await editor.ok(
                    "registerMunicipalPlace", placeId=place, municipalityId=UB, name=name
                )
            await caught_up(editor, PROMISE, last["consistencyToken"])
            await editor.query(
                "query($t: String) { places(consistencyToken: $t) { places { id } } }",
                t=last["consistencyToken"],
            )
        yield app


async def test_an_editor_plans_walks_and_closes_a_finding_on_a_phone_with_no_wcag_violation(
    carry_app: RunningApp, idps: Idps, axe_source: str
) -> None:
    base = carry_app.url
    async with chromium() as browser:
        # The pages allow no script but their own: axe is injected past the policy here.
        context = await browser.new_context(viewport=PHONE, locale="sv-SE", bypass_csp=True)
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        await log_in(page, base, idps, "ub-editor", f"/app/loften/{PROMISE}/planera")
        assert await page.locator("h1").inner_text() == "Planera en insats"
        days = [TODAY + dt.timedelta(days=n) for n in (7, 14)]
        await fill_plan(page, title=PLAN_TITLE, commitments=[COMMITMENTS["c2"]], days=days)
        await checked(page, axe_source, "carry-plan")
        await page.get_by_role("button", name="Planera").click()
        await page.wait_for_url(f"{base}/app/loften/{PROMISE}?efter=*")
        plan = page.locator("section.plan", has_text=PLAN_TITLE)
        assert await plan.get_by_role("link", name="Flytta").count() == 2
        await checked(page, axe_source, "carry-promise-plans")

        occurrence = await plan.get_by_role("link", name="Flytta").first.get_attribute("href") or ""
        plan_id, occurrence_id = occurrence.split("/")[-3:-1]
        await page.goto(base + occurrence)
        await page.get_by_role("button", name="Flytta").click()  # no reason given
        summary = page.locator(".error-summary")
        assert "Skäl" in await page.locator("label[for=reason]").inner_text()
        assert await summary.count() == 1
        await checked(page, axe_source, "carry-move-refused")
        await summary.get_by_role("link").first.click()
        assert await page.evaluate("() => document.activeElement.id") == "reason"
        moved_to = TODAY + dt.timedelta(days=8)
        await move_occurrence(
            page,
            base,
            PROMISE,
            plan_id,
            occurrence_id,
            to=moved_to,
            reason="Testdata: krockar med marknadsdagen",
        )
        await cancel_occurrence(
            page, base, PROMISE, plan_id, f"{plan_id}-2", reason="Testdata: ingen personal"
        )
        plan = page.locator("section.plan", has_text=PLAN_TITLE)
        text = await plan.inner_text()
        assert f"{long_date(moved_to)}: flyttat" in text and "inställt" in text

        await page.get_by_role("link", name="Registrera vandringen").first.click()
        await page.wait_for_url(f"{base}/app/vandringar/ny?tillfalle=**")
        await fill_walk(
            page,
            held_on=TODAY - dt.timedelta(days=2),
            route=[TORGET, SKOLAN],
            participants=["Lokalpolisområde Järfälla"],
            group=("Testdata: boende och verksamma", 9),
        )
        await checked(page, axe_source, "carry-walk-new")
        await page.get_by_role("button", name="Spara vandringen").click()
        await page.wait_for_url(f"{base}/app/vandringar/vandring-*")
        walk_path = page.url.removeprefix(base).partition("?")[0]
        assert "Testdata: boende och verksamma (9)" in await page.locator("dl").inner_text()

        await page.get_by_role("link", name="Registrera brist").click()
        await page.wait_for_url(f"{base}{walk_path}/fynd/nytt")
        await checked(page, axe_source, "carry-finding-new")
        await record_finding(
            page,
            base,
            walk_path,
            place=SKOLAN,
            category="Belysning",
            description=DESCRIPTION,
            owner="Upplands-Bro kommun",
            due_on=TODAY + dt.timedelta(days=30),
        )
        assert "0 av 1 brister åtgärdade" in await page.locator("p.status").inner_text()
        await checked(page, axe_source, "carry-walk")

        await page.get_by_role("link", name="Trygghetsvandringar", exact=True).click()
        await page.wait_for_url(f"{base}/app/vandringar")
        assert await page.locator(f'a[href="{walk_path}"]').count() == 1
        await checked(page, axe_source, "carry-walks")
        await page.get_by_role("link", name="Brister", exact=True).click()
        await page.wait_for_url(f"{base}/app/fynd")
        await checked(page, axe_source, "carry-findings")
        await page.get_by_role("link", name=f"Belysning: {DESCRIPTION}").click()
        finding_path = page.url.removeprefix(base)
        await checked(page, axe_source, "carry-finding")
        await close_finding(page, base, finding_path)
        assert (await page.locator("#finding-status").inner_text()).startswith("åtgärdad")
        await checked(page, axe_source, "carry-finding-closed")
        assert errors == []
