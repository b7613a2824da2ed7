"""PostgreSQL nodes for the local cluster: a primary and streaming hot standbys.

The binaries are the ones the `pgserver` package ships, run through `ops.cluster.binaries`
(as the system user `pgserver` when this runs as root). Nodes listen on 127.0.0.1 and a unix
socket only and trust only those. Every wait has a deadline and fails with the node's log tail.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from ops.cluster.binaries import (
    START_TIMEOUT_S,
    PgError,
    make_dir,
    own,
    prepare_root_access,
    run_as,
    run_tool,
)

SUPERUSER = "postgres"
DATABASE = "samverkan"
"""The database the cluster's Samverkan processes use."""
STOP_TIMEOUT_S = 60.0
CONF_FILE = "samverkan-node.conf"

HBA = """\
# Written by ops.cluster.postgres: loopback and the unix socket only.
local   all             all                     trust
local   replication     all                     trust
host    all             all     127.0.0.1/32    trust
host    replication     all     127.0.0.1/32    trust
"""

REPLICATION_CONF = """\
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
wal_keep_size = '256MB'
hot_standby = on
hot_standby_feedback = on
max_standby_streaming_delay = '5s'
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _socket_dir_for(root: Path, name: str) -> Path:
    candidate = root / "sockets" / name
    # A unix socket path has at most 107 bytes; fall back to a short temporary directory.
    if len(str(candidate / ".s.PGSQL.65535")) <= 100:
        return candidate
    return Path(tempfile.mkdtemp(prefix=f"samverkan-{name}-"))


@dataclass
class PgNode:
    """One PostgreSQL server of the cluster: its data directory, port and socket directory."""

    name: str
    data_dir: Path
    port: int
    socket_dir: Path
    log_file: Path = field(default=Path())

    def __post_init__(self) -> None:
        if self.log_file == Path():
            self.log_file = self.data_dir.parent / f"{self.name}.postgres.log"

    def url(self, database: str = "postgres") -> str:
        """The superuser URL over TCP on 127.0.0.1."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def socket_url(self, database: str = "postgres") -> str:
        """The superuser URL over the node's unix socket."""
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}&port={self.port}"

    def ensure_database(self, name: str = DATABASE) -> str:
        """Create the database `name` unless it exists; return its superuser URL."""
        if self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
            self.psql(f"CREATE DATABASE {name}")
        return self.url(name)

    @property
    def is_standby(self) -> bool:
        return (self.data_dir / "standby.signal").exists()

    def postmaster_pid(self) -> int | None:
        """The postmaster's pid from postmaster.pid, or None when there is no such file."""
        try:
            first = (self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0]
        except (FileNotFoundError, PermissionError):
            return None
        return int(first) if first.strip().isdigit() else None

    def is_running(self) -> bool:
        """True while the postmaster process of this data directory is alive."""
        pid = self.postmaster_pid()
        if pid is None:
            return False
        try:
            proc = psutil.Process(pid)
            return bool(proc.status() != psutil.STATUS_ZOMBIE and proc.name() == "postgres")
        except psutil.Error:
            return False

    def is_ready(self) -> bool:
        """True when the node accepts connections on its TCP port."""
        try:
            run_tool("pg_isready", "-h", "127.0.0.1", "-p", str(self.port), "-q", timeout=10)
        except PgError:
            return False
        return True

    def write_config(self) -> None:
        """Write this node's own settings (port, addresses, socket) and the auth rules."""
        (self.data_dir / CONF_FILE).write_text(
            f"# Written by ops.cluster.postgres for node {self.name}.\n"
            f"port = {self.port}\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.socket_dir}'\n"
            f"cluster_name = '{self.name}'\n" + REPLICATION_CONF
        )
        (self.data_dir / "pg_hba.conf").write_text(HBA)
        conf = self.data_dir / "postgresql.conf"
        include = f"include_if_exists = '{CONF_FILE}'\n"
        if include not in conf.read_text():
            with conf.open("a") as f:
                f.write("\n" + include)
        for path in (self.data_dir / CONF_FILE, self.data_dir / "pg_hba.conf", conf):
            own(path)

    def start(self, timeout: float = START_TIMEOUT_S) -> None:
        """Start the server and wait (bounded) until it accepts connections."""
        if self.is_running():
            self._wait_ready(timeout)
            return
        make_dir(self.socket_dir, 0o755)
        self._reachable()
        self.write_config()
        self.log_file.touch(exist_ok=True)
        own(self.log_file)
        try:
            run_tool(
                "pg_ctl",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                str(int(timeout)),
                "start",
                timeout=timeout + 10,
            )
        except PgError as exc:
            raise PgError(f"{self.name}: {exc}; log tail: {self.log_tail()}") from exc
        self._wait_ready(timeout)

    def _reachable(self) -> None:
        # Something (e.g. a new pytest session on its temp root) may have closed a parent
        # directory to other users since the last start.
        if run_as() is not None:
            prepare_root_access(self.data_dir)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.is_ready():
            if time.monotonic() > deadline:
                raise PgError(
                    f"{self.name} did not accept connections on 127.0.0.1:{self.port} within "
                    f"{timeout:.0f} s; log tail: {self.log_tail()}"
                )
            if not self.is_running():
                raise PgError(f"{self.name} exited while starting; log tail: {self.log_tail()}")
            time.sleep(0.1)

    def stop(self, mode: str = "fast", timeout: float = STOP_TIMEOUT_S) -> None:
        """Stop the server (pg_ctl mode smart, fast or immediate) and wait until it is gone."""
        if mode not in ("smart", "fast", "immediate"):
            raise ValueError(f"stop mode must be smart, fast or immediate, not {mode!r}")
        if not self.is_running():
            return
        self._reachable()
        run_tool(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-m",
            mode,
            "-w",
            "-t",
            str(int(timeout)),
            "stop",
            timeout=timeout + 10,
        )

    def kill(self, timeout: float = 10.0) -> None:
        """SIGKILL the postmaster (a crash) and wait until it and its children are gone."""
        pid = self.postmaster_pid()
        if pid is None or not self.is_running():
            return
        try:
            proc = psutil.Process(pid)
            children = proc.children(recursive=True)
        except psutil.Error:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _, alive = psutil.wait_procs([proc, *children], timeout=timeout)
        for straggler in alive:
            with contextlib.suppress(psutil.Error):
                straggler.kill()
        psutil.wait_procs(alive, timeout=timeout)

    def psql(self, sql: str, database: str = "postgres", timeout: float = 30.0) -> str:
        """Run one SQL statement with psql over the socket; return its unaligned output."""
        self._reachable()
        return run_tool(
            "psql",
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            str(self.socket_dir),
            "-p",
            str(self.port),
            "-U",
            SUPERUSER,
            "-d",
            database,
            "-c",
            sql,
            timeout=timeout,
        ).strip()

    def log_tail(self, lines: int = 8) -> str:
        """The last lines of the server log, joined on ' | '."""
        try:
            text = self.log_file.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return " | ".join(text.strip().splitlines()[-lines:]) or "(empty log)"


