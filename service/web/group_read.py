"""One run shared by concurrent requests that ask the same question, like a group commit.

A request joins the next run of its question: one that starts after the run in flight (if any)
ends, so every request gets an answer made after it arrived, never an older one, and a burst of
requests costs a few runs instead of one each: at most one run of a question is in flight, and
one more is waited for. `SharedRuns` shares any run by a key; `GroupRead` is one database read
shared per pool (reads of different pools, the primary and a replica, are never shared with
each other). Used where many requests poll the same small fact: where the serving projections
stand (conditional GETs of public pages and open data) and how far they have applied the log
(reads that wait for a consistency token); and where many anonymous requests ask the same
GraphQL query whose kept answer no longer stands (service.web.graphql_view).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

import asyncpg

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class _Group(Generic[T]):
    """The runs of one key: the future the next run answers, how to make it, and the task
    running."""

    def __init__(self) -> None:
        self.next: asyncio.Future[T] | None = None
        self.make: Callable[[], Awaitable[T]] | None = None
        self.running: asyncio.Task[None] | None = None


class SharedRuns(Generic[K, T]):
    """Concurrent callers of `run` with equal keys share one run (see the module)."""

    def __init__(self) -> None:
        self._groups: dict[K, _Group[T]] = {}

    async def run(self, key: K, make: Callable[[], Awaitable[T]]) -> T:
        """The answer of a run of `key` that starts after this call began: `make()`, or
        another caller's equal `make()` that this one joined."""
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = _Group()
        if group.next is None:
            group.next = asyncio.get_running_loop().create_future()
            group.make = make
        waiting = group.next
        if group.running is None:
            group.running = asyncio.create_task(self._run_while_asked(key, group))
        # A waiter that goes away (its client hung up) does not cancel the others' run.
        return await asyncio.shield(waiting)

    def __len__(self) -> int:
        """Keys with a run in flight or asked for."""
        return len(self._groups)

    async def _run_while_asked(self, key: K, group: _Group[T]) -> None:
        asked: asyncio.Future[T] | None = None
        try:
            while group.next is not None and group.make is not None:
                asked, make = group.next, group.make
                group.next, group.make = None, None
                try:
                    asked.set_result(await make())
                except Exception as exc:  # every waiter of this run sees its failure
                    asked.set_exception(exc)
                    asked.exception()  # retrieved here too: a lone waiter may have gone
        finally:
            for left in (asked, group.next):  # cancelled (shutdown): nobody waits forever
                if left is not None and not left.done():
                    left.cancel()
            group.running, group.next, group.make = None, None, None
            if self._groups.get(key) is group:
                del self._groups[key]


class GroupRead(Generic[T]):
    """`query(pool)` shared by concurrent callers of `read(pool)` (see the module)."""

    def __init__(self, query: Callable[[asyncpg.Pool], Awaitable[T]]) -> None:
        self._query = query
        self._runs: SharedRuns[int, T] = SharedRuns()

    async def read(self, pool: asyncpg.Pool) -> T:
        """The query's answer on `pool`, read after this call began."""
        return await self._runs.run(id(pool), lambda: self._query(pool))
