"""The follow-up journey in headless Chromium on a 320 × 640 phone, through the test suite's real
OpenID Providers: an Upplands-Bro editor starts a follow-up and assesses two commitments (one
first refused), a police editor assesses the other two, a signatory of each party approves, and
an Upplands-Bro publisher previews the public page and publishes; the public page then shows
the assessment. axe-core finds no WCAG 2.1 A/AA violation on any page, none scrolls sideways,
and a screenshot of each is kept in build/screenshots/.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, Page

from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client
from tests.api.test_public_page import START, TODAY, caught_up, publish_promise
from tests.browser import steps_follow
from tests.browser.served import checked, chromium, phone_page, workspace_served
from tests.browser.steps import log_in
from tests.browser.test_public_page_browser import axe_source
from tests.conftest import Database
from tests.e2e.test_app_sso import UB
from tests.idp.fixtures import Idps, idps

LPO = "org-lpo-jarfalla"
PROMISE = "ub-follow-browser"
COMMENT = "Testdata: tre av minst åtta insatser genomfördes"
SIGNATORIES = {"ub-signatory": (UB, "Sven Bro"), "p-signatory": (LPO, "Petra Polis")}

pytestmark = pytest.mark.browser
__all__ = ["axe_source", "idps"]


@pytest.fixture(scope="module")
async def follow_app(
    idps: Idps, db: Database, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningApp]:
    """The app trusting both test providers, with a promise of Upplands-Bro and LPO Järfälla
    in force and published, an interim follow-up planned and due in ten days, and the test
    providers' signatories (their subject is their person id) holding signing mandates."""
    async with workspace_served(idps, db, tmp_path_factory, "follow-browser") as app:
        async with httpx.AsyncClient(timeout=15) as http:
            await publish_promise(app, http, PROMISE, covers=None)
            for person, (org, name) in SIGNATORIES.items():
                admin = Client(http, app, app.token(org, "org_admin"))
                await admin.ok("registerPerson", personId=person, name=name)
                await admin.ok(
                    "grantSigningMandate", mandateId=f"m-{person}", personId=person, orgId=org
                )
            editor = Client(http, app, app.token(UB, "editor"))
            planned = await editor.ok(
                "scheduleFollowUp",
                promiseId=PROMISE,
                dueId="d1",
                kind="interim",
                coversFrom=START.isoformat(),
                coversTo=(TODAY - dt.timedelta(days=1)).isoformat(),
                dueOn=(TODAY + dt.timedelta(days=10)).isoformat(),
            )
            await caught_up(editor, PROMISE, planned["consistencyToken"])
        yield app


async def official(browser: Browser, app: RunningApp, idps: Idps, user: str, path: str) -> Page:
    """A phone of its own for one official, logged in on `path`."""
    page, _ = await phone_page(browser)
    await log_in(page, app.url, idps, user, path)
    return page


async def test_a_follow_up_is_drafted_assessed_approved_and_published_on_phones(
    follow_app: RunningApp, idps: Idps, axe_source: str
) -> None:
    base = follow_app.url
    async with chromium() as browser:
        editor = await official(browser, follow_app, idps, "ub-editor", "/app/")
        due = editor.locator('li.item[data-action="follow_up_due"]')
        assert "Uppföljning snart" in await due.inner_text()
        await due.get_by_role("link", name="Påbörja uppföljningen").click()
        await editor.wait_for_url(f"{base}/app/loften/{PROMISE}/uppfoljning/ny")
        assert await editor.locator("#kind-interim").is_checked()
        await checked(editor, axe_source, "follow-new")
        path = await steps_follow.draft_follow_up(editor, base, PROMISE)
        assert (await editor.locator("h1").inner_text()).startswith("Uppföljning: Delrapport")
        await checked(editor, axe_source, "follow-report")

        # A commitment with a target needs what was achieved: refused, at that field.
        await steps_follow.assess(editor, "c2", "partly", comment=COMMENT)
        summary = editor.locator(".error-summary")
        assert "Ett åtagande med ett mål behöver" in await summary.inner_text()
        await checked(editor, axe_source, "follow-assess-refused")
        await summary.get_by_role("link").click()
        assert await editor.evaluate("() => document.activeElement.id") == "c2-achieved"
        await steps_follow.assess(editor, "c2", "partly", achieved=3, comment=COMMENT)
        await steps_follow.assess(editor, "c1", "no_target", comment="Närvaron ökade")

        police = await official(browser, follow_app, idps, "p-editor", path)
        await steps_follow.assess(police, "c3", "met", achieved=2)
        await steps_follow.assess(police, "c4", "not_met", achieved=0)
        assert "4 av 4 åtaganden" in await police.locator("dl.facts").inner_text()

        for user, name in (
            ("ub-signatory", "Upplands-Bro kommun"),
            ("p-signatory", "Lokalpolisområde Järfälla"),
        ):
            signer = await official(browser, follow_app, idps, user, "/app/")
            await signer.get_by_role("link", name="Öppna uppföljningen").click()
            await signer.wait_for_url(f"{base}{path}")
            await steps_follow.approve(signer, name)
            approval = signer.locator(f'li.approval[data-party="{UB if user[0] == "u" else LPO}"]')
            assert "godkänd" in await approval.inner_text()
            await checked(signer, axe_source, f"follow-approved-{user}")

        publisher = await official(browser, follow_app, idps, "ub-publisher", "/app/")
        await publisher.get_by_role("link", name="Förhandsgranska och publicera").click()
        await publisher.wait_for_url(f"{base}{path}/publicera")
        assert "Förhandsvisning" in await publisher.locator(".preview-note").inner_text()
        assert COMMENT in await publisher.locator("section.preview").inner_text()
        await checked(publisher, axe_source, "follow-preview")
        await publisher.go_back()
        await steps_follow.preview_and_publish(publisher, "Testdata: kommunens webbplats")
        await checked(publisher, axe_source, "follow-published")
        await publisher.get_by_role("link", name="Öppna den publika sidan").click()
        await publisher.wait_for_url(f"{base}/p/{PROMISE}")
        assert COMMENT in await publisher.locator("main").inner_text()
