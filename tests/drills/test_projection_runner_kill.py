"""Drill: SIGKILL the process running the projections in the middle of a batch, under load.
The standby resumes from the committed checkpoint and the read models equal a rebuild."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from events.log.sequencer import LOCK_KEY
from ops.load import checks
from ops.load.cluster import local_cluster
from ops.load.generator import run_load
from projections.rebuild import rebuild
from service import database
from service.bootstrap import build_domain
from tests.conftest import Database
from tests.drills.conftest import (
    PROJECTION_KEY,
    background,
    failures,
    log_size,
    projection_holder,
    role_holder,
    seeded,
    until,
)
from tests.integration.test_projection_runner import history_rows
from tests.integration.test_projections_promises import document_rows

pytestmark = pytest.mark.drills

IN_BATCH = """
SELECT EXISTS (SELECT 1 FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
  WHERE a.application_name = $2 AND a.xact_start IS NOT NULL AND l.locktype = 'advisory'
    AND l.granted AND l.objid::bigint = ($1::bigint & 4294967295))"""


async def test_a_projection_runner_killed_mid_batch_is_resumed_and_equals_a_rebuild(
    fresh_db: Database, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    url = fresh_db.admin_url
    with local_cluster(tmp_path, admin_url=url) as cluster:
        cluster.start_worker("worker-1")
        cluster.supervisor.wait_log("worker-1", "sequencer is active", timeout=30)
        cluster.start_api("api-1")  # standby for every worker role
        rig = await seeded(cluster, http)
        assert (await projection_holder(url, "promises"))[0] == "worker-1"
        worker = cluster.supervisor.get("worker-1")
        assert worker.pid is not None

        async with background(
            run_load(http, cluster.urls, rig.ops(), rate=40, duration=10, max_in_flight=64)
        ) as load:
            # Hold worker-1 still while a backlog builds up, then let it run into it.
            os.kill(worker.pid, signal.SIGSTOP)
            await asyncio.sleep(3)
            os.kill(worker.pid, signal.SIGCONT)
            conn = await asyncpg.connect(url)
            try:
                key = int((await conn.fetchrow(PROJECTION_KEY, "promises"))[0])

                async def mid_batch() -> bool:
                    return bool(await conn.fetchval(IN_BATCH, key, "worker-1"))

                await until(mid_batch, timeout=10, interval=0.002)
                cluster.supervisor.kill("worker-1")
            finally:
                await conn.close()
            checkpoint_at_kill = (await projection_holder(url, "promises"))[1]

            async def resumed() -> bool:
                holder, checkpoint = await projection_holder(url, "promises")
                return holder == "api-1" and checkpoint > checkpoint_at_kill

            await until(resumed, timeout=10)
            run = await load
        assert await role_holder(url, LOCK_KEY) == "api-1"
        # The last acknowledged writes may still be on their way into the log: a head read
        # once here could be passed by the projections and never equalled (seen on a loaded
        # machine). Wait for them, and read the head afresh each time.
        assert not await checks.wait_sequenced(url, rig.acks.event_ids), "acked writes missing"

        async def caught_up() -> bool:
            head = await log_size(url)
            return all([(await projection_holder(url, p))[1] == head - 1 for p in PROJECTIONS])

        await until(caught_up, timeout=20)
        check = await rig.check()
        conn = await database.connect(fresh_db.app_url)
        try:
            live_documents = await document_rows(conn, 1)
            live_history = await history_rows(conn, 1)
            domain = build_domain()
            by_name = {p.name: p for p in domain.projections}
            for name in ("promises", "history"):
                result = await rebuild(by_name[name], lambda: database.connect(fresh_db.app_url))
                assert (result.old_version, result.new_version) == (1, 2)
            rebuilt_documents = await document_rows(conn, 2)
            rebuilt_history = await history_rows(conn, 2)
        finally:
            await conn.close()

    assert not failures(run), failures(run)[:5]
    assert check.ok, check.as_dict()
    assert len(live_documents) > 2
    assert rebuilt_documents == live_documents
    assert rebuilt_history == live_history


PROJECTIONS = ("history", "promises", "directory")
