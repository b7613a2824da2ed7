"""The runtime pool releases connections without a reset query (service.database.keep_session):
what a request leaves behind must still not reach the next one."""

from __future__ import annotations

import asyncpg
import pytest

from service import database
from tests.conftest import Database


async def test_a_transaction_left_open_is_rolled_back_before_the_connection_is_reused(
    fresh_db: Database,
) -> None:
    pool = await database.create_pool(fresh_db.app_url, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            await conn.execute("BEGIN")
            await conn.execute("CREATE TEMP TABLE left_behind (x int)")
            assert conn.is_in_transaction()
        async with pool.acquire() as conn:
            assert not conn.is_in_transaction()
            with pytest.raises(asyncpg.UndefinedTableError):
                await conn.execute("SELECT * FROM left_behind")
    finally:
        await pool.close()
