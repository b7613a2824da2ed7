"""`python -m ops.load` (`make load`): seed, run a bounded mixed load, report, check the log.

Without `--nodes` it starts its own cluster (PostgreSQL primary, API nodes in dev mode, two
witnesses) under a temporary directory and stops it afterwards. With `--nodes URL,URL` it loads
a running cluster, which must run in dev mode (`SAMVERKAN_DEV=1`) so that tokens can be minted
with the development issuer key in `--data-dir`; `--database-url` is then needed for the log
check. Exits 0 when every acknowledged mutation is in a dense, verifying log, 1 otherwise;
the speed targets are reported, not enforced.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import uvloop

from ops.bench.harness import machine_pace, pace_text
from ops.load import checks
from ops.load.client import Acknowledged, session
from ops.load.cluster import Cluster, local_cluster
from ops.load.generator import Run, percentile, run_load
from ops.load.scenario import Operation, Tokens, operations, seed
from service.audit.keys import read_key_file, vkey_path_for
from service.settings import WITNESSES

RESULTS_DIR = Path(__file__).resolve().parent / "results"
TARGET_RPS, TARGET_P99_MS = 600.0, 200.0
"""The mixed load's targets: at least 600 requests/s with p99 at most 200 ms and no error."""
MEMORY_LIMIT_MB = 1024.0
"""No process may pass 1 GiB resident while the load runs."""
SAMPLE_S = 0.25
BACKENDS_S = 2.0
"""How often the memory sampler looks for PostgreSQL's new backends (finding them walks every
process of the machine; their memory is read every SAMPLE_S)."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where the load goes and how its log is checked afterwards."""

    nodes: list[str]
    data_dir: Path
    database_url: str
    log_vkey: str
    witness_vkeys: list[str]
    witnesses: Sequence[str]
    processes: dict[str, int]


def default_api_nodes() -> int:
    """One API node per core this process may use, at least two (the load always crosses
    nodes) and at most three. Every node costs the machine CPU of its own beside its requests'
    (its event loop, its standby workers' polls): on two cores, three nodes and PostgreSQL and
    the generator used 186 % of the two cores where two nodes used 166 % for the same load,
    and the saturated machine's queues made the p99 (2026-12-05: 285-362 ms beside 98-135)."""
    return min(3, max(2, len(os.sched_getaffinity(0))))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m ops.load", description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    p.add_argument("--rate", type=float, default=600.0, help="requests per second (default 600)")
    p.add_argument("--nodes", help="comma-separated API base URLs of a running cluster")
    p.add_argument("--database-url", help="admin URL of the cluster's database (with --nodes)")
    p.add_argument("--data-dir", help="the cluster's SAMVERKAN_DATA_DIR (with --nodes)")
    p.add_argument("--log-vkey", help="the log's verifier key file (default: in --data-dir)")
    p.add_argument("--witness-vkey", action="append", default=[], help="a witness's vkey file")
    p.add_argument(
        "--api-nodes",
        type=int,
        default=default_api_nodes(),
        help="API nodes of an own cluster (default: one per core, 2 to 3)",
    )
    p.add_argument("--promises", type=int, default=8, help="promises seeded (default 8)")
    p.add_argument("--max-in-flight", type=int, default=256, help="concurrent requests cap")
    p.add_argument("--seed", type=int, default=1, help="random seed of the operation mix")
    p.add_argument("--results-dir", default=str(RESULTS_DIR), help="where the JSON goes")
    p.add_argument("--keep", help="keep an own cluster's files (logs) in this directory")
    args = p.parse_args(argv)
    if args.nodes and not (args.database_url and args.data_dir):
        p.error("--nodes needs --database-url and --data-dir")
    if args.duration <= 0 or args.rate <= 0 or args.duration > 3600:
        p.error("--duration must be in (0, 3600] and --rate positive")
    return args


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def target(args: argparse.Namespace) -> Iterator[Target]:
    """The cluster to load: the one named on the command line, or one started here."""
    if args.nodes:
        data_dir = Path(args.data_dir).resolve()
        log_vkey_file = (
            Path(args.log_vkey) if args.log_vkey else vkey_path_for(data_dir / "log.key")
        )
        yield Target(
            nodes=[n.strip().rstrip("/") for n in args.nodes.split(",") if n.strip()],
            data_dir=data_dir,
            database_url=args.database_url,
            log_vkey=read_key_file(log_vkey_file),
            witness_vkeys=[read_key_file(Path(f)) for f in args.witness_vkey],
            witnesses=(),
            processes={},
        )
        return
    with contextlib.ExitStack() as stack:
        root = (
            Path(args.keep)
            if args.keep
            else Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="samverkan-load-")))
        )
        cluster = stack.enter_context(local_cluster(root))
        say(f"starting a local cluster in {root}: PostgreSQL, {args.api_nodes} API nodes")
        start_processes(cluster, args.api_nodes)
        yield Target(
            nodes=cluster.urls,
            data_dir=cluster.data_dir,
            database_url=cluster.admin_url,
            log_vkey=cluster.log_vkey,
            witness_vkeys=cluster.witness_vkeys(),
            witnesses=WITNESSES,
            processes=cluster_pids(cluster),
        )


