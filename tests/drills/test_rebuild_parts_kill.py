"""Drill: SIGKILL the processes of a rebuild in parts, again and again, while one of them is in
the middle of a flush (its documents written, its checkpoint not yet moved). The rebuild's
supervisor runs it again each time, every part resumes from its own committed checkpoint, and
the rebuilt documents equal the live ones."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import asyncpg
import pytest

from ops.cluster.processes import samverkan_command
from service import database
from service.bootstrap import build_domain
from tests.conftest import Database
from tests.drills.conftest import until
from tests.integration.test_projections_promises import document_rows
from tests.integration.test_rebuild_in_memory import a_log_with_an_erasure, live_rows

pytestmark = pytest.mark.drills

KILLS = 3
BUILDING = 2
"""The version the rebuild builds (version 1 serves the live documents)."""

FIRST_PART_LOCK = f"SELECT pg_advisory_lock(hashtext('projection:promises:{BUILDING}:part:0/2'))"
"""The lock `fold_part` takes for part 0 of 2: held here, that part cannot begin."""

WAITING_TO_MOVE = """
SELECT count(*) FROM pg_stat_activity
WHERE wait_event_type = 'Lock' AND query LIKE '%UPDATE rebuild_parts%'"""


def parts_of(pid: int) -> set[int]:
    """The pids of the part processes the rebuild (`pid`) has started (multiprocessing spawn)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    found = set()
    for child in children:
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError):  # reaped before or while it was read
            continue
        if b"spawn_main" in cmdline:
            found.add(int(child))
    return found


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0]
    except (FileNotFoundError, ProcessLookupError):  # reaped before or while it was read
        return True
    return state == "Z"


async def test_rebuild_parts_killed_mid_flush_again_and_again_resume_and_equal_the_live_documents(
    fresh_db: Database, tmp_path: Path
) -> None:
    pool = await database.create_pool(fresh_db.app_url, min_size=1, max_size=4)
    try:
        head = await a_log_with_an_erasure(fresh_db, build_domain().dispatcher(pool))
    finally:
        await pool.close()
    admin = await asyncpg.connect(fresh_db.admin_url)
    holder = await database.connect(fresh_db.app_url)
    conn = await database.connect(fresh_db.app_url)
    env = {
        **os.environ,
        "DATABASE_URL": fresh_db.admin_url,
        "SAMVERKAN_DATA_DIR": str(tmp_path),
    }
    env.pop("SAMVERKAN_APP_DATABASE_URL", None)
    rebuilding: asyncio.subprocess.Process | None = None
    try:
        expected = await live_rows(fresh_db.app_url, conn)
        # A killed client's backend must notice it is gone even while it waits for a lock (as
        # a production server should be configured), else it would hold the part's lock.
        await admin.execute(
            f'ALTER DATABASE "{fresh_db.name}" SET client_connection_check_interval = 100'
        )
        await holder.execute(FIRST_PART_LOCK)
        rebuilding = await asyncio.create_subprocess_exec(
            *samverkan_command(),
            *("projections", "rebuild", "promises", "--processes", "2", "--batch-size", "20"),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )

        async def parts_registered() -> bool:
            return bool(await conn.fetchval("SELECT count(*) = 2 FROM rebuild_parts"))

        await until(parts_registered, timeout=60)
        # Part 0 may begin now, and will stop inside its first flush: its checkpoint's row is
        # locked here until the last kill.
        tx = holder.transaction()
        await tx.start()
        await holder.execute("SELECT 1 FROM rebuild_parts WHERE part = 0 FOR UPDATE")
        await holder.execute(
            f"SELECT pg_advisory_unlock(hashtext('projection:promises:{BUILDING}:part:0/2'))"
        )
        killed: list[set[int]] = []
        for _ in range(KILLS):

            async def in_flush() -> bool:
                return int(await admin.fetchval(WAITING_TO_MOVE)) >= 1

            await until(in_flush, timeout=60)
            pids = parts_of(rebuilding.pid)
            assert pids, "the rebuild runs its parts in processes of their own"
            assert all(not (pids & earlier) for earlier in killed), "each run starts new ones"
            for pid in pids:
                os.kill(pid, signal.SIGKILL)

            async def dead(pids: set[int] = pids) -> bool:
                waiting = await admin.fetchval(WAITING_TO_MOVE)
                return all(gone(pid) for pid in pids) and waiting == 0

            await until(dead, timeout=30)
            killed.append(pids)
            assert rebuilding.returncode is None, "the supervisor runs the rebuild again"
            first = await conn.fetchval("SELECT checkpoint FROM rebuild_parts WHERE part = 0")
            assert first == -1, "a killed flush moves nothing"
        await tx.rollback()

        out, err = await asyncio.wait_for(rebuilding.communicate(), timeout=120)
        assert rebuilding.returncode == 0, err.decode()
        assert f"rebuilt promises: version 1 -> {BUILDING}, {head} events" in out.decode()
        assert err.decode().count("RebuildError") >= KILLS
        assert await conn.fetch("SELECT * FROM rebuild_parts") == []
        assert await document_rows(conn, BUILDING) == expected
    finally:
        if rebuilding is not None and rebuilding.returncode is None:
            rebuilding.kill()
            await asyncio.wait_for(rebuilding.wait(), timeout=10)
        for c in (admin, holder, conn):
            await c.close()
