"""The load tool's report names the seconds of a run whose requests were slowest, so a tail
made of a few seconds (a cold start, a pause and its backlog) shows apart from one spread over
the run."""

from __future__ import annotations

from ops.load.__main__ import render, slowest_seconds, summarise
from ops.load.generator import Run, Sample
from ops.load.scenario import Operation


async def _never(*_: object) -> object:
    raise AssertionError("not called")


OPS = [Operation("promises (anonymous)", "public", 100, _never)]  # type: ignore[arg-type]


def run_with(latencies_by_second: dict[int, list[float]]) -> Run:
    run = Run(started=1000.0, duration=float(len(latencies_by_second)))
    for second, latencies in latencies_by_second.items():
        for i, ms in enumerate(latencies):
            started = 1000.0 + second + i / (len(latencies) + 1)
            run.samples.append(Sample("promises (anonymous)", "n", started, ms / 1000, True, 200))
    return run


def test_the_slowest_seconds_are_those_whose_requests_had_the_highest_p99() -> None:
    run = run_with(
        {0: [5.0] * 90 + [400.0] * 10, 1: [5.0] * 100, 2: [5.0] * 98 + [80.0] * 2, 3: [7.0] * 100}
    )
    assert slowest_seconds(run) == [
        {"second": 0, "count": 100, "p99_ms": 400.0},
        {"second": 2, "count": 100, "p99_ms": 80.0},
        {"second": 3, "count": 100, "p99_ms": 7.0},
    ]
    assert slowest_seconds(run, worst=1) == [{"second": 0, "count": 100, "p99_ms": 400.0}]


def test_the_rendered_report_names_the_slowest_seconds() -> None:
    run = run_with({0: [5.0] * 50, 1: [300.0] * 50})
    summary = summarise(run, OPS)
    report = {
        "duration_s": 2.0,
        "target_rate": 50.0,
        "nodes": ["n"],
        **summary,
        "targets": {"rps_met": False, "p99_met": False, "errors_met": True, "memory_met": True},
        "log_check": {
            "ok": True,
            "acknowledged_events": 0,
            "missing_count": 0,
            "log_size": 0,
            "dense": True,
            "audit_ok": True,
            "audit": "",
        },
    }
    assert "slowest seconds (p99 of the requests started in each): 1 s 300.0 ms, 0 s 5.0 ms" in (
        render(report)
    )