def start_processes(cluster: Cluster, api_nodes: int) -> None:
    """The first API node alone (it migrates and loads the demo), then the rest, then witnesses."""
    cluster.start_api("api-1")
    for n in range(2, api_nodes + 1):
        cluster.start_api(f"api-{n}", wait=False)
    for n in range(2, api_nodes + 1):
        cluster.supervisor.wait_http(f"api-{n}", "/readyz", timeout=90)
    for name in WITNESSES:
        cluster.start_witness(name)


def cluster_pids(cluster: Cluster) -> dict[str, int]:
    """Process ids to measure CPU time of: every child, and PostgreSQL's postmaster."""
    pids = {n: c.pid for n, c in cluster.supervisor.children.items() if c.pid is not None}
    if cluster.pg is not None and (pm := cluster.pg.postmaster_pid()) is not None:
        pids["postgres"] = pm
    return pids


def processes(pids: dict[str, int]) -> Iterator[tuple[str, list[psutil.Process]]]:
    """Each named process that still runs (PostgreSQL: the postmaster and its backends)."""
    for name, pid in pids.items():
        try:
            proc = psutil.Process(pid)
            yield name, [proc, *proc.children(recursive=True)] if name == "postgres" else [proc]
        except psutil.Error:
            continue


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each process (PostgreSQL: postmaster and its backends)."""
    used: dict[str, float] = {}
    for name, procs in processes(pids):
        total = 0.0
        for p in procs:
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                total += t.user + t.system
        used[name] = total
    return used


class _Memory:
    """Reads the resident memory of the watched processes in MiB (PostgreSQL: its largest
    process), keeping their handles between
    samples (PostgreSQL's backends looked for again every BACKENDS_S): the load generator's
    own sampling is CPU taken from the processes it measures, on the same machine."""

    def __init__(self, pids: dict[str, int]) -> None:
        self._pids = pids
        self._procs: dict[str, list[psutil.Process]] = {}
        self._found_at = -BACKENDS_S

    def sample(self) -> dict[str, float]:
        if time.monotonic() - self._found_at >= BACKENDS_S:
            self._procs = dict(processes(self._pids))
            self._found_at = time.monotonic()
        now: dict[str, float] = {}
        for name, procs in self._procs.items():
            sizes = []
            for p in procs:
                with contextlib.suppress(psutil.Error):
                    sizes.append(p.memory_info().rss)
            if sizes:
                now[name] = max(sizes) / 2**20
        return now


@contextlib.asynccontextmanager
async def peak_rss(pids: dict[str, int]) -> AsyncIterator[dict[str, float]]:
    """Sample every process's resident memory every SAMPLE_S while the block runs; the dict
    holds each one's peak (MiB), this process's ("load generator") included."""
    memory = _Memory({**pids, "load generator": os.getpid()})
    peaks: dict[str, float] = {}
    done = asyncio.Event()

    async def sample() -> None:
        while not done.is_set():
            for name, mb in (await asyncio.to_thread(memory.sample)).items():
                peaks[name] = round(max(peaks.get(name, 0.0), mb), 1)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), SAMPLE_S)

    task = asyncio.create_task(sample())
    try:
        yield peaks
    finally:
        done.set()
        await task


def own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def summarise(run: Run, ops: Sequence[Operation]) -> dict[str, Any]:
    """Throughput, latency percentiles and errors, per operation, per kind and overall."""
    kinds = {o.name: o.kind for o in ops}

    def stats(samples: Sequence[Any]) -> dict[str, Any]:
        ms = [s.seconds * 1000 for s in samples]
        errors = sum(1 for s in samples if not s.ok)
        return {
            "count": len(samples),
            "errors": errors,
            "rps": round(len(samples) / run.duration, 1),
            "p50_ms": round(percentile(ms, 0.50), 1),
            "p95_ms": round(percentile(ms, 0.95), 1),
            "p99_ms": round(percentile(ms, 0.99), 1),
        }

    per_op = [
        {"operation": o.name, "kind": o.kind, **stats([s for s in run.samples if s.op == o.name])}
        for o in ops
    ]
    per_kind = {
        k: stats([s for s in run.samples if kinds[s.op] == k])
        for k in ("public", "editor", "mutation")
    }
    codes: dict[str, int] = {}
    for s in run.samples:
        if not s.ok:
            codes[s.error or "?"] = codes.get(s.error or "?", 0) + 1
    overall = stats(run.samples)
    sent = len(run.samples) + run.shed + run.unfinished
    overall["error_rate"] = round((overall["errors"] + run.shed + run.unfinished) / max(1, sent), 5)
    return {
        "operations": per_op,
        "kinds": per_kind,
        "overall": overall,
        "errors_by_code": codes,
        "shed": run.shed,
        "unfinished": run.unfinished,
        "slowest_seconds": slowest_seconds(run),
    }


def slowest_seconds(run: Run, worst: int = 3) -> list[dict[str, Any]]:
    """The `worst` seconds of the run by the p99 of the requests that started in each: whether
    the run's tail is spread over it or is a few seconds (a cold start, a pause and the backlog
    it left)."""
    started: dict[int, list[float]] = {}
    for s in run.samples:
        started.setdefault(int(s.started - run.started), []).append(s.seconds * 1000)
    windows = [
        {"second": second, "count": len(ms), "p99_ms": round(percentile(ms, 0.99), 1)}
        for second, ms in started.items()
    ]
    return sorted(windows, key=lambda w: (-w["p99_ms"], w["second"]))[:worst]


def render(report: dict[str, Any]) -> str:
    """The report as a Markdown table plus the verdicts."""
    lines = [
        f"load: {report['duration_s']:.0f} s at {report['target_rate']:.0f} req/s target "
        f"on {len(report['nodes'])} API node(s)",
        "",
        "| operation | kind | requests | req/s | errors | p50 ms | p95 ms | p99 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in [*report["operations"], {"operation": "all", "kind": "", **report["overall"]}]:
        lines.append(
            f"| {row['operation']} | {row['kind']} | {row['count']} | {row['rps']} | "
            f"{row['errors']} | {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} |"
        )
    o, t = report["overall"], report["targets"]
    lines += [
        "",
        f"throughput {o['rps']} req/s (target ≥ {TARGET_RPS:.0f}: {verdict(t['rps_met'])}), "
        f"p99 {o['p99_ms']} ms (target ≤ {TARGET_P99_MS:.0f}: {verdict(t['p99_met'])}), "
        f"error rate {o['error_rate'] * 100:.3f} % (target: none, {verdict(t['errors_met'])}); "
        f"shed {report['shed']}, unfinished {report['unfinished']}",
    ]
    if report["errors_by_code"]:
        lines.append(f"errors by code: {report['errors_by_code']}")
    if report.get("slowest_seconds"):
        worst = ", ".join(f"{w['second']} s {w['p99_ms']} ms" for w in report["slowest_seconds"])
        lines.append(f"slowest seconds (p99 of the requests started in each): {worst}")
    if report.get("machine_pace_s"):
        lines.append(pace_text(report["machine_pace_s"]))
    if report.get("cpu_percent"):
        cpu = ", ".join(f"{k} {v}%" for k, v in report["cpu_percent"].items())
        lines.append(f"CPU during the load (% of one core): {cpu}")
    if report.get("peak_rss_mb"):
        rss = ", ".join(f"{k} {v:,.0f}" for k, v in report["peak_rss_mb"].items())
        lines.append(
            f"peak resident memory (MiB; PostgreSQL: its largest process): {rss} "
            f"(target < {MEMORY_LIMIT_MB:.0f} each: {verdict(t['memory_met'])})"
        )
    c = report["log_check"]
    lines.append(
        f"log check: {'OK' if c['ok'] else 'FAILED'}: {c['acknowledged_events']} acknowledged "
        f"events, {c['missing_count']} missing, log size {c['log_size']} "
        f"({'dense' if c['dense'] else 'NOT dense'}), audit verify "
        f"{'OK' if c['audit_ok'] else 'FAILED'} ({c['audit']})"
    )
    return "\n".join(lines)


def write_results(report: dict[str, Any], results: Path) -> Path:
    """Write the report as JSON into `results`; return the file."""
    results.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = results / f"load-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def verdict(met: bool) -> str:
    return "met" if met else "missed"


async def main_async(args: argparse.Namespace) -> int:
    pace_before = machine_pace()
    with target(args) as where:
        tokens = Tokens.mint(where.data_dir)
        acks = Acknowledged()
        async with session(args.max_in_flight) as http:
            say(f"seeding {args.promises} promises in force through {where.nodes[0]}")
            promise_ids = await seed(http, where.nodes[0], tokens, args.promises, acks)
            ops = operations(tokens, promise_ids, acks, random.Random(args.seed))
            say(f"load: {args.duration:.0f} s at {args.rate:.0f} req/s, {len(where.nodes)} node(s)")
            cpu_before, own_before, wall = (
                cpu_seconds(where.processes),
                own_cpu(),
                time.perf_counter(),
            )
            async with peak_rss(where.processes) as memory:
                run = await run_load(
                    http,
                    where.nodes,
                    ops,
                    rate=args.rate,
                    duration=args.duration,
                    max_in_flight=args.max_in_flight,
                    rng=random.Random(args.seed + 1),
                )
            wall = time.perf_counter() - wall
            cpu_after = cpu_seconds(where.processes)
            cpu = {
                n: round(100 * (cpu_after[n] - cpu_before[n]) / wall, 1)
                for n in cpu_after
                if n in cpu_before
            }
            cpu["load generator"] = round(100 * (own_cpu() - own_before) / wall, 1)
        say("checking the log: every acknowledged mutation, density, audit verify")
        witnessed = bool(where.witnesses) and await checks.wait_witnessed(
            where.database_url, where.witnesses
        )
        check = await checks.check_log(
            where.database_url,
            acks.event_ids,
            where.log_vkey,
            where.witness_vkeys,
            allow_pending=not witnessed,
        )
    summary = summarise(run, ops)
    o = summary["overall"]
    report: dict[str, Any] = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "duration_s": args.duration,
        "target_rate": args.rate,
        "nodes": where.nodes,
        "own_cluster": not args.nodes,
        "seeded_promises": len(promise_ids),
        **summary,
        "targets": {
            "rps": TARGET_RPS,
            "p99_ms": TARGET_P99_MS,
            "memory_mb": MEMORY_LIMIT_MB,
            "rps_met": o["rps"] >= TARGET_RPS,
            "p99_met": o["p99_ms"] <= TARGET_P99_MS,
            "errors_met": o["errors"] + summary["shed"] + summary["unfinished"] == 0,
            "memory_met": all(mb < MEMORY_LIMIT_MB for mb in memory.values()),
        },
        "cpu_percent": cpu,
        "peak_rss_mb": memory,
        "machine_pace_s": [round(pace_before, 3), round(machine_pace(), 3)],
        "witnessed_to_the_end": witnessed,
        "log_check": check.as_dict(),
    }
    print(render(report), flush=True)
    say(f"results written to {write_results(report, Path(args.results_dir))}")
    return 0 if check.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        # uvloop, as the service runs on: the generator shares the machine's cores with the
        # cluster it measures, so its own CPU per request is kept low.
        return int(uvloop.run(main_async(args)))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
