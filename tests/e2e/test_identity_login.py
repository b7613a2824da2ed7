"""Scripted browser logins (plain HTTP, no browser) through the real test providers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from service.identity.cookies import csrf_valid, current_session, prelogin_cipher
from service.identity.errors import SessionEnded
from service.identity.login import CSRF_HEADER, LoginSettings, build_login
from service.identity.registry import IssuerRegistry, load_registry
from tests.idp.fixtures import LOGIN_SECRETS, Idps, follow_idp_login

SECRET = "test-session-secret"


def make_app(registry: IssuerRegistry, settings: LoginSettings, pool: asyncpg.Pool) -> Starlette:
    login = build_login(registry, settings, secrets_env=LOGIN_SECRETS, pool=lambda: pool)

    async def session_principal(request: Request) -> Any:
        try:
            session = await current_session(request)
        except SessionEnded:
            return None
        return None if session is None else session.principal

    async def home(request: Request) -> Response:
        return PlainTextResponse("home")

    async def whoami(request: Request) -> Response:
        principal = await session_principal(request)
        if principal is None:
            return JSONResponse({"anonymous": True})
        return JSONResponse(
            {
                "organisation_id": principal.organisation_id,
                "roles": sorted(principal.roles),
                "subject": principal.subject,
                "issuer": principal.issuer,
                "client_id": principal.client_id,
            }
        )

    async def change(request: Request) -> Response:
        session = await current_session(request)
        if session is None:
            return JSONResponse({"error": "login required"}, status_code=401)
        if not csrf_valid(request, session):
            return JSONResponse({"error": "csrf"}, status_code=403)
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            *login.routes,
            Route("/", home),
            Route("/whoami", whoami),
            Route("/change", change, methods=["POST"]),
        ],
        middleware=login.middleware,
    )


@pytest.fixture
def registry(issuer_registry_file: Path) -> IssuerRegistry:
    return load_registry(issuer_registry_file)


def settings_for(idps: Idps, *, dev: bool) -> LoginSettings:
    return LoginSettings(public_url=idps.app_origin, session_secret=SECRET, dev=dev)


@pytest.fixture
async def browser(
    idps: Idps, registry: IssuerRegistry, pool: asyncpg.Pool
) -> AsyncIterator[httpx.AsyncClient]:
    """One cookie jar; the app origin is served in-process, the providers over loopback."""
    app = make_app(registry, settings_for(idps, dev=True), pool)
    async with httpx.AsyncClient(
        mounts={idps.app_origin: httpx.ASGITransport(app=app)}, timeout=10
    ) as client:
        yield client


async def reach_callback(browser: httpx.AsyncClient, idps: Idps, provider: str, user: str) -> str:
    start = await browser.get(f"{idps.app_origin}/login/{provider}")
    assert start.status_code == 302
    return await follow_idp_login(
        browser, start.headers["location"], user=user, stop_at=idps.callback_url
    )


async def log_in(browser: httpx.AsyncClient, idps: Idps, provider: str, user: str) -> Any:
    callback = await reach_callback(browser, idps, provider, user)
    done = await browser.get(callback)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/"
    return (await browser.get(f"{idps.app_origin}/whoami")).json()


@pytest.mark.asyncio
async def test_a_police_signatory_logs_in_and_gets_a_police_area_principal(
    browser: httpx.AsyncClient, idps: Idps
) -> None:
    me = await log_in(browser, idps, "polisen", "p-signatory")
    assert me == {
        "organisation_id": "polisen-lpo-jarfalla",
        "roles": ["signatory", "viewer"],
        "subject": "p-signatory",
        "issuer": idps.police.issuer,
        "client_id": "samverkan-web",
    }


@pytest.mark.asyncio
async def test_a_municipal_editor_of_arjeplog_logs_in_as_arjeplog(
    browser: httpx.AsyncClient, idps: Idps
) -> None:
    me = await log_in(browser, idps, "kommun", "arjeplog-editor")
    assert me["organisation_id"] == "kommun-arjeplog"
    assert me["roles"] == ["editor", "viewer"]


@pytest.mark.asyncio
async def test_the_authorization_request_uses_pkce_s256_state_and_nonce(
    browser: httpx.AsyncClient, idps: Idps
) -> None:
    start = await browser.get(f"{idps.app_origin}/login/polisen")
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == [idps.callback_url]
    assert query["response_type"] == ["code"]


@pytest.mark.asyncio
async def test_a_callback_with_a_mismatching_state_is_an_error_not_a_crash(
    browser: httpx.AsyncClient, idps: Idps
) -> None:
    callback = await reach_callback(browser, idps, "polisen", "p-editor")
    query = parse_qs(urlsplit(callback).query)
    forged = urlencode({"code": query["code"][0], "state": "not-the-state"})
    response = await browser.get(f"{idps.callback_url}?{forged}")
    assert response.status_code == 400
    assert response.json()["error"] == "mismatching_state"
    assert (await browser.get(f"{idps.app_origin}/whoami")).json() == {"anonymous": True}


@pytest.mark.asyncio
async def test_a_replayed_authorization_code_is_refused(
    browser: httpx.AsyncClient, idps: Idps
) -> None:
    first = await reach_callback(browser, idps, "polisen", "p-editor")
    assert (await browser.get(first)).status_code == 303
    old_code = parse_qs(urlsplit(first).query)["code"][0]
    # A new login in the same session, answered with the already redeemed code.
    second = await reach_callback(browser, idps, "polisen", "p-editor")
    state = parse_qs(urlsplit(second).query)["state"][0]
    query = urlencode({"code": old_code, "state": state})
    replay = await browser.get(f"{idps.callback_url}?{query}")
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


@pytest.mark.asyncio
async def test_a_nonce_mismatch_is_an_error_not_a_crash(
    browser: httpx.AsyncClient, idps: Idps
) -> None:
    callback = await reach_callback(browser, idps, "polisen", "p-editor")
    cookie = "samverkan_login"
    pending = _open(browser.cookies[cookie])
    (state_key,) = [k for k in pending if k.startswith("_state_polisen_")]
    pending[state_key]["data"]["nonce"] = "some-other-nonce"
    browser.cookies.set(cookie, _seal(pending), domain="127.0.0.1")
    response = await browser.get(callback)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_id_token", response.text
    assert "nonce" in response.json()["error_description"]


@pytest.mark.asyncio
async def test_a_callback_without_a_pending_login_is_an_error(
    browser: httpx.AsyncClient, idps: Idps
) -> None:
    response = await browser.get(f"{idps.callback_url}?code=x&state=y")
    assert response.status_code == 400
    assert response.json()["error"] == "no_login_pending"


@pytest.mark.asyncio
async def test_an_unknown_provider_is_not_found(browser: httpx.AsyncClient, idps: Idps) -> None:
    assert (await browser.get(f"{idps.app_origin}/login/nobody")).status_code == 404


@pytest.mark.asyncio
async def test_a_police_user_claiming_a_municipality_cannot_log_in(
    browser: httpx.AsyncClient, idps: Idps
) -> None:
    callback = await reach_callback(browser, idps, "polisen", "p-rogue")
    response = await browser.get(callback)
    assert response.status_code == 403
    assert "not allowed" in response.json()["error_description"]
    assert (await browser.get(f"{idps.app_origin}/whoami")).json() == {"anonymous": True}


@pytest.mark.asyncio
async def test_the_pre_login_cookie_is_httponly_lax_and_secure_outside_dev(
    idps: Idps, registry: IssuerRegistry, pool: asyncpg.Pool
) -> None:
    app = make_app(registry, settings_for(idps, dev=False), pool)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        response = await client.get(f"{idps.app_origin}/login/polisen")
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("__host-samverkan_login=")
    for flag in ("httponly", "samesite=lax", "secure", "path=/"):
        assert flag in cookie
    assert "domain=" not in cookie


@pytest.mark.asyncio
async def test_the_dev_pre_login_cookie_is_httponly_and_lax_but_not_secure(
    browser: httpx.AsyncClient, idps: Idps
) -> None:
    response = await browser.get(f"{idps.app_origin}/login/polisen")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie


@pytest.mark.asyncio
async def test_the_session_cookie_is_an_opaque_id_and_the_pre_login_cookie_is_gone(
    browser: httpx.AsyncClient, idps: Idps, pool: asyncpg.Pool
) -> None:
    await log_in(browser, idps, "kommun", "ub-editor")
    assert "samverkan_login" not in browser.cookies
    value = browser.cookies["samverkan_session"]
    assert len(value) == 43 and "." not in value and "eyJ" not in value
    stored = await pool.fetchrow(
        "SELECT provider, principal FROM sessions WHERE id_hash = sha256($1::bytea)",
        value.encode(),
    )
    assert stored is not None and stored["provider"] == "kommun"
    assert stored["principal"]["subject"] == "ub-editor"
    assert "eyJ" not in json.dumps(stored["principal"])


@pytest.mark.asyncio
async def test_logout_clears_the_session_and_ends_the_provider_session(
    browser: httpx.AsyncClient, idps: Idps
) -> None:
    await log_in(browser, idps, "kommun", "ub-signatory")
    response = await browser.get(f"{idps.app_origin}/logout")
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == (
        f"{idps.municipality.issuer}/session/end"
    )
    query = parse_qs(target.query)
    assert query["client_id"] == ["samverkan-web"]
    assert query["post_logout_redirect_uri"] == [f"{idps.app_origin}/"]
    assert (await browser.get(f"{idps.app_origin}/whoami")).json() == {"anonymous": True}
    assert (await browser.get(f"{idps.app_origin}/auth/session")).json() == {"authenticated": False}


@pytest.mark.asyncio
async def test_cookie_authenticated_posts_need_the_sessions_csrf_token(
    browser: httpx.AsyncClient, idps: Idps
) -> None:
    change = f"{idps.app_origin}/change"
    assert (await browser.post(change)).status_code == 401
    await log_in(browser, idps, "kommun", "ub-publisher")
    session = (await browser.get(f"{idps.app_origin}/auth/session")).json()
    assert session["authenticated"] is True
    assert session["principal"]["organisation_id"] == "kommun-upplands-bro"
    token = session["csrf_token"]
    assert (await browser.post(change)).status_code == 403
    assert (await browser.post(change, headers={CSRF_HEADER: "guess"})).status_code == 403
    assert (await browser.post(change, headers={CSRF_HEADER: token})).status_code == 200


def _open(cookie: str) -> dict[str, Any]:
    """The pre-login cookie's content, opened with the app's own key (the test holds it)."""
    data: dict[str, Any] = json.loads(prelogin_cipher(SECRET).decrypt(cookie.encode()))
    return data


def _seal(pending: dict[str, Any]) -> str:
    return prelogin_cipher(SECRET).encrypt(json.dumps(pending).encode()).decode()
