"""Blue/green rebuilds: build a new version from log index 0 beside the serving one, switch it
in when caught up, then drop the old rows. Each batch commits with its checkpoint, so a rebuild
that crashes resumes where it stopped; nothing serving is truncated in place."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from events.log.store import log_size
from projections.runner import Projection, Runner, checkpoint, serving_version

BUILDING = """
SELECT version FROM projection_state WHERE projection = $1 AND status = 'building'
ORDER BY version DESC LIMIT 1"""

NEXT_VERSION = "SELECT coalesce(max(version), 0) + 1 FROM projection_state WHERE projection = $1"

START = "INSERT INTO projection_state (projection, version, status) VALUES ($1, $2, 'building')"

RETIRE = """
UPDATE projection_state SET status = 'retired', updated_at = now()
WHERE projection = $1 AND status = 'serving'"""

SERVE = """
UPDATE projection_state SET status = 'serving', updated_at = now()
WHERE projection = $1 AND version = $2 AND status = 'building'"""


@dataclass(frozen=True, slots=True, kw_only=True)
class RebuildResult:
    """What a rebuild did."""

    projection: str
    old_version: int
    new_version: int
    events: int


async def rebuild(
    projection: Projection,
    connect: Callable[[], Awaitable[asyncpg.Connection]],
    *,
    batch_size: int = 5000,
    progress: Callable[[int, int], None] | None = None,
) -> RebuildResult:
    """Rebuild `projection` beside the serving version and switch it in when caught up."""
    conn = await connect()
    try:
        old = await serving_version(conn, projection.name)
        new = await conn.fetchval(BUILDING, projection.name)
        if new is None:  # a crashed rebuild resumes its building version instead
            new = int(await conn.fetchval(NEXT_VERSION, projection.name))
            await conn.execute(START, projection.name, new)
        new = int(new)
        head = await log_size(conn)

        def report(_: int) -> None:
            if progress is not None:
                progress(runner.applied, head)

        runner = Runner(
            projection=projection,
            connect=connect,
            version=new,
            batch_size=batch_size,
            on_batch=report,
        )
        # Catch up to the head, then switch in one transaction; the serving runner of the new
        # version carries on from its checkpoint, so events that land meanwhile are not lost.
        await runner.run(asyncio.Event(), until_caught_up=True)
        async with conn.transaction():
            await conn.execute(RETIRE, projection.name)
            await conn.execute(SERVE, projection.name, new)
        await projection.drop(conn, old)
        return RebuildResult(
            projection=projection.name,
            old_version=old,
            new_version=new,
            events=await checkpoint(conn, projection.name, new) + 1,
        )
    finally:
        await conn.close()
