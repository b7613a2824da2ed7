"""Fault drills: a real multi-process cluster on 127.0.0.1 under a steady, bounded load.

Each drill records every mutation that got a success answer and ends by checking that all of
them are in the log, that the log is dense, and that the audit replay verifies it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import aiohttp
import asyncpg
import pytest

from ops.load import checks
from ops.load.client import Acknowledged, session
from ops.load.cluster import Cluster
from ops.load.generator import Run
from ops.load.scenario import Operation, Tokens, operations, seed

ROLE_HOLDER = """
SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid::bigint = (($1::bigint >> 32) & 4294967295)
  AND l.objid::bigint = ($1::bigint & 4294967295)"""
PROJECTION_KEY = """
SELECT hashtext('projection:' || projection || ':' || version)::bigint, checkpoint
FROM projection_state WHERE projection = $1 AND status = 'serving'"""
LOG_SIZE = "SELECT count(*) FROM log"
REFUSALS = {"VersionConflict"}
"""Answers that refuse a mutation on its merits (concurrent writers on one promise), not
failures of the cluster; they are not acknowledged, so they are not looked for in the log."""


@dataclass(slots=True)
class Rig:
    """A seeded cluster: tokens, promises in force, and the acknowledged mutations so far."""

    cluster: Cluster
    http: aiohttp.ClientSession
    tokens: Tokens
    promise_ids: list[str]
    acks: Acknowledged

    def ops(self, seed: int = 7) -> list[Operation]:
        """A drill's mix: mostly mutations (activities, drafts), some anonymous reads."""
        weights = {"recordActivity": 6.0, "draftPromise": 2.0, "promise (anonymous)": 2.0}
        mix = operations(self.tokens, self.promise_ids, self.acks, random.Random(seed))
        return [dataclasses.replace(o, weight=weights[o.name]) for o in mix if o.name in weights]

    async def check(self, witness_vkeys: list[str] | None = None) -> checks.LogCheck:
        """Every acknowledged event in a dense, verifying log."""
        return await checks.check_log(
            self.cluster.admin_url,
            self.acks.event_ids,
            self.cluster.log_vkey,
            witness_vkeys or [],
            allow_pending=witness_vkeys is None,
        )


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with session(64, timeout=10) as client:
        yield client


@contextlib.asynccontextmanager
async def background(load: Coroutine[Any, Any, Run]) -> AsyncIterator[asyncio.Task[Run]]:
    """Run a load in the background; cancel it if the drill fails before awaiting it."""
    task = asyncio.create_task(load)
    try:
        yield task
    finally:
        if not task.done():
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def seeded(cluster: Cluster, http: aiohttp.ClientSession, promises: int = 3) -> Rig:
    """Seed promises in force through the first API node."""
    tokens = Tokens.mint(cluster.data_dir)
    acks = Acknowledged()
    ids = await seed(http, cluster.urls[0], tokens, promises, acks)
    return Rig(cluster=cluster, http=http, tokens=tokens, promise_ids=ids, acks=acks)


async def fetchval(url: str, sql: str, *args: object) -> Any:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def role_holder(url: str, key: int) -> str | None:
    """The application_name (process name) of the session holding advisory lock `key`."""
    value = await fetchval(url, ROLE_HOLDER, key)
    return None if value is None else str(value)


async def projection_holder(url: str, projection: str) -> tuple[str | None, int]:
    """Who runs `projection` (process name) and its checkpoint."""
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(PROJECTION_KEY, projection)
        if row is None:
            return None, -1
        holder = await conn.fetchval(ROLE_HOLDER, int(row[0]))
        return (None if holder is None else str(holder)), int(row[1])
    finally:
        await conn.close()


async def log_size(url: str) -> int:
    return int(await fetchval(url, LOG_SIZE))


async def until(
    condition: Callable[[], Awaitable[bool]], *, timeout: float, interval: float = 0.05
) -> float:
    """Wait (bounded) until `condition()` holds; return the seconds it took, fail on timeout."""
    started = time.monotonic()
    while not await condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)
    return time.monotonic() - started


async def status(http: aiohttp.ClientSession, url: str) -> int:
    """The HTTP status of GET `url`."""
    async with http.get(url) as response:
        await response.read()
        return response.status


def failures(run: Run, *, node: str | None = None, after: float = 0.0) -> list[str]:
    """Descriptions of the failed samples (optionally of one node, started after `after`)."""
    return [
        f"{s.op} on {s.node}: {s.error}"
        for s in run.samples
        if not s.ok
        and s.error not in REFUSALS
        and (node is None or s.node == node)
        and s.started >= after
    ]
