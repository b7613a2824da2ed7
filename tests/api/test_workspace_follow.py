"""The workspace's follow-up journey (/app/loften/{id}/uppfoljning/…) over HTTP: an editor drafts
a follow-up from the planned one, the parties' editors assess every commitment, a signatory of
each party approves, a publisher previews the public page and publishes, and the public page
shows it; refusals in Swedish linked to their field, CSRF, another organisation refused, and a
form posted twice recorded once.

The served dev app on a real PostgreSQL; test data through the GraphQL API, the browser
sessions rows of the app's own session store.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from html import unescape

import asyncpg
import httpx
import pytest

from events.messages import Principal
from events.promise.decider import STREAM_PREFIX
from service.identity.sessions import SessionStore
from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client
from tests.api.test_public_page import COMMITMENTS, START, TODAY, caught_up, publish_promise
from tests.api.workspace_client import Official, form_values

UB, LPO, ARJEPLOG = "org-upplands-bro", "org-lpo-jarfalla", "org-arjeplog"
PROMISE = "ub-workspace-follow"
COVERS_TO = TODAY - dt.timedelta(days=1)
DUE_ON = TODAY + dt.timedelta(days=10)
COMMENT = "Testdata: tre av minst åtta insatser genomfördes"
# commitment id: (status, achieved, comment, who assesses it)
ASSESSMENTS = {
    "c1": ("no_target", "", "Testdata: närvaron ökade", UB),
    "c2": ("partly", "3", COMMENT, UB),
    "c3": ("met", "2", "", LPO),
    "c4": ("not_met", "0", "", LPO),
}


@pytest.fixture(scope="module")
async def workspace(dev_app: RunningApp) -> AsyncIterator[RunningApp]:
    """The dev app with a promise of Upplands-Bro and LPO Järfälla in force and published (the
    test data of tests/api/test_public_page.py, whose signatories hold signing mandates), and
    an interim follow-up planned, due in ten days."""
    async with httpx.AsyncClient(timeout=15) as http:
        await publish_promise(dev_app, http, PROMISE, covers=None)
        editor = Client(http, dev_app, dev_app.token(UB, "editor"))
        planned = await editor.ok(
            "scheduleFollowUp",
            promiseId=PROMISE,
            dueId="d1",
            kind="interim",
            coversFrom=START.isoformat(),
            coversTo=COVERS_TO.isoformat(),
            dueOn=DUE_ON.isoformat(),
        )
        await caught_up(editor, PROMISE, planned["consistencyToken"])
    yield dev_app


async def official(
    http: httpx.AsyncClient,
    app: RunningApp,
    pool: asyncpg.Pool,
    organisation: str,
    subject: str,
    roles: frozenset[str] = frozenset({"editor"}),
    person: str | None = None,
) -> Official:
    """A browser with a live session of one official (a person of the directory when
    `person` is given: a signatory approves under their signing mandate)."""
    store = SessionStore(lambda: pool, max_age_s=3600)
    principal = Principal(
        issuer="workspace-test",
        subject=subject,
        organisation_id=organisation,
        roles=roles,
        person_id=person,
    )
    session_id, live = await store.create(principal, "kommun")
    return Official(http, app, session_id, live.csrf)


async def stream_version(pool: asyncpg.Pool) -> int:
    version: int = await pool.fetchval(
        "SELECT version FROM streams WHERE stream_id = $1", STREAM_PREFIX + PROMISE
    )
    return version


def summary_of(page: str) -> str:
    """The error summary of a page (fails when there is none)."""
    found = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert found is not None, page
    return found.group(0)


def form_of(page: str, action: str, commitment: str | None = None) -> dict[str, str]:
    """The hidden fields of the form posting to `action` (the one for `commitment`)."""
    for form in re.findall(r"<form .*?</form>", page, re.S):
        if f'action="{action}"' not in form:
            continue
        values = form_values(form)
        if commitment is None or values.get("commitment") == commitment:
            return values
    raise AssertionError(f"no form for {action} {commitment}: {page}")


async def drafted(editor: Official) -> str:
    """A new follow-up drafted from the planned one through the form; its page's path."""
    new = await editor.get(f"/app/loften/{PROMISE}/uppfoljning/ny")
    assert new.status_code == 200, new.text
    form = form_values(new.text)
    posted = await editor.post(
        f"/app/loften/{PROMISE}/uppfoljning/ny",
        {
            **form,
            "kind": "interim",
            "covers_from": START.isoformat(),
            "covers_to": COVERS_TO.isoformat(),
        },
    )
    assert posted.status_code == 303, posted.text
    location = posted.headers["location"]
    assert re.fullmatch(rf"/app/loften/{PROMISE}/uppfoljning/uppf-[0-9a-f-]+\?efter=.+", location)
    await followed(editor, posted)
    return location.partition("?")[0]


