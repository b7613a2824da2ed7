"""Drill: restart PostgreSQL again and again under a steady write load.

Each cycle stops the server with a fast shutdown (pg_ctl -m fast: SIGINT to the postmaster),
keeps it down for a bounded while and starts it again. Every role of every process loses its
connection each time and its supervisor starts it again; after each cycle every mutation
acknowledged so far (HTTP 200, CommandAccepted) must be sequenced and projected within 5 s of
the database accepting connections again. Every failed request meanwhile must be the typed
503 UNAVAILABLE, never a masked internal error. The second drill restarts the database while a
`projections rebuild` and both witnesses run: the rebuild is restarted by its supervisor and
finishes, the witnesses cosign the newest checkpoint, and everything ends consistent.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from ops.cluster.postgres import PgNode
from ops.cluster.processes import samverkan_command
from ops.load import checks
from ops.load.cluster import WITNESSES, Cluster, local_cluster
from ops.load.generator import Run, run_load
from projections.rebuild import rebuild
from service import database
from service.bootstrap import build_domain
from tests.drills.conftest import REFUSALS, Rig, background, seeded, until
from tests.integration.test_projections_promises import document_rows

pytestmark = pytest.mark.drills

CYCLES = 10
DOWN_S = (0.5, 1.0, 2.0)
"""How long each stop keeps the database down, in turn (bounded)."""
UP_S = 1.5
"""How long the load runs against a database that is up before the next stop."""
APPLIED_WITHIN_S = 5.0
"""The requirement: acknowledged writes are sequenced and projected within 5 s."""
WAIT_AT_MOST_S = 30.0
"""How long a cycle polls before it fails outright (a slower one still fails the 5 s)."""

APPLIED = """
SELECT count(*) FILTER (WHERE e.id IS NULL) AS lost,
       count(*) FILTER (WHERE e.id IS NOT NULL AND l.log_index IS NULL) AS unsequenced,
       coalesce(max(l.log_index), -1) AS last,
       (SELECT coalesce(min(checkpoint), -1) FROM projection_state
         WHERE status = 'serving') AS projected,
       (SELECT count(*) = coalesce(max(log_index) + 1, 0) FROM log) AS dense
