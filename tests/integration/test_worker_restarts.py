"""The workers (sequencer, projection runners, checkpointer) and a witness across real
PostgreSQL restarts.

A PostgreSQL primary of this module's own (`ops.cluster.postgres`) is stopped with a fast
shutdown (SIGINT to the postmaster) and started again while a writer appends; after each
restart every event acknowledged before it must be sequenced, projected, checkpointed and
cosigned. A
role that died on the way (finding: the sequencer ended on asyncpg's InternalClientError and
nothing sequenced any more) shows up as a log that stops growing.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from events.directory.decider import RegisterPerson
from events.messages import Principal
from ops.cluster.postgres import PgNode, free_port, start_primary
from service import database
from service.audit.keys import log_key_path, read_key_file, vkey_path_for
from service.audit.witness import run_witness
from service.bootstrap import build_domain
from service.settings import Settings
from service.workers import worker_loops

pytestmark = pytest.mark.slow

SERVICE = Principal(
    issuer="test", subject="ops", organisation_id="samverkan", roles=frozenset({"service"})
)
RESTARTS = 4
DOWN_S = 0.5
CAUGHT_UP_S = 20.0
"""Survival, not latency (the drill measures that): generous for a loaded 2-core machine."""

BEHIND = """
SELECT (SELECT count(*) FROM events e WHERE e.event_id = ANY($1::uuid[])
          AND NOT EXISTS (SELECT 1 FROM log l WHERE l.event_pk = e.id)) AS unsequenced,
       (SELECT coalesce(max(l.log_index), -1) FROM log l JOIN events e ON e.id = l.event_pk
          WHERE e.event_id = ANY($1::uuid[])) AS last,
       (SELECT coalesce(min(checkpoint), -1) FROM projection_state WHERE status = 'serving')
          AS projected,
       (SELECT count(*) FROM projection_state WHERE status = 'serving') AS projections,
       (SELECT coalesce(max(size), 0) FROM checkpoints) AS signed,
       (SELECT coalesce(max(size), 0) FROM cosignatures) AS cosigned,
       (SELECT count(*) = coalesce(max(log_index) + 1, 0) FROM log) AS dense"""


@pytest.fixture(scope="module")
def primary() -> Iterator[PgNode]:
    """A migrated PostgreSQL primary of this module's own, to stop and start."""
    with tempfile.TemporaryDirectory(prefix="samverkan-restarts-") as tmp:
        node = start_primary(Path(tmp), free_port())
        try:
            asyncio.run(database.migrate(node.ensure_database()))
            yield node
        finally:
            node.stop("immediate")


@dataclass(slots=True)
class Writer:
    """Appends real domain events one after another; keeps the ids of acknowledged ones."""

    url: str
    acked: list[uuid.UUID] = field(default_factory=list)
    refused: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        domain = build_domain()
        pool = await database.create_pool(self.url, min_size=0, max_size=2, connect_timeout=5)
        try:
            dispatcher = domain.dispatcher(pool)
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    outcome = await dispatcher.dispatch(
                        RegisterPerson(
                            command_id=str(uuid.uuid4()),
                            actor=SERVICE,
                            at=dt.datetime.now(dt.UTC),
                            person_id=f"person-{n}",
                            name=f"Person {n}",
                        )
                    )
                    self.acked.extend(outcome.event_ids)
                except Exception:  # the database is going or gone: not acknowledged
                    self.refused += 1
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.01)
        finally:
            await pool.close()


@contextlib.asynccontextmanager
async def running(
    *coroutines: Coroutine[Any, Any, None],
) -> AsyncIterator[list[asyncio.Task[None]]]:
    """Run the coroutines as tasks for the block; wait (bounded) for them to end after it."""
    tasks = [asyncio.create_task(c) for c in coroutines]
    try:
        yield tasks
    finally:
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)


async def behind(url: str, acked: list[uuid.UUID]) -> asyncpg.Record:
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(BEHIND, acked)
    finally:
        await conn.close()
    assert row is not None
    return row


def caught_up(row: asyncpg.Record) -> bool:
    return bool(
        row["unsequenced"] == 0
        and row["projections"] >= 3
        and row["projected"] >= row["last"]
        and row["signed"] > row["last"]
        and row["cosigned"] > row["last"]
        and row["dense"]
    )


async def test_the_workers_keep_sequencing_projecting_and_signing_across_database_restarts(
    primary: PgNode, tmp_path: Path
) -> None:
    admin_url = primary.url("samverkan")
    app_url = database.runtime_url(admin_url, None)
    settings = Settings(
        database_url=admin_url,
        app_database_url=app_url,
        data_dir=tmp_path,
        dev=False,
        checkpoint_interval_s=0.2,
    )
    stop = asyncio.Event()
    writer = Writer(app_url)
    loops = worker_loops(settings, build_domain(), app_url, stop)
    witness = run_witness(
        app_url,
        "polisen",
        tmp_path / "polisen.key",
        tmp_path / "polisen",
        read_key_file(vkey_path_for(log_key_path(settings))),
        stop,
        interval=0.1,
    )
    async with running(writer.run(stop), *loops, witness) as tasks:
        try:
            for cycle in range(RESTARTS):
                await _wait_acked(writer, at_least=len(writer.acked) + 20)
                await asyncio.to_thread(primary.stop, "fast")
                await asyncio.sleep(DOWN_S)
                await asyncio.to_thread(primary.start)
                acked = list(writer.acked)
                deadline = time.monotonic() + CAUGHT_UP_S
                row = await behind(admin_url, acked)
                while not caught_up(row):
                    ended = [t for t in tasks[1:] if t.done()]
                    assert not ended, f"cycle {cycle}: a worker ended: {_why(ended[0])}"
                    assert time.monotonic() < deadline, f"cycle {cycle}: stuck at {dict(row)}"
                    await asyncio.sleep(0.1)
                    row = await behind(admin_url, acked)
        finally:
            stop.set()
    assert writer.acked


async def _wait_acked(writer: Writer, at_least: int, timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while len(writer.acked) < at_least:
            await asyncio.sleep(0.02)


def _why(task: asyncio.Task[None]) -> str:
    if task.cancelled():
        return "cancelled"
    exc = task.exception()
    return "returned" if exc is None else f"{type(exc).__name__}: {exc}"
