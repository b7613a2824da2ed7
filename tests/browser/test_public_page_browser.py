"""The public pages in headless Chromium: axe-core finds no WCAG 2.1 A/AA violations, a phone
(390 px) never scrolls sideways, the embed posts its height to the page that frames it, and
every page the demo publishes opens with names, not ids.

axe-core comes from npm (tests/browser/package.json, installed like the test OpenID Providers'
oidc-provider); without node/npm or Chromium these tests skip on a developer machine and fail
when CI=true.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client
from tests.api.test_public_page import COMMITMENTS, EXPECTED, publish_promise
from tests.api.test_public_page_records import (
    AGREEMENT,
    CONTACT,
    publish_an_agreement,
    record_a_paper_promise,
    settle,
)
from tests.api.test_public_page_records import PROMISE as RECORDED
from tests.idp.fixtures import skip_or_fail

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
UB = "org-upplands-bro"
HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


def need_chromium() -> None:
    """Skip without Chromium on a developer machine; in CI its absence is a failure."""
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing; install Debian's chromium package")


@pytest.fixture(scope="module")
def axe_source() -> Iterator[str]:
    """axe-core's script, installed from npm on first use."""
    if not AXE.is_file():
        npm = shutil.which("npm")
        if npm is None:
            skip_or_fail("npm is needed to install axe-core for the accessibility tests")
        # No lock file: package.json pins the exact version and a lock would record URLs.
        subprocess.run(
            [npm, "install", "--no-package-lock", "--no-audit", "--no-fund"],
            cwd=HERE,
            check=True,
            timeout=300,
            capture_output=True,
        )
    yield AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
async def pages(dev_app: RunningApp) -> AsyncIterator[RunningApp]:
    """The dev app with a promise carried out and followed up, a promise and an agreement
    recorded from their documents, and Upplands-Bro's contact point."""
    async with httpx.AsyncClient(timeout=10) as http:
        admin = Client(http, dev_app, dev_app.token(UB, "org_admin"))
        await admin.ok("setPublicContact", orgId=UB, contact=CONTACT)
        await publish_promise(dev_app, http, PROMISE)
        await publish_an_agreement(dev_app, http)
        token = await record_a_paper_promise(dev_app, http)
        await settle(Client(http, dev_app, dev_app.token(UB, "editor")), token)
    yield dev_app


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """A headless Chromium."""
    need_chromium()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


PAGES = (
    "/p/",
    f"/p/{PROMISE}",
    f"/p/{PROMISE}/embed",
    f"/p/{RECORDED}",
    f"/p/overenskommelse/{AGREEMENT}",
    "/p/kommun/0139",
)


async def axe_violations(page: Page, source: str) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A and AA violations on the loaded page."""
    await page.add_script_tag(content=source)
    found: list[dict[str, Any]] = await page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact,
                nodes: v.nodes.map(n => n.target.join(" ") + ": " + n.failureSummary)}));
        }""",
        WCAG_21_A_AA,
    )
    return found


@pytest.mark.parametrize("width", [1280, 390])
async def test_axe_core_finds_no_wcag_21_a_or_aa_violation_on_the_public_pages(
    pages: RunningApp, axe_source: str, width: int
) -> None:
    async with chromium() as browser:
        # The pages allow no script but their own: axe is injected past the policy here.
        context = await browser.new_context(
            viewport={"width": width, "height": 900}, locale="sv-SE", bypass_csp=True
        )
        page = await context.new_page()
        # The check itself sees a violation where there is one.
        await page.set_content(
            '<!DOCTYPE html><html lang="sv"><head><title>t</title></head><body><main>'
            '<img src="data:,"><p style="color:#bbb;background:#fff">grå text</p></main></body>'
            "</html>"
        )
        caught = {v["id"] for v in await axe_violations(page, axe_source)}
        assert {"image-alt", "color-contrast"} <= caught
        for path in PAGES:
            response = await page.goto(pages.url + path)
            assert response is not None and response.status == 200, path
            assert await page.evaluate("() => typeof axe") == "undefined"
            violations = await axe_violations(page, axe_source)
            assert violations == [], f"{path} at {width} px: {violations}"
        await context.close()


