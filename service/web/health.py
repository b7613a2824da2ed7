"""Liveness, readiness and the numbers behind /metrics, read from the database.

Every check is bounded by a timeout (a TimeoutError, which /readyz reports as not ready), so a
database that hangs instead of refusing makes readiness fail fast rather than hang.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg

from events.log.sequencer import LOCK_KEY

# A session advisory lock on key k shows in pg_locks as classid = high 32 bits, objid = low;
# advisory locks are per database, and one server may hold several Samverkan databases.
LOCK_HELD = """
SELECT EXISTS (
  SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND classid::bigint = (($1::bigint >> 32) & 4294967295)
    AND objid::bigint = ($1::bigint & 4294967295))"""

PROJECTION_LAGS = """
SELECT p.projection, (SELECT coalesce(max(log_index), -1) FROM log) - p.checkpoint
FROM projection_state p WHERE p.status = 'serving' ORDER BY 1"""

PROJECTION_LOCK_HELD = """
SELECT EXISTS (
  SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND classid::bigint = ((hashtext($1)::bigint >> 32) & 4294967295)
    AND objid::bigint = (hashtext($1)::bigint & 4294967295))"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Readiness:
    """What /readyz reports."""

    database: bool
    pending_migrations: tuple[str, ...]
    sequencer_active: bool
    projections_active: dict[str, bool]
    projection_lag: dict[str, int]

    @property
    def ready(self) -> bool:
        """True when every part needed to serve is in place."""
        return (
            self.database
            and not self.pending_migrations
            and self.sequencer_active
            and all(self.projections_active.values())
        )


CHECK_TIMEOUT_S = 3.0


async def readiness(
    pool: asyncpg.Pool,
    pending: tuple[str, ...],
    projections: tuple[str, ...],
    *,
    timeout: float = CHECK_TIMEOUT_S,
) -> Readiness:
    """Check the database, the migrations, and that a sequencer and each runner are active."""
    async with asyncio.timeout(timeout), pool.acquire() as conn:
        sequencer = bool(await conn.fetchval(LOCK_HELD, LOCK_KEY))
        lags = {r[0]: int(r[1]) for r in await conn.fetch(PROJECTION_LAGS)}
        active: dict[str, bool] = {}
        for name in projections:
            version = await conn.fetchval(
                "SELECT version FROM projection_state WHERE projection=$1 AND status='serving'",
                name,
            )
            key = f"projection:{name}:{version}"
            active[name] = version is not None and bool(
                await conn.fetchval(PROJECTION_LOCK_HELD, key)
            )
    return Readiness(
        database=True,
        pending_migrations=pending,
        sequencer_active=sequencer,
        projections_active=active,
        projection_lag=lags,
    )
