"""The sequencer: a dense, gap-free global order that never skips a late commit."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import tempfile
import uuid
from pathlib import Path

import asyncpg

from events.log import store
from events.log.sequencer import Sequencer, load_state, sequence_batch
from events.log.store import NO_STREAM, NewEvent
from service import database, embedded
from tests.conftest import Database, with_database

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
META = {"actor": {"issuer": "test", "subject": "s1"}}


def ev(n: int) -> NewEvent:
    return NewEvent(event_id=uuid.uuid4(), type="Noted", data={"n": n}, occurred_at=NOW)


async def append_one(conn: asyncpg.Connection | asyncpg.Pool, n: int) -> uuid.UUID:
    result = await store.append(
        conn, f"s-{uuid.uuid4()}", NO_STREAM, [ev(n)], command_id=None, metadata=META
    )
    return result.event_ids[0]


async def log_order(conn: asyncpg.Connection) -> list[uuid.UUID]:
    sql = "SELECT e.event_id FROM log l JOIN events e ON e.id = l.event_pk ORDER BY l.log_index"
    return [r[0] for r in await conn.fetch(sql)]


async def sequence_all(conn: asyncpg.Connection) -> int:
    state = await load_state(conn)
    total = 0
    while moved := await sequence_batch(conn, state, 1000):
        total += moved
    return total


async def assert_log_is_dense_and_complete(conn: asyncpg.Connection) -> None:
    indexes = [r[0] for r in await conn.fetch("SELECT log_index FROM log ORDER BY 1")]
    assert indexes == list(range(len(indexes))), "log_index has a gap"
    events = await conn.fetchval("SELECT count(*) FROM events")
    in_log = await conn.fetchval("SELECT count(DISTINCT event_pk) FROM log")
    assert events == in_log == len(indexes), "an event is missing from the log or there twice"


async def test_an_open_transaction_holds_later_commits_back_until_it_commits(
    fresh_db: Database,
) -> None:
    seq = await database.connect(fresh_db.app_url)
    early = await database.connect(fresh_db.app_url)
    slow = await database.connect(fresh_db.app_url)
    late = await database.connect(fresh_db.app_url)
    try:
        before = await append_one(early, 0)  # committed before the slow transaction starts
        tx = slow.transaction()
        await tx.start()
        held = await append_one(slow, 1)  # stays uncommitted
        after = [await append_one(late, n) for n in (2, 3)]  # commit while `held` is open

        assert await sequence_all(seq) == 1
        order = await log_order(seq)
        assert order == [before], "events committed after the open transaction leaked past it"

        await tx.commit()
        assert await sequence_all(seq) == 3
        order = await log_order(seq)
        assert order == [before, held, *after]
        await assert_log_is_dense_and_complete(seq)
    finally:
        for c in (seq, early, slow, late):
            await c.close()


async def test_a_rolled_back_append_leaves_no_gap(fresh_db: Database) -> None:
    seq = await database.connect(fresh_db.app_url)
    writer = await database.connect(fresh_db.app_url)
    try:
        await append_one(writer, 0)
        tx = writer.transaction()
        await tx.start()
        await append_one(writer, 1)
        await tx.rollback()
        await append_one(writer, 2)
        assert await sequence_all(seq) == 2
        await assert_log_is_dense_and_complete(seq)
    finally:
        await seq.close()
        await writer.close()


async def test_the_standby_takes_over_when_the_active_sequencer_dies(fresh_db: Database) -> None:
    admin = await asyncpg.connect(fresh_db.admin_url)
    pool = await database.create_pool(fresh_db.app_url, min_size=2, max_size=8)
    stop_a, stop_b = asyncio.Event(), asyncio.Event()
    backend_pids: list[int] = []

    async def connect_a() -> asyncpg.Connection:
        conn = await database.connect(fresh_db.app_url)
        backend_pids.append(conn.get_server_pid())
        return conn

    a = Sequencer(connect=connect_a, batch_size=50, standby_interval=0.05)
    b = Sequencer(
        connect=lambda: database.connect(fresh_db.app_url), batch_size=50, standby_interval=0.05
    )
    task_a = asyncio.create_task(a.run(stop_a))
    await _until(lambda: a.is_leader)
    task_b = asyncio.create_task(b.run(stop_b))
    try:
        writers_done = asyncio.Event()

        async def write(n: int) -> None:
            for i in range(100):
                await append_one(pool, n * 1000 + i)

        writers = asyncio.gather(*(write(n) for n in range(4)))
        await _until(lambda: a.state is not None and a.state.sequenced > 50)
        # Kill the active sequencer's session and its task, as if its process died mid-run.
        stop_a.set()
        await admin.execute("SELECT pg_terminate_backend($1)", backend_pids[-1])
        task_a.cancel()
        await writers
        writers_done.set()
        await _until(lambda: b.is_leader)
        total = await admin.fetchval("SELECT count(*) FROM events")
        await _until_async(lambda: _log_count(admin), total)
        await assert_log_is_dense_and_complete(admin)
        assert total == 400
    finally:
        stop_a.set()
        stop_b.set()
        await asyncio.gather(task_a, task_b, return_exceptions=True)
        await pool.close()
        await admin.close()


async def test_a_dump_restored_into_a_fresh_cluster_is_still_sequenced_exactly_once(
    server_url: str, fresh_db: Database, tmp_path: Path
) -> None:
    conn = await database.connect(fresh_db.app_url)
    try:
        for n in range(5):
            await append_one(conn, n)
        await sequence_all(conn)
        unsequenced = [await append_one(conn, n) for n in range(5, 8)]  # the tail at dump time
    finally:
        await conn.close()

    dump = tmp_path / "dump.sql"
    bin_dir = _pg_bin()
    await asyncio.to_thread(
        subprocess.run,
        [str(bin_dir / "pg_dump"), "-f", str(dump), fresh_db.admin_url],
        check=True,
        timeout=60,
    )
    with (
        tempfile.TemporaryDirectory(prefix="samverkan-restore-") as other,
        embedded.running(Path(other)) as other_url,
    ):
        await database.ensure_roles(other_url)
        admin = await asyncpg.connect(other_url)
        await admin.execute("CREATE DATABASE restored")
        await admin.close()
        restored = with_database(other_url, "restored")
        await asyncio.to_thread(
            subprocess.run,
            [str(bin_dir / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-f", str(dump), restored],
            check=True,
            timeout=60,
            capture_output=True,
        )
        await database.migrate(restored)  # re-applies grants; no migration is pending
        app = await database.connect(database.runtime_url(restored, None))
        try:
            clusters = await app.fetchval("SELECT count(DISTINCT cluster_id) FROM events")
            assert clusters == 1
            assert await app.fetchval("SELECT bool_and(cluster_id <> cluster_id()) FROM events"), (
                "the restored rows should come from another cluster"
            )
            new = [await append_one(app, n) for n in range(8, 11)]
            assert await sequence_all(app) == 6
            await assert_log_is_dense_and_complete(app)
            order = [
                r[0]
                for r in await app.fetch(
                    "SELECT e.event_id FROM log l JOIN events e ON e.id = l.event_pk "
                    "WHERE l.log_index >= 5 ORDER BY l.log_index"
                )
            ]
            assert order == [*unsequenced, *new]
        finally:
            await app.close()


def _pg_bin() -> Path:
    import pgserver  # the embedded server's client binaries match its server version

    return Path(pgserver.__file__).parent / "pginstall" / "bin"


async def _log_count(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM log"))


async def _until(predicate: object, timeout: float = 10.0) -> None:
    assert callable(predicate)
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


async def _until_async(fetch: object, expected: int, timeout: float = 10.0) -> None:
    assert callable(fetch)
    async with asyncio.timeout(timeout):
        while await fetch() != expected:
            await asyncio.sleep(0.02)
