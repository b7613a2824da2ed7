"""Carrying out in the workspace (/app/) over HTTP: planning an activity on given days or
recurring, moving and cancelling an occasion, recording a safety walk with two findings, and a
finding closed by its owner while another organisation's editor gets the API's refusal.

The served dev app on a real PostgreSQL; test data set up through GraphQL as
tests/api/test_workspace.py does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from html import unescape
from typing import Any

import asyncpg
import httpx
import pytest

from events.promise.decider import STREAM_PREFIX
from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client
from tests.api.test_public_page import TODAY, caught_up, long_date, publish_promise
from tests.api.workspace_client import Official, form_values, session_for

UB, LPO, ARJEPLOG = "org-upplands-bro", "org-lpo-jarfalla", "org-arjeplog"
PROMISE = "ws-carry"
# Test data: places, plans, walks and findings are made up here.
TORGET, SKOLAN = "ws-carry-torget", "ws-carry-skolgarden"
TORGET_NAME, SKOLAN_NAME = "Torget (testdata)", "Skolgården (testdata)"
PLAN_TITLE, WALKS_TITLE = "Testdata: kvällsvandringar", "Testdata: trygghetsvandringar"
WALK, OWNED, OVERDUE = "ws-carry-walk", "f-ub", "f-overdue"
PLACES = """query($m: String, $token: String) {
  places(municipalityId: $m, first: 100, consistencyToken: $token) { places { id } }
}"""
WALK_QUERY = """query($id: ID!, $token: String) {
  walk(id: $id, consistencyToken: $token) { findings { id status } }
}"""
PLANS = """query($id: ID!) {
  promise(id: $id) { plans { planId title occurrences { occurrenceId startsOn status reason } } }
}"""


@pytest.fixture(scope="module")
async def carried(dev_app: RunningApp) -> AsyncIterator[RunningApp]:
    """A promise of Upplands-Bro and LPO Järfälla in force and published, with an activity
    planned on two days and a safety walk planned; two shared places of Upplands-Bro; and a
    walk with two findings owned by Upplands-Bro, one of them overdue."""
    async with httpx.AsyncClient(timeout=30) as http:
        await publish_promise(dev_app, http, PROMISE, covers=None)
        editor = Client(http, dev_app, dev_app.token(UB, "editor"))
        await editor.ok(
            "planActivity",
            promiseId=PROMISE,
            planId="ws-plan",
            commitmentIds=["c2"],
            title=PLAN_TITLE,
            dates=[(TODAY + dt.timedelta(days=n)).isoformat() for n in (3, 10)],
        )
        await editor.ok(
            "planActivity",
            promiseId=PROMISE,
            planId="ws-walks",
            commitmentIds=["c4"],
            title=WALKS_TITLE,
            dates=[(TODAY - dt.timedelta(days=n)).isoformat() for n in (20, 2)],
            kind="safety_walk",
        )
        for place, name in ((TORGET, TORGET_NAME), (SKOLAN, SKOLAN_NAME)):
            await editor.ok("registerMunicipalPlace", placeId=place, municipalityId=UB, name=name)
        held = TODAY - dt.timedelta(days=20)
        await editor.ok(
            "recordWalk",
            walkId=WALK,
            municipalityId=UB,
            heldOn=held.isoformat(),
            organiserId=UB,
            participants=[{"organisationId": UB}],
            route=[TORGET],
            carriesOut={"promiseId": PROMISE, "planId": "ws-walks", "occurrenceId": "ws-walks-1"},
        )
        for finding, due in ((OWNED, TODAY + dt.timedelta(days=30)), (OVERDUE, held)):
            last = await editor.ok(
                "recordFinding",
                walkId=WALK,
                findingId=finding,
                placeId=TORGET,
                description=f"Testdata: trasig belysning ({finding})",
                category="lighting",
                ownerId=UB,
                dueOn=due.isoformat(),
            )
        await editor.query(PLACES, m=UB, token=last["consistencyToken"])
        await editor.query(WALK_QUERY, id=WALK, token=last["consistencyToken"])
        await caught_up(editor, PROMISE, last["consistencyToken"])
    yield dev_app


@pytest.fixture
async def editor(carried: RunningApp, pool: asyncpg.Pool) -> AsyncIterator[Official]:
    cookie, csrf = await session_for(pool, UB, "ub-editor")
    async with httpx.AsyncClient(timeout=30) as http:
        yield Official(http, carried, cookie, csrf)


@pytest.fixture
async def police(carried: RunningApp, pool: asyncpg.Pool) -> AsyncIterator[Official]:
    cookie, csrf = await session_for(pool, LPO, "p-editor")
    async with httpx.AsyncClient(timeout=30) as http:
        yield Official(http, carried, cookie, csrf)


async def version_of(pool: asyncpg.Pool, stream: str) -> int:
    version: int | None = await pool.fetchval(
        "SELECT version FROM streams WHERE stream_id = $1", stream
    )
    return version or 0


async def walk_streams(pool: asyncpg.Pool) -> int:
    count: int = await pool.fetchval(
        "SELECT count(*) FROM streams WHERE stream_id LIKE 'walk-vandring-%'"
    )
    return count


def error_summary(page: str) -> str:
    found = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert found is not None, page
    return unescape(found.group(0))


def form_for(page: str, action: str) -> dict[str, str]:
    """The hidden fields of the page's form whose `action` field is `action`."""
    for block in re.findall(r"<form .*?</form>", page, re.S):
        values = form_values(block)
        if values.get("action") == action:
            return values
    raise AssertionError(f"no form {action} in {page}")


