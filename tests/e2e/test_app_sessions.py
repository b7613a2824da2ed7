"""Browser sessions that end: logout, an org_admin's revocation, expiry, and the pre-login cookie.

The served app of `test_app_sso.py` (dev mode off, two real OpenID Providers); sessions live in
PostgreSQL and the cookie carries only an opaque id, so a cookie kept after its session ended
grants nothing.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from service.identity.login import CSRF_HEADER
from tests.conftest import Database
from tests.e2e.test_app_sso import (
    COOKIE,
    LPO,
    OWN_PROMISE,
    PROTOCOL,
    SUBSCRIBE,
    UB,
    UB_PROMISE,
    WAIT_S,
    Caller,
    ScriptedBrowser,
    SsoApp,
    Tokens,
    app,
    as_user,
    demo_loaded,
    demo_ready,
    login_env,
    tokens,
)
from tests.idp.fixtures import Idps, follow_idp_login

__all__ = ["app", "demo_loaded", "demo_ready", "login_env", "tokens"]

LOGIN_COOKIE = "__Host-samverkan_login"
REVOKE = """mutation($who: String!) {
  revokeSessions(personOrSubject: $who) {
    __typename
    ... on SessionsRevoked { count }
    ... on Forbidden { message }
    ... on InvalidInput { message field }
  }
}"""


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=15) as client:
        yield client


def browser_for(http: httpx.AsyncClient, app: SsoApp, idps: Idps) -> ScriptedBrowser:
    return ScriptedBrowser(http, app, idps)


async def replay(
    http: httpx.AsyncClient, app: SsoApp, cookie: str, csrf: str, query: str = OWN_PROMISE
) -> httpx.Response:
    """A GraphQL POST carrying a session cookie and its CSRF token, as a kept copy would."""
    return await http.post(
        f"{app.url}/graphql",
        json={"query": query},
        headers={"cookie": f"{COOKIE}={cookie}", CSRF_HEADER: csrf},
    )


async def session_of(http: httpx.AsyncClient, app: SsoApp, cookie: str) -> Any:
    response = await http.get(f"{app.url}/auth/session", headers={"cookie": f"{COOKIE}={cookie}"})
    assert response.status_code == 200, response.text
    return response.json()


def assert_grants_nothing(response: httpx.Response) -> None:
    """A kept cookie whose session ended is refused (401), and the answer clears the cookie."""
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "session_ended", response.text
    assert "data" not in response.json()
    cleared = [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}=")]
    assert cleared and "max-age=0" in cleared[0].lower(), cleared


async def test_logout_ends_the_session_so_a_kept_cookie_grants_nothing(
    app: SsoApp, idps: Idps, demo_ready: None, http: httpx.AsyncClient
) -> None:
    browser = browser_for(http, app, idps)
    session = await browser.log_in("kommun", "ub-editor")
    kept, csrf = browser.session, session["csrf_token"]
    assert kept is not None
    before = await replay(http, app, kept, csrf)
    assert before.status_code == 200 and before.json()["data"]["promise"]["publicOnly"] is False
    out = await browser.app_request("POST", "/logout")
    assert out.status_code == 303
    assert_grants_nothing(await replay(http, app, kept, csrf))
    assert await session_of(http, app, kept) == {"authenticated": False}


async def test_the_session_cookie_is_an_opaque_id_not_the_principal(
    app: SsoApp, idps: Idps, http: httpx.AsyncClient
) -> None:
    browser = browser_for(http, app, idps)
    await browser.log_in("kommun", "ub-publisher")
    value = browser.session
    assert value is not None
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value), value
    assert "ub-publisher" not in json.dumps(decodings(value))


async def test_an_org_admin_ends_a_members_sessions_but_not_another_organisations(
    app: SsoApp, idps: Idps, demo_ready: None, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    member = browser_for(http, app, idps)
    member_csrf = (await member.log_in("kommun", "ub-signatory"))["csrf_token"]
    # A browser of its own: one client would carry the provider's session to the second login.
    async with httpx.AsyncClient(timeout=15) as elsewhere_http:
        outsider = browser_for(elsewhere_http, app, idps)
        outsider_session = await outsider.log_in("kommun", "arjeplog-editor")
    assert outsider_session["principal"]["subject"] == "arjeplog-editor"
    outsider_csrf = outsider_session["csrf_token"]
    assert member.session is not None and outsider.session is not None
    admin = await as_user(http, app, tokens, "ub-admin")

    elsewhere = (await admin.data(REVOKE, who="arjeplog-editor"))["revokeSessions"]
    assert elsewhere == {"__typename": "SessionsRevoked", "count": 0}
    still = await replay(http, app, outsider.session, outsider_csrf, "{ logSize }")
    assert still.status_code == 200, still.text

    done = (await admin.data(REVOKE, who="ub-signatory"))["revokeSessions"]
    assert done["__typename"] == "SessionsRevoked" and done["count"] >= 1, done
    assert_grants_nothing(await replay(http, app, member.session, member_csrf))
    assert (await replay(http, app, outsider.session, outsider_csrf, "{ logSize }")).is_success


async def test_only_an_org_admin_may_revoke_sessions(
    app: SsoApp, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    editor = await as_user(http, app, tokens, "ub-editor")
    refused = (await editor.data(REVOKE, who="ub-signatory"))["revokeSessions"]
    assert refused["__typename"] == "Forbidden", refused
    anonymous = (await Caller(http, app, None).data(REVOKE, who="ub-signatory"))["revokeSessions"]
    assert anonymous["__typename"] == "Forbidden", anonymous
    admin = await as_user(http, app, tokens, "ub-admin")
    blank = (await admin.data(REVOKE, who="  "))["revokeSessions"]
    assert blank["__typename"] == "InvalidInput", blank


async def test_an_expired_session_grants_nothing(
    app: SsoApp, idps: Idps, db: Database, demo_ready: None, http: httpx.AsyncClient
) -> None:
    browser = browser_for(http, app, idps)
    csrf = (await browser.log_in("kommun", "ub-editor"))["csrf_token"]
    kept = browser.session
    assert kept is not None
    assert (await replay(http, app, kept, csrf)).status_code == 200
    # The clock is not the test's to move; the row's expiry is (as the owner, not the app role).
    conn = await asyncpg.connect(db.admin_url)
    try:
        moved = await conn.execute(
            "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id_hash = $1",
            hashlib.sha256(kept.encode()).digest(),
        )
    finally:
        await conn.close()
    assert moved == "UPDATE 1"
    assert_grants_nothing(await replay(http, app, kept, csrf))
    assert await session_of(http, app, kept) == {"authenticated": False}


def decodings(value: str) -> list[str]:
    """Every readable text a cookie value yields to base64 (whole, or any `.`-separated part)."""
    found = [value]
    for part in [value, *value.split(".")]:
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            try:
                found.append(decode(part + "=" * (-len(part) % 4)).decode("utf-8", "replace"))
            except (binascii.Error, ValueError):
                continue
    return found


async def test_the_pre_login_cookie_does_not_reveal_the_pkce_verifier_or_the_nonce(
    app: SsoApp, idps: Idps, http: httpx.AsyncClient
) -> None:
    browser = browser_for(http, app, idps)
    start = await browser.app_request("GET", "/login/kommun")
    assert start.status_code == 302
    query = parse_qs(urlsplit(start.headers["location"]).query)
    nonce, challenge = query["nonce"][0], query["code_challenge"][0]
    pending = dict(browser.cookies)
    assert pending, "the login left no pre-login cookie"
    texts = [text for value in pending.values() for text in decodings(value)]
    words = {w for text in texts for w in re.findall(r"[A-Za-z0-9_~.-]{20,}", text)}

    def challenge_of(verifier: str) -> str:
        digest = hashlib.sha256(verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    assert not [w for w in words if challenge_of(w) == challenge], "the verifier is readable"
    assert not [t for t in texts if nonce in t], "the nonce is readable"
    # The flow still completes with that cookie: the state it holds is only unreadable.
    landed = await follow_idp_login(
        http, start.headers["location"], user="ub-editor", stop_at=idps.callback_url
    )
    done = await browser.app_request("GET", landed.removeprefix(app.url))
    assert done.status_code == 303, done.text
    assert LOGIN_COOKIE not in browser.cookies
    assert (await browser.app_request("GET", "/auth/session")).json()["authenticated"] is True


async def test_a_cookie_subscription_ends_when_the_session_is_revoked(
    app: SsoApp, idps: Idps, demo_ready: None, http: httpx.AsyncClient
) -> None:
    browser = browser_for(http, app, idps)
    csrf = (await browser.log_in("kommun", "ub-editor"))["csrf_token"]
    url = app.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(
        url,
        subprotocols=[PROTOCOL],  # type: ignore[list-item]
        additional_headers={"cookie": f"{COOKIE}={browser.session}"},
        open_timeout=10,
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"csrfToken": csrf}}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        assert ack["type"] == "connection_ack", ack
        subscribe = {"query": SUBSCRIBE, "variables": {"id": UB_PROMISE}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        first = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        assert first["payload"]["data"]["promiseChanged"]["id"] == UB_PROMISE
        assert (await browser.app_request("POST", "/logout")).status_code == 303
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(WAIT_S):
                while True:
                    message = json.loads(await ws.recv())
                    assert message["type"] != "next", message
    assert closed.value.rcvd is not None, closed.value
    assert closed.value.rcvd.code == 4403
    assert closed.value.rcvd.reason == "session has ended"


async def test_a_cookie_subscription_needs_the_sessions_csrf_token(
    app: SsoApp, idps: Idps, http: httpx.AsyncClient
) -> None:
    browser = browser_for(http, app, idps)
    await browser.log_in("kommun", "ub-editor")
    url = app.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(
        url,
        subprotocols=[PROTOCOL],  # type: ignore[list-item]
        additional_headers={"cookie": f"{COOKIE}={browser.session}"},
        open_timeout=10,
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"csrfToken": "guess"}}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def revoke_elsewhere(db: Database, cookie: str) -> None:
    """Revoke a session the way another API node would: in the table, unheard by this node."""
    conn = await asyncpg.connect(db.admin_url)
    try:
        done = await conn.execute(
            "UPDATE sessions SET revoked_at = now(), revoked_by = 'another node' "
            "WHERE id_hash = $1",
            hashlib.sha256(cookie.encode()).digest(),
        )
    finally:
        await conn.close()
    assert done == "UPDATE 1"


async def cookie_socket(app: SsoApp, cookie: str, csrf: str) -> Any:
    """A graphql-transport-ws connection authenticated by the session cookie, acknowledged."""
    url = app.url.replace("http://", "ws://") + "/graphql"
    ws = await websockets.connect(
        url,
        subprotocols=[PROTOCOL],  # type: ignore[list-item]
        additional_headers={"cookie": f"{COOKIE}={cookie}"},
        open_timeout=10,
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": {"csrfToken": csrf}}))
    ack = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
    assert ack["type"] == "connection_ack", ack
    return ws


async def test_a_push_after_a_revocation_on_another_node_is_refused_not_sent(
    app: SsoApp, idps: Idps, db: Database, demo_ready: None, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    editor = await as_user(http, app, tokens, "ub-editor")
    await editor.ok(
        "draftPromise",
        promiseId="ub-revoked-elsewhere",
        parties=[UB, LPO],
        details={"title": "Revoked elsewhere", "period": {"label": "2033"}},
    )
    browser = browser_for(http, app, idps)
    csrf = (await browser.log_in("kommun", "ub-publisher"))["csrf_token"]
    assert browser.session is not None
    ws = await cookie_socket(app, browser.session, csrf)
    try:
        subscribe = {"query": SUBSCRIBE, "variables": {"id": "ub-revoked-elsewhere"}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        first = json.loads(await asyncio.wait_for(ws.recv(), timeout=WAIT_S))
        assert first["payload"]["data"]["promiseChanged"]["id"] == "ub-revoked-elsewhere"
        await revoke_elsewhere(db, browser.session)
        await editor.ok(
            "addFocusArea",
            promiseId="ub-revoked-elsewhere",
            focusArea={"focusAreaId": "late", "title": "After the revocation"},
        )
        # The re-check (every 30 s) has not run; the push itself asks the session first.
        refused = json.loads(await asyncio.wait_for(ws.recv(), timeout=WAIT_S))
        assert refused["type"] == "next", refused
        assert refused["payload"]["data"] is None, refused
        assert [e["extensions"]["code"] for e in refused["payload"]["errors"]] == [
            "UNAUTHENTICATED"
        ]
        done = json.loads(await asyncio.wait_for(ws.recv(), timeout=WAIT_S))
        assert done == {"id": "1", "type": "complete"}
    finally:
        await ws.close()


async def test_an_operation_after_a_revocation_on_another_node_closes_the_connection(
    app: SsoApp, idps: Idps, db: Database, http: httpx.AsyncClient
) -> None:
    browser = browser_for(http, app, idps)
    csrf = (await browser.log_in("kommun", "ub-signatory"))["csrf_token"]
    assert browser.session is not None
    ws = await cookie_socket(app, browser.session, csrf)
    try:
        query = {"query": "{ logSize }"}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": query}))
        answered = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        assert answered["type"] == "next" and "logSize" in answered["payload"]["data"]
        await revoke_elsewhere(db, browser.session)
        await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": query}))
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(10):
                while True:
                    message = json.loads(await ws.recv())
                    assert message.get("id") != "2", message
    finally:
        await ws.close()
    assert closed.value.rcvd is not None, closed.value
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4403, "session has ended")
