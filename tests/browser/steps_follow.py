"""The follow-up journey's browser steps (/app/loften/{id}/uppfoljning/…), each on a Playwright
`Page` already logged in to the workspace, as a person with the keyboard and mouse would take
them: start a follow-up, assess a commitment, approve, preview and publish. Composable into
a longer end-to-end test."""

from __future__ import annotations

import re

from playwright.async_api import Page

STATUS = {
    "met": "Uppfyllt",
    "partly": "Delvis uppfyllt",
    "not_met": "Inte uppfyllt",
    "no_target": "Inget mätbart mål",
}
"""The assessment's choices as the form labels them."""


async def draft_follow_up(
    page: Page, base: str, promise_id: str, covers: tuple[str, str] | None = None
) -> str:
    """From the promise's page, start a follow-up filled in from the planned one it meets, or
    an interim report covering the days `covers` (first, last; ISO dates); the new
    follow-up's path."""
    await page.goto(f"{base}/app/loften/{promise_id}")
    await page.get_by_role("link", name="Påbörja en uppföljning").click()
    await page.wait_for_url(f"{base}/app/loften/{promise_id}/uppfoljning/ny")
    if covers is not None:
        await page.get_by_label("Delrapport", exact=True).check()
        await page.fill("#covers_from", covers[0])
        await page.fill("#covers_to", covers[1])
    await page.get_by_role("button", name="Påbörja uppföljningen").click()
    await page.wait_for_url(re.compile(rf".*/app/loften/{promise_id}/uppfoljning/uppf-[^/?]+\?"))
    return page.url.removeprefix(base).partition("?")[0]


async def assess(
    page: Page, commitment_id: str, status: str, *, achieved: int | None = None, comment: str = ""
) -> None:
    """On the follow-up's page, assess one commitment (`status`: met, partly, not_met or
    no_target) and save it; the page comes back at the next commitment."""
    item = page.locator(f'li.commitment[data-commitment-id="{commitment_id}"]')
    form = item.locator("form.assess")
    await form.get_by_label(STATUS[status], exact=True).check()
    await form.get_by_label("Utfört").fill("" if achieved is None else str(achieved))
    await form.get_by_label("Kommentar").fill(comment)
    await form.get_by_role("button", name="Spara bedömningen").click()
    await page.wait_for_load_state()


async def approve(page: Page, organisation: str) -> None:
    """On the follow-up's page, approve it for one's own organisation."""
    await page.get_by_role("button", name=f"Godkänn för {organisation}").click()
    await page.wait_for_url(re.compile(r".*\?efter=.*#godkannande$"))


async def preview_and_publish(page: Page, channel: str) -> None:
    """From the follow-up's page, open the preview of the public page and publish the
    follow-up in `channel`; on the receipt afterwards."""
    await page.get_by_role("link", name="Förhandsgranska och publicera").click()
    await page.wait_for_url(re.compile(r".*/publicera$"))
    await page.get_by_label("Kanal").fill(channel)
    await page.get_by_role("button", name="Publicera", exact=True).click()
    await page.wait_for_selector("h1:has-text('Publicerat')")
