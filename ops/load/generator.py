"""An open-loop load generator: requests start on a fixed schedule, whatever the answers do.

The schedule is bounded by `duration`; a request that would exceed `max_in_flight` is counted
as shed instead of queued, so an overloaded cluster shows up as shed requests and latency, not
as a quietly lower rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import math
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import aiohttp

from ops.load.client import TRANSPORT_ERRORS
from ops.load.scenario import Operation


@dataclass(frozen=True, slots=True)
class Sample:
    """One finished request."""

    op: str
    node: str
    started: float
    seconds: float
    ok: bool
    status: int | None
    error: str | None = None


@dataclass(slots=True)
class Run:
    """Everything a load run saw."""

    started: float
    duration: float
    samples: list[Sample] = field(default_factory=list)
    shed: int = 0
    unfinished: int = 0


@contextlib.contextmanager
def steady_collector() -> Iterator[None]:
    """Collect once, then keep everything that exists now out of the collector's full passes
    until the block ends (`gc.freeze`, undone after). Without it the generator's own full
    collections, walking the heap the seeding and imports built, stopped its event loop for
    60-95 ms, once at the start of a run and again later: requests due in that pause went
    out late in one burst and answers that had arrived were read late, a tail that was the
    generator's, not the cluster's."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))
    return ordered[rank]


async def run_load(
    http: aiohttp.ClientSession,
    nodes: Sequence[str],
    ops: Sequence[Operation],
    *,
    rate: float,
    duration: float,
    max_in_flight: int = 256,
    rng: random.Random | None = None,
    live_nodes: set[str] | None = None,
    drain_timeout: float = 30.0,
    stop: asyncio.Event | None = None,
) -> Run:
    """Send `rate` requests per second for `duration` seconds, round-robin over `nodes`.

    `live_nodes`, when given, is read at each request: nodes missing from it are skipped (a
    drill removes the node it killed). The run ends after `duration` (or earlier, once `stop`
    is set) plus at most `drain_timeout` for requests still in flight.
    """
    with steady_collector():
        rng = rng or random.Random(1)
        weights = [o.weight for o in ops]
        run = Run(started=time.perf_counter(), duration=duration)
        in_flight: set[asyncio.Task[None]] = set()
        cycle = itertools.cycle(nodes)

        async def one(op: Operation, node: str) -> None:
            started = time.perf_counter()
            try:
                answer = await op.call(http, node)
            except TRANSPORT_ERRORS as exc:
                run.samples.append(
                    Sample(
                        op.name,
                        node,
                        started,
                        time.perf_counter() - started,
                        False,
                        None,
                        type(exc).__name__,
                    )
                )
                return
            seconds = time.perf_counter() - started
            error = None if answer.ok else (answer.error_code or f"HTTP {answer.status}")
            run.samples.append(
                Sample(op.name, node, started, seconds, answer.ok, answer.status, error)
            )

        total = int(rate * duration)
        try:
            for i in range(total):
                if stop is not None and stop.is_set():
                    break
                due = run.started + i / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                if len(in_flight) >= max_in_flight:
                    run.shed += 1
                    continue
                node = next(cycle)
                if live_nodes is not None:
                    for _ in range(len(nodes)):
                        if node in live_nodes:
                            break
                        node = next(cycle)
                op = rng.choices(ops, weights)[0]
                task = asyncio.create_task(one(op, node))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
            if in_flight:
                _, pending = await asyncio.wait(in_flight, timeout=drain_timeout)
                run.unfinished = len(pending)
        finally:
            # Also when cancelled: no request outlives the run.
            for task in list(in_flight):
                task.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)
        return run
