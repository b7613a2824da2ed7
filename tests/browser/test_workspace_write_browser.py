"""Writing and signing a promise in headless Chromium on a 320 × 640 phone, through the test
suite's real OpenID Providers: an Upplands-Bro editor drafts a promise with LPO Järfälla (first
refused for a period that names no dates, then started), adds a focus area, a place and a
commitment with a target, and proposes it; Upplands-Bro's signatory finds it in the inbox and
signs it, then LPO Järfälla's signatory signs and the promise is in force, its revision with
both signatures on the promise's page, and starts an amendment after reading what it means.
axe-core finds no WCAG 2.1 A/AA violation on any page, none scrolls sideways, and a screenshot
of each is kept in build/screenshots/.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client
from tests.api.test_public_page import TODAY
from tests.browser import steps_write as steps
from tests.browser.served import checked, chromium, phone_page, workspace_served
from tests.browser.steps import log_in
from tests.browser.test_public_page_browser import axe_source
from tests.conftest import Database
from tests.e2e.test_app_sso import LPO, UB
from tests.idp.fixtures import Idps, idps

TITLE = "Testdata: medborgarlöfte för Kungsängen"
FOCUS_AREA = "Trygghet i Kungsängens centrum"
PLACE = "Kungsängens centrum"
COMMITMENT = "Testdata: gemensamma trygghetsvandringar i centrum"

pytestmark = pytest.mark.browser
__all__ = ["axe_source", "idps"]


@pytest.fixture(scope="module")
async def write_app(
    idps: Idps, db: Database, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningApp]:
    """The app trusting both test providers for login (the person id is the token's
    subject), with a signing mandate for ub-signatory (Upplands-Bro) and p-signatory (LPO
    Järfälla), granted by each organisation's org_admin."""
    async with workspace_served(idps, db, tmp_path_factory, "write-browser") as app:
        async with httpx.AsyncClient(timeout=15) as http:
            for org, person in ((UB, "ub-signatory"), (LPO, "p-signatory")):
                admin = Client(http, app, app.token(org, "org_admin"))
                await admin.ok("registerPerson", personId=person, name=f"Testdata {person}")
                await admin.ok(
                    "grantSigningMandate", mandateId=f"m-{person}", personId=person, orgId=org
                )
        yield app


async def test_an_editor_writes_a_promise_and_two_signatories_sign_it_on_a_phone(
    write_app: RunningApp, idps: Idps, axe_source: str
) -> None:
    base = write_app.url
    async with chromium() as browser:
        page, errors = await phone_page(browser)
        await log_in(page, base, idps, "ub-editor")
        await steps.open_draft_form(page, base)
        await checked(page, axe_source, "write-draft")
        await steps.fill_draft(
            page, title=TITLE, period="nästa år", parties=["Lokalpolisområde Järfälla"]
        )
        summary = page.locator(".error-summary")
        assert "nästa år" in await summary.inner_text()
        await checked(page, axe_source, "write-draft-refused")
        await summary.get_by_role("link").click()
        assert await page.evaluate("() => document.activeElement.id") == "label"
        await page.fill("#label", str(TODAY.year))
        async with page.expect_navigation():
            await page.get_by_role("button", name="Påbörja löftet").click()
        found = steps.PROMISE_PATH.search(page.url)
        assert found is not None, page.url
        promise_id = found.group(1)
        assert await page.locator("h1").inner_text() == "Skriv löftet"

        await steps.add_focus_area(page, FOCUS_AREA)
        await steps.add_place(page, PLACE, "centrum")
        await steps.add_commitment(
            page,
            text=COMMITMENT,
            focus_area=FOCUS_AREA,
            responsible=["Upplands-Bro kommun", "Lokalpolisområde Järfälla"],
            places=[PLACE],
            quantity=4,
            unit="tillfälle",
        )
        assert (
            "minst 4 tillfälle under perioden" in await page.locator("li.commitment").inner_text()
        )
        await checked(page, axe_source, "write-revision")
        await steps.propose(page)
        assert await page.locator("h1").inner_text() == "Underteckna löftet"
        await checked(page, axe_source, "write-sign-editor")
        assert errors == []
        await page.context.close()

        page, errors = await phone_page(browser)
        await log_in(page, base, idps, "ub-signatory")
        await page.get_by_role("link", name=f"Läs och underteckna ({TITLE})").click()
        await page.wait_for_url(f"{base}/app/loften/{promise_id}/underteckna")
        hash_shown = await page.locator("dd.hash code").inner_text()
        assert hash_shown.startswith("sha256:")
        assert COMMITMENT in await page.locator("ol.commitments").inner_text()
        await checked(page, axe_source, "write-sign")
        await steps.sign(page, base, promise_id)
        assert (
            "Upplands-Bro kommun har undertecknat" in await page.locator("p.receipt").inner_text()
        )
        await checked(page, axe_source, "write-signed")
        assert errors == []
        await page.context.close()

        page, errors = await phone_page(browser)
        await log_in(page, base, idps, "p-signatory")
        await steps.open_signing(page, base, promise_id)
        assert await page.locator("dd.hash code").inner_text() == hash_shown
        await steps.sign(page, base, promise_id)
        signed = page.locator("tr.signature.signed")
        assert await signed.count() == 2
        assert await page.locator("dd.status").inner_text() == "Gäller"
        await checked(page, axe_source, "write-in-force")
        await page.get_by_role("link", name="Tillbaka till löftet").click()
        await page.wait_for_url(f"{base}/app/loften/{promise_id}")
        revisions = await page.locator("table.revisions").inner_text()
        assert hash_shown in revisions
        assert "ub-signatory" in revisions and "p-signatory" in revisions
        assert PLACE in await page.locator("li.place").inner_text()
        await checked(page, axe_source, "write-promise")

        await page.get_by_role("link", name="Ändra löftet").click()
        await page.wait_for_url(f"{base}/app/loften/{promise_id}/andra")
        assert (
            "Version 2 utarbetas från version 1" in await page.locator(".consequences").inner_text()
        )
        await checked(page, axe_source, "write-amend")
        await steps.start_amendment(page, base, promise_id, "Testdata: nya behov")
        assert "2 (skrivs)" in await page.locator("dl.facts").first.inner_text()
        assert errors == []
        await page.context.close()
