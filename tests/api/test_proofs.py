"""Audit proofs over GraphQL verify with nothing but the log's public key."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx

from events.proof import merkle
from events.proof.note import Verifier, parse_checkpoint, verify_note
from service.audit.keys import read_key_file, vkey_path_for
from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import LPO, UB, Client

CHECKPOINT = "{ latestCheckpoint { size rootHash note cosignatures { witness } } }"
INCLUSION = """query($e: ID!) { inclusionProof(eventId: $e) {
  logIndex treeSize leafHash hashes finality checkpoint { size rootHash note } } }"""


async def checkpoint_covering(client: Client, size: int) -> dict[str, Any]:
    async with asyncio.timeout(20):
        while True:
            found = (await client.query(CHECKPOINT))["latestCheckpoint"]
            if found is not None and found["size"] >= size:
                return dict(found)
            await asyncio.sleep(0.2)


async def test_an_inclusion_proof_and_a_consistency_proof_verify_against_signed_checkpoints(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    editor = Client(http, dev_app, dev_app.token(UB, "editor"))
    auditor = Client(http, dev_app, dev_app.token(UB, "auditor"))
    drafted = await editor.ok(
        "draftPromise",
        promiseId="ub-proof",
        parties=[UB, LPO],
        details={"title": "Bevis", "period": {"label": "2032"}},
    )
    event_id = drafted["eventIds"][0]
    first = await checkpoint_covering(auditor, 1)
    await editor.ok(
        "addFocusArea", promiseId="ub-proof", focusArea={"focusAreaId": "fa1", "title": "Trygghet"}
    )
    log_size = (await auditor.query("{ logSize }"))["logSize"]
    latest = await checkpoint_covering(auditor, log_size)

    log_vkey = read_key_file(vkey_path_for(dev_app.settings.data_dir / "log.key"))
    verifier = Verifier.from_vkey(log_vkey)
    verify_note(latest["note"], [verifier])  # raises on a bad signature

    proof = (await auditor.query(INCLUSION, e=event_id))["inclusionProof"]
    root = parse_checkpoint(verify_note(proof["checkpoint"]["note"], [verifier])[0]).root
    assert merkle.verify_inclusion(
        proof["logIndex"],
        proof["treeSize"],
        base64.b64decode(proof["leafHash"]),
        [base64.b64decode(h) for h in proof["hashes"]],
        root,
    )
    assert proof["finality"] in ("CHECKPOINTED", "WITNESSED")

    hashes = (
        await auditor.query(
            "query($a: Int!, $b: Int!) { consistencyProof(fromSize: $a, toSize: $b) }",
            a=first["size"],
            b=latest["size"],
        )
    )["consistencyProof"]
    assert merkle.verify_consistency(
        first["size"],
        latest["size"],
        [base64.b64decode(h) for h in hashes],
        base64.b64decode(first["rootHash"]),
        base64.b64decode(latest["rootHash"]),
    )


async def test_an_anonymous_caller_gets_no_proof(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    response = await http.post(f"{dev_app.url}/graphql", json={"query": CHECKPOINT})
    assert response.json()["errors"][0]["message"] == "sign in to read proofs"


async def test_the_logs_verifier_key_is_read_over_graphql_and_checks_the_checkpoints(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    auditor = Client(http, dev_app, dev_app.token(UB, "auditor"))
    latest = await checkpoint_covering(auditor, 1)
    key = (await auditor.query("{ logVerifierKey }"))["logVerifierKey"]
    assert key == read_key_file(vkey_path_for(dev_app.settings.data_dir / "log.key"))
    verify_note(latest["note"], [Verifier.from_vkey(key)])  # raises on a bad signature
    anonymous = await http.post(f"{dev_app.url}/graphql", json={"query": "{ logVerifierKey }"})
    assert anonymous.json()["errors"][0]["message"] == "sign in to read proofs"
