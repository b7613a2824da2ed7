"""Where the serving projections stand, the key of a page's kept version (conditional GETs of
public pages and open-data files), read from PostgreSQL and shared by concurrent requests: each
serving version and where its rows last changed (`changed_at`, moved by a batch that writes
rows), not its checkpoint."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from service.web.public.freshness import Versions, standing
from tests.conftest import Database


@pytest.fixture
async def admin(fresh_db: Database) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(fresh_db.admin_url)
    await conn.execute(
        "INSERT INTO projection_state (projection, version, status, checkpoint, changed_at) "
        "VALUES ('promises', 1, 'serving', 10, 10), ('directory', 1, 'serving', 10, 10)"
    )
    yield conn
    await conn.close()


@pytest.fixture
async def app_pool(fresh_db: Database) -> AsyncIterator[asyncpg.Pool]:
    from service import database

    p = await database.create_pool(fresh_db.app_url, min_size=1, max_size=10)
    yield p
    await p.close()


async def move(
    admin: asyncpg.Connection, projection: str, checkpoint: int, *, wrote: bool = True
) -> None:
    """What a runner's batch does: its checkpoint moves, and where its rows changed if it
    wrote any (projections.runner.MOVE_CHECKPOINT, PASS_CHECKPOINT)."""
    await admin.execute(
        "UPDATE projection_state SET checkpoint = $2, "
        "changed_at = CASE WHEN $3 THEN $2 ELSE changed_at END "
        "WHERE projection = $1 AND status = 'serving'",
        projection,
        checkpoint,
        wrote,
    )


async def test_the_standing_changes_when_any_serving_projection_moves_or_is_replaced(
    admin: asyncpg.Connection, app_pool: asyncpg.Pool
) -> None:
    first = await standing(app_pool)
    assert first == "directory:1:10,promises:1:10"
    await move(admin, "directory", 11)
    moved = await standing(app_pool)
    assert moved == "directory:1:11,promises:1:10"
    await move(admin, "promises", 12, wrote=False)  # a batch it wrote nothing for
    assert await standing(app_pool) == moved
    await admin.execute(
        "INSERT INTO projection_state (projection, version, status, checkpoint, changed_at) "
        "VALUES ('promises', 2, 'building', 11, 11)"
    )
    assert await standing(app_pool) == moved  # a version being built serves nothing yet
    await admin.execute(
        "UPDATE projection_state SET status = 'retired' "
        "WHERE projection = 'promises' AND version = 1"
    )
    await admin.execute("UPDATE projection_state SET status = 'serving' WHERE version = 2")
    assert await standing(app_pool) == "directory:1:11,promises:2:11"


async def test_concurrent_callers_share_reads_and_each_sees_what_committed_before_it_asked(
    admin: asyncpg.Connection, app_pool: asyncpg.Pool
) -> None:
    versions = Versions()
    together = await asyncio.wait_for(
        asyncio.gather(*(versions.standing(app_pool) for _ in range(50))), timeout=30
    )
    assert set(together) == {"directory:1:10,promises:1:10"}
    for checkpoint in range(11, 31):
        in_flight = asyncio.ensure_future(versions.standing(app_pool))
        await asyncio.sleep(0)  # its read has started
        await move(admin, "promises", checkpoint)
        after = await asyncio.wait_for(versions.standing(app_pool), timeout=10)
        assert after == f"directory:1:10,promises:1:{checkpoint}"
        assert (await asyncio.wait_for(in_flight, timeout=10)).startswith("directory:1:10,")


async def test_a_failed_read_reaches_its_callers_and_the_next_read_works(
    admin: asyncpg.Connection, app_pool: asyncpg.Pool, fresh_db: Database
) -> None:
    versions = Versions()
    closed = await asyncpg.create_pool(fresh_db.app_url, min_size=0, max_size=1)
    await closed.close()
    results = await asyncio.wait_for(
        asyncio.gather(*(versions.standing(closed) for _ in range(3)), return_exceptions=True),
        timeout=10,
    )
    assert all(isinstance(r, asyncpg.InterfaceError) for r in results)
    assert await versions.standing(app_pool) == "directory:1:10,promises:1:10"
