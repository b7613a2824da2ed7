"""The officials' workspace (/app/) over HTTP: the login page, the inbox and a promise's page for
a logged-in editor, CSRF on every form, refusals in an error summary, and a form posted twice
recording once.

The served dev app on a real PostgreSQL; the browser session is a row of the app's own session
store (the one /auth/callback writes after an OpenID login), carried in its cookie.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from html import unescape

import asyncpg
import httpx
import pytest

from events.promise.decider import STREAM_PREFIX
from service.identity.login import return_path
from service.web.public.templates import STATIC
from service.web.workspace.pages import CSP
from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client
from tests.api.test_public_page import PERIOD, TODAY, caught_up, publish_promise
from tests.api.workspace_client import COOKIE, Official, form_values, session_for

UB, LPO, ARJEPLOG = "org-upplands-bro", "org-lpo-jarfalla", "org-arjeplog"
PROMISE = "ub-workspace"
PLAN_TITLE = "Testdata: gemensam insats i Bro centrum"
PROPOSED, PROPOSED_TITLE = "ub-workspace-proposed", "Testdata: förslag att underteckna"


@pytest.fixture(scope="module")
async def workspace(dev_app: RunningApp) -> AsyncIterator[RunningApp]:
    """The dev app with a promise of Upplands-Bro and LPO Järfälla in force and published, a
    place and activity records (test data of tests/api/test_public_page.py), and an activity
    planned for today, and a proposed promise waiting for signatures."""
    async with httpx.AsyncClient(timeout=15) as http:
        await publish_promise(dev_app, http, PROMISE, covers=None)
        editor = Client(http, dev_app, dev_app.token(UB, "editor"))
        await editor.ok(
            "planActivity",
            promiseId=PROMISE,
            planId="ws-plan",
            commitmentIds=["c2"],
            title=PLAN_TITLE,
            dates=[TODAY.isoformat()],
        )
        await editor.ok(
            "draftPromise",
            promiseId=PROPOSED,
            parties=[UB, LPO],
            details={"title": PROPOSED_TITLE, "period": {"label": str(TODAY.year)}},
        )
        await editor.ok(
            "addFocusArea",
            promiseId=PROPOSED,
            focusArea={"focusAreaId": "fa1", "title": "Trygga offentliga miljöer"},
        )
        proposed = await editor.ok("proposePromise", promiseId=PROPOSED)
        await caught_up(editor, PROPOSED, proposed["consistencyToken"])
    yield dev_app


@pytest.fixture
async def editor(workspace: RunningApp, pool: asyncpg.Pool) -> AsyncIterator[Official]:
    cookie, csrf = await session_for(pool, UB, "ub-editor")
    async with httpx.AsyncClient(timeout=15) as http:
        yield Official(http, workspace, cookie, csrf)


async def stream_version(pool: asyncpg.Pool) -> int:
    version: int = await pool.fetchval(
        "SELECT version FROM streams WHERE stream_id = $1", STREAM_PREFIX + PROMISE
    )
    return version


async def test_without_a_session_every_workspace_page_is_the_login_page(
    workspace: RunningApp, http: httpx.AsyncClient
) -> None:
    for path in ("/app/", "/app/loften", f"/app/loften/{PROMISE}", f"/app/loften/{PROMISE}/insats"):
        response = await http.get(workspace.url + path)
        assert response.status_code == 401, path
        assert "<h1>Logga in</h1>" in response.text
        assert response.headers["content-security-policy"] == CSP
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-frame-options"] == "DENY"
    # A cookie naming no live session is no session either.
    ended = await http.get(workspace.url + "/app/", headers={"cookie": f"{COOKIE}=made-up"})
    assert ended.status_code == 401 and "<h1>Logga in</h1>" in ended.text


def test_a_login_comes_back_only_to_a_path_of_this_origin() -> None:
    assert return_path("/app/loften/x?status=in_force") == "/app/loften/x?status=in_force"
    for elsewhere in (
        "https://evil.example/",
        "//evil.example/app",
        "/\\evil.example",
        "app/",
        "/app/\nSet-Cookie: x",
        "",
        None,
        "/" + "a" * 2001,
    ):
        assert return_path(elsewhere) is None, elsewhere


async def test_a_logged_in_editor_sees_the_inbox_and_the_promise_page_in_swedish(
    editor: Official,
) -> None:
    inbox = await editor.get("/app/")
    assert inbox.status_code == 200, inbox.text
    assert '<html lang="sv">' in inbox.text
    assert "<h1>Att göra</h1>" in inbox.text
    assert "Planerat den här veckan" in inbox.text
    waiting = re.search(
        r'<li class="item" data-action="sign_revision">(.*?)</li>', inbox.text, re.S
    )
    assert waiting is not None, inbox.text
    assert "Underteckna versionen" in waiting.group(1)
    assert f'<a href="/app/loften/{PROPOSED}">{PROPOSED_TITLE}</a>' in waiting.group(1)
    assert inbox.headers["content-security-policy"] == CSP
    assert "<script>" not in inbox.text and " style=" not in inbox.text

    listing = await editor.get("/app/loften?status=in_force")
    assert listing.status_code == 200
    assert f'href="/app/loften/{PROMISE}"' in listing.text

    page = await editor.get(f"/app/loften/{PROMISE}")
    assert page.status_code == 200, page.text
    text = page.text
    assert "Upplands-Bro kommun" in text and "Lokalpolisområde Järfälla" in text
    assert "Takt" in text
    assert re.search(r"<strong>(i fas|efter|risk|inget mål)</strong>", text)
    assert "Genomförda insatser" in text
    assert f'href="/app/loften/{PROMISE}/insats"' in text

    missing = await editor.get("/app/loften/no-such-promise")
    assert missing.status_code == 404
    unknown = await editor.get("/app/no/such/page")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("text/html")
    assert "Sidan finns inte" in unknown.text and '<html lang="sv">' in unknown.text
    for response in (inbox, listing, page, missing, unknown):
        assert response.headers["content-security-policy"] == CSP
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["cache-control"] == "no-store"


async def test_the_workspace_serves_its_own_htmx_and_styles_and_nothing_else(
    workspace: RunningApp, http: httpx.AsyncClient
) -> None:
    script = await http.get(workspace.url + "/app/static/htmx.min.js")
    assert script.status_code == 200
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.content == (STATIC / "app" / "htmx.min.js").read_bytes()
    styles = await http.get(workspace.url + "/app/static/app.css")
    assert styles.status_code == 200 and styles.headers["content-type"].startswith("text/css")
    for name in ("README.md", "htmx-LICENSE.txt", "..%2Fpublic.css", "nope.js"):
        assert (await http.get(workspace.url + "/app/static/" + name)).status_code == 404, name


async def test_a_post_without_the_right_csrf_token_or_not_a_form_is_refused_and_changes_nothing(
    editor: Official, pool: asyncpg.Pool
) -> None:
    form = form_values((await editor.get(f"/app/loften/{PROMISE}/insats")).text)
    before = await stream_version(pool)
    posted = {
        "command_id": form["command_id"],
        "commitment": "c2",
        "occurred_on": PERIOD[0],
        "summary": "Testdata: en insats som aldrig ska sparas",
        "performed_by": UB,
    }
    for token in (None, "", "not-the-token", editor.csrf + "x"):
        sent = posted if token is None else {**posted, "csrf_token": token}
        refused = await editor.post(f"/app/loften/{PROMISE}/insats", sent)
        assert refused.status_code == 403, token
        assert "Formuläret avvisades" in refused.text
    as_json = await editor.http.post(
        editor.app.url + f"/app/loften/{PROMISE}/insats",
        json={**posted, "csrf_token": editor.csrf},
        headers={"cookie": f"{COOKIE}={editor.cookie}"},
    )
    assert as_json.status_code == 400 and "Formuläret kunde inte läsas" in as_json.text
    assert await stream_version(pool) == before


async def test_a_day_outside_the_period_is_shown_in_the_error_summary_linking_to_the_date(
    editor: Official, pool: asyncpg.Pool
) -> None:
    form = form_values((await editor.get(f"/app/loften/{PROMISE}/insats")).text)
    before = await stream_version(pool)
    refused = await editor.post(
        f"/app/loften/{PROMISE}/insats",
        {
            **form,
            "commitment": "c2",
            "occurred_on": "1999-05-01",
            "quantity": "1",
            "performed_by": UB,
            "summary": "Testdata: en insats före perioden",
        },
    )
    assert refused.status_code == 422, refused.text
    summary = re.search(r'<div class="error-summary".*?</div>', refused.text, re.S)
    assert summary is not None, refused.text
    assert re.search(r'<a href="#occurred_on">[^<]*utanför löftets period', summary.group(0))
    assert 'id="occurred_on"' in refused.text
    assert 'value="1999-05-01"' in refused.text  # what was typed stays in the form
    assert await stream_version(pool) == before


async def test_the_same_form_posted_twice_records_one_activity_with_the_same_receipt(
    editor: Official, pool: asyncpg.Pool
) -> None:
    form = form_values((await editor.get(f"/app/loften/{PROMISE}/insats")).text)
    uuid.UUID(form["command_id"])  # generated when the form was rendered
    summary = f"Testdata: trygghetsinsats {form['command_id'][:8]}"
    posted = {
        **form,
        "commitment": "c2",
        "occurred_on": PERIOD[0],
        "quantity": "2",
        "places": "bro-centrum",
        "performed_by": UB,
        "summary": summary,
    }
    before = await stream_version(pool)
    first = await editor.post(f"/app/loften/{PROMISE}/insats", posted)
    assert first.status_code == 200, first.text
    assert "<h1>Sparat</h1>" in first.text
    again = await editor.post(f"/app/loften/{PROMISE}/insats", posted)
    assert again.status_code == 200, again.text
    assert "redan tagits emot" in again.text
    receipt = re.compile(r'<p class="reference">([^<]*)</p>')
    assert receipt.findall(first.text) == receipt.findall(again.text)
    assert await stream_version(pool) == before + 1
    back = re.search(r'href="(/app/loften/[^"]*\?efter=[^"]+)"', again.text)
    assert back is not None, again.text
    page = (await editor.get(unescape(back.group(1)))).text  # read after the write
    assert page.count(summary) == 1


async def test_an_activity_planned_today_is_in_the_inbox_and_reported_done_from_its_link(
    editor: Official, pool: asyncpg.Pool
) -> None:
    inbox = (await editor.get("/app/")).text
    links = re.findall(r'href="(/app/loften/[^"]+/insats\?tillfalle=[^"]+)"', inbox)
    assert PLAN_TITLE in inbox and len(links) == 1, inbox
    form_page = (await editor.get(unescape(links[0]))).text
    chosen = re.search(r'<option value="(ws-plan/[^"]+)" selected>', form_page)
    assert chosen is not None, form_page
    before = await stream_version(pool)
    done = await editor.post(
        f"/app/loften/{PROMISE}/insats",
        {
            **form_values(form_page),
            "occurrence": chosen.group(1),
            "occurred_on": TODAY.isoformat(),
            "performed_by": [UB, LPO],
            "summary": "Testdata: den planerade insatsen genomförd",
        },
    )
    assert done.status_code == 200, done.text
    assert "<h1>Sparat</h1>" in done.text
    assert await stream_version(pool) > before
    back = re.findall(r'<a (?:class="button" )?href="(/app/[^"]*\?efter=[^"]+)"', done.text)
    assert len(back) == 2, done.text  # the promise and the inbox, read after the write
    page = (await editor.get(unescape(back[0]))).text
    assert ": genomfört" in page and "Testdata: den planerade" in page
    after = (await editor.get(unescape(back[1]))).text
    assert PLAN_TITLE not in after  # performed: no longer waiting this week


async def test_another_organisation_sees_no_draft_and_its_forged_post_gets_the_apis_refusal(
    workspace: RunningApp, pool: asyncpg.Pool, http: httpx.AsyncClient
) -> None:
    cookie, csrf = await session_for(pool, ARJEPLOG, "arjeplog-editor")
    outsider = Official(http, workspace, cookie, csrf)
    # Upplands-Bro's proposal is not Arjeplog's to see; its published promise is, read-only.
    assert (await outsider.get(f"/app/loften/{PROPOSED}")).status_code == 404
    assert PROPOSED_TITLE not in (await outsider.get("/app/")).text
    public = (await outsider.get(f"/app/loften/{PROMISE}")).text
    assert f'href="/app/loften/{PROMISE}/insats"' not in public
    form = form_values((await outsider.get(f"/app/loften/{PROMISE}/insats")).text)
    posted = {
        "commitment": "c2",
        "occurred_on": PERIOD[0],
        "performed_by": UB,
        "summary": "Testdata: en insats i någon annans namn",
    }
    before = await stream_version(pool)
    refused = await outsider.post(f"/app/loften/{PROMISE}/insats", {**form, **posted})
    assert refused.status_code == 422, refused.text
    api = Client(http, workspace, workspace.token(ARJEPLOG, "editor"))
    result = await api.command(
        "recordActivity",
        promiseId=PROMISE,
        recordId="insats-forged",
        commitmentId="c2",
        occurredOn=PERIOD[0],
        performedBy=[UB],
        summary=posted["summary"],
    )
    assert result["__typename"] == "Forbidden", result
    summary = re.search(r'<div class="error-summary".*?</div>', refused.text, re.S)
    assert summary is not None and unescape(summary.group(0)).count(result["message"]) == 1
    assert await stream_version(pool) == before


PATH_VALUES = {
    "promise_id": PROMISE,
    "commitment_id": "c1",
    "report_id": "uppf-no-such-report",
    "plan_id": "ws-plan",
    "occurrence_id": "ws-plan-1",
    "walk_id": "vandring-no-such-walk",
    "finding_id": "no-such-finding",
    "event_id": str(uuid.UUID(int=1)),
}
"""A value for each path parameter of the workspace's routes (known or not: a page that finds
nothing answers its own 404, with the same headers)."""


def workspace_get_paths() -> list[str]:
    """Every path of the workspace that answers GET, from the journeys' own routes, so a page
    added later is checked too."""
    from service.web.workspace.core import Workspace
    from service.web.workspace.routes import JOURNEYS

    paths = []
    for journey in JOURNEYS:
        for route in journey.routes(Workspace(None, ())):  # type: ignore[arg-type]
            if "GET" in (route.methods or ()):
                paths.append("/app" + route.path.format(**PATH_VALUES))
    return paths


async def test_every_workspace_page_sends_the_security_headers_and_is_never_an_error(
    workspace: RunningApp, pool: asyncpg.Pool
) -> None:
    roles = frozenset({"editor", "org_admin", "auditor", "signatory", "publisher"})
    cookie, csrf = await session_for(pool, UB, "ub-every-page", roles)
    paths = workspace_get_paths()
    assert len(paths) >= 25 and "/app/oversikt" in paths
    async with httpx.AsyncClient(timeout=15) as http:
        official = Official(http, workspace, cookie, csrf)
        for path in paths:
            response = await official.get(path)
            assert response.status_code in (200, 404), (path, response.status_code)
            assert response.headers["x-content-type-options"] == "nosniff", path
            assert response.headers["x-frame-options"] == "DENY", path
            assert response.headers["cache-control"] == "no-store", path
            if response.headers["content-type"].startswith("text/html"):
                assert response.headers["content-security-policy"] == CSP, path
                assert '<html lang="sv">' in response.text, path
                assert "<script>" not in response.text and " style=" not in response.text, path