async def followed(who: Official, response: httpx.Response) -> str:
    """The page a 303 leads to, read after the write it acknowledged (`?efter=`)."""
    assert response.status_code == 303, response.text
    page = await who.get(response.headers["location"])
    assert page.status_code == 200, page.text
    return page.text


async def assess_all(ub_editor: Official, lpo_editor: Official, path: str) -> None:
    """Every commitment assessed through its form, by the two parties' editors."""
    for cid, (status, achieved, comment, org) in ASSESSMENTS.items():
        editor = ub_editor if org == UB else lpo_editor
        page = (await editor.get(path)).text
        form = form_of(page, f"{path}/bedomning", cid)
        posted = await editor.post(
            f"{path}/bedomning",
            {**form, "status": status, "achieved": achieved, "comment": comment},
        )
        assert "?efter=" in posted.headers["location"]
        await followed(editor, posted)


async def test_a_follow_up_is_drafted_assessed_approved_by_both_parties_previewed_and_published(
    workspace: RunningApp, http: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    ub_editor = await official(http, workspace, pool, UB, "ub-editor")
    lpo_editor = await official(http, workspace, pool, LPO, "p-editor")

    # The planned follow-up, due soon, waits in the inbox with a link to start it.
    inbox = (await ub_editor.get("/app/")).text
    item = re.search(r'<li class="item" data-action="follow_up_due">(.*?)</li>', inbox, re.S)
    assert item is not None, inbox
    assert f'href="/app/loften/{PROMISE}/uppfoljning/ny"' in item.group(1)

    # The form is filled in from the planned follow-up it meets.
    new = (await ub_editor.get(f"/app/loften/{PROMISE}/uppfoljning/ny")).text
    assert "<h1>Ny uppföljning</h1>" in new
    assert 'value="interim" checked' in new
    assert f'id="covers_from" name="covers_from" value="{START.isoformat()}"' in new
    assert form_values(new)["due"] == "d1"

    path = await drafted(ub_editor)
    report_id = path.rsplit("/", 1)[1]
    page = (await ub_editor.get(path)).text
    assert "Uppföljning: Delrapport" in page
    assert page.count('<li class="commitment"') == len(COMMITMENTS)
    assert "Takt" in page and "Inte bedömt ännu." in page

    await assess_all(ub_editor, lpo_editor, path)
    page = (await lpo_editor.get(path)).text
    assert "4 av 4 åtaganden" in page
    assert COMMENT in page and "Inte bedömt ännu." not in page

    # Each party's signatory approves for their own organisation.
    ub_signer = await official(
        http, workspace, pool, UB, "ub-sig", frozenset({"signatory"}), f"p-{PROMISE}-kso"
    )
    lpo_signer = await official(
        http, workspace, pool, LPO, "p-sig", frozenset({"signatory"}), f"p-{PROMISE}-lpo"
    )
    for signer in (ub_signer, lpo_signer):
        inbox = (await signer.get("/app/")).text
        assert f'href="/app/loften/{PROMISE}/uppfoljning/{report_id}"' in inbox, inbox
        page = (await signer.get(path)).text
        approved = await signer.post(f"{path}/godkann", form_of(page, f"{path}/godkann"))
        await followed(signer, approved)
    page = (await ub_editor.get(path)).text
    approvals = re.findall(r'<li class="item approval"[^>]*>(.*?)</li>', page, re.S)
    assert [re.sub(r"<[^>]+>", "", a) for a in approvals] == [
        "Upplands-Bro kommun: godkänd",
        "Lokalpolisområde Järfälla: godkänd",
    ]
    assert f"{path}/bedomning" not in page  # the assessments are frozen now

    # The publisher previews what citizens will see, then publishes.
    publisher = await official(http, workspace, pool, UB, "ub-publisher", frozenset({"publisher"}))
    inbox = (await publisher.get("/app/")).text
    assert f'href="{path}/publicera"' in inbox, inbox
    preview = await publisher.get(f"{path}/publicera")
    assert preview.status_code == 200, preview.text
    assert "Förhandsvisning" in preview.text and "Inget här är publicerat ännu" in preview.text
    assert COMMENT in preview.text
    assert re.search(r'<li class="commitment" id="c-c2"[^>]*data-status="partly"', preview.text)
    public_before = (await http.get(f"{workspace.url}/p/{PROMISE}")).text
    assert COMMENT not in public_before

    form = form_of(preview.text, f"{path}/publicera")
    sent = {**form, "channel": "Testdata: kommunens webbplats"}
    published = await publisher.post(f"{path}/publicera", sent)
    assert published.status_code == 200, published.text
    assert "<h1>Publicerat</h1>" in published.text
    assert f'href="/p/{PROMISE}"' in published.text
    again = await publisher.post(f"{path}/publicera", sent)
    assert again.status_code == 200 and "redan tagits emot" in again.text
    receipt = re.compile(r'<p class="reference">([^<]*)</p>')
    assert receipt.findall(published.text) == receipt.findall(again.text)

    back = re.search(r'href="(/app/loften/[^"]*\?efter=[^"]+)"', published.text)
    assert back is not None
    promise_page = (await publisher.get(unescape(back.group(1)))).text
    listed = re.search(
        rf'<li class="item follow-up" data-report-id="{report_id}">(.*?)</li>', promise_page, re.S
    )
    assert listed is not None, promise_page
    assert f'href="{path}"' in listed.group(1) and "Publicerat" in listed.group(1)
    public = (await http.get(f"{workspace.url}/p/{PROMISE}")).text
    assert COMMENT in public and "Delrapport" in public


async def test_a_refused_follow_up_is_shown_in_swedish_linking_to_the_field_and_nothing_changes(
    workspace: RunningApp, http: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    editor = await official(http, workspace, pool, UB, "ub-editor")
    form = form_values((await editor.get(f"/app/loften/{PROMISE}/uppfoljning/ny")).text)
    before = await stream_version(pool)
    reversed_period = await editor.post(
        f"/app/loften/{PROMISE}/uppfoljning/ny",
        {**form, "kind": "interim", "covers_from": TODAY.isoformat(), "covers_to": "2001-01-01"},
    )
    assert reversed_period.status_code == 422, reversed_period.text
    assert re.search(r'<a href="#covers_to">[^<]*slutar', summary_of(reversed_period.text))
    assert 'id="covers_to" name="covers_to" value="2001-01-01"' in reversed_period.text
    assert 'aria-invalid="true"' in reversed_period.text
    not_a_day = await editor.post(
        f"/app/loften/{PROMISE}/uppfoljning/ny",
        {**form, "kind": "interim", "covers_from": "i våras", "covers_to": TODAY.isoformat()},
    )
    assert not_a_day.status_code == 422
    assert '<a href="#covers_from">' in summary_of(not_a_day.text)
    assert await stream_version(pool) == before

    # A commitment with a target needs what was achieved: the API's rule, at its field.
    path = await drafted(editor)
    page = (await editor.get(path)).text
    before = await stream_version(pool)
    refused = await editor.post(
        f"{path}/bedomning", {**form_of(page, f"{path}/bedomning", "c2"), "status": "partly"}
    )
    assert refused.status_code == 422, refused.text
    assert re.search(
        r'<a href="#c2-achieved">Ett åtagande med ett mål behöver', summary_of(refused.text)
    )
    assert 'id="c2-achieved"' in refused.text
    # An editor cannot approve: only a signatory, in the API's words.
    approve = await editor.post(f"{path}/godkann", form_of(page, f"{path}/godkann"))
    assert approve.status_code == 422
    assert "För att godkänna behöver du någon av rollerna signatory" in summary_of(approve.text)
    assert await stream_version(pool) == before


async def test_a_post_without_the_sessions_csrf_token_is_refused_and_changes_nothing(
    workspace: RunningApp, http: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    editor = await official(http, workspace, pool, UB, "ub-editor")
    form = form_values((await editor.get(f"/app/loften/{PROMISE}/uppfoljning/ny")).text)
    path = await drafted(editor)
    page = (await editor.get(path)).text
    assessment = {**form_of(page, f"{path}/bedomning", "c1"), "status": "no_target"}
    before = await stream_version(pool)
    for token in (None, "", "not-the-token"):
        for action, sent in (
            (f"/app/loften/{PROMISE}/uppfoljning/ny", {**form, "kind": "final"}),
            (f"{path}/bedomning", assessment),
            (f"{path}/godkann", form_of(page, f"{path}/godkann")),
            (f"{path}/publicera", {"command_id": "x", "channel": "webben"}),
        ):
            posted = {k: v for k, v in sent.items() if k != "csrf_token"}
            if token is not None:
                posted["csrf_token"] = token
            refused = await editor.post(action, posted)
            assert refused.status_code == 403, (action, token)
            assert "Formuläret avvisades" in refused.text
    assert await stream_version(pool) == before


async def test_another_organisation_sees_no_follow_up_and_is_refused_by_the_api(
    workspace: RunningApp, http: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    editor = await official(http, workspace, pool, UB, "ub-editor")
    path = await drafted(editor)
    outsider = await official(http, workspace, pool, ARJEPLOG, "arjeplog-editor")
    promise_page = await outsider.get(f"/app/loften/{PROMISE}")
    assert promise_page.status_code == 200  # published: the public view
    assert "uppfoljning/" not in promise_page.text
    for seen in (path, f"{path}/publicera"):
        missing = await outsider.get(seen)
        assert missing.status_code == 404, seen
        assert "Uppföljningen finns inte" in missing.text
    before = await stream_version(pool)
    form = form_values((await outsider.get(f"/app/loften/{PROMISE}/uppfoljning/ny")).text)
    refused = await outsider.post(
        f"/app/loften/{PROMISE}/uppfoljning/ny",
        {**form, "kind": "final", "covers_from": START.isoformat(), "covers_to": TODAY.isoformat()},
    )
    assert refused.status_code == 422, refused.text
    assert "Bara parterna får" in summary_of(refused.text)
    assert await stream_version(pool) == before


async def test_the_same_draft_form_posted_twice_starts_one_follow_up(
    workspace: RunningApp, http: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    editor = await official(http, workspace, pool, UB, "ub-editor")
    form = form_values((await editor.get(f"/app/loften/{PROMISE}/uppfoljning/ny")).text)
    sent = {
        **form,
        "kind": "final",
        "covers_from": START.isoformat(),
        "covers_to": COVERS_TO.isoformat(),
    }
    before = await stream_version(pool)
    first = await editor.post(f"/app/loften/{PROMISE}/uppfoljning/ny", sent)
    again = await editor.post(f"/app/loften/{PROMISE}/uppfoljning/ny", sent)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert await stream_version(pool) == before + 1
    page = (await editor.get(first.headers["location"])).text
    assert "Uppföljning: Slutrapport" in page


async def test_the_same_assessment_and_approval_posted_twice_are_recorded_once(
    workspace: RunningApp, http: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    editor = await official(http, workspace, pool, UB, "ub-editor")
    path = await drafted(editor)
    page = (await editor.get(path)).text
    sent = {**form_of(page, f"{path}/bedomning", "c2"), "status": "partly", "achieved": "3"}
    before = await stream_version(pool)
    first = await editor.post(f"{path}/bedomning", sent)
    again = await editor.post(f"{path}/bedomning", sent)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert first.headers["location"].endswith("#c3")  # on to the next commitment
    assert await stream_version(pool) == before + 1

    lpo_editor = await official(http, workspace, pool, LPO, "p-editor")
    await assess_all(editor, lpo_editor, path)
    signer = await official(
        http, workspace, pool, UB, "ub-sig", frozenset({"signatory"}), f"p-{PROMISE}-kso"
    )
    form = form_of((await signer.get(path)).text, f"{path}/godkann")
    before = await stream_version(pool)
    first = await signer.post(f"{path}/godkann", form)
    again = await signer.post(f"{path}/godkann", form)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert await stream_version(pool) == before + 1
