"""The expiry job: once at start and then daily, promises and agreements whose period ended are
marked expired, with an event, by the platform's service principal.

No fold reads a clock: that a period ended becomes a fact only when this job (or a party's
steward) appends `PromiseExpired` / `AgreementExpired`. The job reads the serving read models
for what is due (a promise `in_force`, an agreement `signed`, whose `valid_to` lies before
today) and dispatches `ExpirePromise` / `ExpireAgreement` through the dispatcher like any other
command, so the deciders keep every rule (and refuse what is not due after all).

Each command's id is derived from the stream and the end of its period
(`uuid5(EXPIRY_NAMESPACE, "expire/<stream id>/<valid_to>")`), so a rerun, on this node or
another, before the read models caught up, is a duplicate that appends nothing, while an
agreement extended after it was found due gets a new id for its new end. Only the node holding
the advisory lock sweeps; the others stand by.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg

from events.agreement import STREAM_PREFIX as AGREEMENT_STREAM
from events.agreement import ExpireAgreement
from events.idempotency import IdempotencyKeyReused
from events.log.connection import dedicated
from events.log.wakeup import wait_any
from events.messages import HOME, Command, Principal, Refusal, VersionConflict
from events.promise.commands import ExpirePromise
from events.promise.decider import STREAM_PREFIX as PROMISE_STREAM
from projections.agreements import NAME as AGREEMENTS
from projections.promises import NAME as PROMISES
from projections.serving import ended_periods
from service.dispatcher import Dispatcher

_log = logging.getLogger(__name__)

LOCK_KEY = 0x534D4558  # advisory lock key of the expiry job ("SMEX")
EXPIRY_NAMESPACE = uuid.UUID("3f0b7c52-6d1e-5a8e-9c4b-2e7d1f6a9b30")
BATCH = 500
"""Streams expired per query; a sweep reads again until nothing is due."""
SERVICE_ORGANISATION = "samverkan"

EXPIRY_PRINCIPAL = Principal(
    issuer="samverkan",
    subject="expiry-job",
    organisation_id=SERVICE_ORGANISATION,
    roles=frozenset({"service"}),
    platform_operator=True,
)
"""The platform's service principal the job acts as (events.access.operates_platform)."""


def expiry_command_id(stream_id: str, valid_to: dt.date) -> str:
    """The idempotency key of expiring `stream_id` at the end `valid_to`."""
    return str(uuid.uuid5(EXPIRY_NAMESPACE, f"expire/{stream_id}/{valid_to.isoformat()}"))


def expiry_command(
    projection: str, key: str, valid_to: dt.date, at: dt.datetime, actor: Principal
) -> Command:
    """ExpirePromise or ExpireAgreement for the document `key` of `projection`."""
    command_id = expiry_command_id(key, valid_to)
    if projection == PROMISES:
        promise_id = key.removeprefix(PROMISE_STREAM)
        return ExpirePromise(command_id=command_id, actor=actor, at=at, promise_id=promise_id)
    agreement_id = key.removeprefix(AGREEMENT_STREAM)
    return ExpireAgreement(command_id=command_id, actor=actor, at=at, agreement_id=agreement_id)


DUE: tuple[tuple[str, str], ...] = ((PROMISES, "in_force"), (AGREEMENTS, "signed"))
"""(projection, status) of the documents whose period ending makes them expire."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepResult:
    """What one sweep did: streams it expired, and those the rules refused."""

    expired: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()


async def sweep(
    dispatcher: Dispatcher,
    now: dt.datetime,
    actor: Principal = EXPIRY_PRINCIPAL,
) -> SweepResult:
    """Expire every promise and agreement whose period ended before `now`'s day in Sweden
    (the day the deciders count), once."""
    expired: list[str] = []
    refused: list[str] = []
    today = now.astimezone(HOME).date() if now.tzinfo else now.date()
    for projection, status in DUE:
        after = ""
        while due := await ended_periods(dispatcher.pool, projection, status, today, after, BATCH):
            after = due[-1][0]
            for key, valid_to in due:
                command = expiry_command(projection, key, valid_to, now, actor)
                try:
                    outcome = await dispatcher.dispatch(command, metadata={"source": "expiry"})
                except (Refusal, VersionConflict, IdempotencyKeyReused) as exc:
                    # Not due after all (an amendment moved its end, a steward was first):
                    # the decider said why; the next sweep looks again.
                    _log.info("expiry of %s refused: %s", key, exc)
                    refused.append(key)
                    continue
                if not outcome.duplicate:
                    expired.append(key)
                    _log.info("%s expired (its period ended %s)", key, valid_to)
    return SweepResult(expired=tuple(expired), refused=tuple(refused))


@dataclass(slots=True)
class ExpiryJob:
    """The expiry role: sweeps at start and then every `interval` seconds while it holds the
    lock, else stands by. Crash-only like every role: a lost connection ends the run and the
    supervisor starts it again (which sweeps again, harmlessly)."""

    connect: Callable[[], Awaitable[asyncpg.Connection]]
    dispatcher: Callable[[], Awaitable[tuple[Dispatcher, Callable[[], Awaitable[None]]]]]
    """Opens a dispatcher for one run and the callable that closes it."""
    interval: float = 86_400.0
    standby_interval: float = 1.0
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    is_leader: bool = False
    sweeps: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep now and then every `interval` seconds, until `stop` is set."""
        try:
            async with dedicated(self.connect) as conn:
                while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY):
                    await wait_any(stop, timeout=self.standby_interval)
                    if stop.is_set():
                        return
                self.is_leader = True
                dispatcher, close = await self.dispatcher()
                try:
                    while not stop.is_set():
                        done = await sweep(dispatcher, self.clock())
                        self.sweeps += 1
                        if done.expired:
                            _log.info("expiry: %d expired", len(done.expired))
                        await self._hold(conn, stop)
                finally:
                    await close()
        finally:
            self.is_leader = False

    async def _hold(self, conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        """Wait `interval` seconds holding the lock, touching the connection every
        `standby_interval`: a lost connection (the database restarted, the lock went with it)
        ends the run now, not at the next sweep, so no node believes it leads after another
        took the lock."""
        loop = asyncio.get_running_loop()
        until = loop.time() + self.interval
        while not stop.is_set() and (left := until - loop.time()) > 0:
            await wait_any(stop, timeout=min(left, self.standby_interval))
            await conn.execute("SELECT 1")
