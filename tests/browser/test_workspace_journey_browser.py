"""One whole journey through the workspace in headless Chromium on 320 × 640 phones, each
official logged in through the test suite's real OpenID Providers as themselves:

an Upplands-Bro editor drafts a promise with LPO Järfälla (a focus area, a place, a commitment
with a target) and proposes it; Upplands-Bro's signatory and LPO Järfälla's signatory each sign
it for their organisation, and it is in force; Upplands-Bro's publisher publishes it; the
editor records a performed activity, records a safety walk with a finding and closes the
finding; a follow-up is drafted and assessed, approved by both signatories, previewed and
published by the publisher — and the public page shows it. An Arjeplog editor sees nothing
of the proposal while it waits for signatures. axe-core finds no WCAG 2.1 A/AA violation on any
main page, none scrolls sideways, and a screenshot of each is kept in build/screenshots/
(workspace-journey-*).

Everything the officials do goes through the pages; only what the texts place outside the
journey is written first through the API: the signatories' signing mandates and
Upplands-Bro's two shared places on the walk's route. Names and texts are test data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Page

from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client
from tests.api.test_public_page import TODAY
from tests.browser import steps_carry, steps_follow, steps_write
from tests.browser.served import checked, chromium, phone_page, workspace_served
from tests.browser.steps import log_in
from tests.browser.test_public_page_browser import axe_source
from tests.conftest import Database
from tests.e2e.test_app_sso import LPO, UB
from tests.idp.fixtures import Idps, idps

TITLE = "Testdata: tryggare kvällar i Kungsängen"
FOCUS_AREA = "Testdata: trygghet i centrum"
PLACE = "Testdata: Kungsängens torg"
COMMITMENT = "Testdata: gemensamma kvällsinsatser vid torget"
ACTIVITY = "Testdata: kvällsinsats med synlig närvaro vid torget"
TORGET, GANGTUNNELN = "Testdata: Torget", "Testdata: Gångtunneln"
FINDING = "Testdata: trasig belysning i gångtunneln"
ASSESSMENT = "Testdata: insatserna genomfördes som planerat"
CHANNEL = "Testdata: kommunens webbplats"

pytestmark = pytest.mark.browser
__all__ = ["axe_source", "idps"]


@pytest.fixture(scope="module")
async def journey_app(
    idps: Idps, db: Database, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningApp]:
    """The app trusting both test providers, with signing mandates for ub-signatory and
    p-signatory (their subject is their person id) and two shared places of Upplands-Bro."""
    async with workspace_served(idps, db, tmp_path_factory, "journey-browser") as app:
        async with httpx.AsyncClient(timeout=15) as http:
            for org, person in ((UB, "ub-signatory"), (LPO, "p-signatory")):
                admin = Client(http, app, app.token(org, "org_admin"))
                await admin.ok("registerPerson", personId=person, name=f"Testdata {person}")
                await admin.ok(
                    "grantSigningMandate", mandateId=f"m-{person}", personId=person, orgId=org
                )
            editor = Client(http, app, app.token(UB, "editor"))
            for place, name in (("journey-torget", TORGET), ("journey-tunneln", GANGTUNNELN)):
                last = await editor.ok(
                    "registerMunicipalPlace", placeId=place, municipalityId=UB, name=name
                )
            await editor.query(
                "query($t: String) { places(consistencyToken: $t) { places { id } } }",
                t=last["consistencyToken"],
            )
        yield app


async def as_official(page: Page, base: str, idps: Idps, user: str, path: str = "/app/") -> Page:
    """`page` logged in as `user`, on `path`."""
    await log_in(page, base, idps, user, path)
    return page


async def test_a_promise_goes_from_draft_to_a_published_follow_up_through_the_workspace(
    journey_app: RunningApp, idps: Idps, axe_source: str
) -> None:
    base = journey_app.url
    first_day = dt.date(TODAY.year, 1, 1)
    async with chromium() as browser:
        # Skriv: the municipality's editor drafts, writes and proposes.
        page, errors = await phone_page(browser)
        editor = await as_official(page, base, idps, "ub-editor")
        await checked(editor, axe_source, "journey-inbox")
        promise_id = await steps_write.draft_promise(
            editor,
            base,
            title=TITLE,
            period=str(TODAY.year),
            parties=["Lokalpolisområde Järfälla"],
        )
        await steps_write.add_focus_area(editor, FOCUS_AREA)
        await steps_write.add_place(editor, PLACE, "centrum")
        await steps_write.add_commitment(
            editor,
            text=COMMITMENT,
            focus_area=FOCUS_AREA,
            responsible=["Upplands-Bro kommun", "Lokalpolisområde Järfälla"],
            places=[PLACE],
            quantity=2,
            unit="tillfälle",
        )
        await checked(editor, axe_source, "journey-write")
        await steps_write.propose(editor)
        hash_proposed = await editor.locator("dd.hash code").inner_text()
        await checked(editor, axe_source, "journey-propose")

        # Another municipality's editor sees nothing of the proposal in the workspace.
        other, other_errors = await phone_page(browser)
        await as_official(other, base, idps, "arjeplog-editor", "/app/loften")
        assert TITLE not in await other.locator("main").inner_text()
        for path in ("", "/skriv", "/underteckna"):
            response = await other.goto(f"{base}/app/loften/{promise_id}{path}")
            assert response is not None and response.status == 404, path
        assert TITLE not in await other.locator("main").inner_text()
        assert other_errors == []
        await other.context.close()

        # Underteckna: two signatories, each for their own organisation.
        for signed, user in enumerate(("ub-signatory", "p-signatory"), start=1):
            signer, signer_errors = await phone_page(browser)
            await as_official(signer, base, idps, user)
            await signer.get_by_role("link", name=f"Läs och underteckna ({TITLE})").click()
            await signer.wait_for_url(f"{base}/app/loften/{promise_id}/underteckna")
            assert await signer.locator("dd.hash code").inner_text() == hash_proposed
            await checked(signer, axe_source, f"journey-sign-{user}")
            await steps_write.sign(signer, base, promise_id)
            assert await signer.locator("tr.signature.signed").count() == signed
            assert signer_errors == []
            await signer.context.close()
        await editor.goto(f"{base}/app/loften/{promise_id}")
        assert await editor.locator("dd.status").first.inner_text() == "Gäller"
        revisions = await editor.locator("table.revisions").inner_text()
        assert "ub-signatory" in revisions and "p-signatory" in revisions

        # Publicera: the municipality's publisher records where it was published.
        publisher, publisher_errors = await phone_page(browser)
        await as_official(publisher, base, idps, "ub-publisher")
        await publisher.get_by_role("link", name=f"Publicera ({TITLE})").click()
        await publisher.wait_for_url(f"{base}/app/loften/{promise_id}/publicera")
        await checked(publisher, axe_source, "journey-publish-promise")
        await steps_write.publish_promise(publisher, base, promise_id, CHANNEL)

        # Genomför: an activity from the phone, a walk with a finding, the finding closed.
        await steps_carry.record_activity(
            editor, base, promise_id, commitment=COMMITMENT, on=TODAY, summary=ACTIVITY
        )
        assert await editor.locator("h1").inner_text() == "Sparat"
        await checked(editor, axe_source, "journey-activity-receipt")
        await editor.get_by_role("link", name="Tillbaka till löftet").click()
        await editor.wait_for_url(re.compile(rf".*/app/loften/{promise_id}\?efter=.*"))
        assert ACTIVITY in await editor.locator("table.activities").inner_text()
        await checked(editor, axe_source, "journey-promise")

        walk_path = await steps_carry.record_walk(
            editor,
            base,
            held_on=TODAY,
            route=[TORGET, GANGTUNNELN],
            participants=["Lokalpolisområde Järfälla"],
        )
        await steps_carry.record_finding(
            editor,
            base,
            walk_path,
            place=GANGTUNNELN,
            category="Belysning",
            description=FINDING,
            owner="Upplands-Bro kommun",
            due_on=TODAY + dt.timedelta(days=30),
        )
        await checked(editor, axe_source, "journey-walk")
        await editor.goto(f"{base}/app/fynd")
        await editor.get_by_role("link", name=f"Belysning: {FINDING}").click()
        finding_path = editor.url.removeprefix(base)
        await steps_carry.close_finding(editor, base, finding_path)
        assert (await editor.locator("#finding-status").inner_text()).startswith("åtgärdad")
        await checked(editor, axe_source, "journey-finding-closed")

        # Följ upp: drafted and assessed, approved by both parties, previewed, published.
        report_path = await steps_follow.draft_follow_up(
            editor, base, promise_id, covers=(first_day.isoformat(), TODAY.isoformat())
        )
        commitment_id = await editor.locator("li.commitment").first.get_attribute(
            "data-commitment-id"
        )
        assert commitment_id is not None
        await steps_follow.assess(editor, commitment_id, "partly", achieved=1, comment=ASSESSMENT)
        await checked(editor, axe_source, "journey-follow-up")
        for user, organisation in (
            ("ub-signatory", "Upplands-Bro kommun"),
            ("p-signatory", "Lokalpolisområde Järfälla"),
        ):
            signer, signer_errors = await phone_page(browser)
            await as_official(signer, base, idps, user)
            await signer.get_by_role("link", name=re.compile("^Öppna uppföljningen")).click()
            await signer.wait_for_url(f"{base}{report_path}")
            await steps_follow.approve(signer, organisation)
            party = UB if user.startswith("ub") else LPO
            approval = signer.locator(f'li.approval[data-party="{party}"]')
            assert "godkänd" in await approval.inner_text()
            assert signer_errors == []
            await signer.context.close()

        await publisher.goto(f"{base}{report_path}")
        await publisher.get_by_role("link", name="Förhandsgranska och publicera").click()
        await publisher.wait_for_url(f"{base}{report_path}/publicera")
        assert ASSESSMENT in await publisher.locator("section.preview").inner_text()
        await checked(publisher, axe_source, "journey-preview")
        await publisher.go_back()
        await steps_follow.preview_and_publish(publisher, CHANNEL)
        await checked(publisher, axe_source, "journey-follow-up-published")
        await publisher.get_by_role("link", name="Öppna den publika sidan").click()
        await publisher.wait_for_url(f"{base}/p/{promise_id}")
        public = await publisher.locator("main").inner_text()
        assert COMMITMENT in public and ASSESSMENT in public
        assert publisher_errors == [] and errors == []
