"""The insert-only tables refuse UPDATE, DELETE and TRUNCATE: by trigger, and by grants."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from events.log import store
from events.log.sequencer import load_state, sequence_batch
from events.log.store import NO_STREAM, NewEvent
from service import database
from tests.conftest import Database

INSERT_ONLY = ["events", "log", "commands"]
CHANGES = {
    "UPDATE": "UPDATE {t} SET {c} = {c}",
    "DELETE": "DELETE FROM {t}",
    "TRUNCATE": "TRUNCATE {t} CASCADE",
}
COLUMN = {"events": "type", "log": "sequenced_at", "commands": "stream_id"}


@pytest.fixture(scope="module", autouse=True)
async def one_sequenced_event(db: Database) -> AsyncIterator[None]:
    conn = await database.connect(db.app_url)
    try:
        await store.append(
            conn,
            "s-immutable",
            NO_STREAM,
            [
                NewEvent(
                    event_id=uuid.uuid4(),
                    type="Noted",
                    data={},
                    occurred_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                )
            ],
            command_id=uuid.uuid4(),
            metadata={},
        )
        await sequence_batch(conn, await load_state(conn), 10)
    finally:
        await conn.close()
    yield


@pytest.mark.parametrize("table", INSERT_ONLY)
@pytest.mark.parametrize("change", list(CHANGES))
async def test_the_owner_role_is_refused_by_the_trigger(
    db: Database, table: str, change: str
) -> None:
    conn = await asyncpg.connect(db.admin_url)
    try:
        await conn.execute("SET ROLE samverkan_owner")
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="insert-only"):
            await conn.execute(CHANGES[change].format(t=table, c=COLUMN[table]))
        assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 1
    finally:
        await conn.close()


@pytest.mark.parametrize("table", INSERT_ONLY)
@pytest.mark.parametrize("change", list(CHANGES))
async def test_the_runtime_role_is_refused_by_its_grants(
    db: Database, table: str, change: str
) -> None:
    conn = await asyncpg.connect(db.app_url)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
            await conn.execute(CHANGES[change].format(t=table, c=COLUMN[table]))
        assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 1
    finally:
        await conn.close()


@pytest.mark.parametrize("change", list(CHANGES))
async def test_a_payload_changes_only_by_a_recorded_erasure_even_for_the_owner(
    db: Database, change: str
) -> None:
    conn = await asyncpg.connect(db.admin_url)
    try:
        await conn.execute("SET ROLE samverkan_owner")
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match=r"erasure|insert-only"):
            await conn.execute(CHANGES[change].format(t="payloads", c="data"))
        assert await conn.fetchval("SELECT count(*) FROM payloads") == 1
    finally:
        await conn.close()


@pytest.mark.parametrize("change", list(CHANGES))
async def test_the_runtime_role_cannot_change_a_payload(db: Database, change: str) -> None:
    conn = await asyncpg.connect(db.app_url)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
            await conn.execute(CHANGES[change].format(t="payloads", c="data"))
        assert await conn.fetchval("SELECT count(*) FROM payloads") == 1
    finally:
        await conn.close()
