"""Settings: one frozen object read from the environment."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

OWNER_ROLE = "samverkan_owner"
RUNTIME_ROLE = "samverkan_app"

WITNESSES: tuple[str, ...] = ("polisen", "kommun")
"""The witnesses whose cosignatures make an event final: one per party, the police and the
municipality, each running `samverkan witness --name NAME` with its own key."""


class SettingsError(ValueError):
    """An environment variable holds a value that cannot be used."""


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name} must be 1 or 0, not {raw!r}")


LOOPBACK: tuple[str, ...] = ("127.0.0.0/8", "::1/128")


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated addresses or networks; unset is loopback, empty is none at all."""
    raw = env.get(name)
    if raw is None:
        return LOOPBACK
    try:
        return tuple(
            str(ipaddress.ip_network(item.strip(), strict=False))
            for item in raw.split(",")
            if item.strip()
        )
    except ValueError as exc:
        raise SettingsError(f"{name} must list IP addresses or networks: {exc}") from exc


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything the service reads from its environment, read once."""

    database_url: str | None
    app_database_url: str | None
    data_dir: Path
    dev: bool
    host: str = "127.0.0.1"
    port: int = 8000
    log_origin: str = "samverkan.local/log/v1"
    checkpoint_interval_s: float = 2.0
    issuer_registry: Path | None = None
    public_url: str | None = None
    session_secret: str | None = None
    log_key: Path | None = None
    """The log's Ed25519 signing key (a note skey file); None: generated in the data dir."""
    metrics_token: str | None = None
    """A bearer token that opens /metrics from any address (`SAMVERKAN_METRICS_TOKEN`)."""
    metrics_allow: tuple[str, ...] = LOOPBACK
    """Client networks that read /metrics without the token (`SAMVERKAN_METRICS_ALLOW`)."""
    replica_url: str | None = None
    """A streaming hot standby for GraphQL reads (runtime role); None: read the primary."""
    replica_wait_s: float = 1.0
    """How long a read with a consistency token waits for the replica before the primary."""
    log_format: str | None = None
    """"json" or "text"; None: text in dev mode, json otherwise."""
    node_name: str | None = None
    """This process's name in the logs (several nodes share one log store)."""
    session_max_age_s: int = 8 * 3600
    """A browser session's absolute lifetime (`SAMVERKAN_SESSION_MAX_AGE_S`)."""
    session_recheck_s: float = 30.0
    """How often a WebSocket connection re-reads its session, so a revocation made on another
    node closes it within this time (`SAMVERKAN_SESSION_RECHECK_S`)."""
    expiry_interval_s: float = 86_400.0
    """How often the expiry job marks promises and agreements whose period ended as expired,
    after its sweep at start (`SAMVERKAN_EXPIRY_INTERVAL_S`, default daily)."""
    kept_answers_mb: int = 32
    """MiB of anonymous GraphQL answers an API process keeps to send again while what they
    read stands (`SAMVERKAN_KEPT_ANSWERS_MB`; 0: none kept)."""
    warm_up: int = 10
    """How many copies of its warm-up requests `samverkan serve` sends at once before it
    listens (`SAMVERKAN_WARM_UP`, 0 to 64; 0: none; the default warms as many connections as
    the pool holds)."""

    @property
    def base_url(self) -> str:
        """Where browsers reach the service (for login callbacks)."""
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def embedded(self) -> bool:
        """True when no DATABASE_URL is set and the service runs its own PostgreSQL."""
        return self.database_url is None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from `env` (default: the process environment)."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("SAMVERKAN_DATA_DIR") or Path.cwd() / ".samverkan").resolve()
        registry = env.get("SAMVERKAN_ISSUERS")
        metrics_allow = _networks(env, "SAMVERKAN_METRICS_ALLOW")
        try:
            port = int(env.get("SAMVERKAN_PORT", "8000"))
        except ValueError as exc:
            raise SettingsError("SAMVERKAN_PORT must be a whole number") from exc
        log_format = env.get("SAMVERKAN_LOG_FORMAT", "").strip().lower() or None
        if log_format not in (None, "json", "text"):
            raise SettingsError(f"SAMVERKAN_LOG_FORMAT must be json or text, not {log_format!r}")
        try:
            replica_wait_s = float(env.get("SAMVERKAN_REPLICA_WAIT_S", "1.0"))
        except ValueError as exc:
            raise SettingsError("SAMVERKAN_REPLICA_WAIT_S must be a number of seconds") from exc
        if not 0 <= replica_wait_s <= 60:
            raise SettingsError("SAMVERKAN_REPLICA_WAIT_S must be between 0 and 60")
        session_max_age_s, session_recheck_s = _session_times(env)
        database_url = env.get("DATABASE_URL") or None
        replica_url = env.get("SAMVERKAN_REPLICA_URL") or None
        if replica_url is not None and database_url is None:
            raise SettingsError("SAMVERKAN_REPLICA_URL needs DATABASE_URL (the primary)")
        return cls(
            database_url=database_url,
            app_database_url=env.get("SAMVERKAN_APP_DATABASE_URL") or None,
            data_dir=data_dir,
            dev=_flag(env, "SAMVERKAN_DEV"),
            host=env.get("SAMVERKAN_HOST", "127.0.0.1"),
            port=port,
            log_origin=env.get("SAMVERKAN_LOG_ORIGIN", "samverkan.local/log/v1"),
            issuer_registry=Path(registry) if registry else None,
            metrics_token=env.get("SAMVERKAN_METRICS_TOKEN") or None,
            metrics_allow=metrics_allow,
            public_url=env.get("SAMVERKAN_PUBLIC_URL") or None,
            session_secret=env.get("SAMVERKAN_SESSION_SECRET") or None,
            log_key=Path(env["SAMVERKAN_LOG_KEY"]) if env.get("SAMVERKAN_LOG_KEY") else None,
            replica_url=replica_url,
            replica_wait_s=replica_wait_s,
            log_format=log_format,
            node_name=env.get("SAMVERKAN_NODE_NAME") or None,
            session_max_age_s=session_max_age_s,
            session_recheck_s=session_recheck_s,
            expiry_interval_s=_expiry_interval(env),
            kept_answers_mb=_kept_answers_mb(env),
            warm_up=_warm_up(env),
        )


