"""The embedded PostgreSQL server from the `pgserver` package, used when DATABASE_URL is absent."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_log = logging.getLogger(__name__)


def _quiet_pgserver() -> None:
    # pgserver logs every start-up step at INFO; keep our own logs readable.
    logging.getLogger("pgserver").setLevel(logging.WARNING)


def start(data_dir: Path) -> Any:
    """Start (or reuse) the embedded server whose cluster lives in `data_dir/pg`."""
    _quiet_pgserver()
    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns at pgserver's import when XDG_RUNTIME_DIR is unset (as in CI).
        warnings.simplefilter("ignore")
        import pgserver
    server = pgserver.get_server(  # type: ignore[attr-defined]
        data_dir / "pg", cleanup_mode="stop"
    )
    _log.info("embedded PostgreSQL ready in %s", data_dir / "pg")
    return server


def admin_url(server: Any, database: str = "postgres") -> str:
    """The superuser connection URL (unix socket) of a started embedded server."""
    return str(server.get_uri(database))


@contextlib.contextmanager
def running(data_dir: Path) -> Iterator[str]:
    """Run the embedded server for the duration of the block; yield its admin URL."""
    server = start(data_dir)
    try:
        yield admin_url(server)
    finally:
        server.cleanup()
