"""The PostgreSQL binaries the `pgserver` package ships, run as the right system user.

PostgreSQL refuses to run as root, so when this runs as root every server command runs as the
system user `pgserver` (the same way `pgserver` runs its own embedded server), and the
directories the server uses are handed to that user.
"""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
import warnings
from pathlib import Path

with warnings.catch_warnings():
    # platformdirs warns at pgserver's import when XDG_RUNTIME_DIR is unset.
    warnings.simplefilter("ignore")
    from pgserver._commands import POSTGRES_BIN_PATH

SYSTEM_USER = "pgserver"
"""The unprivileged system user the servers run as when this process is root."""
START_TIMEOUT_S = 60.0


class PgError(RuntimeError):
    """A PostgreSQL node could not be set up, started or stopped."""


def run_as() -> str | None:
    """The system user to run the binaries as: `SYSTEM_USER` when this process is root."""
    return SYSTEM_USER if os.geteuid() == 0 else None


_binaries_ready = False


def prepare_root_access(path: Path) -> None:
    """As root: make sure the system user exists and can reach `path` and the binaries."""
    from pgserver.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    global _binaries_ready
    ensure_prefix_permissions(path)
    if not _binaries_ready:
        ensure_user_exists(SYSTEM_USER)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        read = stat.S_IRGRP | stat.S_IROTH
        execute = stat.S_IXGRP | stat.S_IXOTH
        ensure_folder_permissions(POSTGRES_BIN_PATH, read | execute)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
        _binaries_ready = True


def own(path: Path) -> None:
    """Give `path` to the user the server runs as (no-op unless root)."""
    user = run_as()
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def make_dir(path: Path, mode: int = 0o700) -> None:
    """Create `path` with `mode`, reachable by and owned by the user the server runs as."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(mode)
    if run_as() is not None:
        prepare_root_access(path)
    own(path)


def run_tool(name: str, *args: str, timeout: float = START_TIMEOUT_S) -> str:
    """Run one of the PostgreSQL binaries; raise PgError with its stderr on failure."""
    command = [str(POSTGRES_BIN_PATH / name), *args]
    try:
        done = subprocess.run(
            command,
            check=False,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            user=run_as(),
            cwd="/",
        )
    except subprocess.TimeoutExpired as exc:
        raise PgError(f"{name} did not finish within {timeout:.0f} s") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise PgError(f"{name} failed: {detail[-1] if detail else f'exit {done.returncode}'}")
    return done.stdout
