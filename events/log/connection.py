"""A long-running role's own connection, opened for one run and let go without raising.

The roles (sequencer, projection runners, checkpointer, witnesses) are crash-only: whatever goes
wrong ends the run with the original exception, and their supervisor starts a new run. So the
clean-up must never raise an exception of its own over that one, and must never hang on a
server that is going away: after a failure the connection is terminated (the socket closed, no
goodbye), and only a run that ended normally closes it politely, falling back to terminate.
Session advisory locks go with the session either way.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg

_log = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 2.0


@contextlib.asynccontextmanager
async def dedicated(
    connect: Callable[[], Awaitable[asyncpg.Connection]],
) -> AsyncIterator[asyncpg.Connection]:
    """Open a connection for the block; let it go afterwards without ever raising from that."""
    conn = await connect()
    try:
        yield conn
    except BaseException:
        conn.terminate()
        raise
    await close_quietly(conn)


async def close_quietly(conn: asyncpg.Connection, timeout: float = CLOSE_TIMEOUT_S) -> None:
    """Close politely; if that fails (the server went away meanwhile), terminate instead."""
    try:
        await conn.close(timeout=timeout)
    except Exception as exc:  # closing a dying connection may raise anything asyncpg has
        _log.debug("closing a connection failed (%s); terminated it", type(exc).__name__)
        conn.terminate()