async def followed(official: Official, response: httpx.Response) -> str:
    """The page a 303 after a write leads to, read after the write."""
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert "?efter=" in location, location
    page = await official.get(location)
    assert page.status_code == 200, page.text
    return page.text


async def test_without_a_session_the_carrying_out_pages_are_the_login_page(
    carried: RunningApp, http: httpx.AsyncClient
) -> None:
    for path in (
        f"/app/loften/{PROMISE}/planera",
        f"/app/loften/{PROMISE}/planer/ws-plan/ws-plan-1/flytta",
        "/app/vandringar",
        "/app/vandringar/ny",
        f"/app/vandringar/{WALK}",
        f"/app/vandringar/{WALK}/fynd/{OWNED}",
        "/app/fynd",
    ):
        response = await http.get(carried.url + path)
        assert response.status_code == 401, path
        assert "<h1>Logga in</h1>" in response.text


async def test_an_editor_plans_an_activity_on_two_days_and_the_promise_page_shows_them(
    editor: Official, pool: asyncpg.Pool
) -> None:
    page = (await editor.get(f"/app/loften/{PROMISE}/planera")).text
    assert "<h1>Planera en insats</h1>" in page
    days = [TODAY + dt.timedelta(days=n) for n in (5, 12)]
    title = f"Testdata: planerad insats {form_values(page)['command_id'][:8]}"
    done = await editor.post(
        f"/app/loften/{PROMISE}/planera",
        {
            **form_values(page),
            "title": title,
            "kind": "activity",
            "commitments": ["c2", "c3"],
            "places": "bro-centrum",
            "schedule": "dates",
            "dates": [d.isoformat() for d in days],
        },
    )
    assert done.headers["location"].startswith(f"/app/loften/{PROMISE}?efter=")
    shown = await followed(editor, done)
    section = shown[shown.index(title) :]
    section = section[: section.index("</section>")]
    for day in days:
        assert long_date(day) in section
    assert section.count("/flytta") == 2 and section.count("/stall-in") == 2
    assert section.count("/insats?tillfalle=") == 2


async def test_a_plan_every_second_week_expands_into_its_occasions(
    editor: Official, carried: RunningApp, http: httpx.AsyncClient
) -> None:
    page = (await editor.get(f"/app/loften/{PROMISE}/planera")).text
    title = f"Testdata: varannan vecka {form_values(page)['command_id'][:8]}"
    done = await editor.post(
        f"/app/loften/{PROMISE}/planera",
        {
            **form_values(page),
            "title": title,
            "kind": "activity",
            "commitments": "c2",
            "schedule": "weekly",
            "every_weeks": "2",
            "starts_on": (TODAY + dt.timedelta(days=1)).isoformat(),
            "ends_on": (TODAY + dt.timedelta(days=29)).isoformat(),
        },
    )
    await followed(editor, done)
    api = Client(http, carried, carried.token(UB, "editor"))
    plans = (await api.query(PLANS, id=PROMISE))["promise"]["plans"]
    [plan] = [p for p in plans if p["title"] == title]
    assert [o["startsOn"] for o in plan["occurrences"]] == [
        (TODAY + dt.timedelta(days=n)).isoformat() for n in (1, 15, 29)
    ]


