"""Browser steps of the Katalog, Granskning and Översikt journeys, each taking a Playwright
`Page`, for this journey's browser test and for a later end-to-end test composing the
journeys. Texts are the Swedish pages'."""

from __future__ import annotations

import re

from playwright.async_api import Locator, Page

VERIFIED = "Verifierat i din webbläsare"
NOT_VERIFIED = "Inte verifierat i din webbläsare"


async def grant_mandate(page: Page, person: str, *, valid_to: str | None = None) -> Locator:
    """On the directory page, grant `person` (their name as listed) a signing mandate from
    today; the mandate's row in the table once the page is back."""
    await page.select_option("#mandate_person", label=person)
    if valid_to is not None:
        await page.fill("#mandate_valid_to", valid_to)
    await page.get_by_role("button", name="Ge rätten att underteckna").click()
    await page.wait_for_url(re.compile(r".*/app/katalog\?efter=.*"))
    return page.locator("tr[data-mandate-id]", has_text=person)


async def open_history(page: Page, base: str, promise_id: str) -> Locator:
    """The auditor's history of a promise; its rows (one per event, oldest first)."""
    await page.goto(f"{base}/app/granskning")
    await page.fill("#lofte", promise_id)
    await page.get_by_role("button", name="Visa historiken").click()
    await page.wait_for_url(f"{base}/app/granskning/loften/{promise_id}")
    return page.locator("tr[data-event-id]")


async def browser_verdict(page: Page) -> str:
    """The in-page (JavaScript) verdict once the check has finished."""
    region = page.locator("#browser-verdict")
    await page.wait_for_function(
        "() => { const r = document.getElementById('browser-verdict');"
        " return r.classList.contains('verdict-ok') || r.classList.contains('verdict-bad'); }"
    )
    return await region.inner_text()


async def verify_proof(page: Page, row: int = 0) -> str:
    """From a history page, open the proof of the `row`th event; the in-page verdict."""
    await page.locator("tr[data-event-id]").nth(row).get_by_role("link").click()
    await page.wait_for_url(re.compile(r".*/app/granskning/handelser/.*"))
    return await browser_verdict(page)


async def tamper_proof(page: Page) -> str:
    """On a proof page, change one hash of the path the page shows (as a forged proof would)
    and check again in the browser; the in-page verdict."""
    await page.evaluate(
        """() => {
          const code = document.querySelector('#proof-path code');
          const bytes = Uint8Array.from(atob(code.textContent), (c) => c.charCodeAt(0));
          bytes[0] ^= 1;
          code.textContent = btoa(String.fromCharCode(...bytes));
          const region = document.getElementById('browser-verdict');
          region.classList.remove('verdict-ok', 'verdict-bad');
        }"""
    )
    await page.get_by_role("button", name="Kontrollera igen i webbläsaren").click()
    return await browser_verdict(page)


async def tamper_checkpoint(page: Page) -> str:
    """On a proof page, change the tree size the signed checkpoint states (as an operator
    rewriting it would) and check again in the browser; the in-page verdict."""
    await page.evaluate(
        """() => {
          const note = document.getElementById('proof-note');
          const lines = note.textContent.split('\\n');
          lines[1] = String(Number(lines[1]) + 1);
          note.textContent = lines.join('\\n');
          const region = document.getElementById('browser-verdict');
          region.classList.remove('verdict-ok', 'verdict-bad');
        }"""
    )
    await page.get_by_role("button", name="Kontrollera igen i webbläsaren").click()
    return await browser_verdict(page)


async def open_overview(page: Page, base: str) -> Locator:
    """Översikt for the logged-in organisation; the promise rows of its tables."""
    await page.goto(f"{base}/app/oversikt")
    return page.locator("tr[data-promise-id]")
