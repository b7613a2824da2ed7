"""A promise rebuild folds the log in memory across pages and writes once per flush: it equals
the live documents, after an erasure too, and a crash loses only the unflushed part."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from typing import Any

import asyncpg
import pytest

from events.erasure import redact
from events.log.store import StoredEvent
from projections.documents import DocumentProjection
from projections.pages import Logged
from projections.rebuild import FoldsInMemory, rebuild
from projections.runner import Runner, checkpoint, serving_version
from service import database
from service.admin.erasure import record_erasure
from service.bootstrap import build_domain
from service.dispatcher import Dispatcher
from tests.conftest import Database
from tests.integration.test_dispatcher_cache import in_force_promise, record
from tests.integration.test_projections_promises import document_rows, projection, sequence

NAME = "Greta Exempelsdotter"


class CrashingWrite:
    """A promise projection whose process dies in its third flush (after two committed)."""

    def __init__(self, inner: DocumentProjection[Any]) -> None:
        self.inner, self.name, self.flushes = inner, inner.name, 0

    async def fold_page(
        self,
        conn: asyncpg.Connection,
        version: int,
        events: Sequence[Logged],
        held: dict[str, tuple[int, Any]],
    ) -> list[str]:
        return await self.inner.fold_page(conn, version, events, held)

    async def write(
        self,
        conn: asyncpg.Connection,
        version: int,
        held: dict[str, tuple[int, Any]],
        keys: Collection[str],
    ) -> None:
        self.flushes += 1
        await self.inner.write(conn, version, held, keys)
        if self.flushes == 3:
            raise RuntimeError("the rebuilding process died")

    async def apply(
        self, conn: asyncpg.Connection, version: int, events: Sequence[StoredEvent]
    ) -> None:
        raise AssertionError("a rebuild that folds in memory never applies batches")

    async def drop(self, conn: asyncpg.Connection, version: int) -> None:
        await self.inner.drop(conn, version)


async def live_rows(app_url: str, conn: asyncpg.Connection) -> list[tuple[object, ...]]:
    live = Runner(projection=projection(), connect=lambda: database.connect(app_url), batch_size=9)
    await live.run(asyncio.Event(), until_caught_up=True)
    version = await serving_version(conn, "promises")
    return await document_rows(conn, version)


async def a_log_with_an_erasure(db: Database, dispatcher: Dispatcher) -> int:
    """The demo's promises, one more in force with records, one record's payload erased, and
    records after the erasure; the log's size."""
    await in_force_promise(dispatcher)
    named = await dispatcher.dispatch(record("r-named", f"Samtal med {NAME} vid Bro centrum"))
    for n in range(5):
        await dispatcher.dispatch(record(f"r-{n}"))
    await sequence(dispatcher.pool)
    conn = await database.connect(db.app_url)
    try:
        data = await conn.fetchval(
            "SELECT p.data FROM events e JOIN payloads p ON p.event_pk = e.id "
            "WHERE e.event_id = $1",
            named.event_ids[0],
        )
        redacted = redact(build_domain().registry, "ActivityPerformed", data)
        await record_erasure(conn, named.event_ids[0], "begäran", "anna", "bertil", redacted)
    finally:
        await conn.close()
    for n in range(5, 8):
        await dispatcher.dispatch(record(f"r-{n}"))
    return await sequence(dispatcher.pool)


async def test_a_rebuild_in_flushes_equals_the_live_documents_after_a_crash_and_an_erasure(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    head = await a_log_with_an_erasure(fresh_db, dispatcher)
    conn = await database.connect(fresh_db.app_url)
    try:
        expected = await live_rows(fresh_db.app_url, conn)
        assert len(expected) >= 3
        assert all(NAME not in str(row) for row in expected)

        crashing = CrashingWrite(projection())
        assert isinstance(crashing, FoldsInMemory)
        connect = lambda: database.connect(fresh_db.app_url)  # noqa: E731
        with pytest.raises(RuntimeError, match="died"):
            await rebuild(crashing, connect, batch_size=20)
        building = await conn.fetchval(
            "SELECT version FROM projection_state WHERE projection = 'promises' "
            "AND status = 'building'"
        )
        # Two flushes committed with their checkpoint; the third's documents rolled back.
        assert 40 <= await checkpoint(conn, "promises", building) + 1 < head
        assert await serving_version(conn, "promises") == 1

        result = await rebuild(projection(), connect, batch_size=20)
        assert (result.new_version, result.events) == (building, head)
        assert await document_rows(conn, building) == expected

        whole = await rebuild(projection(), connect)
        assert await document_rows(conn, whole.new_version) == expected
        # Holding at most two states: it flushes whenever it reaches them, lets them go and
        # reads back from its own documents the states later pages touch.
        bounded = await rebuild(projection(), connect, batch_size=5, held_limit=2)
        assert await document_rows(conn, bounded.new_version) == expected
    finally:
        await conn.close()
