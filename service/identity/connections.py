"""What a WebSocket connection was authenticated with, and for how long that holds.

A connection authenticates once, in `connection_init`: with a bearer access token
(`authorization`) or with the browser's session cookie plus its CSRF token (`csrfToken`). The
`Grant` it gets ends at the token's `exp` or the session's expiry, or when the session is
revoked. `watch` closes the connection (4403, "token has expired" / "session has ended") once
the grant ends: at once at expiry or at a revocation made on this node, and within
`recheck_s` for a revocation made on another node. Subscriptions also ask `Grant.current`
before every push, so nothing is pushed after the grant ended even before the close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import asyncpg
from starlette.requests import HTTPConnection
from starlette.types import Scope
from starlette.websockets import WebSocket

from events.messages import Principal
from service.identity.access_token import peek
from service.identity.cookies import csrf_matches, current_session, session_store
from service.identity.errors import CsrfMissing, InvalidToken

_log = logging.getLogger("service.sessions")

TOKEN_ENDED = "token has expired"
SESSION_ENDED = "session has ended"
CLOSE_CODE = 4403
_WATCHES = "grant_watches"


async def _always() -> bool:
    return True


def _never_revoked() -> AbstractContextManager[asyncio.Event]:
    return contextlib.nullcontext(asyncio.Event())


@dataclass(frozen=True, slots=True, kw_only=True)
class Grant:
    """A connection's principal, until when it holds, and how to see that it ended early."""

    principal: Principal
    expires_at: float
    """Seconds since the epoch: the token's `exp`, or the session's expiry."""
    ended: str
    """Why the connection closes once the grant ended."""
    still_valid: Callable[[], Awaitable[bool]] = _always
    """False once the session was revoked (a read of the session's row)."""
    revocations: Callable[[], AbstractContextManager[asyncio.Event]] = _never_revoked
    """An event set when this node revokes the session."""

    async def current(self, now: float) -> Principal | None:
        """The principal while the grant holds at `now`; None once it ended."""
        if now >= self.expires_at or not await self.still_valid():
            return None
        return self.principal


async def websocket_grant(
    conn: HTTPConnection,
    params: Mapping[str, Any],
    *,
    validate: Callable[[str], Awaitable[Principal]],
    now: float,
) -> Grant:
    """The grant of a `connection_init` payload; `InvalidToken` (4403) when there is none."""
    raw = params.get("authorization", params.get("Authorization"))
    if raw is not None:
        if not isinstance(raw, str) or not raw.lower().startswith("bearer "):
            raise InvalidToken("authorization must be 'Bearer <token>'")
        token = raw[7:].strip()
        principal = await validate(token)
        exp = peek(token).claims.get("exp")
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            raise InvalidToken("token lacks claim exp")
        # Validation allows clock leeway; such a connection would end at once, so refuse it.
        if exp <= now:
            raise InvalidToken(TOKEN_ENDED)
        return Grant(principal=principal, expires_at=float(exp), ended=TOKEN_ENDED)
    session = await current_session(conn)
    store = session_store(conn)
    if session is None or store is None:
        raise InvalidToken("a bearer token or a session is required")
    if not csrf_matches(session, params.get("csrfToken")):
        raise CsrfMissing("a session needs its CSRF token as csrfToken in connection_init")
    id_hash = session.id_hash
    return Grant(
        principal=session.principal,
        expires_at=session.expires_at.timestamp(),
        ended=SESSION_ENDED,
        still_valid=lambda: store.still_live(id_hash),
        revocations=lambda: store.watching(id_hash),
    )


async def watch(
    grant: Grant,
    close: Callable[[str], Awaitable[None]],
    *,
    recheck_s: float,
    clock: Callable[[], float] = time.time,
) -> None:
    """Wait until the grant ends, then `close` the connection with the reason."""
    with grant.revocations() as revoked:
        while not revoked.is_set():
            remaining = grant.expires_at - clock()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(revoked.wait(), timeout=min(remaining, recheck_s))
            if revoked.is_set() or clock() >= grant.expires_at:
                break
            if not await _confirmed(grant):
                break
    await close(grant.ended)


async def _confirmed(grant: Grant) -> bool:
    """The periodic re-check; an unreachable database is not taken as a revocation."""
    try:
        return await grant.still_valid()
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        # The next re-check tries again; a push re-checks on its own and fails closed.
        _log.warning("could not re-check a connection's session", exc_info=True)
        return True


def watch_until_ended(websocket: WebSocket, grant: Grant, *, recheck_s: float) -> None:
    """Start the task that closes `websocket` once `grant` ends (`stop_watching` ends it)."""

    async def close(reason: str) -> None:
        # The client may have gone already; then there is nothing left to close.
        with contextlib.suppress(RuntimeError, OSError):
            await websocket.close(code=CLOSE_CODE, reason=reason)

    task = asyncio.create_task(watch(grant, close, recheck_s=recheck_s))
    websocket.scope.setdefault("state", {}).setdefault(_WATCHES, []).append(task)


def stop_watching(scope: Scope) -> None:
    """Cancel the watches of a connection that ended."""
    for task in scope.get("state", {}).pop(_WATCHES, ()):
        task.cancel()
