"""Browser login (OIDC code flow + PKCE + nonce via Authlib) and the cookie session it leaves.

The session cookie is signed by Starlette's `SessionMiddleware`, not encrypted, so it holds only
a session id, a CSRF token, the login provider's name and the principal; tokens never enter it.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from authlib.integrations.starlette_client import OAuth, OAuthError
from joserfc.errors import JoseError
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from events.messages import Principal
from service.identity.errors import InvalidToken
from service.identity.registry import IssuerEntry, IssuerRegistry

CSRF_HEADER = "X-CSRF-Token"
CALLBACK_PATH = "/auth/callback"
_PENDING = "login_provider"


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginSettings:
    """Where the app is reached and how its session cookie behaves."""

    public_url: str
    session_secret: str
    dev: bool = False
    max_age_s: int = 8 * 3600
    after_login_path: str = "/"
    after_logout_path: str = "/"

    @property
    def callback_url(self) -> str:
        """The absolute redirect URI registered with every provider."""
        return self.public_url.rstrip("/") + CALLBACK_PATH

    @property
    def cookie_name(self) -> str:
        """`__Host-` binds the cookie to this exact host over https; dev runs over plain http."""
        return "samverkan_session" if self.dev else "__Host-samverkan_session"


@dataclass(frozen=True, slots=True, kw_only=True)
class Login:
    """The login routes and the session middleware they need, for `create_app` to mount."""

    routes: list[BaseRoute]
    middleware: list[Middleware]


def build_login(
    registry: IssuerRegistry, settings: LoginSettings, *, secrets_env: Mapping[str, str]
) -> Login:
    """Register one Authlib client per registry entry with a `login` table; return the routes."""
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
    flow = _LoginFlow(registry=registry, settings=settings, oauth=oauth)
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
                SessionMiddleware,
                secret_key=settings.session_secret,
                session_cookie=settings.cookie_name,
                max_age=settings.max_age_s,
                same_site="lax",  # strict would drop the cookie on the IdP's redirect back
                https_only=not settings.dev,
            )
        ],
    )


def session_principal(conn: HTTPConnection) -> Principal | None:
    """The principal of the cookie session, or None when nobody is logged in."""
    if "session" not in conn.scope:
        return None
    raw = conn.session.get("principal")
    if not isinstance(raw, dict):
        return None
    return _principal_from_session(raw)


def csrf_valid(conn: HTTPConnection) -> bool:
    """True when the request carries the session's CSRF token in `X-CSRF-Token`."""
    if "session" not in conn.scope:
        return False
    expected = conn.session.get("csrf")
    given = conn.headers.get(CSRF_HEADER)
    if not isinstance(expected, str) or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


class _LoginFlow:
    def __init__(self, *, registry: IssuerRegistry, settings: LoginSettings, oauth: OAuth) -> None:
        self._registry = registry
        self._settings = settings
        self._oauth = oauth

    def _entry(self, name: object) -> IssuerEntry | None:
        entry = self._registry.named(name) if isinstance(name, str) else None
        return entry if entry is not None and entry.login is not None else None

    async def login(self, request: Request) -> Response:
        entry = self._entry(request.path_params["provider"])
        if entry is None:
            return _error(404, "unknown_provider", "no such login provider")
        client = self._oauth.create_client(entry.name)
        request.session[_PENDING] = entry.name
        # Authlib keeps state, nonce and the PKCE verifier in the session under the state key.
        response: Response = await client.authorize_redirect(request, self._settings.callback_url)
        return response

    async def callback(self, request: Request) -> Response:
        entry = self._entry(request.session.pop(_PENDING, None))
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
        # A fresh session on every login, so nothing set before it (fixation) survives.
        request.session.clear()
        request.session.update(
            {
                "sid": secrets.token_urlsafe(16),
                "csrf": secrets.token_urlsafe(24),
                "provider": entry.name,
                "principal": principal.as_record(),
            }
        )
        return RedirectResponse(self._settings.after_login_path, status_code=303)

    async def logout(self, request: Request) -> Response:
        entry = self._entry(request.session.get("provider"))
        request.session.clear()
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
        return RedirectResponse(target, status_code=303)

    async def session(self, request: Request) -> Response:
        principal = session_principal(request)
        body: dict[str, Any] = {"authenticated": principal is not None}
        if principal is not None:
            body["principal"] = principal.as_record()
            body["csrf_token"] = request.session.get("csrf")
        return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _error(status: int, error: str, description: str) -> Response:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def _principal_from_session(raw: Mapping[str, Any]) -> Principal | None:
    issuer, subject, org = raw.get("issuer"), raw.get("subject"), raw.get("organisation_id")
    roles = raw.get("roles")
    if not (isinstance(issuer, str) and isinstance(subject, str) and isinstance(org, str)):
        return None
    if not isinstance(roles, list):
        return None
    person, client = raw.get("person_id"), raw.get("client_id")
    return Principal(
        issuer=issuer,
        subject=subject,
        organisation_id=org,
        roles=frozenset(r for r in roles if isinstance(r, str)),
        person_id=person if isinstance(person, str) else None,
        client_id=client if isinstance(client, str) else None,
    )
