"""The `samverkan` command line. Errors are one clear line on stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import uvloop

from service import database, logs
from service.admin.commands import cmd_backup, cmd_erase, cmd_restore
from service.audit.commands import cmd_audit_export, cmd_audit_prove, cmd_audit_verify, cmd_witness
from service.console import CommandError, progress, stop_on_signals
from service.runtime import database_up
from service.settings import Settings, SettingsError


async def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    async with database_up(settings, migrate=False) as db:
        applied = await database.migrate(db.admin_url)
    print(f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ""))
    return 0


async def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from service.bootstrap import running
    from service.workers import collect_less, freeze_startup, worker_loops

    collect_less()
    async with running(settings, min_pool=0) as run:
        stop = stop_on_signals()
        loops = worker_loops(settings, run.domain, run.app_url, stop)
        freeze_startup()
        logging.getLogger(__name__).info(
            "worker started: %d loops (standby until active)", len(loops)
        )
        await asyncio.gather(*loops)
    return 0


async def cmd_projections(settings: Settings, args: argparse.Namespace) -> int:
    from events.log.connection import dedicated
    from events.log.store import log_size
    from projections.rebuild import RebuildResult, begin, rebuild
    from projections.runner import checkpoint
    from service.bootstrap import build_domain
    from service.rebuilds import in_processes, parts_for
    from service.supervisor import Supervisor

    domain = build_domain()
    async with database_up(settings) as db:
        if args.action == "status":
            conn = await database.connect(db.app_url)
            try:
                rows = await conn.fetch(PROJECTION_STATUS)
            finally:
                await conn.close()
            print(f"{'projection':<12} {'version':>7} {'status':<9} {'checkpoint':>10} {'lag':>6}")
            for name, version, status, checkpoint, lag in rows:
                print(f"{name:<12} {version:>7} {status:<9} {checkpoint:>10} {lag:>6}")
            return 0
        by_name = {p.name: p for p in domain.projections}
        names = list(by_name) if args.name in (None, "all") else [args.name]
        for name in names:
            if name not in by_name:
                raise CommandError(f"no projection named {name!r} (known: {', '.join(by_name)})")
        # Each rebuild is a supervised job: after any failure (the database restarting, say)
        # it runs again and resumes its version where its committed checkpoint stands. Ctrl-C
        # still interrupts it (KeyboardInterrupt is no Exception); a rerun resumes it.
        stop, supervisor = asyncio.Event(), Supervisor()

        def connect() -> Awaitable[asyncpg.Connection]:
            return database.connect(db.app_url)

        for name in names:
            async with dedicated(connect) as conn:
                version = await begin(conn, name)
                events = await log_size(conn) - await checkpoint(conn, name, version) - 1
            parts = parts_for(events, args.processes)

            def report(done: int, head: int, name: str = name) -> None:
                progress(f"rebuilding {name}: {done}/{head} events")

            def job(
                name: str = name, version: int = version, parts: int = parts
            ) -> Awaitable[RebuildResult]:
                sized = {} if args.batch_size is None else {"batch_size": args.batch_size}
                return rebuild(
                    by_name[name],
                    connect,
                    progress=report,
                    version=version,
                    parts=parts,
                    run_part=in_processes(db.app_url),
                    **sized,
                )

            result = await supervisor.until_done(f"rebuild:{name}", job, stop)
            assert result is not None  # nothing sets `stop`
            print(
                f"rebuilt {result.projection}: version {result.old_version} -> "
                f"{result.new_version}, {result.events} events"
            )
    return 0


PROJECTION_STATUS = """
SELECT projection, version, status, checkpoint,
       (SELECT coalesce(max(log_index), -1) FROM log) - checkpoint
