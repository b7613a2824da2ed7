"""The checkpointer: signs a checkpoint of the tree every few seconds when it grew."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from events.log import transparency
from events.log.connection import dedicated
from events.log.wakeup import wait_any
from events.proof.note import Signer

_log = logging.getLogger(__name__)

LOCK_KEY = 0x5A4D434B  # advisory lock key of the checkpointer role ("SMCK")


async def checkpoint_once(
    conn: asyncpg.Connection, signer: Signer, origin: str
) -> transparency.StoredCheckpoint | None:
    """Sign a checkpoint now if the tree grew (also the on-demand entry point)."""
    return await transparency.write_checkpoint(conn, signer, origin)


@dataclass(slots=True)
class Checkpointer:
    """The checkpointer role: active while it holds the lock, else standing by.

    Crash-only: a lost connection, or a tree that contradicts a signed checkpoint
    (AuditLogError: it must not be signed over), ends the run with its exception; the
    supervisor logs it and runs it again, so a refusal keeps being shouted, never swallowed.
    """

    connect: Callable[[], Awaitable[asyncpg.Connection]]
    signer: Signer
    origin: str
    interval: float = 2.0
    standby_interval: float = 1.0
    is_leader: bool = False

    async def run(self, stop: asyncio.Event) -> None:
        """Sign a checkpoint every `interval` seconds when the tree grew, until `stop` is set."""
        try:
            async with dedicated(self.connect) as conn:
                while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY):
                    await wait_any(stop, timeout=self.standby_interval)
                    if stop.is_set():
                        return
                self.is_leader = True
                while not stop.is_set():
                    written = await checkpoint_once(conn, self.signer, self.origin)
                    if written is not None:
                        _log.debug("signed checkpoint %d", written.size)
                    await wait_any(stop, timeout=self.interval)
        finally:
            self.is_leader = False


async def run_checkpointer(
    connect: Callable[[], Awaitable[asyncpg.Connection]],
    signer: Signer,
    origin: str,
    stop: asyncio.Event,
    *,
    interval: float = 2.0,
    retry_interval: float = 1.0,
) -> None:
    """Run one checkpointer (see Checkpointer) until `stop` is set or it fails."""
    checkpointer = Checkpointer(
        connect, signer, origin, interval=interval, standby_interval=retry_interval
    )
    await checkpointer.run(stop)
