"""Runs shared by key: callers that ask while a run of their key is in flight share the next run,
which starts after that one ends (so each answer was made after its caller asked); other keys
run on their own; a failure reaches only the callers of its run; a caller that goes away
cancels nothing; nothing is held once no run is asked for."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from service.web.group_read import GroupRead, SharedRuns


class Runs:
    """Makes that each wait for their own gate, recording when they started and ended."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}

    def make(self, name: str, fail: bool = False) -> Callable[[], Awaitable[str]]:
        gate = self.gates.setdefault(name, asyncio.Event())

        async def run() -> str:
            self.log.append(f"start {name}")
            await gate.wait()
            self.log.append(f"end {name}")
            if fail:
                raise RuntimeError(f"{name} failed")
            return name

        return run

    async def until_started(self, name: str) -> None:
        async with asyncio.timeout(5):
            while f"start {name}" not in self.log:
                await asyncio.sleep(0)


async def test_callers_that_ask_during_a_run_share_the_next_run_which_starts_after_it_ends() -> (
    None
):
    shared: SharedRuns[str, str] = SharedRuns()
    runs = Runs()
    first = asyncio.create_task(shared.run("list", runs.make("a")))
    await runs.until_started("a")
    later = [asyncio.create_task(shared.run("list", runs.make(n))) for n in ("b", "c", "d")]
    await asyncio.sleep(0.01)
    assert runs.log == ["start a"], "nobody else runs while a's run is in flight"
    runs.gates["a"].set()
    assert await first == "a"
    await runs.until_started("b")
    runs.gates["b"].set()
    assert await asyncio.gather(*later) == ["b", "b", "b"]
    # b's run, made for b, c and d, started after a's ended; c's and d's makes never ran.
    assert runs.log == ["start a", "end a", "start b", "end b"]
    assert len(shared) == 0


async def test_a_caller_that_asks_when_no_run_is_in_flight_gets_a_run_of_its_own() -> None:
    shared: SharedRuns[str, str] = SharedRuns()
    runs = Runs()
    runs.make("a")
    runs.gates["a"].set()
    assert await shared.run("list", runs.make("a")) == "a"
    runs.make("b")
    runs.gates["b"].set()
    assert await shared.run("list", runs.make("b")) == "b"
    assert runs.log == ["start a", "end a", "start b", "end b"]


async def test_runs_of_different_keys_run_at_once_each_for_its_own_callers() -> None:
    shared: SharedRuns[str, str] = SharedRuns()
    runs = Runs()
    one = asyncio.create_task(shared.run("one", runs.make("a")))
    other = asyncio.create_task(shared.run("other", runs.make("b")))
    await runs.until_started("a")
    await runs.until_started("b")
    runs.gates["b"].set()
    assert await other == "b"
    assert not one.done()
    runs.gates["a"].set()
    assert await one == "a"
    assert len(shared) == 0


async def test_a_failed_run_fails_its_own_callers_only_and_the_next_run_still_runs() -> None:
    shared: SharedRuns[str, str] = SharedRuns()
    runs = Runs()
    first = asyncio.create_task(shared.run("list", runs.make("a", fail=True)))
    await runs.until_started("a")
    later = [asyncio.create_task(shared.run("list", runs.make(n))) for n in ("b", "c")]
    await asyncio.sleep(0)
    runs.gates["a"].set()
    with pytest.raises(RuntimeError, match="a failed"):
        await first
    await runs.until_started("b")
    runs.gates["b"].set()
    assert await asyncio.gather(*later) == ["b", "b"]


async def test_a_caller_that_goes_away_cancels_nothing_the_others_wait_for() -> None:
    shared: SharedRuns[str, str] = SharedRuns()
    runs = Runs()
    first = asyncio.create_task(shared.run("list", runs.make("a")))
    await runs.until_started("a")
    gone = asyncio.create_task(shared.run("list", runs.make("b")))
    staying = asyncio.create_task(shared.run("list", runs.make("c")))
    await asyncio.sleep(0)
    first.cancel()
    gone.cancel()
    runs.gates["a"].set()
    await runs.until_started("b")  # gone's make: it went away, but staying shares its run
    runs.gates["b"].set()
    assert await staying == "b"
    assert first.cancelled() and gone.cancelled()
    assert runs.log == ["start a", "end a", "start b", "end b"]
    assert len(shared) == 0


async def test_a_group_read_reads_once_for_the_callers_that_asked_while_it_read() -> None:
    reads: list[int] = []
    gate = asyncio.Event()

    async def query(pool: object) -> int:
        reads.append(len(reads))
        await gate.wait()
        return len(reads)

    group: GroupRead[int] = GroupRead(query)  # type: ignore[arg-type]
    pool = object()
    first = asyncio.create_task(group.read(pool))  # type: ignore[arg-type]
    async with asyncio.timeout(5):
        while not reads:
            await asyncio.sleep(0)
    later = [asyncio.create_task(group.read(pool)) for _ in range(5)]  # type: ignore[arg-type]
    await asyncio.sleep(0.01)
    gate.set()
    assert await first == 1
    assert await asyncio.gather(*later) == [2] * 5
    assert reads == [0, 1]
