"""The public follow-up page in headless Chromium: every commitment listed, a chart drawn."""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import async_playwright

from tests.api.conftest import RunningApp
from tests.api.test_public_page import (
    COMMITMENTS,
    DEMO_2018,
    EXPECTED,
    carry_out_the_demo_promise,
    publish_promise,
)

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PROMISE = "ub-public-page-browser"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
async def published(dev_app: RunningApp) -> AsyncIterator[RunningApp]:
    """The dev app with a published promise of its own."""
    async with httpx.AsyncClient(timeout=10) as http:
        await publish_promise(dev_app, http, PROMISE)
    yield dev_app


def need_chromium() -> None:
    """Skip without Chromium on a developer machine; in CI its absence is a failure."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing; install Debian's chromium package to run browser tests"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the inflated scanlines (filter bytes included) of a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, width, height, idat = 8, 0, 0, b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        chunk = data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            idat += chunk
        offset += 12 + length
    return width, height, zlib.decompress(idat)


async def test_the_page_shows_every_commitment_and_a_chart_in_chromium(
    published: RunningApp, tmp_path: Path
) -> None:
    need_chromium()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            # A Swedish citizen's browser: its Accept-Language asks for Swedish.
            page = await browser.new_page(viewport={"width": 1024, "height": 900}, locale="sv-SE")
            response = await page.goto(f"{published.url}/p/{PROMISE}")
            assert response is not None and response.status == 200
            assert await page.locator("html").get_attribute("lang") == "sv"
            assert await page.locator("h1").inner_text() != ""

            items = page.locator("li.commitment")
            assert await items.count() == len(COMMITMENTS)
            for cid, text in COMMITMENTS.items():
                item = page.locator(f'li.commitment[data-commitment-id="{cid}"]')
                assert await item.locator("h3").inner_text() == text
                achieved = await item.locator(".achieved").inner_text()
                assert achieved == str(EXPECTED[cid][1])
                chart = item.locator('svg[role="img"]')
                assert await chart.count() == 1
                assert (await chart.get_attribute("aria-label") or "").strip()
                bar = await chart.locator("rect.bar").bounding_box()
                assert bar is not None and bar["width"] > 0 and bar["height"] > 0, cid

            # A met bar is drawn wider than a partly met one: achieved against the target.
            met = await page.locator('li[data-commitment-id="c3"] rect.bar').bounding_box()
            partly = await page.locator('li[data-commitment-id="c2"] rect.bar').bounding_box()
            assert met is not None and partly is not None and met["width"] > partly["width"]
            assert await page.evaluate("() => document.querySelectorAll('script').length") == 0

            shot = tmp_path / "public-page.png"
            await page.screenshot(path=str(shot), full_page=True)
        finally:
            await browser.close()

    data = shot.read_bytes()
    assert len(data) > 10_000, f"screenshot is only {len(data)} bytes"
    width, height, raw = png_pixels(data)
    assert width >= 1000 and height >= 900
    # Crude: a blank (single-colour) page inflates to a handful of distinct byte values.
    assert len(set(raw)) > 32, "the screenshot looks like a single colour"


async def test_the_upplands_bro_2018_demo_promise_page_shows_all_six_commitments_in_chromium(
    dev_app: RunningApp,
) -> None:
    need_chromium()
    async with httpx.AsyncClient(timeout=10) as http:
        achieved = await carry_out_the_demo_promise(dev_app, http)
    assert len(achieved) == 6
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            # A browser set to English gets the page's own words in English.
            page = await browser.new_page(viewport={"width": 1024, "height": 900}, locale="en-GB")
            response = await page.goto(f"{dev_app.url}/p/{DEMO_2018}")
            assert response is not None and response.status == 200
            assert await page.locator("html").get_attribute("lang") == "en"
            assert "Upplands-Bro" in await page.locator("h1").inner_text()
            assert await page.locator("li.commitment").count() == len(achieved)
            for cid, count in achieved.items():
                item = page.locator(f'li.commitment[data-commitment-id="{cid}"]')
                assert await item.locator(".achieved").inner_text() == str(count)
                chart = item.locator('svg[role="img"]')
                assert (await chart.get_attribute("aria-label") or "").strip(), cid
            bar = await page.locator('li[data-commitment-id="c2"] rect.bar').bounding_box()
            assert bar is not None and bar["width"] > 0
        finally:
            await browser.close()
    async with httpx.AsyncClient(timeout=10) as http:
        draft = await http.get(f"{dev_app.url}/p/arjeplog-pitea-alvdal-2023-2024")
    assert draft.status_code == 404
