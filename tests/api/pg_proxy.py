"""A TCP proxy in front of the test PostgreSQL that a test can cut and restore.

Cutting it closes the listening port (new connections are refused) and resets every open
connection, which is what an app sees when its database host goes away; the shared test server
itself keeps running for every other test.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit, urlunsplit


class PgProxy:
    """Forwards 127.0.0.1:`port` to the server of `target_url` (TCP or unix socket)."""

    def __init__(self, target_url: str) -> None:
        parts = urlsplit(target_url)
        host = parse_qs(parts.query).get("host", [parts.hostname or "127.0.0.1"])[0]
        self._unix = f"{host}/.s.PGSQL.{parts.port or 5432}" if host.startswith("/") else None
        self._tcp = (host, parts.port or 5432)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def listening(self) -> bool:
        """True between `start` and `cut`."""
        return self._server is not None

    def url(self, target_url: str) -> str:
        """`target_url` (same user and database) through this proxy."""
        parts = urlsplit(target_url)
        user = parts.netloc.rpartition("@")[0]
        return urlunsplit(parts._replace(netloc=f"{user}@127.0.0.1:{self.port}", query=""))

    async def start(self) -> None:
        """Listen (again, on the same port once it had one)."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Refuse new connections and reset the open ones."""
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()
        self._server = None

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            if self._unix is not None:
                server_r, server_w = await asyncio.open_unix_connection(self._unix)
            else:
                server_r, server_w = await asyncio.open_connection(*self._tcp)
        except OSError:
            client_w.transport.abort()
            return
        self._writers |= {client_w, server_w}
        try:
            await asyncio.gather(_pipe(client_r, server_w), _pipe(server_r, client_w))
        finally:
            for writer in (client_w, server_w):
                self._writers.discard(writer)
                writer.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()


@contextlib.asynccontextmanager
async def pg_proxy(target_url: str) -> AsyncIterator[PgProxy]:
    """A started proxy to `target_url`'s server, cut when the block ends."""
    proxy = PgProxy(target_url)
    await proxy.start()
    try:
        yield proxy
    finally:
        if proxy.listening:
            await proxy.cut()
