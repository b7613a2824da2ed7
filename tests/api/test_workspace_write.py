"""Writing and signing a promise in the workspace (/app/loften/nytt, …/skriv, …/underteckna,
…/andra) over HTTP: an Upplands-Bro editor drafts a promise with LPO Järfälla, adds a focus
area, a place and a commitment with a target, proposes it; the two organisations' signatories
sign exactly the revision and hash the page shows, and the promise is in force. Refusals are
the API's, in Swedish, linked to their fields; a form posted twice is one command; an edit that
would void a signature is shown with its consequence and acts only once confirmed.

The served dev app on a real PostgreSQL; browser sessions are rows of the app's session store.
"""

from __future__ import annotations

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
from tests.api.test_public_page import TODAY, caught_up
from tests.api.workspace_client import Official, session_for

UB, LPO, ARJEPLOG = "org-upplands-bro", "org-lpo-jarfalla", "org-arjeplog"
UB_SIGNER, LPO_SIGNER = "ws-write-ub-signatory", "ws-write-lpo-signatory"
TITLE = "Testdata: trygghet i Kungsängen"
SIGNED_ONCE = "ws-write-signed-once"
IN_FORCE = "ws-write-in-force"

WORKING = """query($id: ID!) {
  promise(id: $id) { id status revisionNo document }
}"""


@pytest.fixture(scope="module")
async def app(dev_app: RunningApp) -> AsyncIterator[RunningApp]:
    """The dev app with a signing mandate for one signatory of each organisation, a promise
    proposed and signed by Upplands-Bro only, and one in force."""
    async with httpx.AsyncClient(timeout=15) as http:
        for org, person in ((UB, UB_SIGNER), (LPO, LPO_SIGNER)):
            admin = Client(http, dev_app, dev_app.token(org, "org_admin"))
            await admin.ok("registerPerson", personId=person, name=f"Testdata: signatory {org}")
            await admin.ok(
                "grantSigningMandate", mandateId=f"m-{person}", personId=person, orgId=org
            )
        editor = Client(http, dev_app, dev_app.token(UB, "editor"))
        signers = {
            UB: Client(http, dev_app, dev_app.token(UB, "signatory", person=UB_SIGNER)),
            LPO: Client(http, dev_app, dev_app.token(LPO, "signatory", person=LPO_SIGNER)),
        }
        for promise_id, parties_signing in ((SIGNED_ONCE, (UB,)), (IN_FORCE, (UB, LPO))):
            await editor.ok(
                "draftPromise",
                promiseId=promise_id,
                parties=[UB, LPO],
                details={"title": f"Testdata: {promise_id}", "period": {"label": str(TODAY.year)}},
            )
            await editor.ok(
                "addFocusArea",
                promiseId=promise_id,
                focusArea={"focusAreaId": "fa1", "title": "Trygga offentliga miljöer"},
            )
            proposed = await editor.ok("proposePromise", promiseId=promise_id)
            await caught_up(editor, promise_id, proposed["consistencyToken"])
            working = (await editor.query(WORKING, id=promise_id))["promise"]["document"]
            revision = working["state"]["working"]
            for party in parties_signing:
                signed = await signers[party].ok(
                    "signPromise",
                    promiseId=promise_id,
                    revisionNo=revision["revision_no"],
                    contentHash=revision["content_hash"],
                    partyId=party,
                )
                await caught_up(editor, promise_id, signed["consistencyToken"])
    yield dev_app


async def signatory_session(pool: asyncpg.Pool, org: str, person: str) -> tuple[str, str]:
    """A live session of a signatory whose person id is `person` (the identity layer maps the
    token's subject to it): the cookie's id and its CSRF token."""
    store = SessionStore(lambda: pool, max_age_s=3600)
    principal = Principal(
        issuer="workspace-test",
        subject=person,
        organisation_id=org,
        roles=frozenset({"signatory"}),
        person_id=person,
    )
    session_id, live = await store.create(principal, "kommun")
    return session_id, live.csrf


@pytest.fixture
async def editor(app: RunningApp, pool: asyncpg.Pool) -> AsyncIterator[Official]:
    cookie, csrf = await session_for(pool, UB, "ub-editor")
    async with httpx.AsyncClient(timeout=15) as http:
        yield Official(http, app, cookie, csrf)


async def official(
    app: RunningApp, pool: asyncpg.Pool, http: httpx.AsyncClient, org: str, person: str
) -> Official:
    cookie, csrf = await signatory_session(pool, org, person)
    return Official(http, app, cookie, csrf)


