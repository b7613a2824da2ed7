"""A local cluster for the load generator and the drills, started through the Supervisor.

Every process shares one data directory that is provisioned before any of them starts: the
log's signing key, the development issuer's key (the cluster runs in dev mode so the load can
mint editors' tokens) and the witnesses' keys. PostgreSQL is either given (an admin URL) or a
primary of its own from `ops.cluster.postgres`.
"""

from __future__ import annotations

import contextlib
import secrets
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from events.proof.note import read_key_file
from ops.cluster import postgres
from ops.cluster.processes import Child, Supervisor
from service import database
from service.audit.checkpointer import load_signer, vkey_path_for
from service.audit.witness import load_witness_key
from service.identity.dev_issuer import DevIssuer

WITNESSES = ("polisen", "kommun")
"""The witness names the API reports finality against (service.reader)."""
DATABASE = "samverkan"


@dataclass(slots=True)
class Cluster:
    """The processes of one local cluster and what a client needs to reach and check it."""

    root: Path
    supervisor: Supervisor
    admin_url: str
    app_url: str
    data_dir: Path
    log_key: Path
    pg: postgres.PgNode | None = None
    dev: bool = True
    api: list[str] = field(default_factory=list)

    def env(self, process: str) -> dict[str, str]:
        """The environment of one Samverkan process of the cluster; its database sessions
        carry the process name as `application_name` (see pg_stat_activity)."""
        return {
            "DATABASE_URL": self.admin_url,
            "SAMVERKAN_APP_DATABASE_URL": with_application_name(self.app_url, process),
            "SAMVERKAN_DATA_DIR": str(self.data_dir),
            "SAMVERKAN_DEV": "1" if self.dev else "0",
            "SAMVERKAN_LOG_KEY": str(self.log_key),
            "SAMVERKAN_SESSION_SECRET": (self.data_dir / "session-secret").read_text().strip(),
        }

    @property
    def urls(self) -> list[str]:
        """Base URLs of the API nodes that are running."""
        return [self.supervisor.get(n).url for n in self.api if self.supervisor.get(n).running()]

    @property
    def log_vkey(self) -> str:
        return read_key_file(vkey_path_for(self.log_key))

    def witness_key(self, name: str) -> Path:
        return self.root / "witnesses" / name / f"{name}.key"

    def witness_vkeys(self, names: Sequence[str] = WITNESSES) -> list[str]:
        return [read_key_file(self.witness_key(n).with_name(f"{n}.key.vkey")) for n in names]

    def start_api(self, name: str, *, wait: bool = True) -> Child:
        """Start an API node (with its standby workers) and wait until /readyz is 200."""
        child = self.supervisor.serve(name, postgres.free_port(), self.env(name))
        if name not in self.api:
            self.api.append(name)
        if wait:
            self.supervisor.wait_http(name, "/readyz", timeout=90)
        return child

    def start_worker(self, name: str) -> Child:
        """Start `samverkan worker` and wait until its loops run (standby or active)."""
        child = self.supervisor.worker(name, self.env(name))
        self.supervisor.wait_log(name, "worker started", timeout=60)
        return child

    def start_witness(self, name: str) -> Child:
        """Start the witness `name` (process name `witness-NAME`)."""
        process = f"witness-{name}"
        return self.supervisor.witness(
            process,
            witness_name=name,
            key=self.witness_key(name),
            state=self.root / "witnesses" / name / "state",
            log_vkey=vkey_path_for(self.log_key),
            env=self.env(process),
        )


def with_application_name(url: str, name: str) -> str:
    """`url` with `application_name` set (asyncpg passes unknown URL parameters as settings)."""
    return f"{url}{'&' if '?' in url else '?'}application_name={quote(name)}"


def provision(root: Path, data_dir: Path, witnesses: Sequence[str] = WITNESSES) -> Path:
    """Create the shared keys before any process starts (so no two processes race to make
    them); return the log key's path."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log_key = data_dir / "log.key"
    load_signer(log_key, "samverkan.local/log/v1", create=True)
    DevIssuer.load_or_create(data_dir)
    secret = data_dir / "session-secret"
    if not secret.exists():
        secret.write_text(secrets.token_urlsafe(48))
    for name in witnesses:
        load_witness_key(root / "witnesses" / name / f"{name}.key", name)
    return log_key


@contextlib.contextmanager
def local_cluster(
    root: Path, *, admin_url: str | None = None, dev: bool = True
) -> Iterator[Cluster]:
    """Provision a cluster under `root`; with no `admin_url`, start a PostgreSQL primary too.

    Processes are started by the caller (`start_api`, `start_worker`, `start_witness`) in the
    order it needs; all of them, and the PostgreSQL started here, stop when the block ends.
    """
    root = root.resolve()
    data_dir = root / "data"
    log_key = provision(root, data_dir)
    pg: postgres.PgNode | None = None
    with contextlib.ExitStack() as stack:
        if admin_url is None:
            # Its own short temporary directory: PostgreSQL runs as another user when this
            # runs as root, and must be able to reach the data directory (pytest's are 0700).
            pg_root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="samverkan-pg-")))
            pg = postgres.start_primary(pg_root, postgres.free_port())
            stack.callback(pg.stop, "fast")
            if pg.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'") != "1":
                pg.psql(f"CREATE DATABASE {DATABASE}")
            admin_url = pg.url(DATABASE)
        supervisor = stack.enter_context(Supervisor(root / "logs"))
        yield Cluster(
            root=root,
            supervisor=supervisor,
            admin_url=admin_url,
            app_url=database.runtime_url(admin_url, None),
            data_dir=data_dir,
            log_key=log_key,
            pg=pg,
            dev=dev,
        )
