"""The background workers: sequencer (with Merkle integration), projection runners, checkpointer,
and the daily expiry job.

They run inside `samverkan serve` by default and alone in `samverkan worker`; every one of them
is safe to run in several processes at once (advisory-lock leaders, standbys take over). Each is
a crash-only role run by a `Supervisor`, which restarts it after any failure: a new role joins
by being added to `worker_roles`.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from events.log import transparency
from events.log.sequencer import Sequencer
from projections.runner import Runner
from service import database
from service.audit.checkpointer import Checkpointer
from service.audit.keys import load_signer, log_key_path
from service.bootstrap import Domain
from service.dispatcher import Dispatcher
from service.expiry import ExpiryJob
from service.settings import Settings
from service.supervisor import Role, Supervisor

YOUNG_COLLECTION_AFTER = 10_000
"""New container objects (net of those freed) that make CPython collect its youngest
generation (its default is 700)."""

API_YOUNG_COLLECTION_AFTER = 100_000
"""The same for an API process that runs no workers (`samverkan serve --no-workers`). Its
young objects are mostly requests in flight, alive until their answer is sent and then freed
by reference counting, not by a collection: fifty clients reading the promise list each hold
the objects of the documents they decoded, and at 10,000 a collection came about every ninth
request and walked them (the API benchmark's list: 259 young and 86 middle collections in 11 s,
2.3 s of the process's CPU, about a fifth). Above what requests in flight hold, only what
outlives them (the dispatcher's cached states, kept answers, the rare reference cycle) brings
a collection: none in the same 11 s."""

MIDDLE_COLLECTION_EVERY = 2
"""Youngest-generation collections between two of the middle generation (CPython's default is
10): what survives them is walked there once whichever the number, and at 2 each walk is short."""

FULL_COLLECTION_EVERY = 100
"""Middle-generation collections between two full ones (CPython's default is 10)."""


def collect_less(*, api_only: bool = False) -> None:
    """Garbage-collection settings for a worker or API process (`samverkan worker`, `samverkan
    serve`; `api_only` for `serve --no-workers`, see API_YOUNG_COLLECTION_AFTER). Runners and
    dispatchers keep thousands of folded states (immutable, without reference cycles) in their
    caches; while the caches fill, CPython's default runs a full collection, which walks all of
    them, every time the heap has grown by a quarter and ten younger collections have passed,
    and each one stalls every runner of the process (measured: gen-2 pauses of 42-132 ms in the
    projection benchmark's 200 appends/s phase). Waiting for a hundred younger collections
    instead makes those pauses rarer; reference counting still frees everything folding
    replaces.

    A request's or a batch's objects are freed by reference counting when it ends, but while
    it runs they count towards the youngest generation, and at CPython's default a collection
    walks them about every 700 objects: under `make load` that was 1,000 collections a second
    across the API nodes, 37 ms of CPU a second. Collecting every 10,000 walks the same
    objects far less often (6 ms a second), each walk taking 2-3 ms at most. The middle
    generation holds what survived those walks, which a runner filling its cache makes many:
    collected every tenth of them, as CPython's default, its walks took 20-28 ms in the
    projection benchmark's runner at 200 appends/s; every second one, they are short."""
    young = API_YOUNG_COLLECTION_AFTER if api_only else YOUNG_COLLECTION_AFTER
    gc.set_threshold(young, MIDDLE_COLLECTION_EVERY, FULL_COLLECTION_EVERY)


def freeze_startup() -> None:
    """Collect once, then leave everything the process has built so far (modules, the schema,
    message catalogues, connection pools) out of every later collection (`gc.freeze`). Called
    once a worker or API process is ready: a full collection otherwise walks all of it each
    time, and in the API process that was most of its 70-95 ms pauses (the promise list's p99
    at half its capacity was those pauses; measured 45-96 ms before, 12-14 ms after). What is
    frozen and later dropped is still freed by reference counting; only a reference cycle among
    those startup objects would stay."""
    gc.collect()
    gc.freeze()


def worker_roles(settings: Settings, domain: Domain, app_url: str) -> list[Role]:
    """Every background role, named: the sequencer, one runner per projection, the
    checkpointer, the expiry job."""
    sequencer = Sequencer(
        connect=lambda: database.connect(app_url),
        on_batch=transparency.integrate_batch,
        on_lead=transparency.integrate_backlog,
    )
    checkpointer = Checkpointer(
        lambda: database.connect(app_url),
        load_signer(log_key_path(settings), settings.log_origin, create=settings.log_key is None),
        settings.log_origin,
        interval=settings.checkpoint_interval_s,
    )
    roles = [Role("sequencer", sequencer.run, lambda: sequencer.is_leader)]
    for runner in domain.runners(app_url):
        roles.append(Role(f"projection:{runner.projection.name}", runner.run, _leads(runner)))
    roles.append(Role("checkpointer", checkpointer.run, lambda: checkpointer.is_leader))
    expiry = ExpiryJob(
        connect=lambda: database.connect(app_url),
        dispatcher=_dispatcher_opener(domain, app_url),
        interval=settings.expiry_interval_s,
    )
    roles.append(Role("expiry", expiry.run, lambda: expiry.is_leader))
    return roles


def _dispatcher_opener(
    domain: Domain, app_url: str
) -> Callable[[], Awaitable[tuple[Dispatcher, Callable[[], Awaitable[None]]]]]:
    """A small pool and a dispatcher over it for one run of the expiry job, and its closer."""

    async def open_dispatcher() -> tuple[Dispatcher, Callable[[], Awaitable[None]]]:
        pool = await database.create_pool(app_url, min_size=1, max_size=2)
        return domain.dispatcher(pool), pool.close

    return open_dispatcher


def _leads(runner: Runner) -> Callable[[], bool]:
    return lambda: runner.is_leader


def worker_loops(
    settings: Settings,
    domain: Domain,
    app_url: str,
    stop: asyncio.Event,
    supervisor: Supervisor | None = None,
) -> list[Coroutine[Any, Any, None]]:
    """The supervised coroutine of every background role, ready to become tasks."""
    supervisor = supervisor or Supervisor()
    return [supervisor.supervise(role, stop) for role in worker_roles(settings, domain, app_url)]
