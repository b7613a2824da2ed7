"""Audit benchmark: the sequencer with Merkle integration, full verify, proof generation.

Run `python -m ops.bench.audit` (full) or with `--quick` (a smoke run). The server, fresh
databases and the store benchmark's backlog come from `ops.bench.harness`; the sequencer with
and without the Merkle hook drain identical backlogs in alternating order, and medians are
reported.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from events.log import transparency
from events.proof import merkle
from events.proof.note import CosignatureSigner, Signer, generate_skey
from ops.bench import harness
from ops.bench.harness import (
    Db,
    Row,
    Server,
    admin_execute,
    arg_parser,
    heading,
    load_backlog,
    measured,
    median,
    percentile,
    print_runs,
    render,
    say,
    write_results,
)
from service import database
from service.audit import verify as audit
from service.audit.witness import Witness, witness_once

ORIGIN = "bench.samverkan.example/log"
BATCH = 2000


@dataclass(frozen=True, slots=True)
class Sizes:
    reps: int
    backlog: int
    proof_tree: int
    proofs: int
    pause_s: float


FULL = Sizes(reps=3, backlog=200_000, proof_tree=1_000_000, proofs=200, pause_s=2.0)
QUICK = Sizes(reps=1, backlog=10_000, proof_tree=50_000, proofs=50, pause_s=0.1)


async def load(db: Db, backlog: int) -> None:
    """The store benchmark's backlog: streams of 10 reference events, 10 per append."""
    await load_backlog(db, backlog)
    await admin_execute(db, "VACUUM ANALYZE events")


async def drain(db: Db, backlog: int, merkle_on: bool) -> float:
    """`sequence_batch` (with `integrate_batch` as the hook or without) until done; events/s."""
    hook = transparency.integrate_batch if merkle_on else None
    rate = await harness.drain(db, backlog, BATCH, hook)
    if merkle_on:
        conn = await database.connect(db.app_url)
        try:
            if await transparency.tree_size(conn) != backlog:
                raise RuntimeError("the tree does not hold the whole backlog")
        finally:
            await conn.close()
    return rate


async def sequencer_pair(server: Server, sizes: Sizes) -> dict[str, list[float]]:
    runs: dict[str, list[float]] = {"merkle": [], "plain": []}
    for rep in range(sizes.reps):
        order = [("plain", False), ("merkle", True)]
        for key, merkle_on in order if rep % 2 == 0 else reversed(order):
            async with server.fresh(f"seq_{key}") as db:
                await load(db, sizes.backlog)
                await server.settle(sizes.pause_s)
                runs[key].append(await drain(db, sizes.backlog, merkle_on))
            say(f"  rep {rep + 1}/{sizes.reps} sequencer {key}: {runs[key][-1]:,.0f} /s")
    return runs


# --------------------------------------------------------------------------------------------
# Verify


@dataclass(slots=True)
class VerifyFigures:
    database: float
    database_rows: float
    export_write: float
    export: float
    export_one_process: float
    export_workers: int
    export_parse: float
    size: int
    export_mb: float


async def read_rows(url: str) -> int:
    """The verify query alone, through the same cursor: the read floor of a database verify."""
    conn = await database.connect(url)
    n = 0
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            async for _ in conn.cursor(audit.LOG_ROWS, prefetch=5000):
                n += 1
    finally:
        await conn.close()
    return n


def parse_export(path: Path) -> int:
    """Every export line parsed and nothing checked: the read floor of an offline verify."""
    n = 0
    with path.open("rb") as f:
        for line in f:
            orjson.loads(line)
            n += 1
    return n