def form_at(page: str, action: str) -> dict[str, str]:
    """The hidden fields of the form on `page` that posts to `action`."""
    found = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S)
    assert found is not None, f"no form posting to {action}"
    return {
        name: unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', found.group(1)
        )
    }


def error_summary(page: str) -> str:
    found = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert found is not None, page
    return unescape(found.group(0))


async def followed(who: Official, response: httpx.Response) -> httpx.Response:
    """The page a 303 leads to (read after the write its ?efter= names)."""
    assert response.status_code == 303, response.text
    return await who.get(response.headers["location"])


async def stream_version(pool: asyncpg.Pool, promise_id: str) -> int:
    version: int = await pool.fetchval(
        "SELECT version FROM streams WHERE stream_id = $1", STREAM_PREFIX + promise_id
    )
    return version


async def drafted(editor: Official, title: str = TITLE) -> tuple[str, httpx.Response]:
    """A promise of Upplands-Bro and LPO Järfälla drafted through the form: its id and the
    writing page the form leads to."""
    page = (await editor.get("/app/loften/nytt")).text
    form = form_at(page, "/app/loften/nytt")
    posted = await editor.post(
        "/app/loften/nytt",
        {**form, "title": title, "label": str(TODAY.year), "parties": [LPO]},
    )
    assert posted.status_code == 303, posted.text
    location = posted.headers["location"]
    match = re.match(r"/app/loften/([^/]+)/skriv\?efter=", location)
    assert match is not None, location
    return match.group(1), await editor.get(location)


async def test_an_editor_writes_a_promise_and_two_signatories_put_it_in_force(
    app: RunningApp, editor: Official, pool: asyncpg.Pool, http: httpx.AsyncClient
) -> None:
    promise_id, page = await drafted(editor)
    assert page.status_code == 200 and "<h1>Skriv löftet</h1>" in page.text
    assert "Upplands-Bro kommun" in page.text and "Lokalpolisområde Järfälla" in page.text

    base = f"/app/loften/{promise_id}/skriv"
    added = await editor.post(
        f"{base}/fokusomrade",
        {**form_at(page.text, f"{base}/fokusomrade"), "fa_title": "Trygghet i Kungsängens centrum"},
    )
    page = await followed(editor, added)
    assert "Trygghet i Kungsängens centrum" in page.text
    registered = await editor.post(
        f"{base}/plats",
        {
            **form_at(page.text, f"{base}/plats"),
            "pl_name": "Kungsängens centrum",
            "pl_kind": "centrum",
        },
    )
    page = await followed(editor, registered)
    focus_area = re.search(r'<option value="(fo-[^"]+)">Trygghet i Kungsängens', page.text)
    place = re.search(r'name="c_places" value="(pl-[^"]+)"', page.text)
    assert focus_area is not None and place is not None, page.text
    committed = await editor.post(
        f"{base}/atagande",
        {
            **form_at(page.text, f"{base}/atagande"),
            "c_text": "Testdata: gemensamma trygghetsvandringar i centrum",
            "c_focus_area": focus_area.group(1),
            "c_responsible": [UB, LPO],
            "c_places": place.group(1),
            "c_comparator": ">=",
            "c_quantity": "4",
            "c_unit": "tillfälle",
            "c_per": "period",
        },
    )
    page = await followed(editor, committed)
    assert "minst 4 tillfälle under perioden" in page.text, page.text

    proposed = await editor.post(f"{base}/foreslaa", form_at(page.text, f"{base}/foreslaa"))
    assert proposed.headers["location"].startswith(f"/app/loften/{promise_id}/underteckna?")
    signing = await followed(editor, proposed)
    api = Client(http, app, app.token(UB, "editor"))
    revision = (await api.query(WORKING, id=promise_id))["promise"]["document"]["state"]["working"]
    assert revision["stage"] == "proposed"
    # The page shows exactly what is signed: the content and the hash the API gives.
    assert f"<code>{revision['content_hash']}</code>" in signing.text
    for shown in ("Kungsängens centrum", "Trygghet i Kungsängens centrum", "minst 4 tillfälle"):
        assert shown in signing.text
    assert 'action="/app/loften/' + promise_id + '/underteckna"' not in signing.text  # an editor

    path = f"/app/loften/{promise_id}/underteckna"
    # A signatory without a signing mandate is refused by the API, and the page says so.
    before = await stream_version(pool, promise_id)
    unmandated = await official(app, pool, editor.http, UB, "ws-write-no-mandate")
    page = await unmandated.get(path)
    refused = await unmandated.post(path, form_at(page.text, path))
    assert refused.status_code == 422, refused.text
    no_mandate = await Client(
        http, app, app.token(UB, "signatory", person="ws-write-no-mandate")
    ).command(
        "signPromise",
        promiseId=promise_id,
        revisionNo=revision["revision_no"],
        contentHash=revision["content_hash"],
        partyId=UB,
    )
    assert no_mandate["__typename"] == "Forbidden", no_mandate
    assert no_mandate["message"] in error_summary(refused.text)
    assert await stream_version(pool, promise_id) == before

    for org, person in ((UB, UB_SIGNER), (LPO, LPO_SIGNER)):
        signer = await official(app, pool, editor.http, org, person)
        inbox = (await signer.get("/app/")).text
        assert f'href="{path}"' in inbox  # the inbox's "sign the revision" leads here
        page = await signer.get(path)
        form = form_at(page.text, path)
        assert form["content_hash"] == revision["content_hash"]
        assert form["revision_no"] == str(revision["revision_no"])
        page = await followed(signer, await signer.post(path, form))
        signed = re.search(
            rf'<tr class="signature signed" data-party="{org}">(.*?)</tr>', page.text, re.S
        )
        assert signed is not None, page.text
        assert person in signed.group(1)

    promise = (await api.query(WORKING, id=promise_id))["promise"]
    assert promise["status"] == "in_force"
    page = (await editor.get(f"/app/loften/{promise_id}")).text
    assert "Kungsängens centrum" in page
    table = re.search(r'<table class="stack revisions">.*?</table>', page, re.S)
    assert table is not None, page
    assert revision["content_hash"] in table.group(0)
    assert UB_SIGNER in table.group(0) and LPO_SIGNER in table.group(0)
    assert f'href="/app/loften/{promise_id}/publicera"' in page  # in force, not yet published


