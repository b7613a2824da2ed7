"""Drill: stop PostgreSQL under load and start it again. While it is down the API answers 503
with the typed UNAVAILABLE error and /readyz is 503; afterwards every process reconnects by
itself and every acknowledged mutation is in the log."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest

from ops.load.client import post
from ops.load.cluster import local_cluster
from ops.load.generator import run_load
from ops.load.scenario import PROMISE_LIST
from tests.drills.conftest import background, failures, seeded, status, until

pytestmark = pytest.mark.drills

OUTAGE_S = 3.0


async def test_a_database_outage_is_a_typed_503_and_the_cluster_recovers_by_itself(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    with local_cluster(tmp_path) as cluster:  # a PostgreSQL of its own, to stop
        assert cluster.pg is not None
        pg = cluster.pg
        cluster.start_api("api-1")
        cluster.start_api("api-2")
        rig = await seeded(cluster, http)
        base = cluster.urls[0]
        async with background(
            run_load(http, cluster.urls, rig.ops(), rate=30, duration=14, max_in_flight=64)
        ) as load:
            await asyncio.sleep(2)
            down_at = time.perf_counter()
            await asyncio.to_thread(pg.stop, "fast")
            during = await post(http, base, PROMISE_LIST)
            ready_during = await status(http, f"{base}/readyz")
            await asyncio.sleep(OUTAGE_S)
            await asyncio.to_thread(pg.start)
            up_at = time.perf_counter()

            async def answers() -> bool:
                return (await post(http, base, PROMISE_LIST)).ok

            reconnect_s = await until(answers, timeout=15, interval=0.1)

            async def ready() -> bool:
                return all([await status(http, f"{u}/readyz") == 200 for u in cluster.urls])

            await until(ready, timeout=15, interval=0.2)
            run = await load
        check = await rig.check()

    print(
        f"database down {up_at - down_at:.1f} s; the API answered again {reconnect_s:.2f} s later"
    )
    assert during.status == 503 and during.error_code == "UNAVAILABLE", during
    assert ready_during == 503
    outage = [s for s in run.samples if not s.ok]
    assert outage, "no request met the outage"
    unexpected = [
        f"{s.op}: {s.status} {s.error}"
        for s in outage
        if not (s.status == 503 and s.error == "UNAVAILABLE")
    ]
    assert not unexpected, unexpected[:5]
    settled = up_at + reconnect_s + 1.0
    assert not failures(run, after=settled), failures(run, after=settled)[:5]
    assert [s for s in run.samples if s.ok and s.started > settled], "no request after recovery"
    assert check.ok, check.as_dict()
