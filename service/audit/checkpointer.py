"""The checkpointer: signs a checkpoint of the tree every few seconds when it grew."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import asyncpg

from events.log import transparency
from events.log.wakeup import wait_any
from events.proof.note import Signer

_log = logging.getLogger(__name__)

LOCK_KEY = 0x5A4D434B  # advisory lock key of the checkpointer role ("SMCK")


async def checkpoint_once(
    conn: asyncpg.Connection, signer: Signer, origin: str
) -> transparency.StoredCheckpoint | None:
    """Sign a checkpoint now if the tree grew (also the on-demand entry point)."""
    return await transparency.write_checkpoint(conn, signer, origin)


async def run_checkpointer(
    connect: Callable[[], Awaitable[asyncpg.Connection]],
    signer: Signer,
    origin: str,
    stop: asyncio.Event,
    *,
    interval: float = 2.0,
    retry_interval: float = 1.0,
) -> None:
    """Sign a checkpoint every `interval` seconds when the tree grew, until `stop` is set.

    One checkpointer signs at a time (a session advisory lock); a second instance stands by.
    A lost connection is retried after `retry_interval`; waits are bounded by `stop`.
    """
    while not stop.is_set():
        conn: asyncpg.Connection | None = None
        try:
            conn = await connect()
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY):
                await wait_any(stop, timeout=retry_interval)
                if stop.is_set():
                    return
            while not stop.is_set():
                written = await checkpoint_once(conn, signer, origin)
                if written is not None:
                    _log.debug("signed checkpoint %d", written.size)
                await wait_any(stop, timeout=interval)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            _log.warning("checkpointer lost its connection: %s", exc)
        except transparency.AuditLogError as exc:
            # A tree that contradicts a signed checkpoint must not be signed over; keep
            # shouting until someone looks, rather than exiting quietly.
            _log.error("checkpointer refuses to sign: %s", exc)
        finally:
            if conn is not None and not conn.is_closed():
                await conn.close()
        await wait_any(stop, timeout=retry_interval)
