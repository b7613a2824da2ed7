"""Browser steps of writing and signing a promise in the workspace, each on a Playwright `Page`
that is logged in (or logs in), so an end-to-end test can compose them with other journeys.

The steps use what a person sees: labels, button texts and headings, in Swedish.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from playwright.async_api import Page

PROMISE_PATH = re.compile(r"/app/loften/([^/?#]+)/skriv")


async def open_draft_form(page: Page, base: str) -> None:
    """Nytt löfte, from the workspace's navigation."""
    await page.goto(f"{base}/app/")
    await page.get_by_role("link", name="Nytt löfte").click()
    await page.wait_for_url(f"{base}/app/loften/nytt")


async def fill_draft(page: Page, *, title: str, period: str, parties: Sequence[str]) -> None:
    """Fill the draft form: title, period label, the other parties by name; then send it."""
    await page.fill("#title", title)
    for name in parties:
        await page.get_by_label(name, exact=True).check()
    await page.fill("#label", period)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Påbörja löftet").click()


async def draft_promise(
    page: Page, base: str, *, title: str, period: str, parties: Sequence[str]
) -> str:
    """Draft a promise with the other `parties` (names as the form lists them); its id, with
    the writing page open."""
    await open_draft_form(page, base)
    await fill_draft(page, title=title, period=period, parties=parties)
    found = PROMISE_PATH.search(page.url)
    assert found is not None, page.url
    return found.group(1)


async def add_focus_area(page: Page, title: str) -> None:
    """On the writing page: add a focus area."""
    await page.fill("#fa_title", title)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Lägg till fokusområdet").click()


async def add_place(page: Page, name: str, kind: str = "centrum") -> None:
    """On the writing page: add a place of `kind` (centrum, station, district …)."""
    await page.fill("#pl_name", name)
    await page.select_option("#pl_kind", kind)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Lägg till platsen").click()


async def add_commitment(
    page: Page,
    *,
    text: str,
    focus_area: str | None = None,
    responsible: Sequence[str] = (),
    places: Sequence[str] = (),
    quantity: int | None = None,
    unit: str = "",
    per: str = "period",
) -> None:
    """On the writing page: add a commitment, with a target when `quantity` is given."""
    await page.fill("#c_text", text)
    if focus_area is not None:
        await page.select_option("#c_focus_area", label=focus_area)
    for name in responsible:
        await page.locator("#c_responsible").get_by_label(name, exact=True).check()
    for name in places:
        await page.locator("#c_places").get_by_label(name, exact=True).check()
    if quantity is not None:
        await page.select_option("#c_comparator", ">=")
        await page.fill("#c_quantity", str(quantity))
        await page.fill("#c_unit", unit)
        await page.select_option("#c_per", per)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Lägg till åtagandet").click()


async def propose(page: Page) -> None:
    """On the writing page: propose the promise for signing; the signing page opens."""
    async with page.expect_navigation():
        await page.get_by_role("button", name="Föreslå löftet för undertecknande").click()
    assert "/underteckna" in page.url, page.url


async def open_signing(page: Page, base: str, promise_id: str) -> None:
    """The signing page of a promise."""
    await page.goto(f"{base}/app/loften/{promise_id}/underteckna")


async def sign(page: Page, base: str, promise_id: str) -> None:
    """Sign the proposed revision for the logged-in signatory's organisation."""
    if f"/app/loften/{promise_id}/underteckna" not in page.url:
        await open_signing(page, base, promise_id)
    async with page.expect_navigation():
        await page.get_by_role("button", name=re.compile(r"^Underteckna för ")).click()


async def start_amendment(page: Page, base: str, promise_id: str, reason: str) -> None:
    """As a signatory: read what an amendment means and start one; the writing page of the
    new revision opens."""
    await page.goto(f"{base}/app/loften/{promise_id}/andra")
    await page.fill("#reason", reason)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Påbörja ändringen").click()
    assert PROMISE_PATH.search(page.url) is not None, page.url


async def publish_promise(page: Page, base: str, promise_id: str, channel: str) -> None:
    """As a publisher: record that the promise in force was published in `channel` today; back
    on the promise's page."""
    await page.goto(f"{base}/app/loften/{promise_id}/publicera")
    await page.fill("#channel", channel)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Publicera", exact=True).click()
    assert f"/app/loften/{promise_id}?efter=" in page.url, page.url
