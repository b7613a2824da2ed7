"""Fixtures the integration tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from service import database
from service.bootstrap import build_domain
from service.dispatcher import Dispatcher
from tests.conftest import Database


@pytest.fixture
async def dispatcher(fresh_db: Database) -> AsyncIterator[Dispatcher]:
    """The service's dispatcher on a pool of a fresh, migrated database."""
    pool = await database.create_pool(fresh_db.app_url, min_size=2, max_size=8)
    try:
        yield build_domain().dispatcher(pool)
    finally:
        await pool.close()