async def verify_figures(server: Server, sizes: Sizes, tmp: Path) -> VerifyFigures:
    async with server.fresh("verify") as db:
        await load(db, sizes.backlog)
        await drain(db, sizes.backlog, True)
        signer = Signer.from_skey(generate_skey(ORIGIN))
        witnesses = [
            Witness(
                signer=CosignatureSigner.from_skey(generate_skey(name)),
                log_verifier=signer.verifier,
                state_dir=tmp / name,
            )
            for name in ("polisen", "kommun")
        ]
        conn = await database.connect(db.app_url)
        try:
            if await transparency.write_checkpoint(conn, signer, ORIGIN) is None:
                raise RuntimeError("no checkpoint was written")
            for w in witnesses:
                outcomes = await witness_once(conn, w)
                if any(o.refused is not None for o in outcomes):
                    raise RuntimeError(f"witness refused: {outcomes}")
        finally:
            await conn.close()
        vkeys = [w.signer.vkey for w in witnesses]
        await admin_execute(db, "VACUUM ANALYZE")
        await server.settle(sizes.pause_s)
        await read_rows(db.app_url)  # warm the cache

        begin = time.perf_counter()
        report = await audit.verify_database(db.app_url, signer.vkey, vkeys)
        t_db = time.perf_counter() - begin
        if not report.ok or report.size != sizes.backlog:
            raise RuntimeError(f"verify failed: {report.findings[:3]}")
        begin = time.perf_counter()
        rows = await read_rows(db.app_url)
        t_rows = time.perf_counter() - begin

        path = tmp / "export.jsonl"
        begin = time.perf_counter()
        exported = await audit.export(db.app_url, path)
        t_export = time.perf_counter() - begin
    workers = audit.default_workers(path)
    begin = time.perf_counter()
    offline = await asyncio.to_thread(audit.verify_export, path, signer.vkey, vkeys)
    t_offline = time.perf_counter() - begin
    if not offline.ok or offline.size != sizes.backlog:
        raise RuntimeError(f"offline verify failed: {offline.findings[:3]}")
    begin = time.perf_counter()
    single = await asyncio.to_thread(audit.verify_export, path, signer.vkey, vkeys, workers=1)
    t_single = time.perf_counter() - begin
    if single != offline:
        raise RuntimeError("one process and worker processes report differently")
    begin = time.perf_counter()
    lines = parse_export(path)
    t_parse = time.perf_counter() - begin
    n = sizes.backlog
    return VerifyFigures(
        database=n / t_db,
        database_rows=rows / t_rows,
        export_write=exported / t_export,
        export=n / t_offline,
        export_one_process=n / t_single,
        export_workers=workers,
        export_parse=lines / t_parse,
        size=n,
        export_mb=path.stat().st_size / 1e6,
    )


# --------------------------------------------------------------------------------------------
# Proofs at a large tree


async def build_tree(db: Db, size: int) -> bytes:
    """Store the nodes and leaf rows of a tree of `size` synthetic leaves (COPY, as superuser).

    The rows have exactly the shape `integrate_batch` writes; only the leaves' events are
    left out (foreign keys are not checked for this load), since proofs read nodes alone.
    """
    leaf_hashes = [merkle.leaf_hash(i.to_bytes(8, "big")) for i in range(size)]
    rows = merkle.append_leaves(0, leaf_hashes, {})
    conn = await asyncpg.connect(db.admin_url)
    try:
        await conn.execute("SET session_replication_role = replica")
        await conn.copy_records_to_table(
            "merkle_nodes", records=rows, columns=["level", "idx", "hash"]
        )
        await conn.copy_records_to_table(
            "leaves",
            records=((i, i.to_bytes(8, "big"), h) for i, h in enumerate(leaf_hashes)),
            columns=["log_index", "leaf", "leaf_hash"],
        )
        await conn.execute("ANALYZE merkle_nodes; ANALYZE leaves")
    finally:
        await conn.close()
    tree = merkle.CompactRange()
    for h in leaf_hashes:
        tree.append(h)
    return tree.root()


@dataclass(slots=True)
class ProofFigures:
    inclusion_ms: float
    inclusion_p99_ms: float
    consistency_ms: float
    consistency_p99_ms: float
    size: int


async def proof_figures(server: Server, sizes: Sizes) -> ProofFigures:
    async with server.fresh("proofs") as db:
        size = sizes.proof_tree
        expected_root = await build_tree(db, size)
        await server.settle(sizes.pause_s)
        conn = await database.connect(db.app_url)
        rng = random.Random(7)
        try:
            if await transparency.root(conn, size) != expected_root:
                raise RuntimeError("the stored tree's root differs from the compact range's")
            inclusion: list[float] = []
            consistency: list[float] = []
            for _ in range(sizes.proofs):
                index = rng.randrange(size)
                begin = time.perf_counter()
                proof = await transparency.inclusion_proof(conn, index, size)
                inclusion.append((time.perf_counter() - begin) * 1000)
                leaf = merkle.leaf_hash(index.to_bytes(8, "big"))
                if not merkle.verify_inclusion(index, size, leaf, proof, expected_root):
                    raise RuntimeError(f"inclusion proof of {index} does not verify")
                older = rng.randrange(1, size)
                begin = time.perf_counter()
                cproof = await transparency.consistency_proof(conn, older, size)
                consistency.append((time.perf_counter() - begin) * 1000)
                if not cproof:
                    raise RuntimeError("an empty consistency proof")
        finally:
            await conn.close()
    return ProofFigures(
        inclusion_ms=median(inclusion),
        inclusion_p99_ms=percentile(inclusion, 0.99),
        consistency_ms=median(consistency),
        consistency_p99_ms=percentile(consistency, 0.99),
        size=size,
    )


