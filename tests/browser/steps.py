"""The browser step every workspace journey starts with: logging in through the test suite's
real OpenID Providers and coming back to the page asked for."""

from __future__ import annotations

from playwright.async_api import Page

from tests.idp.fixtures import Idps


def provider_of(user: str) -> str:
    """The login provider of a test user (tests/idp/server.mjs): the police's users start with
    "p-", every other user is the municipality provider's."""
    return "polisen" if user.startswith("p-") else "kommun"


async def log_in(page: Page, base: str, idps: Idps, user: str, path: str = "/app/") -> None:
    """Open `path` of the workspace at `base`, log in there as `user` (the test providers take
    any password and ask for consent once) and wait until the browser is back on `path`."""
    provider = provider_of(user)
    issuer = idps.police.issuer if provider == "polisen" else idps.municipality.issuer
    await page.goto(f"{base}{path}")
    await page.get_by_role("link", name=f"Logga in med {provider}").click()
    await page.wait_for_url(f"{issuer}/**")
    await page.fill("input[name=login]", user)
    await page.fill("input[name=password]", "any")
    await page.click("button[type=submit]")
    await page.click("button[type=submit]")  # the provider's consent screen
    await page.wait_for_url(f"{base}{path}")
