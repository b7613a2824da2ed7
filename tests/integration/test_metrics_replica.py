"""Replica series of /metrics against a real primary and streaming hot standby."""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from events.log import store
from events.log.sequencer import load_state, sequence_batch
from events.log.store import NO_STREAM, NewEvent
from ops.cluster.postgres import PgNode, free_port, start_primary, start_replica, wait_caught_up
from service import database
from service.web.metrics import REPLICA, Metrics, refresh

pytestmark = pytest.mark.slow

DB = "samverkan"


@dataclass(frozen=True, slots=True)
class Pair:
    primary: PgNode
    replica: PgNode


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    """A migrated primary and a hot standby cloned from it (outside pytest's 0700 temp root)."""
    with tempfile.TemporaryDirectory(prefix="samverkan-metrics-replica-") as tmp:
        root = Path(tmp)
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


@dataclass
class Pools:
    primary: asyncpg.Pool
    replica: asyncpg.Pool
    sequencer: asyncpg.Connection


@pytest.fixture
async def pools(pair: Pair) -> AsyncIterator[Pools]:
    app_url = database.runtime_url(pair.primary.url(DB), None)
    primary = await database.create_pool(app_url, min_size=1, max_size=2)
    replica = await database.create_pool(
        f"postgresql://samverkan_app@127.0.0.1:{pair.replica.port}/{DB}", min_size=0, max_size=2
    )
    sequencer = await database.connect(app_url)
    try:
        yield Pools(primary=primary, replica=replica, sequencer=sequencer)
    finally:
        await sequencer.close()
        await replica.close()
        await primary.close()


async def append_and_sequence(pools: Pools, count: int) -> None:
    for n in range(count):
        event = NewEvent(
            event_id=uuid.uuid4(), type="Noted", data={"n": n}, occurred_at=dt.datetime.now(dt.UTC)
        )
        await store.append(
            pools.primary, f"s-{uuid.uuid4()}", NO_STREAM, [event], command_id=None, metadata={}
        )
    state = await load_state(pools.sequencer)
    while await sequence_batch(pools.sequencer, state, 1000):
        pass


def replica_value(m: Metrics, name: str) -> float | None:
    return m.registry.get_sample_value(name, {"replica": REPLICA})


async def lag_reaches_zero(m: Metrics, pools: Pools, attempts: int = 50) -> bool:
    for _ in range(attempts):
        assert await refresh(m, pools.primary, pools.replica)
        if replica_value(m, "samverkan_replica_lag_seconds") == 0:
            return True
        await asyncio.sleep(0.2)
    return False


async def test_replica_lag_and_entries_behind_follow_replay_and_an_outage(
    pair: Pair, pools: Pools
) -> None:
    m = Metrics.create()
    await append_and_sequence(pools, 3)
    await asyncio.to_thread(wait_caught_up, pair.primary, pair.replica)
    assert await refresh(m, pools.primary, pools.replica)
    assert replica_value(m, "samverkan_replica_up") == 1
    assert replica_value(m, "samverkan_replica_behind_entries") == 0
    # Other WAL (autovacuum, hint bits) may arrive between the catch-up and the scrape, so the
    # lag is read until the replica has replayed everything it received: bounded, not timed.
    assert await lag_reaches_zero(m, pools), "the caught-up replica never reported lag 0"

    pair.replica.psql("SELECT pg_wal_replay_pause()")
    try:
        await append_and_sequence(pools, 4)
        await asyncio.sleep(1.2)
        assert await refresh(m, pools.primary, pools.replica)
        assert replica_value(m, "samverkan_replica_behind_entries") == 4
        lag = replica_value(m, "samverkan_replica_lag_seconds")
        assert lag is not None and lag >= 1.0
    finally:
        pair.replica.psql("SELECT pg_wal_replay_resume()")
    await asyncio.to_thread(wait_caught_up, pair.primary, pair.replica)
    assert await refresh(m, pools.primary, pools.replica)
    assert replica_value(m, "samverkan_replica_behind_entries") == 0

    pair.replica.stop("fast")
    try:
        assert await refresh(m, pools.primary, pools.replica), "the primary still answers"
        assert replica_value(m, "samverkan_replica_up") == 0
        assert m.registry.get_sample_value("samverkan_db_up") == 1
    finally:
        pair.replica.start()
