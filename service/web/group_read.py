"""One database read shared by concurrent requests that ask the same question, like a group
commit.

A request joins the next read: one that starts after the read in flight (if any) ends, so every
request gets an answer read after it arrived, never an older one, and a burst of requests costs a
few reads instead of one each. Reads of different pools (the primary and a replica) are never
shared with each other. Used where many requests poll the same small fact: where the serving
projections stand (conditional GETs of public pages and open data) and how far they have applied
the log (reads that wait for a consistency token).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import asyncpg

T = TypeVar("T")


class _Group(Generic[T]):
    """The reads of one pool: the future the next read answers, and the task reading."""

    def __init__(self) -> None:
        self.next: asyncio.Future[T] | None = None
        self.reading: asyncio.Task[None] | None = None


class GroupRead(Generic[T]):
    """`query(pool)` shared by concurrent callers of `read(pool)` (see the module)."""

    def __init__(self, query: Callable[[asyncpg.Pool], Awaitable[T]]) -> None:
        self._query = query
        self._groups: dict[int, _Group[T]] = {}

    async def read(self, pool: asyncpg.Pool) -> T:
        """The query's answer on `pool`, read after this call began."""
        group = self._groups.setdefault(id(pool), _Group())
        if group.next is None:
            group.next = asyncio.get_running_loop().create_future()
        waiting = group.next
        if group.reading is None:
            group.reading = asyncio.create_task(self._read_while_asked(group, pool))
        # A waiter that goes away (its client hung up) does not cancel the others' read.
        return await asyncio.shield(waiting)

    async def _read_while_asked(self, group: _Group[T], pool: asyncpg.Pool) -> None:
        asked: asyncio.Future[T] | None = None
        try:
            while group.next is not None:
                asked, group.next = group.next, None
                try:
                    asked.set_result(await self._query(pool))
                except Exception as exc:  # every waiter of this read sees its failure
                    asked.set_exception(exc)
                    asked.exception()  # retrieved here too: a lone waiter may have gone
        finally:
            group.reading = None
            for left in (asked, group.next):  # cancelled (shutdown): nobody waits forever
                if left is not None and not left.done():
                    left.cancel()
            group.next = None
