"""The store benchmark runs end to end in its quick mode and prints every scenario row.

Speed targets live in the benchmark's own table; this test asserts no timing at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

ROWS = (
    "append, 1 writer, sequencer on",
    "append, 32 tasks, sequencer on",
    "append, 1 writer ÷ its rows by plain SQL",
    "append, 32 tasks ÷ its rows by plain SQL",
    "append vs eventsourcing, 1 writer",
    "append vs eventsourcing, 32 writers",
    "sequencer, 10,000 backlog",
    "sequencer lag p50",
    "sequencer lag p99",
    "read_log into StoredEvent",
)


@pytest.mark.slow
def test_the_quick_benchmark_prints_every_scenario(server_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": server_url}
    done = subprocess.run(
        [sys.executable, "-m", "ops.bench.store", "--quick", "--results-dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    table = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    assert table[0].split("|")[1].strip() == "scenario"
    for row in ROWS:
        assert sum(line.startswith(f"| {row}") for line in table) == 1, row
    (result,) = tmp_path.glob("store-*-quick.json")
    saved = json.loads(result.read_text())
    assert [r["scenario"].split(" (")[0] for r in saved["rows"]] == [
        line.split("|")[1].strip().split(" (")[0] for line in table[1:]
    ]
    assert saved["payload_bytes"] == {"data": 307, "metadata": 150}
    before, after = saved["notes"]["machine_pace_s"]
    assert before > 0 and after > 0
    assert f"took {before:.3f} s before the run and {after:.3f} s after it" in done.stdout
    # What each write run cost per event. Every event's row carries its data and metadata, so
    # the WAL per event is at least their bytes (the server's other work, on a shared server,
    # only adds to it: no order between the peers is asserted); the CPU is the machine's.
    notes = saved["notes"]
    carried = saved["payload_bytes"]["data"] + saved["payload_bytes"]["metadata"]
    for tasks in (1, 32):
        for run in (f"floor_{tasks}", f"append_{tasks}", f"same_rows_{tasks}"):
            (wal,) = notes[f"{run}_wal_bytes_per_event"]
            assert wal >= carried, (run, wal)
            (cpu,) = notes[f"{run}_machine_cpu_us_per_event"]
            assert cpu > 0, (run, cpu)
    assert "append_32_wal_bytes_per_event: [" in done.stdout
    assert "append_32_machine_cpu_us_per_event: [" in done.stdout