async def test_no_public_page_scrolls_sideways_on_a_390_px_phone(
    pages: RunningApp, tmp_path: Path
) -> None:
    async with chromium() as browser:
        page = await browser.new_page(viewport=PHONE, locale="sv-SE")
        for path in PAGES:
            response = await page.goto(pages.url + path)
            assert response is not None and response.status == 200, path
            width = await page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} is {width} px wide"
        # The promise page's activity table becomes stacked rows, each cell named.
        await page.goto(f"{pages.url}/p/{PROMISE}")
        display = await page.evaluate(
            "() => getComputedStyle(document.querySelector('table.stack td')).display"
        )
        assert display == "block"
        label = await page.evaluate(
            "() => getComputedStyle(document.querySelector('table.stack td'), '::before').content"
        )
        assert label == '"Datum: "'
        shot = tmp_path / "phone.png"
        await page.screenshot(path=str(shot), full_page=True)
    width, _height, raw = png_pixels(shot.read_bytes())
    assert width == PHONE["width"]
    assert len(set(raw)) > 32, "the screenshot looks like a single colour"


async def test_the_promise_page_shows_every_commitment_honestly_in_chromium(
    pages: RunningApp,
) -> None:
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="sv-SE")
        response = await page.goto(f"{pages.url}/p/{PROMISE}")
        assert response is not None and response.status == 200
        assert await page.locator("html").get_attribute("lang") == "sv"
        assert await page.locator("li.commitment").count() == len(COMMITMENTS)
        for cid, (target, achieved, _status, _colour) in EXPECTED.items():
            item = page.locator(f'li.commitment[data-commitment-id="{cid}"]')
            assert await item.locator(".commitment-text").inner_text() == COMMITMENTS[cid]
            chart = item.locator('svg[role="img"]')
            if target is None:
                # No number was promised: no bar pretends otherwise.
                assert await chart.count() == 0
                assert "Inget mätbart mål" in await item.inner_text()
                continue
            assert await item.locator(".achieved").inner_text() == str(achieved)
            assert (await chart.get_attribute("aria-label") or "").startswith("Genomförda:")
            track = await chart.locator("rect.track").bounding_box()
            assert track is not None and track["width"] > 300
        met = await page.locator('li[data-commitment-id="c3"] rect.bar').bounding_box()
        partly = await page.locator('li[data-commitment-id="c2"] rect.bar').bounding_box()
        assert met is not None and partly is not None and met["width"] > partly["width"]
        # The focus area is a heading once, above its commitments.
        assert await page.locator("h3.focus").count() == 1
        assert await page.evaluate("() => document.querySelectorAll('script').length") == 0
        sheets = await page.evaluate("() => document.styleSheets.length")
        assert sheets == 1  # the served style sheet loaded under the page's policy


async def test_the_embed_posts_its_height_to_the_page_that_frames_it(pages: RunningApp) -> None:
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 900, "height": 700}, locale="sv-SE")
        messages: list[Any] = []

        def report(data: Any) -> None:
            messages.append(data)

        await page.expose_function("report", report)
        await page.set_content(
            "<!DOCTYPE html><html><body>"
            "<script>addEventListener('message', e => report(e.data))</script>"
            f'<iframe src="{pages.url}/p/{PROMISE}/embed" title="Löftet" width="900" '
            'height="300"></iframe></body></html>'
        )
        frame = page.frame_locator("iframe")
        await frame.locator("li.commitment").first.wait_for()
        for _ in range(50):
            if messages:
                break
            await page.wait_for_timeout(100)
        assert messages, "the embed posted nothing"
        last = messages[-1]
        assert last["type"] == "samverkan:height" and last["height"] > 300
        # Progress comes first: the first heading after the title is the commitments'.
        first = await frame.locator("h2").first.inner_text()
        assert first == "Åtaganden och hur det går"
        inner = page.frames[1]
        width = await inner.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 900


async def test_every_page_the_demo_publishes_opens_with_names_and_dates(
    pages: RunningApp,
) -> None:
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="sv-SE")
        await page.goto(f"{pages.url}/p/")
        links = await page.eval_on_selector_all(
            "main a[href^='/p/']", "(nodes) => nodes.map(n => n.getAttribute('href'))"
        )
        targets = sorted({str(link) for link in links})
        assert f"/p/{PROMISE}" in targets and f"/p/overenskommelse/{AGREEMENT}" in targets
        for path in targets:
            response = await page.goto(pages.url + path)
            assert response is not None and response.status == 200, path
            text = await page.locator("main").inner_text()
            assert not re.search(r"\borg-[a-z0-9-]+", text), f"{path} shows an id: {text[:300]}"
            assert await page.locator("h1").inner_text() != "", path
            if "/kommun/" not in path:
                assert re.search(r"\d{1,2} [a-zåäö]+ \d{4}", text), f"{path} shows no date"


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