async def test_a_refusal_is_shown_in_swedish_in_the_summary_linking_to_its_field(
    app: RunningApp, editor: Official, pool: asyncpg.Pool, http: httpx.AsyncClient
) -> None:
    page = (await editor.get("/app/loften/nytt")).text
    refused = await editor.post(
        "/app/loften/nytt",
        {**form_at(page, "/app/loften/nytt"), "title": TITLE, "label": "nästa år", "parties": LPO},
    )
    assert refused.status_code == 422, refused.text
    assert re.search(r'<a href="#label">[^<]*nästa år', error_summary(refused.text))
    assert 'id="label"' in refused.text and 'aria-invalid="true"' in refused.text

    promise_id, page = await drafted(editor)
    base = f"/app/loften/{promise_id}/skriv"
    before = await stream_version(pool, promise_id)
    posted = {
        "c_text": "Testdata: ett åtagande med ett negativt mål",
        "c_quantity": "-3",
        "c_unit": "insats",
    }
    refused = await editor.post(
        f"{base}/atagande", {**form_at(page.text, f"{base}/atagande"), **posted}
    )
    assert refused.status_code == 422, refused.text
    api = Client(http, app, app.token(UB, "editor"))
    result = await api.command(
        "addCommitment",
        promiseId=promise_id,
        commitment={
            "commitmentId": "at-negative",
            "text": posted["c_text"],
            "target": {"comparator": ">=", "quantity": -3, "unit": "insats"},
        },
    )
    assert result["__typename"] == "InvalidInput", result
    summary = error_summary(refused.text)
    assert f'<a href="#c_quantity">{result["message"]}</a>' in summary
    assert "negativ" in result["message"]  # Swedish, as the API gives it
    assert 'value="-3"' in refused.text  # what was typed stays in the form
    assert await stream_version(pool, promise_id) == before


async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    editor: Official, pool: asyncpg.Pool
) -> None:
    promise_id, page = await drafted(editor)
    base = f"/app/loften/{promise_id}/skriv"
    form = form_at(page.text, f"{base}/fokusomrade")
    before = await stream_version(pool, promise_id)
    for token in (None, "", "not-the-token"):
        sent = {k: v for k, v in form.items() if k != "csrf_token"}
        if token is not None:
            sent["csrf_token"] = token
        refused = await editor.post(f"{base}/fokusomrade", {**sent, "fa_title": "Testdata: aldrig"})
        assert refused.status_code == 403, token
        assert "Formuläret avvisades" in refused.text
    assert await stream_version(pool, promise_id) == before


