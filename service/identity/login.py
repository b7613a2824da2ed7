"""Browser login (OIDC code flow + PKCE + nonce via Authlib) and the session it leaves.

The session lives in PostgreSQL (`sessions.py`); its cookie carries only an opaque id, and
tokens are never kept. Between `/login/{provider}` and the callback, Authlib's state, nonce and
PKCE verifier travel in the encrypted pre-login cookie (`cookies.py`). `/logout` revokes the
session, so a copy of the old cookie grants nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode, urlsplit

import asyncpg
from authlib.integrations.starlette_client import OAuth, OAuthError
from joserfc.errors import JoseError
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from service.identity.cookies import (
    CSRF_HEADER,
    CookiePolicy,
    SessionCookies,
    current_session,
    session_cookie,
)
from service.identity.errors import InvalidToken, SessionEnded
from service.identity.registry import IssuerEntry, IssuerRegistry
from service.identity.sessions import SessionStore

__all__ = [
    "CALLBACK_PATH",
    "CSRF_HEADER",
    "Login",
    "LoginSettings",
    "build_login",
    "return_path",
]

CALLBACK_PATH = "/auth/callback"
_PENDING = "login_provider"
_RETURN_TO = "login_return_to"
MAX_RETURN_PATH = 2000


def return_path(value: object) -> str | None:
    """`value` when it is a path on this origin to come back to after the login (`/app/…`,
    with its query), else None: nothing with a scheme or host, no `//` or backslash (which
    browsers read as another host), no control characters, at most MAX_RETURN_PATH long."""
    if not isinstance(value, str) or not value.startswith("/") or len(value) > MAX_RETURN_PATH:
        return None
    if value.startswith("//") or "\\" in value or any(ord(c) < 0x21 or c == "\x7f" for c in value):
        return None
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else None


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginSettings:
    """Where the app is reached and how its session cookie behaves."""

    public_url: str
    session_secret: str
    dev: bool = False
    max_age_s: int = 8 * 3600
    """A session's absolute lifetime; it ends then whatever the user does."""
    login_max_age_s: int = 600
    """How long a started login may take before its pre-login cookie is refused."""
    after_login_path: str = "/"
    after_logout_path: str = "/"

    @property
    def callback_url(self) -> str:
        """The absolute redirect URI registered with every provider."""
        return self.public_url.rstrip("/") + CALLBACK_PATH

    @property
    def cookies(self) -> CookiePolicy:
        """Names, attributes and lifetimes of the session and pre-login cookies."""
        return CookiePolicy(
            dev=self.dev, session_max_age_s=self.max_age_s, login_max_age_s=self.login_max_age_s
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Login:
    """The login routes, the cookie middleware they need and the session store."""

    routes: list[BaseRoute]
    middleware: list[Middleware]
    sessions: SessionStore
    providers: tuple[str, ...] = ()
    """The names of the providers one may log in with (`/login/{name}`), in registry order."""


def build_login(
    registry: IssuerRegistry,
    settings: LoginSettings,
    *,
    secrets_env: Mapping[str, str],
    pool: Callable[[], asyncpg.Pool],
) -> Login:
    """Register one Authlib client per registry entry with a `login` table; return the routes.

    `pool` gives the runtime pool (the primary: a revocation must be seen at once) per call.
    """
    oauth = OAuth()
    for entry in registry:
        if entry.login is None:
            continue
        secret = secrets_env.get(entry.login.client_secret_env)
        if not secret:
            raise ValueError(
                f"issuer {entry.name!r}: environment variable "
                f"{entry.login.client_secret_env} (client secret) is not set"
            )
        oauth.register(
            entry.name,
            client_id=entry.login.client_id,
            client_secret=secret,
            server_metadata_url=entry.issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": entry.login.scope, "code_challenge_method": "S256"},
        )
    store = SessionStore(pool, max_age_s=settings.max_age_s)
    flow = _LoginFlow(registry=registry, settings=settings, oauth=oauth, store=store)
    return Login(
        routes=[
            Route("/login/{provider}", flow.login, methods=["GET"]),
            Route(CALLBACK_PATH, flow.callback, methods=["GET"]),
            # Logout only lowers privilege, so a plain link or form may trigger it (GET/POST).
            Route("/logout", flow.logout, methods=["GET", "POST"]),
            Route("/auth/session", flow.session, methods=["GET"]),
        ],
        middleware=[
            Middleware(
                SessionCookies,
                store=store,
                policy=settings.cookies,
                secret=settings.session_secret,
            )
        ],
        sessions=store,
        providers=tuple(entry.name for entry in registry if entry.login is not None),
    )


class _LoginFlow:
    def __init__(
        self,
        *,
        registry: IssuerRegistry,
        settings: LoginSettings,
        oauth: OAuth,
        store: SessionStore,
    ) -> None:
        self._registry = registry
        self._settings = settings
        self._oauth = oauth
        self._store = store

    def _entry(self, name: object) -> IssuerEntry | None:
        entry = self._registry.named(name) if isinstance(name, str) else None
        return entry if entry is not None and entry.login is not None else None

    async def login(self, request: Request) -> Response:
        entry = self._entry(request.path_params["provider"])
        if entry is None:
            return _error(404, "unknown_provider", "no such login provider")
        client = self._oauth.create_client(entry.name)
        # One login at a time per browser, so the pre-login cookie stays small.
        request.session.clear()
        request.session[_PENDING] = entry.name
        back = return_path(request.query_params.get("next"))
        if back is not None:
            request.session[_RETURN_TO] = back
        # Authlib keeps state, nonce and the PKCE verifier in `request.session` under the state
        # key: the encrypted pre-login cookie.
        response: Response = await client.authorize_redirect(request, self._settings.callback_url)
        return response

    async def callback(self, request: Request) -> Response:
        entry = self._entry(request.session.pop(_PENDING, None))
        back = return_path(request.session.pop(_RETURN_TO, None))
        if entry is None:
            return _error(400, "no_login_pending", "no login is in progress in this session")
        client = self._oauth.create_client(entry.name)
        try:
            token = await client.authorize_access_token(request)
        except OAuthError as exc:
            return _error(400, str(exc.error or "login_failed"), str(exc.description or ""))
        except JoseError as exc:
            # Authlib ≥ 1.7 reports ID-token failures (nonce, signature, claims) as joserfc errors.
            return _error(400, "invalid_id_token", exc.description or exc.error)
        claims = token.get("userinfo")
        if not isinstance(claims, Mapping) or claims.get("iss") != entry.issuer:
            return _error(400, "invalid_id_token", "no ID token from the expected issuer")
        try:
            principal = entry.principal(claims)
        except InvalidToken as exc:
            return _error(403, "not_allowed", exc.reason)
        if principal.client_id is None:
            principal = replace(principal, client_id=entry.login.client_id if entry.login else None)
        # A fresh session on every login; the one the browser came with (if any) ends, so
        # nothing set before the login (fixation) survives it.
        previous = session_cookie(request)
        if previous is not None:
            await self._store.revoke(previous, by="login")
        request.session.clear()
        session_id, _ = await self._store.create(principal, entry.name)
        response = RedirectResponse(back or self._settings.after_login_path, status_code=303)
        self._settings.cookies.set_session(response, session_id)
        return response

    async def logout(self, request: Request) -> Response:
        session_id = session_cookie(request)
        provider = None
        if session_id is not None:
            provider = await self._store.revoke(session_id, by="logout")
        request.session.clear()
        target = await self._end_session_url(self._entry(provider))
        response = RedirectResponse(target, status_code=303)
        self._settings.cookies.clear_session(response)
        return response

    async def _end_session_url(self, entry: IssuerEntry | None) -> str:
        target = self._settings.after_logout_path
        if entry is not None and entry.login is not None:
            client = self._oauth.create_client(entry.name)
            metadata: dict[str, Any] = await client.load_server_metadata()
            end_session = metadata.get("end_session_endpoint")
            if isinstance(end_session, str):
                # RP-initiated logout; the ID token is not kept, so client_id identifies us.
                query = urlencode(
                    {
                        "client_id": entry.login.client_id,
                        "post_logout_redirect_uri": self._settings.public_url.rstrip("/")
                        + self._settings.after_logout_path,
                    }
                )
                target = f"{end_session}?{query}"
        return target

    async def session(self, request: Request) -> Response:
        try:
            live = await current_session(request)
        except SessionEnded:
            live = None  # the middleware tells the browser to forget the cookie
        body: dict[str, Any] = {"authenticated": live is not None}
        if live is not None:
            body["principal"] = live.principal.as_record()
            body["csrf_token"] = live.csrf
        return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _error(status: int, error: str, description: str) -> Response:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )
