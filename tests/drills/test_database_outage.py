"""Drill: stop PostgreSQL under load and start it again. While it is down the API answers 503
with the typed UNAVAILABLE error and /readyz is 503; afterwards every process reconnects by
itself and every acknowledged mutation is in the log.

Nothing here depends on how fast a loaded machine is: the load runs until the drill stops it
(it spans the outage whatever the outage takes), every request that failed must be the typed
503 (or a refusal on the merits, such as a VersionConflict between concurrent writers), and
"after recovery" is a load of its own started once every node is ready, which must not fail.
"""

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
from tests.drills.conftest import REFUSALS, background, failures, seeded, status, until

pytestmark = pytest.mark.drills

OUTAGE_S = 3.0
RECOVERY_TIMEOUT_S = 30.0
"""Bounded waits for the recovery, generous for a loaded 2-core machine."""


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
        stop_load = asyncio.Event()
        async with background(
            run_load(
                http,
                cluster.urls,
                rig.ops(),
                rate=30,
                duration=600,
                max_in_flight=64,
                stop=stop_load,
            )
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

            reconnect_s = await until(answers, timeout=RECOVERY_TIMEOUT_S, interval=0.1)

            async def ready() -> bool:
                return all([await status(http, f"{u}/readyz") == 200 for u in cluster.urls])

            await until(ready, timeout=RECOVERY_TIMEOUT_S, interval=0.2)
            stop_load.set()
            run = await load
        after = await run_load(http, cluster.urls, rig.ops(seed=11), rate=20, duration=3)
        check = await rig.check()

    print(
        f"database down {up_at - down_at:.1f} s; the API answered again {reconnect_s:.2f} s later"
    )
    assert during.status == 503 and during.error_code == "UNAVAILABLE", during
    assert ready_during == 503
    outage = [s for s in run.samples if not s.ok and s.error not in REFUSALS]
    assert outage, "no request met the outage"
    unexpected = [
        f"{s.op}: {s.status} {s.error}"
        for s in outage
        if not (s.status == 503 and s.error == "UNAVAILABLE")
    ]
    assert not unexpected, unexpected[:5]
    assert after.samples and not failures(after), failures(after)[:5]
    assert check.ok, check.as_dict()
