"""Database set-up: roles, numbered migrations with checksums, and the runtime pool."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

import asyncpg

from events.log.store import init_connection
from service.settings import OWNER_ROLE, RUNTIME_ROLE

# Shipped inside the package (package data), so an installed wheel migrates with no checkout.
MIGRATIONS_DIR: Traversable = resources.files("service") / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
MIGRATION_LOCK = 0x5A4D4D47  # advisory lock key: one migrator at a time


class MigrationError(RuntimeError):
    """The migrations on disk and in the database disagree."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Migration:
    """One numbered SQL file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the file's text; an applied file must never change."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Traversable = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files in version order; refuses gaps, stray names and an empty directory.

    A missing or empty directory is an error, never "zero migrations to apply": an install that
    lost its package data must not report success over an empty database.
    """
    if not directory.is_dir():
        raise MigrationError(f"the migrations directory {directory} is missing")
    found: list[Migration] = []
    files = sorted(
        (f for f in directory.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name
    )
    for path in files:
        match = _NAME.match(path.name)
        if match is None:
            raise MigrationError(f"migration file name {path.name!r} is not NNNN_name.sql")
        stem = path.name.removesuffix(".sql")
        found.append(Migration(version=int(match[1]), name=stem, sql=path.read_text()))
    if not found:
        raise MigrationError(f"the migrations directory {directory} holds no NNNN_name.sql file")
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(f"migration {expected:04d} is missing before {migration.name}")
    return found


ROLES_SQL = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{OWNER_ROLE}') THEN
        CREATE ROLE {OWNER_ROLE} NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{RUNTIME_ROLE}') THEN
        CREATE ROLE {RUNTIME_ROLE} LOGIN;
    END IF;
END
$$;
ALTER ROLE {RUNTIME_ROLE} SET idle_in_transaction_session_timeout = '30s';
ALTER ROLE {RUNTIME_ROLE} SET statement_timeout = '60s';
GRANT {OWNER_ROLE} TO CURRENT_USER;
"""

SCHEMA_SQL = f"""
DO $$
BEGIN
    IF (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'public')
            <> '{OWNER_ROLE}' THEN
        EXECUTE 'ALTER SCHEMA public OWNER TO {OWNER_ROLE}';
    END IF;
END
$$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO {RUNTIME_ROLE};
"""

LEDGER_SQL = f"""
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON schema_migrations TO {RUNTIME_ROLE};
"""


async def ensure_roles(admin_url: str) -> None:
    """Create the owner and runtime roles if the cluster lacks them (roles are cluster-wide)."""
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(ROLES_SQL)
    finally:
        await conn.close()


async def migrate(admin_url: str, directory: Traversable = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations as the owner role, each in its own transaction.

    Returns the names applied. Raises MigrationError when an applied file has changed.
    """
    migrations = load_migrations(directory)
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        try:
            await conn.execute(ROLES_SQL)
            await conn.execute(SCHEMA_SQL)
            await conn.execute(f"SET ROLE {OWNER_ROLE}")
            await conn.execute(LEDGER_SQL)
            applied = {
                r["version"]: (r["name"], r["checksum"])
                for r in await conn.fetch("SELECT version, name, checksum FROM schema_migrations")
            }
            done: list[str] = []
            for m in migrations:
                if m.version in applied:
                    name, checksum = applied[m.version]
                    if checksum != m.checksum:
                        raise MigrationError(
                            f"migration {name} was changed after it was applied "
                            f"(checksum {checksum[:12]} in the database, {m.checksum[:12]} on disk)"
                        )
                    continue
                async with conn.transaction():
                    await conn.execute(m.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1,$2,$3)",
                        m.version,
                        m.name,
                        m.checksum,
                    )
                done.append(m.name)
            unknown = set(applied) - {m.version for m in migrations}
            if unknown:
                raise MigrationError(
                    f"the database has migrations this code does not know: {sorted(unknown)}"
                )
            return done
        finally:
            await conn.execute("RESET ROLE")
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
    finally:
        await conn.close()


async def pending_migrations(url: str, directory: Traversable = MIGRATIONS_DIR) -> list[str]:
    """Names of migrations on disk that the database has not applied (for /readyz)."""
    conn = await asyncpg.connect(url)
    try:
        exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
        applied = set()
        if exists:
            applied = {r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")}
    finally:
        await conn.close()
    return [m.name for m in load_migrations(directory) if m.version not in applied]


def runtime_url(admin_url: str, app_url: str | None) -> str:
    """The runtime role's URL: explicit if given, else the admin URL with the runtime user."""
    if app_url:
        return app_url
    return re.sub(r"^(postgres(?:ql)?://)[^@/]*@", rf"\g<1>{RUNTIME_ROLE}@", admin_url)


async def keep_session(conn: asyncpg.Connection) -> None:
    """What a pooled connection needs on release beyond asyncpg's own clean-up (which rolls
    back a transaction left open and drops listeners): nothing. Pooled connections never change
    their session (no SET, LISTEN or session advisory lock: those live on dedicated
    connections, `connect`), so asyncpg's default reset query — a round trip on every release,
    about a tenth of a mutation's time — has nothing to undo; and the append function's cached
    cluster id (migration 0008) outlives the release instead of being reset with it."""


async def create_pool(
    url: str, *, min_size: int = 2, max_size: int = 10, connect_timeout: float = 60.0
) -> asyncpg.Pool:
    """The runtime pool, with codecs registered on every connection (see `keep_session`)."""
    pool = await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        init=init_connection,
        reset=keep_session,
        timeout=connect_timeout,
    )
    assert pool is not None
    return pool


async def connect(url: str) -> asyncpg.Connection:
    """One dedicated runtime connection (sequencer, runners, listeners)."""
    conn = await asyncpg.connect(url)
    try:
        await init_connection(conn)
    except BaseException:
        conn.terminate()  # never leak a half-set-up connection (the server may be going away)
        raise
    return conn


UNREACHABLE: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, timed out (TimeoutError): also the pool's reconnect attempts
    asyncpg.InterfaceError,  # the connection closed under the operation
    asyncpg.PostgresConnectionError,  # e.g. ConnectionDoesNotExistError
    asyncpg.exceptions.CannotConnectNowError,  # starting up or shutting down
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    # asyncpg's catch-all for a protocol in an impossible state. It is what a connection raises
    # when the server drops it mid-operation during a fast shutdown: the FATAL message has
    # arrived but the socket is not closed yet, and the next statement (a COMMIT, the pool's
    # reset on release) finds "cannot switch to state N; another operation (2) is in progress".
    asyncpg.exceptions.InternalClientError,
)
"""Exception classes that mean the database went away (or is not there yet), at any await."""


def unreachable(error: BaseException | None) -> bool:
    """True when `error`, or an error it was raised from, means the database is unreachable."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, UNREACHABLE):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False
