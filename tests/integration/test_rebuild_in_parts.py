"""A rebuild in parts splits the streams by a hash of their id and folds each share to a common
log index (in processes of their own, through the CLI): it equals the live documents, after an
erasure too, and a part that fails resumes from its own checkpoint when the rebuild runs again."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from projections.rebuild import Part, fold_part, rebuild
from projections.runner import checkpoint, serving_version
from service import cli, database
from service.dispatcher import Dispatcher
from tests.conftest import Database
from tests.integration.test_projections_promises import document_rows, projection
from tests.integration.test_rebuild_in_memory import NAME, a_log_with_an_erasure, live_rows

PARTS = "SELECT part, parts, checkpoint FROM rebuild_parts ORDER BY part"


async def test_a_rebuild_in_parts_equals_the_live_documents_and_resumes_a_failed_part(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    head = await a_log_with_an_erasure(fresh_db, dispatcher)
    conn = await database.connect(fresh_db.app_url)
    try:
        expected = await live_rows(fresh_db.app_url, conn)
        assert len(expected) >= 3
        assert all(NAME not in str(row) for row in expected)
        connect = lambda: database.connect(fresh_db.app_url)  # noqa: E731
        keys = [str(row[0]) for row in expected]
        buckets = await conn.fetch(
            "SELECT (hashtext(k) & 2147483647) % 3 FROM unnest($1::text[]) AS k", keys
        )
        assert len({int(b[0]) for b in buckets}) >= 2, "the streams fall into several parts"

        ran: list[Part] = []

        others_done = asyncio.Event()
        finished: list[int] = []

        async def second_part_fails(part: Part) -> None:
            ran.append(part)
            if part.index == 1:  # dies once the other two have committed theirs
                await asyncio.wait_for(others_done.wait(), timeout=30)
                raise RuntimeError("the part's process died")
            await fold_part(projection(), connect, part)
            finished.append(part.index)
            if len(finished) == 2:
                others_done.set()

        async def every_part(part: Part) -> None:
            ran.append(part)
            await fold_part(projection(), connect, part)

        with pytest.raises(RuntimeError, match="died"):
            await rebuild(projection(), connect, batch_size=20, parts=3, run_part=second_part_fails)
        assert sorted(p.index for p in ran) == [0, 1, 2]
        assert {(p.count, p.until) for p in ran} == {(3, head - 1)}
        building = await conn.fetchval(
            "SELECT version FROM projection_state WHERE projection = 'promises' "
            "AND status = 'building'"
        )
        # The parts that ran committed up to the common index; the failed one did not move;
        # the version's own checkpoint waits for all three.
        rows = [tuple(r) for r in await conn.fetch(PARTS)]
        assert rows == [(0, 3, head - 1), (1, 3, -1), (2, 3, head - 1)]
        assert await checkpoint(conn, "promises", building) == -1
        assert await serving_version(conn, "promises") == 1

        # Run again (asked for one process, it finishes the three parts it found): only the
        # failed part folds, and the result equals the live documents.
        ran.clear()
        resumed = await rebuild(projection(), connect, batch_size=20, run_part=every_part)
        assert (resumed.new_version, resumed.events) == (building, head)
        assert [p.index for p in ran] == [0, 1, 2]
        assert await conn.fetch(PARTS) == []
        assert await document_rows(conn, building) == expected

        # Parts as tasks of this process, with flushes of a few states each.
        parted = await rebuild(projection(), connect, batch_size=5, held_limit=2, parts=2)
        assert await document_rows(conn, parted.new_version) == expected
    finally:
        await conn.close()


async def test_the_cli_rebuilds_in_processes_of_their_own_equal_to_the_live_documents(
    fresh_db: Database,
    dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Any,
) -> None:
    head = await a_log_with_an_erasure(fresh_db, dispatcher)
    conn: asyncpg.Connection = await database.connect(fresh_db.app_url)
    try:
        expected = await live_rows(fresh_db.app_url, conn)
        monkeypatch.setenv("DATABASE_URL", fresh_db.admin_url)
        monkeypatch.setenv("SAMVERKAN_DATA_DIR", str(tmp_path))
        monkeypatch.delenv("SAMVERKAN_APP_DATABASE_URL", raising=False)
        argv = ["projections", "rebuild", "promises", "--processes", "2", "--batch-size", "30"]
        assert await asyncio.to_thread(cli.main, argv) == 0
        assert f"rebuilt promises: version 1 -> 2, {head} events" in capsys.readouterr().out
        assert await serving_version(conn, "promises") == 2
        assert await conn.fetch(PARTS) == []
        assert await document_rows(conn, 2) == expected
    finally:
        await conn.close()
