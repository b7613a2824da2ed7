"""`samverkan backup` and `samverkan restore` end to end, from one PostgreSQL cluster to another.

The source is a database on the session server; the target is a second embedded cluster with
its own transaction counter, reached by the CLI through SAMVERKAN_DATA_DIR. Every wait is
bounded.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from events.directory.decider import RegisterPerson
from events.messages import Principal
from events.proof.note import Verifier
from service import database, embedded
from service.admin import backup
from service.audit.keys import read_key_file
from service.audit.witness import Witness, load_witness_key, witness_once
from service.bootstrap import build_domain
from service.demo.load import load_demo
from service.dispatcher import Dispatcher
from service.settings import Settings
from service.workers import worker_loops
from tests.conftest import Database

SAMVERKAN = str(Path(sys.executable).parent / "samverkan")
WITNESSES = ("polisen", "kommun")
SERVICE = Principal(
    issuer="test", subject="ops", organisation_id="samverkan", roles=frozenset({"service"})
)


def run(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full = {"PATH": os.environ.get("PATH", ""), **env}
    return subprocess.run(
        [SAMVERKAN, *args], capture_output=True, text=True, timeout=timeout, env=full
    )


async def until(check: Callable[[], object], what: str, timeout: float = 60) -> None:
    """Poll an async or sync check until it is true; fail naming `what` after `timeout`."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                result = check()
                if asyncio.iscoroutine(result):
                    result = await result
                if result:
                    return
                await asyncio.sleep(0.1)
    except TimeoutError:
        pytest.fail(f"timed out waiting for {what}")


async def register_people(dispatcher: Dispatcher, tag: str, count: int) -> list[uuid.UUID]:
    """Append `count` RegisterPerson commands (real domain events); return their event ids."""
    ids: list[uuid.UUID] = []
    for n in range(count):
        outcome = await dispatcher.dispatch(
            RegisterPerson(
                command_id=str(uuid.uuid4()),
                actor=SERVICE,
                at=dt.datetime.now(dt.UTC),
                person_id=f"person-{tag}-{n}",
                name=f"Person {tag} {n}",
            )
        )
        ids.extend(outcome.event_ids)
    return ids


STATE = """
SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM log),
       (SELECT coalesce(max(size), 0) FROM checkpoints),
       (SELECT coalesce(min(checkpoint), -1) FROM projection_state WHERE status = 'serving')"""


async def caught_up(url: str, *, projected: bool = True) -> bool:
    """Every event sequenced and checkpointed, and (by default) projected."""
    conn = await asyncpg.connect(url)
    try:
        events, log, checkpoint, applied = await conn.fetchrow(STATE)
    finally:
        await conn.close()
    return bool(events == log == checkpoint and (not projected or applied + 1 == log))


async def log_event_ids(url: str, first: int) -> list[uuid.UUID]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT e.event_id FROM log l JOIN events e ON e.id = l.event_pk "
            "WHERE l.log_index >= $1 ORDER BY l.log_index",
            first,
        )
    finally:
        await conn.close()
    return [r[0] for r in rows]


@dataclass
class Source:
    """The source database after its history, checkpoints and cosignatures."""

    db: Database
    data_dir: Path
    witnesses: list[Witness]
    witness_vkeys: list[Path]
    size: int
    tail: list[uuid.UUID]


@pytest.fixture
async def source(fresh_db: Database, tmp_path: Path) -> AsyncIterator[Source]:
    """The demo history sequenced, projected, checkpointed and cosigned by two witnesses, then
    five more events appended while the sequencer is stopped (the unsequenced tail)."""
    data_dir = tmp_path / "source"
    settings = Settings(
        database_url=fresh_db.admin_url,
        app_database_url=fresh_db.app_url,
        data_dir=data_dir,
        dev=False,
        checkpoint_interval_s=0.2,
    )
    domain = build_domain()
    pool = await database.create_pool(fresh_db.app_url)
    try:
        dispatcher = domain.dispatcher(pool)
        await load_demo(dispatcher)
        stop = asyncio.Event()
        tasks = [
            asyncio.create_task(loop)
            for loop in worker_loops(settings, domain, fresh_db.app_url, stop)
        ]
        try:
            await until(lambda: caught_up(fresh_db.app_url), "the source to catch up")
        finally:
            stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 15)
        log_vkey = read_key_file(data_dir / "log.key.vkey")
        witnesses: list[Witness] = []
        conn = await database.connect(fresh_db.app_url)
        try:
            for name in WITNESSES:
                key = tmp_path / f"{name}.key"
                witness = Witness(
                    signer=load_witness_key(key, name),
                    log_verifier=Verifier.from_vkey(log_vkey),
                    state_dir=tmp_path / f"witness-{name}",
                )
                assert all(o.cosigned for o in await witness_once(conn, witness))
                witnesses.append(witness)
            size = int(await conn.fetchval("SELECT count(*) FROM log"))
        finally:
            await conn.close()
        tail = await register_people(dispatcher, "tail", 5)
    finally:
        await pool.close()
    yield Source(
        db=fresh_db,
        data_dir=data_dir,
        witnesses=witnesses,
        witness_vkeys=[tmp_path / f"{name}.key.vkey" for name in WITNESSES],
        size=size,
        tail=tail,
    )


