"""The workspace's Katalog, Granskning and Översikt over HTTP: an org_admin grants a signing
mandate that then shows, others get the API's own refusal, a post without the CSRF token
changes nothing, an auditor reads a promise's history in words and an event's proof with the
server's verdict (which a tampered proof fails), and the overview lists a police area's
municipalities' promises.

The served dev app on a real PostgreSQL; sessions are rows of the app's own session store.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import AsyncIterator
from html import unescape
from typing import Any

import asyncpg
import httpx
import pytest

from service.audit.keys import read_key_file, vkey_path_for
from service.web.workspace import audit
from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client
from tests.api.test_public_page import publish_promise
from tests.api.workspace_client import Official, session_for

UB, LPO = "org-upplands-bro", "org-lpo-jarfalla"
PROMISE = "ub-ws-admin"
PERSON, PERSON_NAME = "ws-admin-tyra", "Testdata Tyra Testsson"
ROLE_ASSIGNMENT = "ws-admin-tyra-roll"
WAIT = """query($token: String) {
  promises(first: 1, consistencyToken: $token) { pageInfo { hasNextPage } } }"""
CHECKPOINT = "{ latestCheckpoint { size } logSize }"
PROOF = """query($e: ID!) { inclusionProof(eventId: $e) {
  eventId logIndex treeSize leaf leafHash hashes finality checkpoint { size note } } }"""


@pytest.fixture(scope="module")
async def admin_app(dev_app: RunningApp) -> AsyncIterator[RunningApp]:
    """The dev app with a published promise of Upplands-Bro and LPO Järfälla, and a person of
    Upplands-Bro with a role but no signing mandate."""
    async with httpx.AsyncClient(timeout=15) as http:
        await publish_promise(dev_app, http, PROMISE, covers=None)
        admin = Client(http, dev_app, dev_app.token(UB, "org_admin"))
        await admin.ok("registerPerson", personId=PERSON, name=PERSON_NAME)
        assigned = await admin.ok(
            "assignRole",
            assignmentId=ROLE_ASSIGNMENT,
            personId=PERSON,
            orgId=UB,
            title="Säkerhetssamordnare",
            role="editor",
        )
        await admin.query(WAIT, token=assigned["consistencyToken"])
    yield dev_app


async def official(
    app: RunningApp,
    pool: asyncpg.Pool,
    http: httpx.AsyncClient,
    org: str,
    subject: str,
    roles: frozenset[str],
) -> Official:
    cookie, csrf = await session_for(pool, org, subject, roles=roles)
    return Official(http, app, cookie, csrf)


def form_at(page: str, action: str, index: int = 0) -> dict[str, str]:
    """The hidden fields of the `index`th form posting to `action`."""
    forms = re.findall(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S)
    assert len(forms) > index, f"no form {index} posting to {action}"
    return {
        name: unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', forms[index]
        )
    }


async def mandates_of(
    app: RunningApp, http: httpx.AsyncClient, person: str
) -> list[dict[str, Any]]:
    reader = Client(http, app, app.token(UB, "viewer"))
    data = await reader.query(
        "query($o: ID!) { organisation(id: $o) { mandates { mandateId personId revokedOn } } }",
        o=UB,
    )
    return [m for m in data["organisation"]["mandates"] if m["personId"] == person]


async def test_an_org_admin_grants_a_signing_mandate_once_and_it_shows_in_the_directory(
    admin_app: RunningApp, pool: asyncpg.Pool, http: httpx.AsyncClient
) -> None:
    admin = await official(admin_app, pool, http, UB, "ub-admin", frozenset({"org_admin"}))
    page = await admin.get("/app/katalog")
    assert page.status_code == 200, page.text
    assert "<h1>Katalog: Upplands-Bro kommun</h1>" in page.text
    assert PERSON_NAME in page.text and 'href="/app/katalog"' in page.text
    form = form_at(page.text, "/app/katalog/mandat") | {"mandate_person": PERSON}
    granted = await admin.post("/app/katalog/mandat", form)
    assert granted.status_code == 303, granted.text
    assert granted.headers["location"].startswith("/app/katalog?efter=")
    again = await admin.post("/app/katalog/mandat", form)  # a double tap: the same command
    assert again.status_code == 303

    shown = await admin.get(again.headers["location"].split("#")[0])  # waits for the write
    rows = re.findall(r'<tr data-mandate-id="mandat-[^"]+">(.*?)</tr>', shown.text, re.S)
    assert len(rows) == 1, rows
    assert PERSON_NAME in rows[0] and "beviljat" in rows[0]
    assert len(await mandates_of(admin_app, http, PERSON)) == 1


async def test_a_reversed_mandate_period_is_the_apis_refusal_linked_to_its_field(
    admin_app: RunningApp, pool: asyncpg.Pool, http: httpx.AsyncClient
) -> None:
    admin = await official(admin_app, pool, http, UB, "ub-admin-2", frozenset({"org_admin"}))
    page = await admin.get("/app/katalog")
    form = form_at(page.text, "/app/katalog/mandat") | {
        "mandate_person": PERSON,
        "mandate_valid_from": "2030-06-01",
        "mandate_valid_to": "2030-01-01",
    }
    refused = await admin.post("/app/katalog/mandat", form)
    assert refused.status_code == 422, refused.text
    summary = re.search(r'<div class="error-summary".*?</div>', refused.text, re.S)
    assert summary is not None
    assert '<a href="#mandate_valid_to">' in summary.group(0)
    assert "slutar (2030-01-01) innan den börjar" in summary.group(0)  # the API's message
    assert 'id="mandate_valid_to" name="mandate_valid_to" value="2030-01-01"' in refused.text
    assert form_at(refused.text, "/app/katalog/mandat")["command_id"] == form["command_id"]


async def test_an_editor_is_refused_with_the_apis_typed_refusal_and_nothing_changes(
    admin_app: RunningApp, pool: asyncpg.Pool, http: httpx.AsyncClient
) -> None:
    editor = await official(admin_app, pool, http, UB, "ub-editor", frozenset({"editor"}))
    page = await editor.get("/app/katalog")
    assert page.status_code == 200
    assert 'href="/app/katalog"' not in page.text  # no nav link but for an org_admin
    assert 'href="/app/granskning"' not in page.text  # nor but for an auditor
    before = await mandates_of(admin_app, http, PERSON)
    form = form_at(page.text, "/app/katalog/mandat") | {"mandate_person": PERSON}
    refused = await editor.post("/app/katalog/mandat", form)
    assert refused.status_code == 422, refused.text
    assert 'role="alert"' in refused.text
    assert "Bara en org_admin för org-upplands-bro får ändra" in refused.text
    assert await mandates_of(admin_app, http, PERSON) == before


async def test_another_organisations_admin_cannot_end_a_role_here(
    admin_app: RunningApp, pool: asyncpg.Pool, http: httpx.AsyncClient
) -> None:
    police = await official(admin_app, pool, http, LPO, "p-admin", frozenset({"org_admin"}))
    page = await police.get("/app/katalog")
    assert "<h1>Katalog: Lokalpolisområde Järfälla</h1>" in page.text
    assert PERSON_NAME not in page.text  # the directory of the session's own organisation
    form = {
        "csrf_token": police.csrf,
        "command_id": "ws-admin-foreign-end",
        "assignment_id": ROLE_ASSIGNMENT,
        "ended_on": "2031-01-01",
    }
    refused = await police.post("/app/katalog/roller/avsluta", form)
    assert refused.status_code == 422, refused.text
    assert "Bara en org_admin för org-upplands-bro" in refused.text
    reader = Client(http, admin_app, admin_app.token(UB, "viewer"))
    data = await reader.query(
        "query($o: ID!) { organisation(id: $o) { people { assignmentId validTo } } }", o=UB
    )
    role = [r for r in data["organisation"]["people"] if r["assignmentId"] == ROLE_ASSIGNMENT]
    assert role == [{"assignmentId": ROLE_ASSIGNMENT, "validTo": None}]


async def test_a_directory_post_without_the_csrf_token_is_refused_and_registers_nobody(
    admin_app: RunningApp, pool: asyncpg.Pool, http: httpx.AsyncClient
) -> None:
    admin = await official(admin_app, pool, http, UB, "ub-admin-3", frozenset({"org_admin"}))
    page = await admin.get("/app/katalog")
    form = form_at(page.text, "/app/katalog/personer") | {"name": "Testdata Utan Token"}
    del form["csrf_token"]
    before = await pool.fetchval("SELECT version FROM streams WHERE stream_id = 'directory'")
    refused = await admin.post("/app/katalog/personer", form)
    assert refused.status_code == 403
    assert "<h1>Formuläret avvisades</h1>" in refused.text
    assert "saknade den här inloggningens säkerhetskod" in refused.text
    after = await pool.fetchval("SELECT version FROM streams WHERE stream_id = 'directory'")
    assert before is not None and after == before


async def test_a_registered_person_is_offered_for_a_role_at_once(
    admin_app: RunningApp, pool: asyncpg.Pool, http: httpx.AsyncClient
) -> None:
    admin = await official(admin_app, pool, http, UB, "ub-admin-4", frozenset({"org_admin"}))
    page = await admin.get("/app/katalog")
    form = form_at(page.text, "/app/katalog/personer") | {"name": "Testdata Rut Ny"}
    registered = await admin.post("/app/katalog/personer", form)
    assert registered.status_code == 303, registered.text
    location = registered.headers["location"]
    person = f"person-{form['command_id']}"
    assert f"person={person}" in location
    shown = await admin.get(location.split("#")[0])
    assert f'<option value="{person}" selected>Testdata Rut Ny</option>' in shown.text


async def covered_by_a_checkpoint(client: Client) -> None:
    """Wait (bounded) until a signed checkpoint covers the whole log."""
    async with asyncio.timeout(30):
        while True:
            data = await client.query(CHECKPOINT)
            checkpoint = data["latestCheckpoint"]
            if checkpoint is not None and checkpoint["size"] >= data["logSize"]:
                return
            await asyncio.sleep(0.2)


async def test_an_auditor_reads_the_history_in_words_and_an_events_proof_verified(
    admin_app: RunningApp, pool: asyncpg.Pool, http: httpx.AsyncClient
) -> None:
    auditor = await official(admin_app, pool, http, UB, "auditor", frozenset({"auditor"}))
    start = await auditor.get("/app/granskning")
    assert start.status_code == 200 and "<h1>Granskning</h1>" in start.text
    assert 'href="/app/granskning"' in start.text
    history = await auditor.get(f"/app/granskning/loften/{PROMISE}")
    assert history.status_code == 200, history.text
    assert "upprättade ett utkast till löftet" in history.text
    assert "undertecknade löftet" in history.text
    assert "Upplands-Bro kommun" in history.text
    event_ids = re.findall(r'<tr data-event-id="([0-9a-f-]{36})">', history.text)
    assert event_ids

    await covered_by_a_checkpoint(Client(http, admin_app, admin_app.token(UB, "auditor")))
    proof = await auditor.get(f"/app/granskning/handelser/{event_ids[0]}?lofte={PROMISE}")
    assert proof.status_code == 200, proof.text
    assert "<strong>Verifierat av servern</strong>" in proof.text
    assert 'id="browser-verdict" role="status" aria-live="polite"' in proof.text
    assert "/app/static/proof.js?v=" in proof.text
    script = await http.get(admin_app.url + "/app/static/proof.js")
    assert script.status_code == 200 and "crypto.subtle" in script.text

    exported = await auditor.get(f"/app/granskning/loften/{PROMISE}/historik.json")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    assert [e["eventId"] for e in exported.json()["entries"]] == event_ids


async def test_the_servers_verdict_fails_for_a_tampered_proof(
    admin_app: RunningApp, http: httpx.AsyncClient
) -> None:
    auditor = Client(http, admin_app, admin_app.token(UB, "auditor"))
    await covered_by_a_checkpoint(auditor)
    history = await auditor.query(
        "query($id: ID!) { history(promiseId: $id) { "
        "... on HistoryPage { entries { eventId } } } }",
        id=PROMISE,
    )
    first, second = (e["eventId"] for e in history["history"]["entries"][:2])
    proof = (await auditor.query(PROOF, e=first))["inclusionProof"]
    other = (await auditor.query(PROOF, e=second))["inclusionProof"]
    vkey = read_key_file(vkey_path_for(admin_app.settings.data_dir / "log.key"))
    assert audit.check(proof, vkey) == audit.Verdict(verified=True)

    assert not audit.check({**proof, "leaf": other["leaf"]}, vkey).verified
    assert not audit.check(proof, None).verified
    flipped = bytearray(base64.b64decode(proof["hashes"][0]))
    flipped[0] ^= 1
    tampered_path = [base64.b64encode(bytes(flipped)).decode(), *proof["hashes"][1:]]
    assert not audit.check({**proof, "hashes": tampered_path}, vkey).verified
    note = proof["checkpoint"]["note"].replace(f"\n{proof['treeSize']}\n", "\n1\n", 1)
    assert not audit.check({**proof, "checkpoint": {"note": note}}, vkey).verified


async def test_a_promise_page_shows_who_did_what_and_when_to_a_party(
    admin_app: RunningApp, pool: asyncpg.Pool, http: httpx.AsyncClient
) -> None:
    editor = await official(admin_app, pool, http, UB, "ub-editor-2", frozenset({"editor"}))
    page = await editor.get(f"/app/loften/{PROMISE}")
    assert page.status_code == 200, page.text
    section = page.text.split('<h2 id="historik">', 1)
    assert len(section) == 2 and "publicerade löftet" in section[1]


async def test_the_overview_lists_the_police_areas_municipalities_promises(
    admin_app: RunningApp, pool: asyncpg.Pool, http: httpx.AsyncClient
) -> None:
    police = await official(admin_app, pool, http, LPO, "p-editor", frozenset({"editor"}))
    page = await police.get("/app/oversikt")
    assert page.status_code == 200, page.text
    assert "<h1>Översikt: Lokalpolisområde Järfälla</h1>" in page.text
    assert "<h3" in page.text and "Upplands-Bro kommun</h3>" in page.text
    row = re.search(rf'<tr data-promise-id="{PROMISE}">(.*?)</tr>', page.text, re.S)
    assert row is not None, page.text
    assert f'href="/app/loften/{PROMISE}"' in row.group(1)
    assert "<caption>Löften i Upplands-Bro kommun</caption>" in page.text

    municipality = await official(admin_app, pool, http, UB, "ub-editor-3", frozenset({"editor"}))
    own = await municipality.get("/app/oversikt")
    assert own.status_code == 200
    assert f'<tr data-promise-id="{PROMISE}">' in own.text


async def test_the_overview_of_a_police_region_lists_its_police_areas(
    admin_app: RunningApp, pool: asyncpg.Pool, http: httpx.AsyncClient
) -> None:
    police = await official(admin_app, pool, http, LPO, "p-editor-2", frozenset({"editor"}))
    page = await police.get("/app/oversikt?omrade=org-polisregion-stockholm")
    assert page.status_code == 200, page.text
    assert "<h1>Översikt: Polisregion Stockholm</h1>" in page.text
    assert '<h2 id="omrade-1">' in page.text
    assert ">Lokalpolisområde Järfälla</h2>" in page.text
    assert f'<tr data-promise-id="{PROMISE}">' in page.text

    nowhere = await police.get("/app/oversikt?omrade=no-such-organisation")
    assert nowhere.status_code == 404