# --------------------------------------------------------------------------------------------
# Main


async def measure(url: str, sizes: Sizes) -> tuple[list[Row], dict[str, Any]]:
    server = Server(url)
    notes: dict[str, Any] = {}
    runs = await sequencer_pair(server, sizes)
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as tmp:
        say("  verify")
        v = await verify_figures(server, sizes, Path(tmp))
    notes["verify"] = asdict(v)
    say(
        f"  verify: database {v.database:,.0f} /s, export {v.export:,.0f} /s "
        f"({v.export_workers} worker process(es); one process {v.export_one_process:,.0f} /s)"
    )
    say(f"  proofs at {sizes.proof_tree:,} leaves")
    p = await proof_figures(server, sizes)
    notes["proofs"] = asdict(p)
    m, s = median(runs["merkle"]), median(runs["plain"])
    n = f"{sizes.backlog:,}"
    t = f"{sizes.proof_tree:,}"
    rows = [
        Row(
            f"sequencer with Merkle integration, {n} backlog (events/s)",
            "/s",
            m,
            s,
            "no Merkle hook",
            "≥ 15,000/s",
            m >= 15_000,
            runs["merkle"],
            runs["plain"],
        ),
        Row(
            f"full verify from the database, {n} events (events/s)",
            "/s",
            v.database,
            v.database_rows,
            "verify query only",
            "–",
            None,
            [v.database],
            [v.database_rows],
        ),
        Row(
            f"full offline verify of an export, {n} events (events/s)",
            "/s",
            v.export,
            v.export_parse,
            "JSON parse only",
            "≥ 100,000/s",
            v.export >= 100_000,
            [v.export],
            [v.export_parse],
        ),
        Row(
            f"inclusion proof at {t} leaves (median)",
            "ms",
            p.inclusion_ms,
            None,
            "",
            "≤ 5 ms",
            p.inclusion_ms <= 5,
        ),
        Row(
            f"consistency proof at {t} leaves (median)",
            "ms",
            p.consistency_ms,
            None,
            "",
            "≤ 5 ms",
            p.consistency_ms <= 5,
        ),
    ]
    return rows, notes


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = arg_parser(
        "audit",
        "Benchmark the audit log.",
        quick_help="every size about 20x smaller",
        reps_help="repetitions of the sequencer pair",
    )
    return parser.parse_args(argv)


async def run(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.reps is not None:
        sizes = replace(sizes, reps=max(1, args.reps))
    started = dt.datetime.now(dt.UTC)
    mode = "quick" if args.quick else "full"
    say(f"audit bench ({mode}), {sizes.reps} rep(s)")
    pg_version, rows, notes = await measured(args.database_url, measure, sizes)
    elapsed = (dt.datetime.now(dt.UTC) - started).total_seconds()
    print(
        heading(
            "audit",
            mode,
            started,
            pg_version,
            f"medians of {sizes.reps} rep(s)",
            notes.get("machine_pace_s"),
        )
    )
    print(render(rows))
    print()
    print_runs(rows)
    v, p = notes["verify"], notes["proofs"]
    print(
        f"offline verify: {v['export_workers']} worker process(es); in one process "
        f"{v['export_one_process']:,.0f} events/s"
    )
    print(
        f"export: {v['export_write']:,.0f} events/s written, {v['export_mb']:.1f} MB; "
        f"proof p99: inclusion {p['inclusion_p99_ms']:.2f} ms, "
        f"consistency {p['consistency_p99_ms']:.2f} ms"
    )
    print(f"total time {elapsed:.0f} s")
    out = write_results(
        args.results_dir,
        "audit",
        started=started,
        elapsed=elapsed,
        quick=args.quick,
        sizes=sizes,
        pg_version=pg_version,
        rows=rows,
        notes=notes,
    )
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(run()))
