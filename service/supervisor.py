"""One supervisor for every long-running role: whatever a role raises, it runs again.

The roles (the sequencer, each projection runner, the checkpointer, a witness, and whatever
else `service.workers` runs) are crash-only: on any failure, a lost connection included, a run
lets its connection go and ends with the exception. The supervisor logs that exception with
the role's name, waits a bounded, growing, jittered time and starts the role again; it never
lets a role end silently. Only `stop` ends a role, and CancelledError (a BaseException, the
process shutting down) passes through untouched.

A role that keeps failing backs off exponentially (0.1 s doubling up to 2 s, each wait drawn
from the upper half of that ceiling, so processes that lost the same database do not retry in
step); one that ran for a while before it failed starts again from the shortest wait. The cap
is 2 s, not longer, because after an outage the roles must be back within the 5 s a client's
consistency token waits. Restarts are counted per role (`on_restart`, the
`samverkan_role_restarts_total` counter) and each role's state is in `report()` (/readyz).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from events.log.wakeup import wait_any
from service import database

_log = logging.getLogger(__name__)

T = TypeVar("T")

RUNNING = "running"
RESTARTING = "restarting"
STOPPED = "stopped"
DONE = "done"


class RoleEnded(RuntimeError):
    """A long-running role returned although nobody asked it to stop."""


@dataclass(frozen=True, slots=True)
class Role:
    """A long-running role: its name, one run of it, and (advisory-lock roles) whether it leads."""

    name: str
    run: Callable[[asyncio.Event], Awaitable[None]]
    leading: Callable[[], bool] | None = None


@dataclass(frozen=True, slots=True)
class Backoff:
    """How long to wait before a restart: exponential in the failures in a row, with jitter."""

    base: float = 0.1
    cap: float = 2.0
    healthy_after: float = 10.0
    """A run that lasted this long before it failed was healthy: the next wait is `base` again."""

    def ceiling(self, failures: int) -> float:
        """The longest wait after `failures` failures in a row (base doubling, at most cap)."""
        return min(self.cap, self.base * 2.0 ** min(max(failures, 1) - 1, 30))

    def delay(self, failures: int, rng: random.Random) -> float:
        """A wait drawn from the upper half of the ceiling."""
        ceiling = self.ceiling(failures)
        return rng.uniform(ceiling / 2, ceiling)


@dataclass(slots=True)
class RoleStatus:
    """Where one role stands, for /readyz."""

    state: str = RUNNING
    restarts: int = 0
    failures: int = 0
    """Failures in a row (reset by a healthy run)."""
    last_error: str | None = None
    """The type of the last exception the role ended with."""


Pause = Callable[[asyncio.Event, float], Awaitable[None]]


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    await wait_any(stop, timeout=seconds)


class Supervisor:
    """Runs roles and one-shot jobs, restarting them after any exception; reports their state."""

    def __init__(
        self,
        *,
        backoff: Backoff | None = None,
        on_restart: Callable[[str], None] | None = None,
        expected: Callable[[BaseException], bool] | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        pause: Pause = _pause,
    ) -> None:
        """`expected` marks failures logged as warnings without a traceback (by default: the
        database went away); every other failure is an error with its traceback."""
        self.backoff = backoff or Backoff()
        self.roles: dict[str, Role] = {}
        self.statuses: dict[str, RoleStatus] = {}
        self._on_restart = on_restart
        self._expected = expected or database.unreachable
        self._rng = rng or random.Random()
        self._clock = clock
        self._pause = pause

    def start(self, roles: list[Role], stop: asyncio.Event) -> list[asyncio.Task[None]]:
        """One task per role, each supervised until `stop` is set."""
        return [
            asyncio.create_task(self.supervise(role, stop), name=f"role:{role.name}")
            for role in roles
        ]

    async def supervise(self, role: Role, stop: asyncio.Event) -> None:
        """Run `role` until `stop` is set, restarting it whenever it raises or returns early."""
        self.roles[role.name] = role

        async def once() -> None:
            await role.run(stop)
            if not stop.is_set():
                raise RoleEnded(f"{role.name} returned before it was asked to stop")

        await self._run(role.name, once, stop)

    async def until_done(
        self, name: str, job: Callable[[], Awaitable[T]], stop: asyncio.Event
    ) -> T | None:
        """Run a one-shot `job` (e.g. a rebuild) until it returns; None if stopped first."""
        return await self._run(name, job, stop)

    async def _run(
        self, name: str, attempt: Callable[[], Awaitable[T]], stop: asyncio.Event
    ) -> T | None:
        status = self.statuses.setdefault(name, RoleStatus())
        while True:
            status.state = RUNNING
            started = self._clock()
            try:
                result = await attempt()
            except Exception as exc:
                error: Exception = exc
            else:
                status.state = STOPPED if stop.is_set() else DONE
                return result
            if stop.is_set():
                _log.info("role %s ended while stopping: %s", name, _describe(error))
                status.state = STOPPED
                return None
            if self._clock() - started >= self.backoff.healthy_after:
                status.failures = 0
            status.failures += 1
            status.last_error = type(error).__name__
            status.state = RESTARTING
            delay = self.backoff.delay(status.failures, self._rng)
            self._log_failure(name, error, status, delay)
            await self._pause(stop, delay)
            if stop.is_set():
                status.state = STOPPED
                return None
            status.restarts += 1
            self._count(name)

    def _log_failure(self, name: str, error: Exception, status: RoleStatus, delay: float) -> None:
        extra = {
            "supervised_role": name,
            "error_type": type(error).__name__,
            "failures_in_a_row": status.failures,
            "restart_in_s": round(delay, 3),
        }
        message = "role %s failed (%s); restarting in %.2f s"
        if self._expected(error):
            _log.warning(message, name, _describe(error), delay, extra=extra)
        else:
            _log.error(message, name, _describe(error), delay, extra=extra, exc_info=error)

    def _count(self, name: str) -> None:
        if self._on_restart is None:
            return
        try:
            self._on_restart(name)
        except Exception:  # counting must never stop the restarting
            _log.exception("counting a restart of role %s failed", name)

    def report(self) -> dict[str, dict[str, object]]:
        """Each role's state, restarts, last error type and, for lock roles, whether it leads."""
        out: dict[str, dict[str, object]] = {}
        for name, status in sorted(self.statuses.items()):
            entry: dict[str, object] = {"state": status.state, "restarts": status.restarts}
            if status.last_error is not None:
                entry["lastError"] = status.last_error
            role = self.roles.get(name)
            if role is not None and role.leading is not None:
                entry["active"] = status.state == RUNNING and role.leading()
            out[name] = entry
        return out


def _describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
