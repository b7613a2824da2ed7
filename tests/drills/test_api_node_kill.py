"""Drill: SIGKILL one of three API nodes under load; the survivors keep answering every request."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest

from ops.load.cluster import local_cluster
from ops.load.generator import run_load
from tests.conftest import Database
from tests.drills.conftest import background, failures, seeded, status

pytestmark = pytest.mark.drills


async def test_killing_an_api_node_leaves_the_others_serving_every_request(
    fresh_db: Database, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    with local_cluster(tmp_path, admin_url=fresh_db.admin_url) as cluster:
        cluster.start_api("api-1")  # the first node's workers are the active ones
        cluster.start_api("api-2", wait=False)
        cluster.start_api("api-3", wait=False)
        for name in ("api-2", "api-3"):
            cluster.supervisor.wait_http(name, "/readyz", timeout=90)
        rig = await seeded(cluster, http)
        nodes = cluster.urls
        victim = cluster.supervisor.get("api-1").url
        live = set(nodes)
        async with background(
            run_load(http, nodes, rig.ops(), rate=45, duration=8, max_in_flight=64, live_nodes=live)
        ) as load:
            await asyncio.sleep(2.5)
            killed_at = time.perf_counter()
            cluster.supervisor.kill("api-1")
            await asyncio.sleep(0.5)  # the balancer notices the dead node
            live.discard(victim)
            run = await load
        survivors = [n for n in nodes if n != victim]
        ready = [await status(http, f"{n}/readyz") for n in survivors]  # workers moved over
        # Checked while the workers still run: they sequence the last acknowledged events.
        check = await rig.check()

    after_kill = [s for s in run.samples if s.node in survivors and s.started >= killed_at]
    assert len(after_kill) > 100
    survivor_failures = [f for n in survivors for f in failures(run, node=n)]
    assert not survivor_failures, survivor_failures[:5]
    assert ready == [200, 200]
    assert check.ok, check.as_dict()
