"""Backup and restore of the whole database with PostgreSQL's own `pg_dump` and `pg_restore`.

`backup` writes a custom-format archive (owners and grants included) through a temporary file,
checks that `pg_restore` can read it, and copies the log's verifier key beside it. `restore`
loads an archive into a database without Samverkan tables: it creates the two roles, runs
`pg_restore` in one transaction, then the migrations. Private keys (the log's signing key, each
witness's key and state) are files, never in the database; they are backed up on their own.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from events.proof.note import NoteError, Signer, Verifier, verify_note
from service import database
from service.audit.keys import read_key_file

Progress = Callable[[str], None]

SAMVERKAN_TABLES = (
    "schema_migrations",
    "events",
    "streams",
    "commands",
    "log",
    "leaves",
    "merkle_nodes",
    "checkpoints",
    "cosignatures",
    "projection_state",
)
"""Any of these in the target database means it is not empty: restore refuses it."""

VERSION_TIMEOUT_S = 10.0


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead; the message says what to do."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Tool:
    """A PostgreSQL client program and its major version."""

    path: Path
    major: int


def _pgserver_bin() -> Path | None:
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def tool_candidates(name: str, pg_bin: Path | None = None) -> list[Path]:
    """Where to look for `name`: the given directory only, else pgserver's, PATH, distro dirs."""
    if pg_bin is not None:
        return [pg_bin / name]
    found: list[Path] = []
    embedded = _pgserver_bin()
    if embedded is not None:
        found.append(embedded / name)
    on_path = shutil.which(name)
    if on_path:
        found.append(Path(on_path))
    # Debian/Ubuntu and RHEL keep every installed major version apart; newest first.
    for pattern in ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin"):
        dirs = sorted(Path("/").glob(pattern.lstrip("/")), key=_dir_version, reverse=True)
        found.extend(d / name for d in dirs)
    unique: list[Path] = []
    for path in found:
        if path not in unique:
            unique.append(path)
    return unique


def _dir_version(path: Path) -> int:
    match = re.search(r"(\d+)", str(path))
    return int(match[1]) if match else 0


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


