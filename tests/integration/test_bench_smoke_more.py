"""The projection, audit and API benchmarks run end to end in quick mode and print every row.

Speed targets live in each benchmark's own table; these tests assert no timing at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CASES = {
    "projection": (
        "promise projection rebuild",
        "rebuild vs eventsourcing ProjectionRunner, PostgreSQL view",
        "time-travel fold, 1,000-event promise stream",
        "append → projected p50 at 200 appends/s",
        "append → projected p99 at 200 appends/s",
        "append → projected p99 at 20 appends/s",
    ),
    "audit": (
        "sequencer with Merkle integration, 10,000 backlog",
        "full verify from the database, 10,000 events",
        "full offline verify of an export, 10,000 events",
        "inclusion proof at 50,000 leaves",
        "consistency proof at 50,000 leaves",
    ),
    "api": (
        "promise list (20 with progress), 50 clients",
        "promise list p50, 50 clients",
        "promise list p99, 50 clients",
        "promise list p99, open loop at",
        "anonymous promise list, 50 clients, answer kept",
        "recordActivity mutations",
        "mutation → visible p50 at 100 mutations/s",
        "mutation → visible p99 at 100 mutations/s",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_quick_benchmark_prints_every_scenario(
    name: str, server_url: str, tmp_path: Path
) -> None:
    env = {**os.environ, "DATABASE_URL": server_url}
    done = subprocess.run(
        [sys.executable, "-m", f"ops.bench.{name}", "--quick", "--results-dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    table = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    assert table[0].split("|")[1].strip() == "scenario"
    for row in CASES[name]:
        assert sum(line.startswith(f"| {row}") for line in table) == 1, row
    if name == "projection":
        assert "a cold dispatcher's load of the 1,000-event stream: first" in done.stdout
    (result,) = tmp_path.glob(f"{name}-*-quick.json")
    saved = json.loads(result.read_text())
    assert [r["scenario"] for r in saved["rows"]] == [
        line.split("|")[1].strip() for line in table[1:]
    ]
    before, after = saved["notes"]["machine_pace_s"]
    assert before > 0 and after > 0
    assert f"took {before:.3f} s before the run and {after:.3f} s after it" in done.stdout