def _node(root: Path, port: int, name: str) -> PgNode:
    root = root.resolve()
    return PgNode(
        name=name, data_dir=root / name, port=port, socket_dir=_socket_dir_for(root, name)
    )


def start_primary(root: Path, port: int, name: str = "primary") -> PgNode:
    """Start the primary in `root/name` (initdb on first use); return it when it is ready."""
    root.mkdir(parents=True, exist_ok=True)
    node = _node(root, port, name)
    if not (node.data_dir / "PG_VERSION").exists():
        make_dir(node.data_dir)
        run_tool(
            "initdb",
            "-D",
            str(node.data_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
        )
    node.start()
    return node


def start_replica(
    primary: PgNode, root: Path, port: int, name: str = "replica", timeout: float = 60.0
) -> PgNode:
    """Clone `primary` into `root/name` with pg_basebackup and start it as a hot standby.

    The standby streams from a physical replication slot named after it, so the primary keeps
    the WAL it has not received yet while it is stopped.
    """
    root.mkdir(parents=True, exist_ok=True)
    node = _node(root, port, name)
    slot = name.replace("-", "_")
    if not (node.data_dir / "PG_VERSION").exists():
        if node.data_dir.exists() and any(node.data_dir.iterdir()):
            raise PgError(f"{node.data_dir} is not empty and holds no PostgreSQL cluster")
        make_dir(node.data_dir)
        primary.psql(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
            f"WHERE slot_name = '{slot}' AND NOT active"
        )
        run_tool(
            "pg_basebackup",
            "-D",
            str(node.data_dir),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            SUPERUSER,
            "-R",
            "-X",
            "stream",
            "-C",
            "-S",
            slot,
            "-c",
            "fast",
            timeout=timeout,
        )
    _point_at(node, primary, slot)
    node.start(timeout)
    return node


def _point_at(replica: PgNode, primary: PgNode, slot: str) -> None:
    """(Re)write where the standby streams from: the primary's port may differ between runs."""
    auto = replica.data_dir / "postgresql.auto.conf"
    kept = [
        line
        for line in auto.read_text().splitlines()
        if not line.startswith(("primary_conninfo", "primary_slot_name"))
    ]
    conninfo = (
        f"host=127.0.0.1 port={primary.port} user={SUPERUSER} application_name={replica.name}"
    )
    kept += [f"primary_conninfo = '{conninfo}'", f"primary_slot_name = '{slot}'"]
    auto.write_text("\n".join(kept) + "\n")
    own(auto)


def replay_lsn(replica: PgNode) -> str:
    """The last WAL position the standby has replayed."""
    return replica.psql("SELECT pg_last_wal_replay_lsn()")


def wait_caught_up(primary: PgNode, replica: PgNode, timeout: float = 30.0) -> None:
    """Wait (bounded) until `replica` has replayed everything `primary` had written on entry."""
    target = primary.psql("SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + timeout
    while True:
        behind = replica.psql(
            f"SELECT coalesce(pg_last_wal_replay_lsn() < '{target}'::pg_lsn, true)"
        )
        if behind == "f":
            return
        if time.monotonic() > deadline:
            raise PgError(f"{replica.name} did not replay up to {target} within {timeout:.0f} s")
        time.sleep(0.05)