async def test_an_occasion_is_moved_and_another_cancelled_each_with_its_reason(
    editor: Official,
) -> None:
    moving = (await editor.get(f"/app/loften/{PROMISE}/planer/ws-plan/ws-plan-1/flytta")).text
    assert "<h1>Flytta tillfället</h1>" in moving
    new_day = TODAY + dt.timedelta(days=4)
    moved = await editor.post(
        f"/app/loften/{PROMISE}/planer/ws-plan/ws-plan-1/flytta",
        {
            **form_values(moving),
            "starts_on": new_day.isoformat(),
            "reason": "Testdata: krockar med marknadsdagen",
        },
    )
    await followed(editor, moved)
    cancelling = (await editor.get(f"/app/loften/{PROMISE}/planer/ws-plan/ws-plan-2/stall-in")).text
    cancelled = await editor.post(
        f"/app/loften/{PROMISE}/planer/ws-plan/ws-plan-2/stall-in",
        {**form_values(cancelling), "reason": "Testdata: ingen personal"},
    )
    shown = await followed(editor, cancelled)
    section = shown[shown.index(PLAN_TITLE) :]
    section = section[: section.index("</section>")]
    assert f"{long_date(new_day)}: flyttat" in section
    assert "krockar med marknadsdagen" in section
    assert ": inställt" in section and "ingen personal" in section
    # Moved is still to be done; cancelled is not.
    assert section.count("/stall-in") == 1


async def test_a_cancel_without_a_reason_is_refused_in_swedish_linking_to_the_reason(
    editor: Official, pool: asyncpg.Pool, carried: RunningApp, http: httpx.AsyncClient
) -> None:
    path = f"/app/loften/{PROMISE}/planer/ws-plan/ws-plan-1/stall-in"
    before = await version_of(pool, STREAM_PREFIX + PROMISE)
    refused = await editor.post(path, {**form_values((await editor.get(path)).text), "reason": ""})
    assert refused.status_code == 422, refused.text
    api = Client(http, carried, carried.token(UB, "editor"))
    result = await api.command(
        "cancelOccurrence", promiseId=PROMISE, planId="ws-plan", occurrenceId="ws-plan-1", reason=""
    )
    assert result["__typename"] == "InvalidInput", result
    summary = error_summary(refused.text)
    assert f'<a href="#reason">{result["message"]}</a>' in summary
    assert 'id="reason"' in refused.text and 'aria-invalid="true"' in refused.text
    assert await version_of(pool, STREAM_PREFIX + PROMISE) == before


async def test_another_organisation_cannot_plan_on_the_promise_and_sees_the_apis_refusal(
    carried: RunningApp, pool: asyncpg.Pool, http: httpx.AsyncClient
) -> None:
    cookie, csrf = await session_for(pool, ARJEPLOG, "arjeplog-editor")
    outsider = Official(http, carried, cookie, csrf)
    page = (await outsider.get(f"/app/loften/{PROMISE}")).text
    assert f'href="/app/loften/{PROMISE}/planera"' not in page
    form = form_values((await outsider.get(f"/app/loften/{PROMISE}/planera")).text)
    before = await version_of(pool, STREAM_PREFIX + PROMISE)
    posted = {"title": "Testdata: i någon annans namn", "commitments": "c2", "schedule": "dates"}
    refused = await outsider.post(
        f"/app/loften/{PROMISE}/planera",
        {**form, **posted, "kind": "activity", "dates": TODAY.isoformat()},
    )
    assert refused.status_code == 422, refused.text
    api = Client(http, carried, carried.token(ARJEPLOG, "editor"))
    result = await api.command(
        "planActivity",
        promiseId=PROMISE,
        planId="forged",
        commitmentIds=["c2"],
        title=posted["title"],
        dates=[TODAY.isoformat()],
    )
    assert result["__typename"] == "Forbidden", result
    assert error_summary(refused.text).count(result["message"]) == 1
    assert await version_of(pool, STREAM_PREFIX + PROMISE) == before