FROM projection_state ORDER BY projection, version"""


BENCHMARKS = ("store", "projection", "audit", "api")
BENCH_EXTRAS = ("eventsourcing", "psycopg")
"""Dev extras the benchmarks import (their peers)."""


async def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    """Run every benchmark in turn as `python -m ops.bench.NAME` with the same arguments
    (e.g. --quick); the exit status is the worst of theirs."""
    checkout = _bench_checkout()
    forwarded = list(args.bench_args)
    if forwarded[:1] == ["--"]:  # `samverkan bench -- --quick`
        forwarded = forwarded[1:]
    status = 0
    for name in BENCHMARKS:
        progress(f"benchmark {name}")
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", f"ops.bench.{name}", *forwarded, cwd=checkout
        )
        code = await child.wait()
        status = max(status, code if code >= 0 else 1)
    return status


def _bench_checkout() -> Path:
    """The source checkout this package runs from, when it holds `ops.bench` and the dev
    extras are installed. The benchmarks run from it as modules in child processes: an
    installed wheel has no `ops` package, and the console script's sys.path lacks the checkout.
    """
    import importlib.util

    checkout = Path(__file__).resolve().parent.parent
    if not (checkout / "ops" / "bench" / "__init__.py").is_file() or any(
        importlib.util.find_spec(extra) is None for extra in BENCH_EXTRAS
    ):
        raise CommandError(
            "benchmarks need a source checkout with the dev extras (pip install -e '.[dev]')"
        )
    return checkout


async def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from service.web.app import create_app
    from service.web.warm import before_serving
    from service.workers import collect_less

    # the dispatcher's state cache, and unless --no-workers the workers, as in a worker
    collect_less(api_only=args.no_workers)

    if args.dev:
        settings = replace(settings, dev=True)
    settings = replace(settings, host=args.host or settings.host, port=args.port or settings.port)
    app = create_app(settings, run_workers=not args.no_workers, on_ready=before_serving)
    print(f"Samverkan serves GraphQL on http://{settings.host}:{settings.port}/graphql", flush=True)
    if settings.dev:
        print(
            "dev mode: GraphiQL in the browser; get a token with `samverkan dev-token`", flush=True
        )
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        log_config=None,
        lifespan="on",
    )
    await uvicorn.Server(config).serve()
    return 0


async def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from service.bootstrap import running
    from service.demo.load import load_demo

    async with running(settings) as run:
        appended = await load_demo(run.dispatcher, progress=progress)
    print(f"demo loaded: {appended} new command(s) appended (0 means it was already there)")
    return 0


async def cmd_dev_token(settings: Settings, args: argparse.Namespace) -> int:
    from service.identity.dev_issuer import DEV_PLATFORM_OPERATOR, DevIssuer

    roles = [r.strip() for r in args.roles.split(",") if r.strip()]
    if args.platform_operator and args.subject:
        raise CommandError("--platform-operator names the subject; leave out --subject")
    subject = DEV_PLATFORM_OPERATOR if args.platform_operator else args.subject
    issuer = DevIssuer.load_or_create(settings.data_dir)
    try:
        token = issuer.mint(
            organisation_id=args.org,
            roles=roles,
            subject=subject or dev_subject(args.org, roles),
            ttl_s=args.ttl,
            person_id=args.person,
        )
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    print(token)
    return 0


def dev_subject(org: str, roles: Sequence[str]) -> str:
    """The default dev-token subject: one per organisation and set of roles, so that an editor
    and a signatory of the same organisation are two people in the history."""
    return "-".join(["dev", org, *sorted(set(roles))])


Handler = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]


def _positive(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number above 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command and its one-line help."""
    parser = argparse.ArgumentParser(
        prog="samverkan",
        description="Samverkan: medborgarlöften and samverkansöverenskommelser, an auditable log.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    serve = add("serve", cmd_serve, "serve GraphQL (and run the sequencer and projections)")
    serve.add_argument("--dev", action="store_true", help="dev mode: dev issuer and GraphiQL")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8000)")
    serve.add_argument("--no-workers", action="store_true", help="API only: run no workers")
    add("migrate", cmd_migrate, "apply pending database migrations")
    add("demo", cmd_demo, "load the demo history from the seed texts (idempotent)")
    token = add("dev-token", cmd_dev_token, "print a development bearer token (dev mode only)")
    token.add_argument("--org", required=True, help="organisation id the token acts for")
    token.add_argument("--roles", default="viewer", help="comma-separated roles")
    token.add_argument(
        "--subject", help="token subject: the person in history (default dev-ORG-ROLES)"
    )
    token.add_argument("--person", help="directory person id (needed to sign)")
    token.add_argument(
        "--platform-operator",
        action="store_true",
        help="the dev platform operator, who registers organisations (with --roles service)",
    )
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    add("worker", cmd_worker, "run the sequencer, projection runners and checkpointer")
    proj = add("projections", cmd_projections, "rebuild a projection or show their status")
    proj.add_argument("action", choices=["rebuild", "status"])
    proj.add_argument("name", nargs="?", help="projection to rebuild (default: all)")
    proj.add_argument(
        "--batch-size",
        type=_positive,
        default=None,
        help="the most events one rebuild transaction commits (default: the rebuild's own, "
        "a million; a crash loses at most that much work, the rerun resumes)",
    )
    proj.add_argument(
        "--processes",
        type=_positive,
        default=None,
        help="fold a projection's streams in this many processes side by side (default: one "
        "per core when there are 200,000 events or more to fold, else one)",
    )
    audit = sub.add_parser("audit", help="verify, export or prove the transparency log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = audit_sub.add_parser("verify", help="replay the whole log and check every proof")
    verify.set_defaults(handler=cmd_audit_verify)
    verify.add_argument("--from", dest="from_file", help="verify an export file, no database")
    verify.add_argument(
        "--allow-pending",
        action="store_true",
        help="accept checkpoints not yet cosigned after the last witnessed one",
    )
    prove = audit_sub.add_parser("prove", help="print an inclusion proof for one event")
    prove.set_defaults(handler=cmd_audit_prove)
    prove.add_argument("event_id")
    for p in (verify, prove):
        p.add_argument("--log-vkey", help="the log's verifier key file (default: data dir)")
        p.add_argument("--witness-vkey", action="append", default=[], help="a witness vkey file")
    export = audit_sub.add_parser("export", help="write the log as JSON Lines")
    export.set_defaults(handler=cmd_audit_export)
    export.add_argument("file")
    witness = add("witness", cmd_witness, "cosign consistent checkpoints with this party's key")
    witness.add_argument("--name", required=True, help="witness name, e.g. polisen")
    witness.add_argument("--key", required=True, help="the witness's skey file")
    witness.add_argument("--state", required=True, help="directory of the witness's state")
    witness.add_argument("--log-vkey", required=True, help="the log's verifier key file")
    bench = add("bench", cmd_bench, "run the benchmarks (ops/bench) and print ratios to peers")
    bench.add_argument("bench_args", nargs=argparse.REMAINDER, help="e.g. --quick or --reps 3")
    back = add("backup", cmd_backup, "write a pg_dump archive of the database (see ops/README.md)")
    back.add_argument("file", help="the archive to write (never overwritten)")
    restore = add("restore", cmd_restore, "restore a backup into an empty database, then migrate")
    restore.add_argument("file", help="an archive written by `samverkan backup`")
    for p in (back, restore):
        p.add_argument("--pg-bin", help="directory of pg_dump/pg_restore (default: found)")
    erase = add("erase", cmd_erase, "erase an event's personal data (the proof stays verifiable)")
    erase.add_argument("event_id")
    erase.add_argument("--reason", required=True)
    erase.add_argument("--erased-by", required=True, help="the org_admin erasing")
    erase.add_argument("--authorised-by", required=True, help="the auditor authorising")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `samverkan` console script."""
    parser = build_parser()
    # The benchmarks take their own options (`samverkan bench --quick`): pass them through.
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "bench":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra:
        args.bench_args = [*extra, *args.bench_args]
    try:
        settings = Settings.from_env()
        logs.configure_for(
            settings, role=args.command, verbose=args.verbose, dev=getattr(args, "dev", False)
        )
        # uvloop: the event loop asyncpg and uvicorn are fastest on (with httptools, which
        # uvicorn picks by itself), about a tenth less CPU per API request here.
        return int(uvloop.run(args.handler(settings, args)))
    except KeyboardInterrupt:
        return 130
    except (CommandError, SettingsError, database.MigrationError) as exc:
        print(f"samverkan: {exc}", file=sys.stderr)
        return 2
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"samverkan: database error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
