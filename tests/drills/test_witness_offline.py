"""Drill: one witness offline for a while. Checkpoints are still signed, finality stops at
CHECKPOINTED, and the witness catches up through consistency proofs when it is back."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ops.load import checks
from ops.load.client import data_of, post
from ops.load.cluster import WITNESSES, local_cluster
from ops.load.generator import run_load
from tests.conftest import Database
from tests.drills.conftest import background, failures, fetchval, seeded, until

pytestmark = pytest.mark.drills

OFFLINE = "kommun"
FINALITY = """query($e: ID!) { inclusionProof(eventId: $e) { logIndex treeSize finality
  checkpoint { size cosignatures { witness } } } }"""
LATEST = "SELECT coalesce(max(size), 0) FROM checkpoints"
COSIGNED = "SELECT coalesce(max(size), 0) FROM cosignatures WHERE witness = $1"
CHECKPOINTS = "SELECT count(*) FROM checkpoints"


async def test_checkpoints_go_on_without_a_witness_and_it_catches_up_when_back(
    fresh_db: Database, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    with local_cluster(tmp_path, admin_url=fresh_db.admin_url) as cluster:
        cluster.start_api("api-1")
        for name in WITNESSES:
            cluster.start_witness(name)
        rig = await seeded(cluster, http)
        url = cluster.admin_url

        async def cosigned_by(witness: str) -> int:
            return int(await fetchval(url, COSIGNED, witness))

        async def both_cosigned() -> bool:
            return all([await cosigned_by(w) > 0 for w in WITNESSES])

        await until(both_cosigned, timeout=15)
        async with background(
            run_load(http, cluster.urls, rig.ops(), rate=25, duration=10, max_in_flight=32)
        ) as load:
            await asyncio.sleep(1)
            cluster.supervisor.kill(f"witness-{OFFLINE}")
            offline_from = await cosigned_by(OFFLINE)
            checkpoints_before = await fetchval(url, CHECKPOINTS)
            acked_before = len(rig.acks.acks)
            await asyncio.sleep(6)  # offline while the load goes on

            # Checkpoints were still signed; the offline witness cosigned none of them.
            latest = int(await fetchval(url, LATEST))
            assert await fetchval(url, CHECKPOINTS) > checkpoints_before
            assert latest > offline_from
            assert await cosigned_by(OFFLINE) == offline_from
            # An event acknowledged while it was offline is CHECKPOINTED, not WITNESSED.
            event_id = rig.acks.acks[acked_before + 5].event_ids[0]
            proof = await inclusion(http, cluster.urls[0], rig.tokens.editor, event_id)
            assert proof is not None, "the event is in no checkpoint yet"
            assert int(proof["logIndex"]) >= offline_from
            assert proof["finality"] == "CHECKPOINTED", proof
            cosigners = {c["witness"] for c in proof["checkpoint"]["cosignatures"]}
            assert OFFLINE not in cosigners

            cluster.supervisor.restart(f"witness-{OFFLINE}")
            run = await load
        witnessed = await checks.wait_witnessed(url, WITNESSES, timeout=20)
        proof_after = await inclusion(http, cluster.urls[0], rig.tokens.editor, event_id)
        state_dir = cluster.root / "witnesses" / OFFLINE / "state"
        state = json.loads((state_dir / "state.json").read_text())
        final_size = int(await fetchval(url, LATEST))
        # Checked while the workers still run: they sequence the last acknowledged events.
        check = await rig.check(cluster.witness_vkeys())  # cosigned, nothing pending

    assert witnessed, "the returning witness did not cosign the newest checkpoint"
    assert state["size"] == final_size
    assert not (state_dir / "evidence").exists(), "the witness refused a checkpoint"
    assert proof_after is not None and proof_after["finality"] == "WITNESSED", proof_after
    assert not failures(run), failures(run)[:5]
    assert check.ok, check.as_dict()


async def inclusion(
    http: aiohttp.ClientSession, base: str, token: str, event_id: str
) -> dict[str, Any] | None:
    proof: dict[str, Any] | None = data_of(
        await post(http, base, FINALITY, {"e": event_id}, token)
    )["inclusionProof"]
    return proof