async def test_another_organisation_cannot_edit_the_draft_and_gets_the_apis_refusal(
    app: RunningApp, editor: Official, pool: asyncpg.Pool, http: httpx.AsyncClient
) -> None:
    promise_id, page = await drafted(editor)
    base = f"/app/loften/{promise_id}/skriv"
    form = form_at(page.text, f"{base}/fokusomrade")
    before = await stream_version(pool, promise_id)
    cookie, csrf = await session_for(pool, ARJEPLOG, "arjeplog-editor")
    outsider = Official(http, app, cookie, csrf)
    assert (await outsider.get(base)).status_code == 404
    refused = await outsider.post(
        f"{base}/fokusomrade", {**form, "csrf_token": csrf, "fa_title": "Testdata: intrång"}
    )
    api = Client(http, app, app.token(ARJEPLOG, "editor"))
    result = await api.command(
        "addFocusArea",
        promiseId=promise_id,
        focusArea={"focusAreaId": "fa-outsider", "title": "Testdata: intrång"},
    )
    assert result["__typename"] == "NotFound", result
    assert refused.status_code == 404, refused.text
    assert unescape(refused.text).count(result["message"]) == 1

    # A party's member without an editing role gets the API's Forbidden in the summary.
    cookie, csrf = await session_for(pool, UB, "ub-publisher", frozenset({"publisher"}))
    publisher = Official(http, app, cookie, csrf)
    page = await publisher.get(base)
    refused = await publisher.post(
        f"{base}/fokusomrade",
        {**form_at(page.text, f"{base}/fokusomrade"), "fa_title": "Testdata: utan roll"},
    )
    assert refused.status_code == 422, refused.text
    forbidden = await Client(http, app, app.token(UB, "publisher")).command(
        "addFocusArea",
        promiseId=promise_id,
        focusArea={"focusAreaId": "fa-publisher", "title": "Testdata: utan roll"},
    )
    assert forbidden["__typename"] == "Forbidden", forbidden
    assert forbidden["message"] in error_summary(refused.text)
    assert await stream_version(pool, promise_id) == before


async def test_the_same_form_posted_twice_is_one_command_with_the_same_receipt(
    editor: Official, pool: asyncpg.Pool
) -> None:
    page = (await editor.get("/app/loften/nytt")).text
    form = {
        **form_at(page, "/app/loften/nytt"),
        "title": TITLE,
        "label": str(TODAY.year),
        "parties": LPO,
    }
    first = await editor.post("/app/loften/nytt", form)
    again = await editor.post("/app/loften/nytt", form)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    promise_id = first.headers["location"].split("/")[3]
    assert await stream_version(pool, promise_id) == 1

    page = await editor.get(first.headers["location"])
    base = f"/app/loften/{promise_id}/skriv"
    added = {
        **form_at(page.text, f"{base}/fokusomrade"),
        "fa_title": "Testdata: ett område en gång",
    }
    first = await editor.post(f"{base}/fokusomrade", added)
    again = await editor.post(f"{base}/fokusomrade", added)
    assert first.headers["location"] == again.headers["location"]
    assert await stream_version(pool, promise_id) == 2
    page = await followed(editor, again)
    assert page.text.count('<span class="what">Testdata: ett område en gång</span>') == 1


async def test_an_edit_that_voids_a_signature_shows_the_consequence_and_acts_only_when_confirmed(
    app: RunningApp, editor: Official, pool: asyncpg.Pool, http: httpx.AsyncClient
) -> None:
    base = f"/app/loften/{SIGNED_ONCE}/skriv"
    page = await editor.get(base)
    assert "En ändring öppnar den som en ny version" in page.text
    before = await stream_version(pool, SIGNED_ONCE)
    posted = {**form_at(page.text, f"{base}/fokusomrade"), "fa_title": "Testdata: nytt område"}
    asked = await editor.post(f"{base}/fokusomrade", posted)
    assert asked.status_code == 409, asked.text
    text = unescape(asked.text)
    assert "Underskriften från Upplands-Bro kommun på version 1 skulle bli ogiltig." in text
    assert await stream_version(pool, SIGNED_ONCE) == before  # nothing yet

    confirm = form_at(asked.text, f"{base}/fokusomrade")
    assert confirm["command_id"] == posted["command_id"]  # the same command, acknowledged
    assert 'name="acknowledge" value="VOID_SIGNATURES"' in asked.text
    confirmed = await editor.post(
        f"{base}/fokusomrade", {**confirm, "acknowledge": "VOID_SIGNATURES"}
    )
    page = await followed(editor, confirmed)
    assert "Testdata: nytt område" in page.text
    api = Client(http, app, app.token(UB, "editor"))
    state = (await api.query(WORKING, id=SIGNED_ONCE))["promise"]["document"]["state"]
    assert state["working"]["revision_no"] == 2 and state["working"]["stage"] == "draft"
    assert [s["party_id"] for s in state["voided_signatures"]] == [UB]