FROM unnest($1::uuid[]) AS a(event_id)
LEFT JOIN events e ON e.event_id = a.event_id
LEFT JOIN log l ON l.event_pk = e.id"""


async def applied(url: str, event_ids: list[uuid.UUID]) -> dict[str, Any]:
    """Where the acknowledged events stand: lost, unsequenced, last index, projected, dense."""
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(APPLIED, event_ids)
    finally:
        await conn.close()
    assert row is not None
    return dict(row)


def acknowledged(rig: Rig) -> list[uuid.UUID]:
    return [uuid.UUID(e) for e in rig.acks.event_ids]


async def restart(pg: PgNode, down_s: float) -> float:
    """Fast shutdown, down for `down_s`, start; return when it accepts connections again."""
    await asyncio.to_thread(pg.stop, "fast")
    await asyncio.sleep(down_s)
    await asyncio.to_thread(pg.start)
    return time.monotonic()


async def all_applied_since(url: str, rig: Rig, up_at: float) -> float:
    """Wait (bounded) until every write acknowledged so far is sequenced and projected;
    return the seconds since `up_at`. A lost acknowledged write fails at once."""
    wanted = acknowledged(rig)
    seen: dict[str, Any] = {}

    async def done() -> bool:
        seen.update(await applied(url, wanted))
        assert seen["lost"] == 0, f"acknowledged writes are not in the database: {seen}"
        return bool(
            seen["unsequenced"] == 0 and seen["projected"] >= seen["last"] and seen["dense"]
        )

    await until(done, timeout=WAIT_AT_MOST_S, interval=0.1)
    return time.monotonic() - up_at


def untyped_failures(run: Run) -> list[str]:
    """Failed requests that were not the typed 503 UNAVAILABLE (refusals on merit aside)."""
    return [
        f"{s.op} on {s.node}: {s.status} {s.error}"
        for s in run.samples
        if not s.ok
        and s.error not in REFUSALS
        and not (s.status == 503 and s.error == "UNAVAILABLE")
    ]


async def readiness(http: aiohttp.ClientSession, cluster: Cluster) -> list[dict[str, Any]]:
    bodies = []
    for url in cluster.urls:
        async with http.get(f"{url}/readyz") as response:
            bodies.append({"status": response.status, **await response.json()})
    return bodies


async def test_after_each_of_10_database_restarts_every_acknowledged_write_is_applied_within_5_s(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    with local_cluster(tmp_path) as cluster:  # a PostgreSQL of its own, to restart
        assert cluster.pg is not None
        cluster.start_api("api-1")  # each API node runs every worker role: one leads, one
        cluster.start_api("api-2")  # stands by
        rig = await seeded(cluster, http)
        url = cluster.admin_url
        stop = asyncio.Event()
        took: list[float] = []
        async with background(
            run_load(
                http, cluster.urls, rig.ops(), rate=20, duration=600, max_in_flight=32, stop=stop
            )
        ) as load:
            for cycle in range(CYCLES):
                await asyncio.sleep(UP_S)
                up_at = await restart(cluster.pg, DOWN_S[cycle % len(DOWN_S)])
                took.append(await all_applied_since(url, rig, up_at))
            await asyncio.sleep(UP_S)  # a last stretch with the database up
            stop.set()
            run = await load

        nodes: list[dict[str, Any]] = []

        async def settled() -> bool:
            # Ready, every role of every node running again, and one process leading each:
            # a role may still sit out its last backoff (at most 2 s) when the load ends.
            nodes[:] = await readiness(http, cluster)
            roles = [node["roles"] for node in nodes]
            return (
                all(b["status"] == 200 for b in nodes)
                and all(r["state"] == "running" for node in roles for r in node.values())
                and [sum(bool(node[r].get("active")) for node in roles) for r in roles[0]]
                == [1] * len(roles[0])
            )

        await until(settled, timeout=30, interval=0.2)
        final = await all_applied_since(url, rig, time.monotonic())
        check = await rig.check()  # while the workers run: the last writes get sequenced

    print(f"applied after each restart in {', '.join(f'{t:.2f}' for t in took)} s")
    assert len(took) == CYCLES
    assert max(took) <= APPLIED_WITHIN_S, took
    assert final <= APPLIED_WITHIN_S
    assert not untyped_failures(run), untyped_failures(run)[:5]
    assert any(s.status == 503 for s in run.samples), "no request met an outage"
    assert len([s for s in run.samples if s.ok]) > CYCLES * 10
    roles = [node["roles"] for node in nodes]
    # Every stop cut every role's connection: each was restarted, none ended for good.
    assert all(r["restarts"] >= 1 for node in roles for r in node.values()), roles
    assert sum(node["sequencer"]["restarts"] for node in roles) >= CYCLES, roles
    assert check.ok, check.as_dict()


async def test_a_rebuild_and_the_witnesses_outlive_a_database_restart_and_end_consistent(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    with local_cluster(tmp_path) as cluster:
        assert cluster.pg is not None
        cluster.start_api("api-1")
        for name in WITNESSES:
            cluster.start_witness(name)
        rig = await seeded(cluster, http)
        url = cluster.admin_url
        stop = asyncio.Event()
        async with background(
            run_load(
                http, cluster.urls, rig.ops(), rate=30, duration=600, max_in_flight=32, stop=stop
            )
        ) as load:
            await asyncio.sleep(6)  # enough events that a rebuild one at a time takes a while
            rebuilding = cluster.supervisor.spawn(
                "rebuild",
                [*samverkan_command(), "projections", "rebuild", "promises", "--batch-size", "1"],
                cluster.env("rebuild"),
            )
            cluster.supervisor.wait_log("rebuild", "rebuilding promises: ", timeout=60)
            assert rebuilding.running(), "the rebuild ended before the database went down"
            up_at = await restart(cluster.pg, 2.0)
            took = await all_applied_since(url, rig, up_at)
            code = await asyncio.to_thread(rebuilding.popen.wait, 120)  # type: ignore[union-attr]
            await asyncio.sleep(UP_S)
            stop.set()
            run = await load
        rebuild_log = rebuilding.log_text()
        witnessed = await checks.wait_witnessed(url, WITNESSES, timeout=30)
        final = await all_applied_since(url, rig, time.monotonic())
        check = await rig.check(cluster.witness_vkeys())  # cosigned by both, nothing pending
        conn = await database.connect(cluster.app_url)
        try:
            serving = int(
                await conn.fetchval(
                    "SELECT version FROM projection_state "
                    "WHERE projection = 'promises' AND status = 'serving'"
                )
            )
            rebuilt = await document_rows(conn, serving)
            promises = build_domain().promises
            fresh = await rebuild(promises, lambda: database.connect(cluster.app_url))
            again = await document_rows(conn, fresh.new_version)
        finally:
            await conn.close()

    assert code == 0, rebuild_log[-2000:]
    assert "role rebuild:promises failed" in rebuild_log, "the restart missed the rebuild"
    assert "rebuilt promises: version 1 -> 2" in rebuild_log, rebuild_log[-2000:]
    assert serving == 2
    assert took <= APPLIED_WITHIN_S and final <= APPLIED_WITHIN_S
    assert witnessed, "the witnesses did not cosign the newest checkpoint after the restart"
    assert not untyped_failures(run), untyped_failures(run)[:5]
    assert len(rebuilt) > 3
    assert rebuilt == again, "the rebuilt read model differs from an undisturbed rebuild"
    assert check.ok, check.as_dict()
