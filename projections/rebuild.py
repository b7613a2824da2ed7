"""Blue/green rebuilds: build a new version from log index 0 beside the serving one, switch it
in when caught up, then drop the old rows. Each batch commits with its checkpoint, so a rebuild
that crashes resumes where it stopped; nothing serving is truncated in place.

A rebuild of a known version (`begin` names it) can be run again after any failure, at any
point: it catches the building version up, switches it in unless that already happened, and
drops whatever retired versions still hold rows. So a supervisor may simply restart it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from events.log.connection import dedicated
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

STATUS = "SELECT status FROM projection_state WHERE projection = $1 AND version = $2"

RETIRED = """
SELECT version FROM projection_state WHERE projection = $1 AND status = 'retired'
ORDER BY version"""


class RebuildError(RuntimeError):
    """The version being rebuilt was replaced meanwhile (another rebuild switched in)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RebuildResult:
    """What a rebuild did."""

    projection: str
    old_version: int
    new_version: int
    events: int


async def begin(conn: asyncpg.Connection, name: str) -> int:
    """The version a rebuild of `name` builds: a crashed rebuild's building one, else a new one."""
    await serving_version(conn, name)  # the first start of a projection registers version 1
    new = await conn.fetchval(BUILDING, name)
    if new is None:
        new = int(await conn.fetchval(NEXT_VERSION, name))
        await conn.execute(START, name, new)
    return int(new)


async def rebuild(
    projection: Projection,
    connect: Callable[[], Awaitable[asyncpg.Connection]],
    *,
    batch_size: int = 5000,
    progress: Callable[[int, int], None] | None = None,
    version: int | None = None,
) -> RebuildResult:
    """Rebuild `projection` beside the serving version and switch it in when caught up.

    `version` continues that rebuild (as named by `begin`); None begins or resumes one.
    """
    async with dedicated(connect) as conn:
        name = projection.name
        new = version if version is not None else await begin(conn, name)
        old = await serving_version(conn, name)
        status = await conn.fetchval(STATUS, name, new)
        if status == "building":
            done = await checkpoint(conn, name, new) + 1  # more than 0 when resumed
            head = await log_size(conn)
            await _catch_up(projection, connect, new, (done, head), batch_size, progress)
            async with conn.transaction():
                await conn.execute(RETIRE, name)
                await conn.execute(SERVE, name, new)
        elif status != "serving":
            raise RebuildError(f"version {new} of {name} is {status}, not building")
        elif old == new:  # switched in by an earlier run of this rebuild
            old = int(max([v for v in await _retired(conn, name) if v < new], default=new))
        for retired in await _retired(conn, name):
            await projection.drop(conn, retired)
        return RebuildResult(
            projection=name,
            old_version=old,
            new_version=new,
            events=await checkpoint(conn, name, new) + 1,
        )


async def _catch_up(
    projection: Projection,
    connect: Callable[[], Awaitable[asyncpg.Connection]],
    version: int,
    done_and_head: tuple[int, int],
    batch_size: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    done, head = done_and_head

    def report(_: int) -> None:
        if progress is not None:
            progress(done + runner.applied, head)

    runner = Runner(
        projection=projection,
        connect=connect,
        version=version,
        batch_size=batch_size,
        on_batch=report,
    )
    # Catch up to the head, then switch in one transaction; the serving runner of the new
    # version carries on from its checkpoint, so events that land meanwhile are not lost.
    await runner.run(asyncio.Event(), until_caught_up=True)


async def _retired(conn: asyncpg.Connection, name: str) -> list[int]:
    return [int(r[0]) for r in await conn.fetch(RETIRED, name)]
