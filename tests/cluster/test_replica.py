"""Replica reads on a real primary and streaming hot standby (both from `ops.cluster.postgres`).

A served app reads GraphQL queries from the replica; a query with a consistency token waits
(bounded) for the replica and falls back to the primary when the replica is paused or down.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from ops.cluster.postgres import PgNode, free_port, start_primary, start_replica, wait_caught_up
from service import database
from service.settings import Settings
from tests.api.conftest import RunningApp, serve_app
from tests.api.test_promise_lifecycle import Client

pytestmark = pytest.mark.slow

UB, LPO = "org-upplands-bro", "org-lpo-jarfalla"
DB = "samverkan"
PROMISE = """query($id: ID!, $token: String) {
  promise(id: $id, consistencyToken: $token) { id title } }"""


@dataclass(frozen=True, slots=True)
class Pair:
    primary: PgNode
    replica: PgNode


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    """A primary with the migrated database and a hot standby cloned from it.

    Not under pytest's temp root: as root the servers run as another user, and every new
    pytest session closes that root to other users again.
    """
    with tempfile.TemporaryDirectory(prefix="samverkan-replica-") as tmp:
        yield from _pair(Path(tmp))


def _pair(root: Path) -> Iterator[Pair]:
    primary = start_primary(root, free_port())
    replica: PgNode | None = None
    try:
        primary.psql(f"CREATE DATABASE {DB}")
        asyncio.run(database.migrate(primary.url(DB)))
        replica = start_replica(primary, root, free_port())
        yield Pair(primary, replica)
    finally:
        if replica is not None:
            replica.stop("immediate")
        primary.stop("immediate")


@pytest.fixture(scope="module")
async def app(pair: Pair, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningApp]:
    settings = Settings(
        database_url=pair.primary.url(DB),
        app_database_url=None,
        data_dir=tmp_path_factory.mktemp("app"),
        dev=True,
        replica_url=f"postgresql://samverkan_app@127.0.0.1:{pair.replica.port}/{DB}",
        replica_wait_s=1.0,
    )
    async with serve_app(settings) as running:
        yield running


@pytest.fixture
async def editor(app: RunningApp) -> AsyncIterator[Client]:
    async with httpx.AsyncClient(timeout=20) as http:
        yield Client(http, app, app.token(UB, "editor"))


async def draft(editor: Client, title: str) -> tuple[str, str]:
    """Draft a promise; return its id and the mutation's consistency token."""
    promise_id = f"replica-{uuid.uuid4().hex[:8]}"
    done = await editor.ok(
        "draftPromise",
        promiseId=promise_id,
        parties=[UB, LPO],
        details={"title": title, "period": {"validFrom": "2025-01-01", "label": "2025"}},
    )
    return promise_id, done["consistencyToken"]


async def read(editor: Client, promise_id: str, token: str | None = None) -> Any:
    data = await editor.query(PROMISE, id=promise_id, token=token)
    return data["promise"]


def replay(replica: PgNode, *, paused: bool) -> None:
    replica.psql("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")


async def eventually_readable(editor: Client, promise_id: str, seconds: float = 20) -> Any:
    async with asyncio.timeout(seconds):
        while (found := await read(editor, promise_id)) is None:
            await asyncio.sleep(0.05)
    return found


def test_the_replica_streams_the_primary_and_refuses_writes(pair: Pair) -> None:
    pair.primary.psql("CREATE TABLE replica_probe (x int); INSERT INTO replica_probe VALUES (7)")
    wait_caught_up(pair.primary, pair.replica)
    assert pair.replica.psql("SELECT x FROM replica_probe") == "7"
    assert pair.replica.psql("SELECT pg_is_in_recovery()") == "t"
    state = pair.primary.psql(
        "SELECT state FROM pg_stat_replication WHERE application_name = 'replica'"
    )
    assert state == "streaming"
    with pytest.raises(Exception, match="read-only transaction"):
        pair.replica.psql("INSERT INTO replica_probe VALUES (8)")


async def test_a_token_read_through_the_replica_returns_the_write(editor: Client) -> None:
    promise_id, token = await draft(editor, "Läs din egen skrivning")
    found = await read(editor, promise_id, token)
    assert found is not None and found["title"] == "Läs din egen skrivning"


async def test_while_replay_is_paused_token_reads_use_the_primary_and_others_the_replica(
    pair: Pair, editor: Client
) -> None:
    replay(pair.replica, paused=True)
    try:
        promise_id, token = await draft(editor, "Bara på primären")
        # The token read falls back to the primary, which has the write ...
        assert (await read(editor, promise_id, token))["title"] == "Bara på primären"
        # ... while a read without a token still sees the paused replica's older state.
        assert await read(editor, promise_id) is None
    finally:
        replay(pair.replica, paused=False)
    assert (await eventually_readable(editor, promise_id))["title"] == "Bara på primären"


async def test_reads_fall_back_to_the_primary_while_the_replica_is_down(
    pair: Pair, editor: Client
) -> None:
    pair.replica.stop("fast")
    try:
        promise_id, token = await draft(editor, "Replikan är nere")
        assert (await read(editor, promise_id, token))["title"] == "Replikan är nere"
        assert (await read(editor, promise_id))["title"] == "Replikan är nere"
    finally:
        pair.replica.start()
    wait_caught_up(pair.primary, pair.replica)
    conn = await asyncpg.connect(pair.replica.url(DB))
    try:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM streams WHERE stream_id = $1", f"promise-{promise_id}"
            )
            == 1
        )
    finally:
        await conn.close()