def _whole(env: Mapping[str, str], name: str, default: int, top: int, unit: str = "") -> int:
    """A whole number from 0 to `top` in `name`, or a clear settings error."""
    try:
        value = int(env.get(name, str(default)))
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number{unit}") from exc
    if not 0 <= value <= top:
        raise SettingsError(f"{name} must be between 0 and {top}")
    return value


def _warm_up(env: Mapping[str, str]) -> int:
    """SAMVERKAN_WARM_UP: copies of the warm-up requests sent at once (0 to 64; 0: none)."""
    return _whole(env, "SAMVERKAN_WARM_UP", 10, 64)


def _kept_answers_mb(env: Mapping[str, str]) -> int:
    """SAMVERKAN_KEPT_ANSWERS_MB: MiB of kept anonymous answers (0 to 4096; 0: none)."""
    return _whole(env, "SAMVERKAN_KEPT_ANSWERS_MB", 32, 4096, " of MiB")


def _expiry_interval(env: Mapping[str, str]) -> float:
    """SAMVERKAN_EXPIRY_INTERVAL_S: seconds between expiry sweeps (60 s to 7 days)."""
    try:
        interval = float(env.get("SAMVERKAN_EXPIRY_INTERVAL_S", "86400"))
    except ValueError as exc:
        raise SettingsError("SAMVERKAN_EXPIRY_INTERVAL_S must be a number of seconds") from exc
    if not 60 <= interval <= 7 * 24 * 3600:
        raise SettingsError("SAMVERKAN_EXPIRY_INTERVAL_S must be between 60 and 604800")
    return interval


def _session_times(env: Mapping[str, str]) -> tuple[int, float]:
    """SAMVERKAN_SESSION_MAX_AGE_S (60 s to 7 days) and SAMVERKAN_SESSION_RECHECK_S (1-300 s)."""
    try:
        max_age_s = int(env.get("SAMVERKAN_SESSION_MAX_AGE_S", str(8 * 3600)))
    except ValueError as exc:
        raise SettingsError(
            "SAMVERKAN_SESSION_MAX_AGE_S must be a whole number of seconds"
        ) from exc
    if not 60 <= max_age_s <= 7 * 24 * 3600:
        raise SettingsError("SAMVERKAN_SESSION_MAX_AGE_S must be between 60 and 604800")
    try:
        recheck_s = float(env.get("SAMVERKAN_SESSION_RECHECK_S", "30"))
    except ValueError as exc:
        raise SettingsError("SAMVERKAN_SESSION_RECHECK_S must be a number of seconds") from exc
    if not 1 <= recheck_s <= 300:
        raise SettingsError("SAMVERKAN_SESSION_RECHECK_S must be between 1 and 300")
    return max_age_s, recheck_s
