"""A local cluster for the load generator and the drills, started through the Supervisor.

Every process shares one data directory whose keys `ops.cluster.keys` provisions before any of
them starts (the cluster runs in dev mode so the load can mint editors' tokens). PostgreSQL is
either given (an admin URL) or a primary of its own from `ops.cluster.postgres`.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ops.cluster import keys, postgres
from ops.cluster.processes import Child, Supervisor
from service import database
from service.audit.keys import read_key_file, vkey_path_for
from service.settings import WITNESSES

__all__ = ["WITNESSES", "Cluster", "local_cluster"]  # WITNESSES too: the drills take it from here


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
        """The environment of one Samverkan process of the cluster (`keys.process_env`)."""
        return keys.process_env(
            admin_url=self.admin_url,
            app_url=self.app_url,
            data_dir=self.data_dir,
            log_key=self.log_key,
            dev=self.dev,
            process=process,
        )

    @property
    def urls(self) -> list[str]:
        """Base URLs of the API nodes that are running."""
        return [self.supervisor.get(n).url for n in self.api if self.supervisor.get(n).running()]

    @property
    def log_vkey(self) -> str:
        return read_key_file(vkey_path_for(self.log_key))

    def witness_key(self, name: str) -> Path:
        return keys.witness_key(self.root, name)

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
    log_key = keys.provision(root, data_dir)
    pg: postgres.PgNode | None = None
    with contextlib.ExitStack() as stack:
        if admin_url is None:
            # Its own short temporary directory: PostgreSQL runs as another user when this
            # runs as root, and must be able to reach the data directory (pytest's are 0700).
            pg_root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="samverkan-pg-")))
            pg = postgres.start_primary(pg_root, postgres.free_port())
            stack.callback(pg.stop, "fast")
            admin_url = pg.ensure_database()
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