@dataclass(frozen=True)
class Target:
    """A second, separate embedded cluster: its data directory and admin URL."""

    data_dir: Path
    admin_url: str


@pytest.fixture
def target() -> Iterator[Target]:
    """A second cluster, kept running for the test (the CLI reuses it via its data dir).

    Not under pytest's tmp_path: the server runs as another user, and each new pytest session
    resets that tree to mode 0700.
    """
    with tempfile.TemporaryDirectory(prefix="samverkan-restore-") as tmp:
        data_dir = Path(tmp)
        with embedded.running(data_dir) as url:
            yield Target(data_dir=data_dir, admin_url=url)


async def test_a_backup_restored_into_another_cluster_verifies_and_the_log_continues(
    source: Source, target: Target, tmp_path: Path
) -> None:
    dump = tmp_path / "samverkan.dump"
    backed = run(
        "backup",
        str(dump),
        env={"DATABASE_URL": source.db.admin_url, "SAMVERKAN_DATA_DIR": str(source.data_dir)},
    )
    assert backed.returncode == 0, backed.stderr
    assert f"log size {source.size}, 5 event(s) not yet sequenced" in backed.stdout
    assert dump.stat().st_size > 0 and (tmp_path / "samverkan.dump.log.vkey").exists()

    # The runbook: the log's key comes from the key backup, not from the database dump.
    for name in ("log.key", "log.key.vkey"):
        shutil.copy2(source.data_dir / name, target.data_dir / name)
    env = {"SAMVERKAN_DATA_DIR": str(target.data_dir)}
    restored = run("restore", str(dump), env=env)
    assert restored.returncode == 0, restored.stderr
    assert f"log size {source.size}, 5 event(s) not yet sequenced" in restored.stdout
    assert "migrations: nothing pending" in restored.stderr
    assert "verifies the latest checkpoint" in restored.stderr

    vkeys = [arg for path in source.witness_vkeys for arg in ("--witness-vkey", str(path))]
    verified = run("audit", "verify", *vkeys, env=env)
    assert verified.returncode == 0, verified.stderr
    assert f"log size {source.size}" in verified.stdout

    app_url = database.runtime_url(target.admin_url, None)
    conn = await asyncpg.connect(app_url)
    try:
        assert await conn.fetchval("SELECT bool_and(cluster_id <> cluster_id()) FROM events"), (
            "the restored rows should come from the other cluster"
        )
    finally:
        await conn.close()

    worker = await asyncio.create_subprocess_exec(
        SAMVERKAN,
        "worker",
        env={"PATH": os.environ.get("PATH", ""), **env},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        pool = await database.create_pool(app_url)
        try:
            new = await register_people(build_domain().dispatcher(pool), "after", 4)
        finally:
            await pool.close()
        await until(lambda: caught_up(app_url), "the restored log to be sequenced and checkpointed")
    finally:
        worker.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(worker.communicate(), 30)
    assert worker.returncode == 0, err.decode()

    assert await log_event_ids(app_url, source.size) == [*source.tail, *new], (
        "the restored tail, then the new events, each exactly once"
    )
    final = source.size + len(source.tail) + len(new)
    conn = await database.connect(app_url)
    try:
        assert [r[0] for r in await conn.fetch("SELECT log_index FROM log ORDER BY 1")] == list(
            range(final)
        )
        # The witnesses keep their state from before the backup: they cosign the restored
        # log's new checkpoint only because it is a consistent extension of what they saw.
        for witness in source.witnesses:
            outcomes = await witness_once(conn, witness)
            assert outcomes and all(o.cosigned for o in outcomes), outcomes
    finally:
        await conn.close()
    again = run("audit", "verify", *vkeys, env=env)
    assert again.returncode == 0, again.stderr
    assert f"log size {final}" in again.stdout and f"witnessed up to {final}" in again.stdout


async def test_restore_refuses_a_database_that_already_has_samverkan_tables(
    db: Database, tmp_path: Path
) -> None:
    dump = tmp_path / "any.dump"
    dump.write_bytes(b"not even read")
    conn = await asyncpg.connect(db.admin_url)
    try:
        before = await conn.fetchval("SELECT count(*) FROM pg_class")
    finally:
        await conn.close()
    done = run(
        "restore",
        str(dump),
        env={"DATABASE_URL": db.admin_url, "SAMVERKAN_DATA_DIR": str(tmp_path)},
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "already has Samverkan tables" in lines[0], lines
    conn = await asyncpg.connect(db.admin_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM pg_class") == before
    finally:
        await conn.close()


async def test_restore_refuses_a_file_that_is_not_an_archive_and_changes_nothing(
    server_url: str, tmp_path: Path
) -> None:
    from tests.conftest import create_database, drop_database

    empty = await create_database(server_url, migrate=False)
    try:
        junk = tmp_path / "junk.dump"
        junk.write_text("SELECT 1;\n")
        done = run(
            "restore",
            str(junk),
            env={"DATABASE_URL": empty.admin_url, "SAMVERKAN_DATA_DIR": str(tmp_path)},
        )
        assert done.returncode == 2
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "not a readable pg_dump custom archive" in lines[0], lines
        conn = await asyncpg.connect(empty.admin_url)
        try:
            assert not await conn.fetchval("SELECT to_regclass('public.events') IS NOT NULL")
        finally:
            await conn.close()
    finally:
        await drop_database(server_url, empty.name)


async def test_backup_never_overwrites_a_file(db: Database, tmp_path: Path) -> None:
    existing = tmp_path / "taken.dump"
    existing.write_text("an older backup")
    done = run(
        "backup",
        str(existing),
        env={"DATABASE_URL": db.admin_url, "SAMVERKAN_DATA_DIR": str(tmp_path)},
    )
    assert done.returncode == 2 and "never overwrites" in done.stderr
    assert existing.read_text() == "an older backup"


async def test_a_restore_without_the_log_key_warns_before_the_workers_start(
    db: Database, tmp_path: Path, server_url: str
) -> None:
    from tests.conftest import create_database, drop_database

    source_dir = tmp_path / "source"
    settings = Settings(
        database_url=db.admin_url,
        app_database_url=db.app_url,
        data_dir=source_dir,
        dev=False,
        checkpoint_interval_s=0.1,
    )
    domain = build_domain()
    pool = await database.create_pool(db.app_url)
    try:
        await register_people(domain.dispatcher(pool), "k", 3)
    finally:
        await pool.close()
    stop = asyncio.Event()
    tasks = [asyncio.create_task(t) for t in worker_loops(settings, domain, db.app_url, stop)]
    try:
        await until(lambda: caught_up(db.app_url, projected=False), "a first checkpoint")
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 15)
    dump = tmp_path / "k.dump"
    env = {"DATABASE_URL": db.admin_url, "SAMVERKAN_DATA_DIR": str(source_dir)}
    assert run("backup", str(dump), env=env).returncode == 0
    empty = await create_database(server_url, migrate=False)
    try:
        done = run(
            "restore",
            str(dump),
            env={"DATABASE_URL": empty.admin_url, "SAMVERKAN_DATA_DIR": str(tmp_path / "bare")},
        )
        assert done.returncode == 0, done.stderr
        assert "warning: no log key at" in done.stderr
    finally:
        await drop_database(server_url, empty.name)


def test_help_lists_backup_and_restore() -> None:
    listed = run("--help", env={}).stdout
    assert "    backup" in listed and "    restore" in listed


async def test_the_client_tools_are_found_by_version_and_a_too_old_one_is_named() -> None:
    tool = await backup.find_tool("pg_dump", 16)
    assert tool.major >= 16 and tool.path.name == "pg_dump"
    with pytest.raises(backup.BackupError, match=r"no pg_dump of PostgreSQL 99 or newer.*--pg-bin"):
        await backup.find_tool("pg_dump", 99)


async def test_a_pg_bin_without_the_tools_is_one_line(db: Database, tmp_path: Path) -> None:
    done = run(
        "backup",
        str(tmp_path / "x.dump"),
        "--pg-bin",
        str(tmp_path),
        env={"DATABASE_URL": db.admin_url, "SAMVERKAN_DATA_DIR": str(tmp_path)},
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("samverkan: no pg_dump of PostgreSQL"), lines
    assert not (tmp_path / "x.dump").exists()


def test_a_password_goes_to_libpq_apart_from_the_url() -> None:
    assert backup.split_password("postgresql://u:p%40ss@db:5432/x?sslmode=require") == (
        "postgresql://u@db:5432/x?sslmode=require",
        "p@ss",
    )
    assert backup.split_password("postgresql://postgres:@/postgres?host=/tmp/s") == (
        "postgresql://postgres@/postgres?host=/tmp/s",
        "",
    )
    url = "postgresql://u@db/x"
    assert backup.split_password(url) == (url, None)
