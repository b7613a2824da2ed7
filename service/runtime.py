"""Bringing the database up for a command: embedded server or DATABASE_URL, then migrations."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from service import database, embedded
from service.settings import Settings


@dataclass(frozen=True, slots=True, kw_only=True)
class Database:
    """Where the database is: the admin (migrating) URL and the runtime role's URL."""

    admin_url: str
    app_url: str


@contextlib.asynccontextmanager
async def database_up(settings: Settings, *, migrate: bool = True) -> AsyncIterator[Database]:
    """Yield a reachable, migrated database; stop the embedded server if this started it."""
    server: Any = None
    if settings.database_url is None:
        server = embedded.start(settings.data_dir)
        admin_url = embedded.admin_url(server)
    else:
        admin_url = settings.database_url
    try:
        if migrate:
            await database.migrate(admin_url)
        yield Database(
            admin_url=admin_url, app_url=database.runtime_url(admin_url, settings.app_database_url)
        )
    finally:
        if server is not None:
            server.cleanup()