async def test_an_amendment_is_explained_before_it_is_started_by_a_signatory(
    app: RunningApp, editor: Official, pool: asyncpg.Pool, http: httpx.AsyncClient
) -> None:
    path = f"/app/loften/{IN_FORCE}/andra"
    page = await editor.get(path)
    assert page.status_code == 200
    assert "Version 2 utarbetas från version 1" in page.text
    before = await stream_version(pool, IN_FORCE)
    # An editor may not decide an amendment: the API's refusal, nothing changed.
    refused = await editor.post(path, {**form_at(page.text, path), "reason": "Testdata: nya behov"})
    assert refused.status_code == 422
    forbidden = await Client(http, app, app.token(UB, "editor")).command(
        "startPromiseAmendment", promiseId=IN_FORCE, reason="Testdata: nya behov"
    )
    assert forbidden["__typename"] == "Forbidden", forbidden
    assert forbidden["message"] in error_summary(refused.text)
    assert await stream_version(pool, IN_FORCE) == before

    signer = await official(app, pool, http, UB, UB_SIGNER)
    page = await signer.get(path)
    started = await signer.post(path, {**form_at(page.text, path), "reason": "Testdata: nya behov"})
    page = await followed(signer, started)
    assert "<h1>Skriv löftet</h1>" in page.text
    state = (await Client(http, app, app.token(UB, "editor")).query(WORKING, id=IN_FORCE))[
        "promise"
    ]["document"]["state"]
    assert state["in_force"]["revision_no"] == 1 and state["working"]["revision_no"] == 2


async def test_a_publisher_publishes_the_promise_in_force_from_the_inbox(
    app: RunningApp, editor: Official, pool: asyncpg.Pool, http: httpx.AsyncClient
) -> None:
    path = f"/app/loften/{IN_FORCE}/publicera"
    assert f'href="{path}"' in (await editor.get("/app/")).text
    cookie, csrf = await session_for(pool, UB, "ub-publisher", frozenset({"publisher"}))
    publisher = Official(http, app, cookie, csrf)
    page = await publisher.get(path)
    form = form_at(page.text, path)
    before = await stream_version(pool, IN_FORCE)
    refused = await publisher.post(path, {**form, "channel": "", "published_on": "igår"})
    assert refused.status_code == 422
    assert '<a href="#published_on">' in error_summary(refused.text)
    refused = await publisher.post(path, {**form, "channel": "", "published_on": TODAY.isoformat()})
    assert refused.status_code == 422
    assert '<a href="#channel">' in error_summary(refused.text)  # the API's blank_text
    assert await stream_version(pool, IN_FORCE) == before
    published = await publisher.post(
        path,
        {
            **form,
            "channel": "Kommunens webbplats",
            "url": "https://example.org/lofte",
            "published_on": TODAY.isoformat(),
        },
    )
    page = await followed(publisher, published)
    assert page.status_code == 200 and f'href="{path}"' not in page.text
    assert await stream_version(pool, IN_FORCE) == before + 1


