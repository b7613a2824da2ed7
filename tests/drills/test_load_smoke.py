"""`python -m ops.load` end to end for a few seconds at a low rate, on a cluster it starts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.drills


def test_a_short_load_run_reports_every_operation_and_a_verified_log(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ops.load",
            "--duration",
            "3",
            "--rate",
            "30",
            "--api-nodes",
            "2",
            "--promises",
            "2",
            "--results-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        "| operation | kind | requests | req/s | errors | p50 ms | p95 ms | p99 ms |" in done.stdout
    )
    assert "log check: OK" in done.stdout
    (result,) = tmp_path.glob("load-*.json")
    report = json.loads(result.read_text())
    kinds = {row["kind"] for row in report["operations"]}
    assert kinds == {"public", "editor", "mutation"}
    for row in [*report["operations"], report["overall"]]:
        assert {"count", "errors", "rps", "p50_ms", "p95_ms", "p99_ms"} <= set(row)
    assert report["overall"]["count"] > 0
    assert report["log_check"]["ok"] and report["log_check"]["audit_ok"]
    assert report["log_check"]["dense"] and report["log_check"]["missing_count"] == 0
    assert report["log_check"]["acknowledged_events"] > 0
    assert set(report["targets"]) >= {"rps_met", "p99_met", "errors_met", "memory_met"}
    peaks = report["peak_rss_mb"]
    assert {"postgres", "load generator"} <= set(peaks), peaks
    assert sum(name.startswith("api") for name in peaks) == 2, peaks
    assert all(0 < mb < 100_000 for mb in peaks.values()), peaks
    assert "peak resident memory (MiB" in done.stdout
    worst = report["slowest_seconds"]
    assert 1 <= len(worst) <= 3 and all(0 <= w["second"] < 3 for w in worst), worst
    assert "slowest seconds (p99 of the requests started in each): " in done.stdout
    before, after = report["machine_pace_s"]
    assert before > 0 and after > 0
    assert f"took {before:.3f} s before the run and {after:.3f} s after it" in done.stdout
