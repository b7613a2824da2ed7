"""Shared fixtures: one real PostgreSQL per test session, a fresh database per module.

With DATABASE_URL set the suite uses that server; otherwise it starts the embedded server from
`pgserver`, the same mechanism the service uses.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from service import database, embedded


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at database `name`."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@dataclass(frozen=True, slots=True)
class Database:
    """A freshly created, migrated database: the admin (superuser) and runtime-role URLs."""

    name: str
    admin_url: str
    app_url: str


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """Admin URL of the session's PostgreSQL server."""
    given = os.environ.get("DATABASE_URL")
    if given:
        yield given
        return
    with (
        tempfile.TemporaryDirectory(prefix="samverkan-test-") as tmp,
        embedded.running(Path(tmp)) as url,
    ):
        yield url


async def create_database(server_url: str, *, migrate: bool = True) -> Database:
    """Create an empty database on the session server and (optionally) migrate it."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    admin = with_database(server_url, name)
    if migrate:
        await database.migrate(admin)
    return Database(name=name, admin_url=admin, app_url=database.runtime_url(admin, None))


async def drop_database(server_url: str, name: str) -> None:
    """Drop a test database, ending any session still connected to it."""
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def db(server_url: str) -> AsyncIterator[Database]:
    """A migrated database shared by the tests of one module."""
    created = await create_database(server_url)
    yield created
    await drop_database(server_url, created.name)


@pytest.fixture
async def fresh_db(server_url: str) -> AsyncIterator[Database]:
    """A migrated database of this test's own, for tests that need an empty log."""
    created = await create_database(server_url)
    yield created
    await drop_database(server_url, created.name)


@pytest.fixture(scope="module")
async def pool(db: Database) -> AsyncIterator[asyncpg.Pool]:
    """Runtime-role pool on the module's database."""
    p = await database.create_pool(db.app_url, min_size=1, max_size=40)
    yield p
    await p.close()
