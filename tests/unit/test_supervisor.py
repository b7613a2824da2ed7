"""The supervisor restarts a role after any exception, backs off, counts, logs and reports.

No test here waits on a clock: the pause between restarts is injected (it records the wait it
was asked for and returns at once) and so is the clock that decides whether a run was healthy.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import random
from collections.abc import Iterator

import asyncpg
import pytest

from service import logs
from service.supervisor import (
    DONE,
    RESTARTING,
    RUNNING,
    STOPPED,
    Backoff,
    Role,
    RoleEnded,
    Supervisor,
)

INTERNAL = asyncpg.exceptions.InternalClientError(
    "cannot switch to state 15; another operation (2) is in progress"
)


class Pauses:
    """An injected pause: records each requested wait; may set `stop` after `limit` of them."""

    def __init__(self, limit: int | None = None) -> None:
        self.waits: list[float] = []
        self.limit = limit

    async def __call__(self, stop: asyncio.Event, seconds: float) -> None:
        self.waits.append(seconds)
        if self.limit is not None and len(self.waits) >= self.limit:
            stop.set()


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The supervisor's records as the service writes them: JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter("worker", "worker-1"))
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("service.supervisor")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_a_role_is_restarted_after_any_exception_and_each_restart_is_counted_and_logged(
    json_log: io.StringIO,
) -> None:
    stop = asyncio.Event()
    failures: list[Exception] = [ValueError("a bug"), INTERNAL, KeyError("gone")]
    runs = 0

    async def role(stop: asyncio.Event) -> None:
        nonlocal runs
        runs += 1
        if failures:
            raise failures.pop(0)
        stop.set()

    counted: list[str] = []
    supervisor = Supervisor(on_restart=counted.append, pause=Pauses(), rng=random.Random(1))
    await supervisor.supervise(Role("sequencer", role), stop)

    assert runs == 4
    assert counted == ["sequencer"] * 3
    status = supervisor.statuses["sequencer"]
    assert (status.restarts, status.last_error, status.state) == (3, "KeyError", STOPPED)
    logged = records(json_log)
    assert [r["error_type"] for r in logged] == ["ValueError", "InternalClientError", "KeyError"]
    assert {r["supervised_role"] for r in logged} == {"sequencer"}
    assert all(r["role"] == "worker" for r in logged), "the process role stays the process's"
    # A lost database is a warning; anything else is an error with its traceback.
    assert [r["level"] for r in logged] == ["ERROR", "WARNING", "ERROR"]
    assert "ValueError: a bug" in str(logged[0]["exception"])
    assert "exception" not in logged[1]
    assert "cannot switch to state 15" in str(logged[1]["message"])


async def test_a_role_that_keeps_failing_backs_off_exponentially_with_jitter_up_to_the_cap() -> (
    None
):
    attempts = 0

    async def role(stop: asyncio.Event) -> None:
        nonlocal attempts
        attempts += 1
        raise INTERNAL

    backoff = Backoff(base=0.1, cap=2.0)
    pauses = Pauses(limit=12)
    supervisor = Supervisor(backoff=backoff, pause=pauses, clock=lambda: 0.0)
    await supervisor.supervise(Role("checkpointer", role), asyncio.Event())

    assert attempts == 12 and len(pauses.waits) == 12
    ceilings = [0.1, 0.2, 0.4, 0.8, 1.6] + [2.0] * 7
    for waited, ceiling in zip(pauses.waits, ceilings, strict=True):
        assert ceiling / 2 <= waited <= ceiling
    assert supervisor.statuses["checkpointer"].restarts == 11  # the 12th wait was cut by stop


async def test_a_role_that_ran_healthy_before_it_failed_starts_again_from_the_shortest_wait() -> (
    None
):
    backoff = Backoff(base=0.1, cap=2.0, healthy_after=10.0)
    now = 0.0
    lasted = iter([0.0, 0.0, 0.0, 30.0, 0.0])  # how long each run takes on the fake clock

    async def role(stop: asyncio.Event) -> None:
        nonlocal now
        now += next(lasted)
        raise OSError("connection reset")

    pauses = Pauses(limit=5)
    supervisor = Supervisor(backoff=backoff, pause=pauses, clock=lambda: now)
    await supervisor.supervise(Role("projection:promises", role), asyncio.Event())

    ceilings = [0.1, 0.2, 0.4, 0.1, 0.2]  # the fourth run lasted 30 s: healthy
    for waited, ceiling in zip(pauses.waits, ceilings, strict=True):
        assert ceiling / 2 <= waited <= ceiling


async def test_a_role_that_returns_although_not_asked_to_stop_is_restarted() -> None:
    stop = asyncio.Event()
    runs = 0

    async def role(stop: asyncio.Event) -> None:
        nonlocal runs
        runs += 1
        if runs == 2:
            stop.set()

    supervisor = Supervisor(pause=Pauses())
    await supervisor.supervise(Role("witness:polisen", role), stop)
    assert runs == 2
    assert supervisor.statuses["witness:polisen"].last_error == RoleEnded.__name__


async def test_stop_ends_a_role_without_a_restart_and_a_failure_while_stopping_is_no_restart() -> (
    None
):
    stop = asyncio.Event()

    async def role(stop: asyncio.Event) -> None:
        stop.set()
        raise INTERNAL  # e.g. the pool closing under it at shutdown

    counted: list[str] = []
    supervisor = Supervisor(on_restart=counted.append, pause=Pauses())
    await supervisor.supervise(Role("sequencer", role), stop)
    assert counted == [] and supervisor.statuses["sequencer"].state == STOPPED


async def test_cancellation_passes_through_the_supervisor_and_is_no_restart() -> None:
    started = asyncio.Event()

    async def role(stop: asyncio.Event) -> None:
        started.set()
        await asyncio.Event().wait()

    supervisor = Supervisor(pause=Pauses())
    task = asyncio.create_task(supervisor.supervise(Role("sequencer", role), asyncio.Event()))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert supervisor.statuses["sequencer"].restarts == 0


async def test_a_one_shot_job_is_run_again_after_a_failure_until_it_returns_its_result() -> None:
    results = iter([INTERNAL, ConnectionResetError(), "rebuilt"])

    async def job() -> str:
        outcome = next(results)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    supervisor = Supervisor(pause=Pauses())
    assert await supervisor.until_done("rebuild:promises", job, asyncio.Event()) == "rebuilt"
    status = supervisor.statuses["rebuild:promises"]
    assert (status.restarts, status.state) == (2, DONE)


async def test_the_report_names_each_roles_state_last_error_and_whether_it_leads() -> None:
    stop = asyncio.Event()
    in_pause = asyncio.Event()
    release = asyncio.Event()
    leader = {"sequencer": True}

    async def pause(stop: asyncio.Event, seconds: float) -> None:
        in_pause.set()
        await release.wait()

    async def sequencer(stop: asyncio.Event) -> None:
        await stop.wait()

    async def checkpointer(stop: asyncio.Event) -> None:
        raise INTERNAL

    supervisor = Supervisor(pause=pause)
    tasks = supervisor.start(
        [
            Role("sequencer", sequencer, lambda: leader["sequencer"]),
            Role("checkpointer", checkpointer, lambda: True),
        ],
        stop,
    )
    await in_pause.wait()
    report = supervisor.report()
    assert report["sequencer"] == {"state": RUNNING, "restarts": 0, "active": True}
    assert report["checkpointer"] == {
        "state": RESTARTING,
        "restarts": 0,
        "lastError": "InternalClientError",
        "active": False,
    }
    leader["sequencer"] = False
    assert supervisor.report()["sequencer"]["active"] is False  # standing by
    stop.set()
    release.set()
    await asyncio.gather(*tasks)
    assert supervisor.report()["sequencer"]["state"] == STOPPED


async def test_a_restart_counter_that_fails_does_not_stop_the_restarts() -> None:
    stop = asyncio.Event()
    runs = 0

    async def role(stop: asyncio.Event) -> None:
        nonlocal runs
        runs += 1
        if runs < 3:
            raise INTERNAL
        stop.set()

    def broken_counter(role: str) -> None:
        raise RuntimeError("metrics are broken")

    supervisor = Supervisor(on_restart=broken_counter, pause=Pauses())
    await supervisor.supervise(Role("sequencer", role), stop)
    assert runs == 3 and supervisor.statuses["sequencer"].restarts == 2
