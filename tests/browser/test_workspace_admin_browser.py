"""Katalog, Granskning and Översikt in headless Chromium on a 320 × 640 phone, logged in through
the test suite's real OpenID Providers: Upplands-Bro's administrator grants a signing mandate,
its auditor reads a promise's history and sees an event's proof verified in the page (with
WebCrypto, against the log's key) and not verified once the page's path is tampered with, and
LPO Järfälla's editor reads the police area's overview. axe-core finds no WCAG 2.1 A/AA
violation on any of those pages, none scrolls sideways, and each is kept as a screenshot in
build/screenshots/.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client
from tests.api.test_public_page import caught_up, publish_promise
from tests.browser.served import checked, chromium, phone_page, workspace_served
from tests.browser.steps import log_in
from tests.browser.steps_admin import (
    NOT_VERIFIED,
    VERIFIED,
    browser_verdict,
    grant_mandate,
    open_history,
    open_overview,
    tamper_checkpoint,
    tamper_proof,
    verify_proof,
)
from tests.browser.test_public_page_browser import axe_source
from tests.conftest import Database
from tests.e2e.test_app_sso import UB
from tests.idp.fixtures import Idps, idps

PROMISE = "ub-ws-admin-browser"
PERSON, PERSON_NAME = "ws-admin-browser-tove", "Testdata Tove Testare"

pytestmark = pytest.mark.browser
__all__ = ["axe_source", "idps"]


@pytest.fixture(scope="module")
async def admin_app(
    idps: Idps, db: Database, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningApp]:
    """The app trusting both test providers, in dev mode for the test data: a published
    promise of Upplands-Bro and LPO Järfälla, a person of Upplands-Bro with a role and no
    signing mandate, and a signed checkpoint covering all of it."""
    async with workspace_served(idps, db, tmp_path_factory, "workspace-admin-browser") as app:
        async with httpx.AsyncClient(timeout=15) as http:
            await publish_promise(app, http, PROMISE, covers=None)
            admin = Client(http, app, app.token(UB, "org_admin"))
            await admin.ok("registerPerson", personId=PERSON, name=PERSON_NAME)
            assigned = await admin.ok(
                "assignRole",
                assignmentId=f"{PERSON}-roll",
                personId=PERSON,
                orgId=UB,
                title="Trygghetssamordnare",
                role="signatory",
            )
            await caught_up(admin, PROMISE, assigned["consistencyToken"])
            auditor = Client(http, app, app.token(UB, "auditor"))
            async with asyncio.timeout(30):
                while True:
                    data = await auditor.query("{ latestCheckpoint { size } logSize }")
                    if (data["latestCheckpoint"] or {}).get("size", -1) >= data["logSize"]:
                        break
                    await asyncio.sleep(0.2)
        yield app


async def test_directory_audit_and_overview_work_on_a_phone_with_no_wcag_violation(
    admin_app: RunningApp, idps: Idps, axe_source: str
) -> None:
    base = admin_app.url
    async with chromium() as browser:
        page, errors = await phone_page(browser)
        await log_in(page, base, idps, "ub-admin", "/app/katalog")
        assert await page.locator("h1").inner_text() == "Katalog: Upplands-Bro kommun"
        await checked(page, axe_source, "admin-directory")
        await page.get_by_role("button", name="Ge rätten att underteckna").click()
        summary = page.locator(".error-summary")
        assert "Välj personen." in await summary.inner_text()
        await summary.get_by_role("link").click()
        assert await page.evaluate("() => document.activeElement.id") == "mandate_person"
        await checked(page, axe_source, "admin-directory-refused")
        row = await grant_mandate(page, PERSON_NAME)
        assert "beviljat" in await row.inner_text()
        await checked(page, axe_source, "admin-directory-granted")
        assert errors == []
        await page.context.close()

        page, errors = await phone_page(browser)
        await log_in(page, base, idps, "auditor", "/app/granskning")
        await checked(page, axe_source, "admin-audit-start")
        rows = await open_history(page, base, PROMISE)
        assert await rows.count() > 3
        assert "upprättade ett utkast till löftet" in await rows.first.inner_text()
        await checked(page, axe_source, "admin-audit-history")
        verdict = await verify_proof(page, 0)
        assert verdict.startswith(VERIFIED), verdict
        assert "Verifierat av servern" in await page.locator("#server-verdict").inner_text()
        await checked(page, axe_source, "admin-audit-proof")
        tampered = await tamper_proof(page)
        assert tampered.startswith(NOT_VERIFIED), tampered
        assert "Sökvägen leder inte till kontrollpunktens rot" in tampered
        await checked(page, axe_source, "admin-audit-proof-tampered")
        await page.reload()
        assert (await browser_verdict(page)).startswith(VERIFIED)
        rewritten = await tamper_checkpoint(page)
        assert "Kontrollpunktens signatur stämmer inte" in rewritten, rewritten
        assert errors == []
        await page.context.close()

        page, errors = await phone_page(browser)
        await log_in(page, base, idps, "p-editor", "/app/oversikt")
        promises = await open_overview(page, base)
        assert await promises.count() >= 1
        assert await page.locator(f'tr[data-promise-id="{PROMISE}"]').count() == 1
        assert await page.get_by_role("table", name="Löften i Upplands-Bro kommun").count() == 1
        await checked(page, axe_source, "admin-overview")
        assert errors == []