async def test_a_walk_is_recorded_with_two_findings_and_its_page_shows_them(
    editor: Official,
) -> None:
    occasion = f"{PROMISE}/ws-walks/ws-walks-2"
    listing = (await editor.get(f"/app/loften/{PROMISE}")).text
    assert "/app/vandringar/ny?tillfalle=" in listing
    page = (await editor.get(f"/app/vandringar/ny?tillfalle={occasion}")).text
    assert "<h1>Registrera trygghetsvandring</h1>" in page
    assert TORGET_NAME in page and SKOLAN_NAME in page
    assert f'<option value="{occasion}" selected>' in page
    held = TODAY - dt.timedelta(days=2)
    recorded = await editor.post(
        "/app/vandringar/ny",
        {
            **form_values(page),
            "held_on": held.isoformat(),
            "organiser": UB,
            "participants": [UB, LPO],
            "group": ["Testdata: boende och verksamma", ""],
            "group_count": ["7", ""],
            "route": [TORGET, SKOLAN],
            "carries_out": occasion,
        },
    )
    assert recorded.status_code == 303, recorded.text
    walk_path = recorded.headers["location"].partition("?")[0]
    walk = await followed(editor, recorded)
    assert f"<h1>Trygghetsvandring {long_date(held)}</h1>" in walk
    assert "Lokalpolisområde Järfälla" in walk and "Testdata: boende och verksamma (7)" in walk
    assert f"{TORGET_NAME}, {SKOLAN_NAME}" in walk
    for place, owner, text in (
        (TORGET, UB, "Testdata: buskage skymmer gångvägen"),
        (SKOLAN, LPO, "Testdata: mopedåkning på gångbanan"),
    ):
        form = (await editor.get(walk_path + "/fynd/nytt")).text
        assert "<h1>Registrera brist</h1>" in form
        saved = await editor.post(
            walk_path + "/fynd/nytt",
            {
                **form_values(form),
                "place": place,
                "category": "vegetation" if owner == UB else "traffic",
                "description": text,
                "owner": owner,
                "due_on": (TODAY + dt.timedelta(days=30)).isoformat(),
            },
        )
        walk = await followed(editor, saved)
    assert "0 av 2 brister åtgärdade" in walk
    assert "buskage skymmer" in walk and "mopedåkning" in walk
    assert walk.count('<li class="item finding">') == 2


async def test_a_finding_off_the_route_is_refused_in_swedish_linking_to_the_place(
    editor: Official, pool: asyncpg.Pool
) -> None:
    path = f"/app/vandringar/{WALK}/fynd/nytt"
    before = await version_of(pool, "walk-" + WALK)
    refused = await editor.post(
        path,
        {
            **form_values((await editor.get(path)).text),
            "place": SKOLAN,
            "category": "lighting",
            "description": "Testdata: utanför rutten",
            "owner": UB,
            "due_on": (TODAY + dt.timedelta(days=3)).isoformat(),
        },
    )
    assert refused.status_code == 422, refused.text
    summary = error_summary(refused.text)
    assert f'<a href="#place">Vandringen besökte inte platsen {SKOLAN}.</a>' in summary, summary
    assert await version_of(pool, "walk-" + WALK) == before


async def test_the_owner_closes_a_finding_and_another_organisations_editor_is_refused(
    editor: Official,
    police: Official,
    pool: asyncpg.Pool,
    carried: RunningApp,
    http: httpx.AsyncClient,
) -> None:
    path = f"/app/vandringar/{WALK}/fynd/{OWNED}"
    seen = (await police.get(path)).text
    assert 'value="complete"' not in seen  # the form is the owner's
    before = await version_of(pool, "walk-" + WALK)
    owner_page = (await editor.get(path)).text
    forged = await police.post(
        path, {**form_for(owner_page, "complete"), "csrf_token": police.csrf}
    )
    assert forged.status_code == 422, forged.text
    api = Client(http, carried, carried.token(LPO, "editor"))
    result = await api.command("completeFinding", walkId=WALK, findingId=OWNED)
    assert (result["__typename"], result["code"]) == ("Forbidden", "not_finding_owner")
    assert error_summary(forged.text).count(result["message"]) == 1
    assert await version_of(pool, "walk-" + WALK) == before

    closed = await editor.post(path, form_for(owner_page, "complete"))
    page = await followed(editor, closed)
    assert re.search(r'<dd class="status" id="finding-status">åtgärdad', page), page
    assert 'value="complete"' not in page
    assert await version_of(pool, "walk-" + WALK) == before + 1
    findings = (await editor.get("/app/fynd")).text
    closed_part = findings[findings.index('id="stangda"') :]
    assert f"/app/vandringar/{WALK}/fynd/{OWNED}" in closed_part


async def test_a_decline_without_a_reason_is_refused_and_links_to_its_reason(
    editor: Official, pool: asyncpg.Pool
) -> None:
    path = f"/app/vandringar/{WALK}/fynd/{OVERDUE}"
    before = await version_of(pool, "walk-" + WALK)
    page = (await editor.get(path)).text
    refused = await editor.post(path, {**form_for(page, "decline"), "reason": ""})
    assert refused.status_code == 422, refused.text
    assert '<a href="#decline_reason">' in error_summary(refused.text)
    assert await version_of(pool, "walk-" + WALK) == before


