"""Server-side browser sessions in PostgreSQL (`sessions`, migration 0006).

The cookie carries only an opaque random id; the table keys the session by the id's SHA-256, so
neither a dump nor a replica holds a usable cookie. Every request that presents the cookie reads
its row (one SELECT by primary key on the primary, never a replica and never a cache), so a
revocation takes effect on every node at the next request. A session ends when it expires
(absolute age, `SAMVERKAN_SESSION_MAX_AGE_S`), at logout, or when an org_admin revokes it;
revocation is final (a trigger refuses to undo it). WebSocket connections of this node that
watch a session hear of its revocation here at once; other nodes' connections see it at their
next re-check (`grants.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg

from events.messages import Principal

_log = logging.getLogger("service.sessions")

SESSION_ID_BYTES = 32
PURGE_BATCH = 100
"""Expired sessions deleted per login, so the table does not grow without a separate job."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveSession:
    """A session that has neither expired nor been revoked."""

    id_hash: bytes
    principal: Principal
    provider: str
    csrf: str
    expires_at: dt.datetime


def hash_id(session_id: str) -> bytes:
    """The key a session id is stored under (SHA-256 of the cookie value)."""
    return hashlib.sha256(session_id.encode()).digest()


INSERT_SESSION = """
INSERT INTO sessions (id_hash, provider, principal, organisation_id, subject, person_id, csrf,
                      expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))
RETURNING expires_at"""
PURGE_EXPIRED = "SELECT purge_expired_sessions($1)"


async def _insert(
    pool: asyncpg.Pool, id_hash: bytes, provider: str, principal: Principal, csrf: str, age_s: int
) -> dt.datetime:
    async with pool.acquire() as conn, conn.transaction():
        await conn.fetchval(PURGE_EXPIRED, PURGE_BATCH)
        expires_at: dt.datetime = await conn.fetchval(
            INSERT_SESSION,
            id_hash,
            provider,
            principal.as_record(),
            principal.organisation_id,
            principal.subject,
            principal.person_id,
            csrf,
            float(age_s),
        )
    return expires_at


LIVE_SESSION = """
SELECT provider, principal, csrf, expires_at FROM sessions
WHERE id_hash = $1 AND revoked_at IS NULL AND expires_at > now()"""


async def _live(pool: asyncpg.Pool, id_hash: bytes) -> LiveSession | None:
    row = await pool.fetchrow(LIVE_SESSION, id_hash)
    if row is None:
        return None
    principal = principal_from_record(row["principal"])
    if principal is None:
        return None
    return LiveSession(
        id_hash=id_hash,
        principal=principal,
        provider=row["provider"],
        csrf=row["csrf"],
        expires_at=row["expires_at"],
    )


REVOKE_ONE = """
UPDATE sessions SET revoked_at = now(), revoked_by = $2
WHERE id_hash = $1 AND revoked_at IS NULL AND expires_at > now()
RETURNING provider"""


async def _revoke_one(pool: asyncpg.Pool, id_hash: bytes, by: str) -> str | None:
    provider: str | None = await pool.fetchval(REVOKE_ONE, id_hash, by)
    return provider


REVOKE_PERSON = """
UPDATE sessions SET revoked_at = now(), revoked_by = $3
WHERE organisation_id = $1 AND (subject = $2 OR person_id = $2)
  AND revoked_at IS NULL AND expires_at > now()
RETURNING id_hash"""


async def _revoke_person(
    pool: asyncpg.Pool, organisation_id: str, person_or_subject: str, by: str
) -> list[bytes]:
    rows = await pool.fetch(REVOKE_PERSON, organisation_id, person_or_subject, by)
    return [bytes(r["id_hash"]) for r in rows]


class SessionStore:
    """Creates, reads and revokes sessions; tells this node's watchers of revocations."""

    def __init__(self, pool: Callable[[], asyncpg.Pool], *, max_age_s: int) -> None:
        # The pool exists only once the app's lifespan started, so it is looked up per call.
        self._pool = pool
        self.max_age_s = max_age_s
        self._watchers: dict[bytes, set[asyncio.Event]] = {}

    async def create(self, principal: Principal, provider: str) -> tuple[str, LiveSession]:
        """A new session for `principal`; returns the cookie value and the session."""
        session_id = secrets.token_urlsafe(SESSION_ID_BYTES)
        id_hash, csrf = hash_id(session_id), secrets.token_urlsafe(24)
        expires_at = await _insert(self._pool(), id_hash, provider, principal, csrf, self.max_age_s)
        live = LiveSession(
            id_hash=id_hash,
            principal=principal,
            provider=provider,
            csrf=csrf,
            expires_at=expires_at,
        )
        return session_id, live

    async def live(self, session_id: str) -> LiveSession | None:
        """The session a cookie names, or None when it expired, was revoked or never existed."""
        return await _live(self._pool(), hash_id(session_id))

    async def still_live(self, id_hash: bytes) -> bool:
        """True while the session stored under `id_hash` has neither expired nor been revoked."""
        return await _live(self._pool(), id_hash) is not None

    async def revoke(self, session_id: str, *, by: str) -> str | None:
        """End one session (logout, a new login); its login provider, None if it had ended."""
        id_hash = hash_id(session_id)
        provider = await _revoke_one(self._pool(), id_hash, by)
        self._notify([id_hash])
        return provider

    async def revoke_person(self, organisation_id: str, person_or_subject: str, *, by: str) -> int:
        """End every live session of one person of one organisation; how many ended."""
        ended = await _revoke_person(self._pool(), organisation_id, person_or_subject, by)
        self._notify(ended)
        _log.info(
            "sessions revoked: %d of %r in %s by %s",
            len(ended),
            person_or_subject,
            organisation_id,
            by,
            extra={"organisation_id": organisation_id, "revoked": len(ended)},
        )
        return len(ended)

    @contextlib.contextmanager
    def watching(self, id_hash: bytes) -> Iterator[asyncio.Event]:
        """An event set when this node revokes the session, for as long as the block runs."""
        event = asyncio.Event()
        self._watchers.setdefault(id_hash, set()).add(event)
        try:
            yield event
        finally:
            waiting = self._watchers.get(id_hash)
            if waiting is not None:
                waiting.discard(event)
                if not waiting:
                    del self._watchers[id_hash]

    def _notify(self, hashes: Iterable[bytes]) -> None:
        for id_hash in hashes:
            for event in self._watchers.get(id_hash, ()):
                event.set()


def principal_from_record(raw: Mapping[str, Any]) -> Principal | None:
    """The principal of a stored record (`Principal.as_record`), or None when malformed."""
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
