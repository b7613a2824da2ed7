"""The app's two cookies and the middleware that reads them.

* The session cookie holds only an opaque random id naming a row of `sessions`
  (`sessions.py`); `current_session` reads that row once per request.
* The pre-login cookie holds what Authlib keeps between `/login/{provider}` and the callback
  (state, nonce, PKCE verifier, the provider's name) as `request.session`, encrypted and
  authenticated (Fernet: AES-128-CBC + HMAC-SHA256, key derived from the session secret by
  HKDF) and good for `login_max_age_s`, so the client can neither read nor change it.

Both are HttpOnly, SameSite=Lax (strict would drop them on the provider's redirect back) and,
outside dev mode, Secure and `__Host-` bound to the exact origin.
"""

from __future__ import annotations

import base64
import hmac
import json
from dataclasses import dataclass

from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken as BadCiphertext
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import Session
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.identity.errors import SessionEnded
from service.identity.sessions import LiveSession, SessionStore

CSRF_HEADER = "X-CSRF-Token"
_STORE = "samverkan.sessions"
_CURRENT = "samverkan.session"
_ENDED = "samverkan.session_ended"
_KDF_INFO = b"samverkan pre-login cookie v1"


@dataclass(frozen=True, slots=True, kw_only=True)
class CookiePolicy:
    """Names and lifetimes of the app's cookies."""

    dev: bool
    session_max_age_s: int
    login_max_age_s: int = 600

    @property
    def session_cookie(self) -> str:
        """`__Host-` binds the cookie to this exact host over https; dev runs over plain http."""
        return "samverkan_session" if self.dev else "__Host-samverkan_session"

    @property
    def login_cookie(self) -> str:
        """The pre-login cookie's name."""
        return "samverkan_login" if self.dev else "__Host-samverkan_login"

    def set_session(self, response: Response, session_id: str) -> None:
        """Give the browser its new session's id."""
        cookie = self.header(self.session_cookie, session_id, self.session_max_age_s)
        response.headers.append("Set-Cookie", cookie)

    def clear_session(self, response: Response) -> None:
        """Make the browser forget its session cookie."""
        response.headers.append("Set-Cookie", self.header(self.session_cookie, "", 0))

    def header(self, name: str, value: str, max_age: int) -> str:
        """A Set-Cookie value: HttpOnly, SameSite=Lax, Path=/, Secure outside dev mode."""
        secure = "" if self.dev else "; Secure"
        return f"{name}={value}; HttpOnly; Max-Age={max_age}; Path=/; SameSite=lax{secure}"


def prelogin_cipher(secret: str) -> Fernet:
    """The pre-login cookie's cipher, keyed from the session secret (its own derived key)."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KDF_INFO).derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


class SessionCookies:
    """ASGI middleware: the pre-login cookie as `scope["session"]`, the store for
    `current_session`, and the removal of a session cookie that named no live session."""

    def __init__(
        self, app: ASGIApp, *, store: SessionStore, policy: CookiePolicy, secret: str
    ) -> None:
        self.app = app
        self._store = store
        self._policy = policy
        self._cipher = prelogin_cipher(secret)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        scope[_STORE] = (self._store, self._policy)
        sealed = HTTPConnection(scope).cookies.get(self._policy.login_cookie)
        opened = self._open(sealed) if sealed else None
        scope["session"] = Session(opened or {})
        had_login_cookie = sealed is not None

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                self._write_back(scope, headers, had_login_cookie)
            await send(message)

        await self.app(scope, receive, send_wrapper)

    def _open(self, sealed: str) -> dict[str, object] | None:
        try:
            raw = self._cipher.decrypt(sealed.encode(), ttl=self._policy.login_max_age_s)
            data = json.loads(raw)
        except (BadCiphertext, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _write_back(self, scope: Scope, headers: MutableHeaders, had_login_cookie: bool) -> None:
        pending: Session = scope["session"]
        name, max_age = self._policy.login_cookie, self._policy.login_max_age_s
        if pending.modified and pending:
            sealed = self._cipher.encrypt(json.dumps(pending).encode()).decode()
            headers.append("Set-Cookie", self._policy.header(name, sealed, max_age))
        elif had_login_cookie and not pending:
            headers.append("Set-Cookie", self._policy.header(name, "", 0))
        session_cookie = self._policy.session_cookie + "="
        sets_session = any(
            v.startswith(session_cookie) for k, v in headers.items() if k == "set-cookie"
        )
        if scope.get(_ENDED) and not sets_session:
            headers.append("Set-Cookie", self._policy.header(self._policy.session_cookie, "", 0))


def session_cookie(conn: HTTPConnection) -> str | None:
    """The session id the request's cookie carries, or None."""
    bound = conn.scope.get(_STORE)
    if bound is None:
        return None
    value = conn.cookies.get(bound[1].session_cookie)
    return value or None


def session_store(conn: HTTPConnection) -> SessionStore | None:
    """The session store the middleware put beside the request, or None without one."""
    bound = conn.scope.get(_STORE)
    return None if bound is None else bound[0]


async def current_session(conn: HTTPConnection) -> LiveSession | None:
    """The live session the request's cookie names; None without a session cookie.

    A cookie naming no live session (logged out, revoked, expired, made up) is `SessionEnded`:
    the old cookie grants nothing, and the response tells the browser to forget it.
    """
    if _CURRENT in conn.scope:
        found: LiveSession = conn.scope[_CURRENT]
        return found
    session_id = session_cookie(conn)
    if session_id is None:
        return None
    store: SessionStore = conn.scope[_STORE][0]
    live = await store.live(session_id)
    if live is None:
        conn.scope[_ENDED] = True
        raise SessionEnded("the session has ended; log in again")
    conn.scope[_CURRENT] = live
    return live


def csrf_matches(session: LiveSession, given: object) -> bool:
    """True when `given` is the session's CSRF token (compared in constant time)."""
    if not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(session.csrf.encode(), given.encode())


def csrf_valid(conn: HTTPConnection, session: LiveSession) -> bool:
    """True when the request carries the session's CSRF token in `X-CSRF-Token`."""
    return csrf_matches(session, conn.headers.get(CSRF_HEADER))
