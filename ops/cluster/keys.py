"""The keys and secrets every process of a local cluster shares, provisioned before any starts.

Under the cluster's root: the log's signing key, the development issuer's key (the cluster runs
in dev mode so that clients can mint tokens) and the session secret in the data directory, and
each witness's key under `witnesses/NAME/`. Creating them once, up front, keeps two processes
from racing to make the same key.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from service.audit.keys import load_signer
from service.audit.witness import load_witness_key
from service.identity.dev_issuer import DevIssuer
from service.settings import WITNESSES

LOG_ORIGIN = "samverkan.local/log/v1"


def provision(root: Path, data_dir: Path, witnesses: Sequence[str] = WITNESSES) -> Path:
    """Create the shared keys before any process starts (so no two processes race to make
    them); return the log key's path."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log_key = data_dir / "log.key"
    load_signer(log_key, LOG_ORIGIN, create=True)
    DevIssuer.load_or_create(data_dir)
    secret = data_dir / "session-secret"
    if not secret.exists():
        secret.write_text(secrets.token_urlsafe(48))
    for name in witnesses:
        load_witness_key(witness_key(root, name), name)
    return log_key


def witness_key(root: Path, name: str) -> Path:
    """The key file of the witness `name` of the cluster under `root`."""
    return root / "witnesses" / name / f"{name}.key"


def process_env(
    *, admin_url: str, app_url: str, data_dir: Path, log_key: Path, dev: bool, process: str
) -> dict[str, str]:
    """The environment of one Samverkan process of a provisioned cluster; its database
    sessions carry the process name as `application_name` (see pg_stat_activity)."""
    return {
        "DATABASE_URL": admin_url,
        "SAMVERKAN_APP_DATABASE_URL": with_application_name(app_url, process),
        "SAMVERKAN_DATA_DIR": str(data_dir),
        "SAMVERKAN_DEV": "1" if dev else "0",
        "SAMVERKAN_LOG_KEY": str(log_key),
        "SAMVERKAN_SESSION_SECRET": (data_dir / "session-secret").read_text().strip(),
    }


def with_application_name(url: str, name: str) -> str:
    """`url` with `application_name` set (asyncpg passes unknown URL parameters as settings)."""
    return f"{url}{'&' if '?' in url else '?'}application_name={quote(name)}"
