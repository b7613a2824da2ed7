"""`python -m ops.cluster` end to end: everything starts, a write on one API node is read
through the replica on another, logs are JSON lines with node names, Ctrl-C stops it all."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import pytest

from ops.cluster.postgres import PgNode
from service.identity.dev_issuer import DevIssuer

pytestmark = pytest.mark.slow

UB, LPO = "org-upplands-bro", "org-lpo-jarfalla"
ROOT = Path(__file__).resolve().parents[2]


def wait_for_text(path: Path, marker: str, proc: subprocess.Popen[bytes], seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = path.read_text(errors="replace") if path.exists() else ""
        if marker in text:
            return text
        assert proc.poll() is None, f"the cluster exited early:\n{text}"
        time.sleep(0.2)
    raise AssertionError(f"no {marker!r} within {seconds} s:\n{path.read_text()}")


def graphql(url: str, token: str, query: str, **variables: object) -> dict[str, object]:
    response = httpx.post(
        f"{url}/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}", "x-correlation-id": "cluster-test"},
        timeout=20,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, object] = body["data"]
    return data


def test_the_cluster_starts_serves_from_the_replica_logs_json_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    # Not under pytest's temp root, which each new pytest session closes to other users.
    root = Path(tempfile.mkdtemp(prefix="samverkan-cluster-"))
    try:
        out = tmp_path / "out.txt"
        args = ["--root", str(root), "--api-nodes", "2", "--workers", "1"]
        args += ["--api-port", "0", "--pg-port", "0", "--duration", "300"]
        with out.open("wb") as sink:
            proc = subprocess.Popen(
                [sys.executable, "-m", "ops.cluster", *args],
                cwd=ROOT,
                stdout=sink,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        try:
            text = wait_for_text(out, "Ctrl-C stops the cluster", proc, 240)
            urls = re.findall(r"^api-\d+\s+\d+\s+(http://127\.0\.0\.1:\d+)/graphql", text, re.M)
            assert len(urls) == 2, text
            for name in ("postgres primary", "postgres replica", "worker-1", "witness-polisen"):
                assert re.search(rf"^{name}\s+[1-9]\d*\s", text, re.M), (name, text)
            editor = DevIssuer.load_or_create(root / "data").mint(
                organisation_id=UB, roles=["editor"], subject="cluster-test"
            )
            promise_id = f"cluster-{uuid.uuid4().hex[:8]}"
            draft = """mutation($id: ID!, $input: DraftPromiseInput!) {
              draftPromise(commandId: $id, input: $input) {
                __typename ... on CommandAccepted { consistencyToken } } }"""
            details = {"title": "Klustret", "period": {"validFrom": "2025-01-01", "label": "2025"}}
            done = graphql(
                urls[0],
                editor,
                draft,
                id=str(uuid.uuid4()),
                input={"promiseId": promise_id, "parties": [UB, LPO], "details": details},
            )["draftPromise"]
            assert isinstance(done, dict) and done["__typename"] == "CommandAccepted"
            read = (
                "query($id: ID!, $t: String) { promise(id: $id, consistencyToken: $t) { title } }"
            )
            found = graphql(urls[1], editor, read, id=promise_id, t=done["consistencyToken"])
            assert found["promise"] == {"title": "Klustret"}
        finally:
            proc.send_signal(signal.SIGINT)
            code = proc.wait(timeout=120)
        assert code == 0, out.read_text()
        api_lines = [
            json.loads(line)
            for line in (root / "logs" / "api-1.log").read_text().splitlines()
            if line.startswith("{")
        ]
        mutation = [e for e in api_lines if e.get("correlation_id") == "cluster-test"]
        assert mutation and all(e["node"] == "api-1" and e["role"] == "serve" for e in mutation)
        assert {e["logger"] for e in mutation} >= {"service.access", "service.app"}
        for name in ("primary", "replica"):
            node = PgNode(name=name, data_dir=root / "pg" / name, port=0, socket_dir=root)
            assert not node.is_running(), name
    finally:
        shutil.rmtree(root, ignore_errors=True)
