"""The carrying-out journey's browser steps, each on a Playwright `Page` already logged in to
the workspace at `base` (the app's origin): plan an activity, move or cancel an occasion,
record a safety walk and its findings, close a finding. Each step ends on the page its form
leads to, so steps compose into longer journeys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from playwright.async_api import Page


async def plan_activity(
    page: Page,
    base: str,
    promise_id: str,
    *,
    title: str,
    commitments: Sequence[str],
    days: Sequence[dt.date],
    safety_walk: bool = False,
) -> None:
    """Plan an activity of the promise on `days` for the commitments with the texts
    `commitments`; ends on the promise's page."""
    await page.goto(f"{base}/app/loften/{promise_id}/planera")
    await fill_plan(page, title=title, commitments=commitments, days=days, safety_walk=safety_walk)
    await page.get_by_role("button", name="Planera").click()
    await page.wait_for_url(f"{base}/app/loften/{promise_id}?efter=*")


async def fill_plan(
    page: Page,
    *,
    title: str,
    commitments: Sequence[str],
    days: Sequence[dt.date],
    safety_walk: bool = False,
) -> None:
    """Fill in the open plan form (without sending it)."""
    await page.fill("#title", title)
    await page.get_by_label("Trygghetsvandring" if safety_walk else "Insats", exact=True).check()
    for text in commitments:
        await page.locator("#commitments").get_by_label(text, exact=True).check()
    await page.get_by_label("På dagarna nedan").check()
    for number, day in enumerate(days, start=1):
        await page.fill(f"#date-{number}", day.isoformat())


async def move_occurrence(
    page: Page,
    base: str,
    promise_id: str,
    plan_id: str,
    occurrence_id: str,
    *,
    to: dt.date,
    reason: str,
) -> None:
    """Move the occasion to the day `to` with `reason`; ends on the promise's page."""
    await page.goto(f"{base}/app/loften/{promise_id}/planer/{plan_id}/{occurrence_id}/flytta")
    await page.fill("#starts_on", to.isoformat())
    await page.fill("#reason", reason)
    await page.get_by_role("button", name="Flytta").click()
    await page.wait_for_url(f"{base}/app/loften/{promise_id}?efter=*")


async def cancel_occurrence(
    page: Page, base: str, promise_id: str, plan_id: str, occurrence_id: str, *, reason: str
) -> None:
    """Cancel the occasion with `reason`; ends on the promise's page."""
    await page.goto(f"{base}/app/loften/{promise_id}/planer/{plan_id}/{occurrence_id}/stall-in")
    await page.fill("#reason", reason)
    await page.get_by_role("button", name="Ställ in tillfället").click()
    await page.wait_for_url(f"{base}/app/loften/{promise_id}?efter=*")


async def record_walk(
    page: Page,
    base: str,
    *,
    held_on: dt.date,
    route: Sequence[str],
    participants: Sequence[str] = (),
    group: tuple[str, int] | None = None,
    occasion: str | None = None,
) -> str:
    """Record a safety walk held on `held_on` along the shared places named `route`, with
    the organisations named `participants` and a counted `group`, carrying out the planned
    `occasion` ("promise/plan/occurrence") if given; ends on the walk's page, whose path
    (/app/vandringar/<id>) it answers."""
    query = f"?tillfalle={occasion}" if occasion else ""
    await page.goto(f"{base}/app/vandringar/ny{query}")
    await fill_walk(page, held_on=held_on, route=route, participants=participants, group=group)
    await page.get_by_role("button", name="Spara vandringen").click()
    await page.wait_for_url(f"{base}/app/vandringar/vandring-*")
    return page.url.removeprefix(base).partition("?")[0]


async def fill_walk(
    page: Page,
    *,
    held_on: dt.date,
    route: Sequence[str],
    participants: Sequence[str] = (),
    group: tuple[str, int] | None = None,
) -> None:
    """Fill in the open walk form (without sending it)."""
    await page.fill("#held_on", held_on.isoformat())
    for name in participants:
        await page.locator("#participants").get_by_label(name, exact=True).check()
    if group is not None:
        await page.fill("#group-1", group[0])
        await page.fill("#group_count-1", str(group[1]))
    for name in route:
        await page.locator("#route").get_by_label(name, exact=True).check()


async def record_finding(
    page: Page,
    base: str,
    walk_path: str,
    *,
    place: str,
    category: str,
    description: str,
    owner: str,
    due_on: dt.date,
) -> None:
    """Record a finding of the walk at `walk_path` at the route's place named `place`, in the
    category labelled `category`, owned by the organisation named `owner`; ends on the walk's
    page."""
    await page.goto(f"{base}{walk_path}/fynd/nytt")
    await page.select_option("#place", label=place)
    await page.select_option("#category", label=category)
    await page.fill("#description", description)
    await page.select_option("#owner", label=owner)
    await page.fill("#due_on", due_on.isoformat())
    await page.get_by_role("button", name="Spara bristen").click()
    await page.wait_for_url(f"{base}{walk_path}?efter=*")


async def close_finding(page: Page, base: str, finding_path: str) -> None:
    """Mark the finding at `finding_path` (/app/vandringar/<walk>/fynd/<finding>) fixed;
    ends on the finding's page."""
    await page.goto(f"{base}{finding_path}")
    await page.get_by_role("button", name="Markera som åtgärdad").click()
    await page.wait_for_url(f"{base}{finding_path}?efter=*")


async def record_activity(
    page: Page,
    base: str,
    promise_id: str,
    *,
    commitment: str,
    on: dt.date,
    summary: str,
    quantity: int | None = None,
) -> None:
    """Registrera genomförd insats: the activity done on `on` for the commitment whose text is
    `commitment`; ends on the receipt ("Sparat")."""
    await page.goto(f"{base}/app/loften/{promise_id}/insats")
    await page.select_option("#commitment", label=commitment)
    await page.fill("#occurred_on", on.isoformat())
    if quantity is not None:
        await page.fill("#quantity", str(quantity))
    await page.fill("#summary", summary)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Spara").click()