async def test_a_commitment_is_changed_on_its_own_page_and_a_focus_area_in_use_stays(
    editor: Official, pool: asyncpg.Pool
) -> None:
    promise_id, page = await drafted(editor)
    base = f"/app/loften/{promise_id}/skriv"
    page = await followed(
        editor,
        await editor.post(
            f"{base}/fokusomrade",
            {**form_at(page.text, f"{base}/fokusomrade"), "fa_title": "Testdata: område"},
        ),
    )
    area = re.search(r'<option value="(fo-[^"]+)">Testdata: område', page.text)
    assert area is not None, page.text
    page = await followed(
        editor,
        await editor.post(
            f"{base}/atagande",
            {
                **form_at(page.text, f"{base}/atagande"),
                "c_text": "Testdata: trafikkontroller",
                "c_focus_area": area.group(1),
                "c_quantity": "10",
                "c_unit": "kontroll",
            },
        ),
    )
    change = re.search(rf'href="({base}/atagande/at-[^"]+)"', page.text)
    assert change is not None, page.text
    form_page = await editor.get(change.group(1))
    assert form_page.status_code == 200 and 'value="10"' in form_page.text
    action = f"{base}/andra-atagande"
    page = await followed(
        editor,
        await editor.post(
            action,
            {
                **form_at(form_page.text, action),
                "c_text": "Testdata: fler trafikkontroller",
                "c_focus_area": area.group(1),
                "c_quantity": "12",
                "c_unit": "kontroll",
                "c_per": "year",
            },
        ),
    )
    assert "Testdata: fler trafikkontroller" in page.text
    assert "minst 12 kontroll per år" in page.text

    # The API keeps a focus area a commitment belongs to; its refusal is shown, nothing changes.
    before = await stream_version(pool, promise_id)
    remove = f"{base}/ta-bort-fokusomrade"
    refused = await editor.post(remove, form_at(page.text, remove))
    assert refused.status_code == 422, refused.text
    assert "Ett åtagande hör fortfarande till fokusområdet." in error_summary(refused.text)
    assert await stream_version(pool, promise_id) == before

    strike = f"{base}/ta-bort-atagande"
    page = await followed(
        editor, await editor.post(strike, {**form_at(page.text, strike), "reason": "Testdata"})
    )
    assert "Testdata: fler trafikkontroller" not in page.text
    page = await followed(editor, await editor.post(remove, form_at(page.text, remove)))
    assert '<span class="what">Testdata: område</span>' not in page.text


async def test_a_signed_promise_whose_period_has_not_begun_is_not_put_in_force(
    app: RunningApp, editor: Official, pool: asyncpg.Pool
) -> None:
    page = (await editor.get("/app/loften/nytt")).text
    posted = await editor.post(
        "/app/loften/nytt",
        {
            **form_at(page, "/app/loften/nytt"),
            "title": "Testdata: nästa års löfte",
            "label": str(TODAY.year + 1),
            "parties": LPO,
        },
    )
    page = await followed(editor, posted)
    promise_id = posted.headers["location"].split("/")[3]
    base = f"/app/loften/{promise_id}/skriv"
    page = await followed(
        editor,
        await editor.post(
            f"{base}/fokusomrade",
            {**form_at(page.text, f"{base}/fokusomrade"), "fa_title": "Testdata: område"},
        ),
    )
    await followed(
        editor, await editor.post(f"{base}/foreslaa", form_at(page.text, f"{base}/foreslaa"))
    )
    path = f"/app/loften/{promise_id}/underteckna"
    for org, person in ((UB, UB_SIGNER), (LPO, LPO_SIGNER)):
        signer = await official(app, pool, editor.http, org, person)
        page = await signer.get(path)
        page = await followed(signer, await signer.post(path, form_at(page.text, path)))
    assert '<dd class="status">Undertecknat</dd>' in page.text, page.text
    force = f"/app/loften/{promise_id}/ikraft"
    before = await stream_version(pool, promise_id)
    page = await editor.get(path)
    refused = await editor.post(force, form_at(page.text, force))
    assert refused.status_code == 422, refused.text
    assert "träder i kraft" in error_summary(refused.text)
    assert await stream_version(pool, promise_id) == before


async def test_a_place_of_the_promise_names_the_municipalitys_shared_place(
    app: RunningApp, editor: Official, http: httpx.AsyncClient
) -> None:
    api = Client(http, app, app.token(UB, "editor"))
    registered = await api.ok(
        "registerMunicipalPlace",
        placeId="ws-write-stationen",
        municipalityId=UB,
        name="Testdata: stationsområdet i Bro",
        kind="station",
    )
    promise_id, page = await drafted(editor)
    await caught_up(api, promise_id, registered["consistencyToken"])
    page = await editor.get(f"/app/loften/{promise_id}/skriv")
    assert '<option value="ws-write-stationen">Testdata: stationsområdet i Bro</option>' in (
        page.text
    )
    base = f"/app/loften/{promise_id}/skriv"
    await followed(
        editor,
        await editor.post(
            f"{base}/plats",
            {
                **form_at(page.text, f"{base}/plats"),
                "pl_name": "Stationen",
                "pl_kind": "station",
                "pl_shared": "ws-write-stationen",
            },
        ),
    )
    state = (await api.query(WORKING, id=promise_id))["promise"]["document"]["state"]
    [place] = state["working"]["content"]["places"]
    assert (place["name"], place["shared_place_id"], place["municipality_id"]) == (
        "Stationen",
        "ws-write-stationen",
        UB,
    )
