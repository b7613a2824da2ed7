"""Reads that wait for a consistency token, on PostgreSQL: many waiting at once share their
polls of the serving checkpoint, and each still answers as soon as the checkpoint passes its
own position, never before."""

from __future__ import annotations

import asyncio

import asyncpg

from projections import serving
from service.web.group_read import GroupRead
from service.web.reader import PgReader, checkpoint_reads
from tests.integration.test_page_standing import admin, app_pool, move

__all__ = ["admin", "app_pool"]

PROJECTIONS = ("promises", "directory")
WAITERS = 40


class Counting(GroupRead[int]):
    """The shared serving-checkpoint read, counting the waiters' polls and the queries made."""

    def __init__(self) -> None:
        super().__init__(self._query_counted)
        self.polls = 0
        self.queries = 0

    async def _query_counted(self, pool: asyncpg.Pool) -> int:
        self.queries += 1
        return await serving.serving_checkpoint(pool, PROJECTIONS)

    async def read(self, pool: asyncpg.Pool) -> int:
        self.polls += 1
        return await super().read(pool)


async def test_many_reads_waiting_for_their_tokens_share_the_polls_and_each_answers_when_reached(
    admin: asyncpg.Connection, app_pool: asyncpg.Pool
) -> None:
    shared = Counting()

    def reader() -> PgReader:
        return PgReader(app_pool, PROJECTIONS, {}, checkpoints=shared)

    near = [asyncio.create_task(reader().wait_for(12, 20)) for _ in range(WAITERS)]
    far = [asyncio.create_task(reader().wait_for(15, 20)) for _ in range(WAITERS)]
    await asyncio.sleep(0.3)  # every waiter polls a while: the checkpoint stands at 10
    assert not any(t.done() for t in near + far)
    await move(admin, "promises", 13)
    await asyncio.sleep(0.2)
    assert not any(t.done() for t in near + far), "the directory still stands at 10"
    await move(admin, "directory", 13)
    assert all(await asyncio.wait_for(asyncio.gather(*near), timeout=20))
    assert not any(t.done() for t in far)
    await move(admin, "promises", 15)
    await move(admin, "directory", 15)
    assert all(await asyncio.wait_for(asyncio.gather(*far), timeout=20))
    # Each waiter polled every 10 ms, but the waiters' polls joined shared reads.
    assert shared.queries >= 1
    assert shared.polls >= 5 * shared.queries, (shared.polls, shared.queries)


async def test_a_read_waiting_for_a_position_never_reached_gives_up_at_its_bound(
    admin: asyncpg.Connection, app_pool: asyncpg.Pool
) -> None:
    shared = checkpoint_reads(PROJECTIONS)
    reader = PgReader(app_pool, PROJECTIONS, {}, checkpoints=shared)
    assert await reader.wait_for(10, 1.0) is True
    assert await reader.wait_for(11, 0.2) is False


async def test_the_shared_wait_answers_what_a_wait_of_its_own_answers(
    admin: asyncpg.Connection, app_pool: asyncpg.Pool
) -> None:
    shared = PgReader(app_pool, PROJECTIONS, {}, checkpoints=checkpoint_reads(PROJECTIONS))
    alone = PgReader(app_pool, PROJECTIONS, {})
    for promises, directory in ((10, 10), (20, 11), (21, 25)):
        await move(admin, "promises", promises)
        await move(admin, "directory", directory)
        for position in (9, 10, 11, 20, 21, 25):
            assert await shared.wait_for(position, 0.05) == await alone.wait_for(position, 0.05)
