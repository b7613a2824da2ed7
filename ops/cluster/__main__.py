"""`python -m ops.cluster` (`make cluster`): the whole cluster on one machine, on 127.0.0.1.

PostgreSQL primary and streaming hot standby, migrations, API nodes (`serve --no-workers`,
queries from the replica), two `worker` processes (the sequencer, each projection runner and
the checkpointer: one active, one standby) and the two witnesses. Everything lives under
`--root`; it runs until Ctrl-C, SIGTERM or `--duration`, then stops every process.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ops.cluster import keys, postgres
from ops.cluster.binaries import PgError
from ops.cluster.postgres import DATABASE
from ops.cluster.processes import Supervisor, SupervisorError, samverkan_command
from service import database
from service.audit.keys import vkey_path_for
from service.settings import RUNTIME_ROLE, WITNESSES

DEFAULT_ROOT = Path(".samverkan/cluster")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m ops.cluster", description=__doc__)
    p.add_argument("--root", default=str(DEFAULT_ROOT), help="directory of all cluster files")
    p.add_argument("--duration", type=float, help="stop after this many seconds")
    p.add_argument("--api-nodes", type=int, default=3, help="API nodes (default 3)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--api-port", type=int, default=8101, help="first API port (0: free ports)")
    p.add_argument(
        "--pg-port", type=int, default=55432, help="primary's port, replica +1 (0: free ports)"
    )
    p.add_argument("--no-replica", action="store_true", help="read from the primary only")
    args = p.parse_args(argv)
    if args.api_nodes < 1 or args.workers < 1:
        p.error("--api-nodes and --workers must be at least 1")
    if args.duration is not None and args.duration <= 0:
        p.error("--duration must be positive")
    return args


class ClusterError(RuntimeError):
    """The cluster cannot start as asked."""


def ports(first: int, count: int, option: str) -> list[int]:
    """`count` consecutive ports from `first` (free ones when `first` is 0), all free now."""
    if first == 0:
        return [postgres.free_port() for _ in range(count)]
    wanted = list(range(first, first + count))
    for port in wanted:
        try:
            socket.create_server(("127.0.0.1", port)).close()
        except OSError:
            raise ClusterError(f"port {port} on 127.0.0.1 is in use (give {option})") from None
    return wanted


@dataclass(slots=True)
class Started:
    """The PostgreSQL nodes this run started (primary first)."""

    nodes: list[postgres.PgNode] = field(default_factory=list)


@dataclass(slots=True)
class Cluster:
    """The Samverkan processes of this run and what they share: keys, data and the database."""

    root: Path
    data_dir: Path
    log_key: Path
    supervisor: Supervisor
    shared: dict[str, str]
    """What every process gets besides its keys: the database URLs and the log format."""
    api: list[str] = field(default_factory=list)

    def env(self, name: str) -> dict[str, str]:
        admin_url = self.shared["DATABASE_URL"]
        own = keys.process_env(
            admin_url=admin_url,
            app_url=database.runtime_url(admin_url, None),
            data_dir=self.data_dir,
            log_key=self.log_key,
            dev=True,
            process=name,
        )
        return {**own, **self.shared, "SAMVERKAN_NODE_NAME": name}


def say(message: str) -> None:
    print(f"ops.cluster: {message}", file=sys.stderr, flush=True)


def start_postgres(root: Path, args: argparse.Namespace, started: Started) -> dict[str, str]:
    """Primary (created on first use), database, migrations, hot standby; return the env."""
    pg_ports = ports(args.pg_port, 1 if args.no_replica else 2, "--pg-port")
    say(f"starting the PostgreSQL primary on port {pg_ports[0]}")
    primary = postgres.start_primary(root / "pg", pg_ports[0])
    started.nodes.append(primary)
    admin_url = primary.ensure_database(DATABASE)
    applied = asyncio.run(database.migrate(admin_url))
    say(f"migrated: {len(applied)} migration(s) applied")
    env = {"DATABASE_URL": admin_url, "SAMVERKAN_LOG_FORMAT": "json"}
    if not args.no_replica:
        say(f"starting the hot standby on port {pg_ports[1]} (pg_basebackup on first use)")
        replica = postgres.start_replica(primary, root / "pg", pg_ports[1])
        started.nodes.append(replica)
        env["SAMVERKAN_REPLICA_URL"] = (
            f"postgresql://{RUNTIME_ROLE}@127.0.0.1:{replica.port}/{DATABASE}"
        )
    return env


def start_processes(cluster: Cluster, args: argparse.Namespace) -> None:
    """Workers, then API nodes (the first alone: it loads the demo), then the witnesses."""
    env = cluster.env
    sup = cluster.supervisor
    for n in range(1, args.workers + 1):
        name = f"worker-{n}"
        say(f"starting {name}")
        sup.spawn(name, [*samverkan_command(), "-v", "worker"], env(name))
        sup.wait_log(name, "worker started", timeout=60)
    for n, port in enumerate(ports(args.api_port, args.api_nodes, "--api-port"), start=1):
        name = f"api-{n}"
        say(f"starting {name} on port {port}")
        serve = ["serve", "--no-workers", "--host", "127.0.0.1", "--port", str(port)]
        sup.spawn(name, [*samverkan_command(), "-v", *serve], env(name), port=port)
        cluster.api.append(name)
        if n == 1:
            sup.wait_http(name, "/readyz", timeout=120)
    for name in cluster.api[1:]:
        sup.wait_http(name, "/readyz", timeout=120)
    for witness in WITNESSES:
        name = f"witness-{witness}"
        say(f"starting {name}")
        sup.witness(
            name,
            witness_name=witness,
            key=keys.witness_key(cluster.root, witness),
            state=cluster.root / "witnesses" / witness / "state",
            log_vkey=vkey_path_for(cluster.log_key),
            env=env(name),
        )


def table(cluster: Cluster, started: Started) -> str:
    """Every process with its pid, address and log file."""
    lines = [f"{'process':<18} {'pid':>7}  {'address':<48} log"]
    for node in started.nodes:
        pid = node.postmaster_pid() or 0
        lines.append(
            f"{'postgres ' + node.name:<18} {pid:>7}  {node.url(DATABASE):<48} {node.log_file}"
        )
    for child in cluster.supervisor.children.values():
        address = f"{child.url}/graphql" if child.port else "-"
        lines.append(f"{child.name:<18} {child.pid or 0:>7}  {address:<48} {child.log_path}")
    return "\n".join(lines)


def watch(sup: Supervisor, duration: float | None) -> None:
    """Run until `duration` passes (forever without one); report a process that exits."""
    reported: set[str] = set()
    deadline = None if duration is None else time.monotonic() + duration
    while deadline is None or time.monotonic() < deadline:
        time.sleep(0.5)
        for child in sup.children.values():
            if not child.running() and child.name not in reported:
                reported.add(child.name)
                code = child.popen.returncode if child.popen is not None else None
                say(f"{child.name} exited ({code}); see {child.log_path}")


def _interrupt(signum: int, frame: object) -> None:
    # The first Ctrl-C or SIGTERM stops the cluster; further ones must not cut the stopping.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    root = Path(args.root).resolve()
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    started = Started()
    status = 0
    say(f"starting a cluster in {root}")
    try:
        shared = start_postgres(root, args, started)
        data_dir = root / "data"
        log_key = keys.provision(root, data_dir)
        with Supervisor(root / "logs") as supervisor:
            cluster = Cluster(root, data_dir, log_key, supervisor, shared)
            try:
                start_processes(cluster, args)
                print(table(cluster, started), flush=True)
                print(
                    f"tokens: SAMVERKAN_DATA_DIR={cluster.data_dir} samverkan dev-token "
                    "--org ORG --roles editor; Ctrl-C stops the cluster",
                    flush=True,
                )
                watch(cluster.supervisor, args.duration)
            finally:
                say("stopping every process")
                cluster.supervisor.stop_all()
    except KeyboardInterrupt:
        pass
    except (ClusterError, PgError, SupervisorError, OSError) as exc:
        print(f"ops.cluster: {exc}", file=sys.stderr)
        status = 1
    finally:
        for node in reversed(started.nodes):
            node.stop("fast")
    say("stopped")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