async def tool_major(path: Path) -> int | None:
    """The major version `path --version` reports; None when it is not a runnable PG tool."""
    if not _runnable(path):
        return None
    try:
        proc = await asyncio.create_subprocess_exec(
            str(path),
            "--version",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        async with asyncio.timeout(VERSION_TIMEOUT_S):
            out, _ = await proc.communicate()
    except (OSError, TimeoutError):
        return None
    match = re.search(r"\(PostgreSQL\) (\d+)", out.decode(errors="replace"))
    return int(match[1]) if proc.returncode == 0 and match else None


async def find_tool(name: str, server_major: int, pg_bin: Path | None = None) -> Tool:
    """The first `name` whose major version is at least the server's (pg_dump needs that)."""
    tried: list[str] = []
    for path in tool_candidates(name, pg_bin):
        major = await tool_major(path)
        if major is not None and major >= server_major:
            return Tool(path=path, major=major)
        if major is not None:
            tried.append(f"{path} ({major})")
    seen = ", ".join(tried) or "none found"
    raise BackupError(
        f"no {name} of PostgreSQL {server_major} or newer (tried: {seen}); give --pg-bin DIR"
    )


def split_password(url: str) -> tuple[str, str | None]:
    """The URL without its password, and the password (passed to libpq in PGPASSWORD)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    userinfo, _, hostinfo = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    netloc = f"{user}@{hostinfo}" if user else hostinfo
    return urlunsplit(parts._replace(netloc=netloc)), unquote(parts.password)


async def run_tool(tool: Tool, args: Sequence[str], url: str | None = None) -> str:
    """Run a PG client program; raise BackupError with its first error line when it fails."""
    env = dict(os.environ)
    argv = [str(tool.path), *args]
    if url is not None:
        bare, password = split_password(url)
        argv.append(f"--dbname={bare}")
        if password:
            env["PGPASSWORD"] = password
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await proc.communicate()
    if proc.returncode != 0:
        lines = [ln.strip() for ln in err.decode(errors="replace").splitlines() if ln.strip()]
        detail = next((ln for ln in lines if "error" in ln.lower()), lines[0] if lines else "")
        raise BackupError(f"{tool.path.name} failed (exit {proc.returncode}): {detail}")
    return out.decode(errors="replace")


@dataclass(frozen=True, slots=True, kw_only=True)
class LogState:
    """What a database holds, as far as the log is concerned."""

    database: str
    server_major: int
    log_size: int
    unsequenced: int
    checkpoint_size: int
    checkpoint_note: str | None
    cosigned: dict[str, int]

    def describe(self) -> str:
        """One line: log size, tail, checkpoint and cosignatures."""
        witnesses = ", ".join(f"{w} up to {s}" for w, s in sorted(self.cosigned.items()))
        return (
            f"log size {self.log_size}, {self.unsequenced} event(s) not yet sequenced, "
            f"latest checkpoint {self.checkpoint_size or 'none'}, "
            f"cosigned by {witnesses or 'no witness'}"
        )


STATE_SQL = """
SELECT current_database(),
       current_setting('server_version_num')::int / 10000,
       (SELECT coalesce(max(log_index) + 1, 0) FROM log),
       (SELECT count(*) FROM events e
        WHERE NOT EXISTS (SELECT 1 FROM log l WHERE l.event_pk = e.id)),
       (SELECT size FROM checkpoints ORDER BY size DESC LIMIT 1),
       (SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1),
       ARRAY(SELECT witness FROM cosignatures GROUP BY witness ORDER BY witness),
       ARRAY(SELECT max(size) FROM cosignatures GROUP BY witness ORDER BY witness)"""


async def log_state(conn: asyncpg.Connection) -> LogState:
    """Read the log's size, unsequenced tail, latest checkpoint and cosignatures."""
    row = await conn.fetchrow(STATE_SQL)
    assert row is not None
    return LogState(
        database=row[0],
        server_major=int(row[1]),
        log_size=int(row[2]),
        unsequenced=int(row[3]),
        checkpoint_size=int(row[4] or 0),
        checkpoint_note=row[5],
        cosigned=dict(zip(row[6], (int(s) for s in row[7]), strict=True)),
    )


async def samverkan_tables(conn: asyncpg.Connection) -> list[str]:
    """The Samverkan tables that exist in the connected database's public schema."""
    rows = await conn.fetch(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relname = ANY($1::text[]) ORDER BY 1",
        list(SAMVERKAN_TABLES),
    )
    return [r[0] for r in rows]


async def server_major(conn: asyncpg.Connection) -> int:
    """The server's major version (16 for 16.2)."""
    return int(await conn.fetchval("SELECT current_setting('server_version_num')::int")) // 10000


def key_check(note: str | None, key_file: Path) -> tuple[bool, str]:
    """Whether the log key in `key_file` (skey or vkey) verifies `note`, and a line saying so."""
    if note is None:
        return True, "no checkpoint yet: any log key will do"
    if not key_file.exists():
        return False, f"no log key at {key_file}"
    try:
        text = read_key_file(key_file)
        vkey = Signer.from_skey(text).vkey if text.startswith("PRIVATE+KEY+") else text
        verify_note(note, [Verifier.from_vkey(vkey)])
    except NoteError as exc:
        return False, f"the log key at {key_file} does not verify the latest checkpoint: {exc}"
    return True, f"the log key at {key_file} verifies the latest checkpoint"


@dataclass(frozen=True, slots=True, kw_only=True)
class BackupResult:
    """A written backup."""

    file: Path
    bytes: int
    seconds: float
    state: LogState
    entries: int
    vkey_file: Path | None


def vkey_copy_path(file: Path) -> Path:
    """Where a backup keeps its copy of the log's verifier key."""
    return file.with_name(file.name + ".log.vkey")


def _check_new_file(file: Path) -> None:
    if file.exists():
        raise BackupError(f"{file} exists; a backup never overwrites one (choose a new name)")
    if not file.parent.is_dir():
        raise BackupError(f"the directory {file.parent} does not exist")


def _size(file: Path) -> int:
    return file.stat().st_size


def _copy_vkey(state: LogState, log_vkey: Path, file: Path, progress: Progress) -> Path | None:
    """Copy the log's verifier key beside the backup when it verifies the latest checkpoint."""
    if not log_vkey.exists():
        progress(f"no log verifier key at {log_vkey}: keep the log's vkey with the backup")
        return None
    ok, line = key_check(state.checkpoint_note, log_vkey)
    progress(line)
    if not ok:
        return None
    copied = vkey_copy_path(file)
    shutil.copyfile(log_vkey, copied)
    return copied


DUMP_OPTIONS = ("--format=custom", "--exclude-table-data=sessions")
"""Browser sessions are operational state: the table comes with the archive, its rows do not,
so a restore brings back no session (not one revoked after the dump) and everyone logs in
again."""


async def backup(
    admin_url: str,
    file: Path,
    *,
    log_vkey: Path,
    pg_bin: Path | None = None,
    progress: Progress = lambda _: None,
) -> BackupResult:
    """Dump the database at `admin_url` into `file` (pg_dump custom format) and check it."""
    _check_new_file(file)
    started = time.perf_counter()
    conn = await asyncpg.connect(admin_url)
    try:
        if "events" not in await samverkan_tables(conn):
            raise BackupError("the database has no Samverkan tables: nothing to back up")
        state = await log_state(conn)
    finally:
        await conn.close()
    pg_dump = await find_tool("pg_dump", state.server_major, pg_bin)
    pg_restore = await find_tool("pg_restore", pg_dump.major, pg_bin)
    progress(f"backing up database {state.database!r}: {state.describe()}")
    progress(f"running {pg_dump.path} (PostgreSQL {pg_dump.major})")
    partial = file.with_name(f".{file.name}.partial")
    try:
        await run_tool(pg_dump, [*DUMP_OPTIONS, f"--file={partial}"], admin_url)
        listing = await run_tool(pg_restore, ["--list", str(partial)])
        entries = sum(1 for ln in listing.splitlines() if ln and not ln.startswith(";"))
        partial.replace(file)
    finally:
        partial.unlink(missing_ok=True)
    progress(f"checked the archive with pg_restore --list: {entries} entries")
    copied = _copy_vkey(state, log_vkey, file, progress)
    return BackupResult(
        file=file,
        bytes=_size(file),
        seconds=time.perf_counter() - started,
        state=state,
        entries=entries,
        vkey_file=copied,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class RestoreResult:
    """A restored database."""

    seconds: float
    state: LogState
    migrations_applied: list[str]
    key_ok: bool
    key_line: str


def _is_file(file: Path) -> bool:
    return file.is_file()


async def check_archive(file: Path, server: int, pg_bin: Path | None) -> Tool:
    """The pg_restore to use, after checking that it can read `file` (nothing is touched)."""
    if not _is_file(file):
        raise BackupError(f"no backup file at {file}")
    pg_restore = await find_tool("pg_restore", server, pg_bin)
    try:
        await run_tool(pg_restore, ["--list", str(file)])
    except BackupError as exc:
        raise BackupError(f"{file} is not a readable pg_dump custom archive ({exc})") from None
    return pg_restore


async def restore(
    admin_url: str,
    file: Path,
    *,
    log_key: Path,
    pg_bin: Path | None = None,
    progress: Progress = lambda _: None,
) -> RestoreResult:
    """Restore `file` into the (empty) database at `admin_url`, then migrate it.

    Refuses a database that already has Samverkan tables. `pg_restore` runs in one transaction,
    so a failed restore leaves the database as it was. `log_key` is checked against the
    restored latest checkpoint: the workers must sign with the same key.
    """
    started = time.perf_counter()
    conn = await asyncpg.connect(admin_url)
    try:
        name = str(await conn.fetchval("SELECT current_database()"))
        present = await samverkan_tables(conn)
        if present:
            raise BackupError(
                f"the database {name!r} already has Samverkan tables "
                f"({', '.join(present[:3])}{', …' if len(present) > 3 else ''}); "
                "restore only into an empty database"
            )
        major = await server_major(conn)
    finally:
        await conn.close()
    pg_restore = await check_archive(file, major, pg_bin)
    progress(f"restoring {file} into database {name!r} with {pg_restore.path}")
    await database.ensure_roles(admin_url)
    progress("roles samverkan_owner (NOLOGIN) and samverkan_app (LOGIN) are in place")
    await run_tool(pg_restore, ["--single-transaction", "--exit-on-error", str(file)], admin_url)
    progress("pg_restore done; running the migrations")
    applied = await database.migrate(admin_url)
    progress(
        "migrations: nothing pending"
        if not applied
        else "migrations applied: " + ", ".join(applied)
    )
    conn = await asyncpg.connect(admin_url)
    try:
        state = await log_state(conn)
    finally:
        await conn.close()
    key_ok, key_line = key_check(state.checkpoint_note, log_key)
    return RestoreResult(
        seconds=time.perf_counter() - started,
        state=state,
        migrations_applied=applied,
        key_ok=key_ok,
        key_line=key_line,
    )