async def test_the_overdue_finding_in_the_inbox_links_to_the_finding(editor: Official) -> None:
    inbox = (await editor.get("/app/")).text
    item = re.search(r'<li class="item" data-action="finding_overdue">(.*?)</li>', inbox, re.S)
    assert item is not None, inbox
    assert "Brist från trygghetsvandring försenad" in item.group(1)
    link = f'href="/app/vandringar/{WALK}/fynd/{OVERDUE}"'
    assert link in item.group(1)
    finding = (await editor.get(f"/app/vandringar/{WALK}/fynd/{OVERDUE}")).text
    assert "(försenad)" in finding


async def test_a_post_without_the_csrf_token_records_no_walk_and_no_plan(
    editor: Official, pool: asyncpg.Pool
) -> None:
    page = (await editor.get("/app/vandringar/ny")).text
    walks = await walk_streams(pool)
    posted = {
        **form_values(page),
        "held_on": TODAY.isoformat(),
        "organiser": UB,
        "route": TORGET,
    }
    for token in (None, "not-the-token"):
        sent = {k: v for k, v in posted.items() if k != "csrf_token"}
        if token is not None:
            sent["csrf_token"] = token
        refused = await editor.post("/app/vandringar/ny", sent)
        assert refused.status_code == 403, token
        assert "Formuläret avvisades" in refused.text
    plan = form_values((await editor.get(f"/app/loften/{PROMISE}/planera")).text)
    before = await version_of(pool, STREAM_PREFIX + PROMISE)
    refused = await editor.post(
        f"/app/loften/{PROMISE}/planera",
        {
            **plan,
            "csrf_token": "",
            "title": "Testdata: utan token",
            "commitments": "c2",
            "dates": TODAY.isoformat(),
        },
    )
    assert refused.status_code == 403
    assert await walk_streams(pool) == walks
    assert await version_of(pool, STREAM_PREFIX + PROMISE) == before


async def test_the_same_walk_form_posted_twice_records_one_walk_with_the_same_receipt(
    editor: Official, pool: asyncpg.Pool
) -> None:
    page = (await editor.get("/app/vandringar/ny")).text
    posted: dict[str, Any] = {
        **form_values(page),
        "held_on": TODAY.isoformat(),
        "organiser": UB,
        "participants": UB,
        "route": SKOLAN,
    }
    walks = await walk_streams(pool)
    first = await editor.post("/app/vandringar/ny", posted)
    again = await editor.post("/app/vandringar/ny", posted)
    assert first.status_code == again.status_code == 303, again.text
    assert first.headers["location"] == again.headers["location"]
    assert await walk_streams(pool) == walks + 1
    path, _, query = first.headers["location"].partition("?")
    listing = (await editor.get(f"/app/vandringar?{query}")).text  # read after the write
    assert f'href="{path}"' in listing


async def test_a_number_too_large_for_a_count_is_refused_by_the_form_not_the_server(
    editor: Official, pool: asyncpg.Pool
) -> None:
    page = (await editor.get(f"/app/loften/{PROMISE}/planera")).text
    before = await version_of(pool, STREAM_PREFIX + PROMISE)
    refused = await editor.post(
        f"/app/loften/{PROMISE}/planera",
        {
            **form_values(page),
            "title": "Testdata: för ofta",
            "kind": "activity",
            "commitments": "c2",
            "schedule": "yearly",
            "times_per_year": "99999999999999999999",
        },
    )
    assert refused.status_code == 422, refused.text
    assert '<a href="#times_per_year">' in error_summary(refused.text)
    assert 'value="99999999999999999999"' in refused.text
    assert await version_of(pool, STREAM_PREFIX + PROMISE) == before


async def test_a_police_editor_chooses_among_the_municipalities_the_area_serves(
    police: Official,
) -> None:
    chooser = await police.get("/app/vandringar/ny")
    assert chooser.status_code == 200, chooser.text
    options = re.findall(r'<option value="([^"]+)">', chooser.text)
    assert UB in options and "org-jarfalla" in options, chooser.text
    form = (await police.get(f"/app/vandringar/ny?kommun={UB}")).text
    assert "<h1>Registrera trygghetsvandring</h1>" in form
    assert f'name="municipality" value="{UB}"' in form
    assert TORGET_NAME in form
