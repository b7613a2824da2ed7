"""Migrations: applied once, in order, with checksums; the two roles are real."""

from __future__ import annotations

import shutil
from pathlib import Path

import asyncpg
import pytest

from service import database
from tests.conftest import Database, create_database, drop_database


async def test_migrating_twice_applies_nothing_the_second_time(fresh_db: Database) -> None:
    assert await database.migrate(fresh_db.admin_url) == []
    assert await database.pending_migrations(fresh_db.app_url) == []


async def test_a_changed_applied_migration_is_an_error(server_url: str, tmp_path: Path) -> None:
    created = await create_database(server_url, migrate=False)
    try:
        copy = tmp_path / "migrations"
        shutil.copytree(database.MIGRATIONS_DIR, copy)
        await database.migrate(created.admin_url, copy)
        first = sorted(copy.glob("*.sql"))[0]
        first.write_text(first.read_text() + "\n-- edited after landing\n")
        with pytest.raises(database.MigrationError, match="was changed after it was applied"):
            await database.migrate(created.admin_url, copy)
    finally:
        await drop_database(server_url, created.name)


async def test_the_runtime_role_owns_no_table(db: Database) -> None:
    conn = await asyncpg.connect(db.admin_url)
    try:
        owners = {
            r[0]
            for r in await conn.fetch("SELECT tableowner FROM pg_tables WHERE schemaname='public'")
        }
    finally:
        await conn.close()
    assert owners == {"samverkan_owner"}


async def test_a_migration_file_name_out_of_sequence_is_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_first.sql").write_text("SELECT 1;")
    (tmp_path / "0003_third.sql").write_text("SELECT 1;")
    with pytest.raises(database.MigrationError, match="0002 is missing"):
        database.load_migrations(tmp_path)


def test_an_empty_migrations_directory_is_an_error_not_zero_work(tmp_path: Path) -> None:
    with pytest.raises(database.MigrationError, match=r"holds no NNNN_name\.sql file"):
        database.load_migrations(tmp_path)


def test_a_missing_migrations_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(database.MigrationError, match="is missing"):
        database.load_migrations(tmp_path / "nowhere")
