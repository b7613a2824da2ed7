"""Migration 0005 on a log written before it: recorded command ids keep working, scoped."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from events.idempotency import IdempotencyKeyReused
from events.messages import Principal, Refusal
from events.promise.commands import DraftPromise, RevisePromiseDetails
from events.promise.content import Period, PromiseDetails
from service import database
from service.bootstrap import build_domain
from service.dispatcher import Dispatcher
from tests.conftest import Database, create_database, drop_database

AT = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)
UB, ARJEPLOG = "org-upplands-bro", "org-arjeplog"
LEGACY_KEY = uuid.UUID("0b0e1f6a-6d2c-4c55-9f0b-5d8e2a1c0001")
IMPORT_KEY = uuid.UUID("0b0e1f6a-6d2c-4c55-9f0b-5d8e2a1c0002")

# The append as it was before 0005: ten arguments, the command id global.
OLD_APPEND = """
SELECT new_version, event_ids, duplicate
FROM append_events($1, 0, $2, $3, ARRAY[$4::uuid], ARRAY['PromiseDrafted'], ARRAY[1],
                   ARRAY[$5::jsonb], $6, ARRAY[$7::timestamptz])"""


def migrations_before(version: int, into: Path) -> Path:
    """A directory holding the shipped migrations numbered below `version`."""
    into.mkdir()
    for migration in database.load_migrations():
        if migration.version < version:
            (into / f"{migration.name}.sql").write_text(migration.sql, encoding="utf-8")
    return into


@pytest.fixture
async def before_0005(server_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    """A database migrated up to 0004 only."""
    created = await create_database(server_url, migrate=False)
    await database.migrate(created.admin_url, migrations_before(5, tmp_path / "migrations"))
    yield created
    await drop_database(server_url, created.name)


def editor(org: str) -> Principal:
    return Principal(
        issuer="test", subject=f"editor-{org}", organisation_id=org, roles=frozenset({"editor"})
    )


def details(title: str) -> PromiseDetails:
    return PromiseDetails(title=title, period=Period(label="2018"))


async def old_append(
    conn: asyncpg.Connection, stream: str, key: uuid.UUID, metadata: dict[str, object]
) -> uuid.UUID:
    event_id = uuid.uuid4()
    data = {"promise_id": stream.removeprefix("promise-"), "parties": [UB], "details": {}}
    await conn.execute(OLD_APPEND, stream, key, [UB], event_id, data, metadata, AT)
    return event_id


async def test_command_ids_recorded_before_0005_get_their_organisation_and_still_answer_retries(
    before_0005: Database,
) -> None:
    old = await database.connect(before_0005.app_url)
    try:
        drafted = await old_append(
            old,
            "promise-legacy",
            LEGACY_KEY,
            {"actor": editor(UB).as_record(), "command": "DraftPromise"},
        )
        await old_append(old, "promise-imported", IMPORT_KEY, {"source": "import"})
    finally:
        await old.close()

    await database.migrate(before_0005.admin_url)

    pool = await database.create_pool(before_0005.app_url, min_size=1, max_size=4)
    try:
        rows = await pool.fetch(
            "SELECT command_id, organisation, command_type, command_hash FROM commands"
        )
        assert {(r[0], r[1], r[2], r[3]) for r in rows} == {
            (LEGACY_KEY, UB, "DraftPromise", None),
            (IMPORT_KEY, "", "", None),
        }
        dispatcher: Dispatcher = build_domain().dispatcher(pool)
        retry = DraftPromise(
            command_id=str(LEGACY_KEY),
            actor=editor(UB),
            at=AT,
            promise_id="legacy",
            parties=(UB,),
            details=details("Trygg by"),
        )
        again = await dispatcher.dispatch(retry)
        assert again.duplicate and again.event_ids == (drafted,)
        with pytest.raises(IdempotencyKeyReused):
            await dispatcher.dispatch(
                RevisePromiseDetails(
                    command_id=str(LEGACY_KEY),
                    actor=editor(UB),
                    at=AT,
                    promise_id="legacy",
                    details=details("Annan"),
                )
            )
        # Another organisation's command under the same id is decided (and here refused:
        # the empty directory knows no Arjeplog), never answered with Upplands-Bro's result.
        with pytest.raises(Refusal):
            await dispatcher.dispatch(
                DraftPromise(
                    command_id=str(LEGACY_KEY),
                    actor=editor(ARJEPLOG),
                    at=AT,
                    promise_id="legacy-arjeplog",
                    parties=(ARJEPLOG,),
                    details=details("Trygg by"),
                )
            )
        assert await pool.fetchval("SELECT count(*) FROM events") == 2
    finally:
        await pool.close()
