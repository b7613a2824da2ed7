"""Rebuilds in parts, each part in a process of its own (projections.rebuild.fold_part).

A rebuild folds the log in Python, on one core; on a machine with more, its streams can be
split into parts folded side by side. Each part runs in a fresh process (`spawn`: nothing of
the parent's event loop or connections is inherited), which builds the domain again, connects
to the same database and folds its part. A part that fails (its process dies, the database
restarts) fails the rebuild; the rebuild's supervisor runs it again and every part resumes
from its own committed checkpoint.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Awaitable

import asyncpg
import uvloop

from projections.rebuild import FoldsInMemory, Part, RebuildError, RunPart, fold_part
from service import database

PARTS_FROM_EVENTS = 200_000
"""A rebuild with fewer events than this to fold runs in one process: starting a process that
imports the domain takes about a second, and a small log folds faster than that."""

JOIN_POLL_S = 0.2
"""How often the parent looks whether a part's process has ended."""


def parts_for(events: int, processes: int | None) -> int:
    """How many parts a rebuild of `events` events folds in: `processes` when given, else one
    per core for a large log and one for a small one."""
    if processes is not None:
        return processes
    if events < PARTS_FROM_EVENTS:
        return 1
    return max(1, os.cpu_count() or 1)


def in_processes(app_url: str) -> RunPart:
    """Run each part in a process of its own, connecting to `app_url`."""

    async def run(part: Part) -> None:
        spawn = multiprocessing.get_context("spawn")
        process = spawn.Process(
            target=_fold_part_main,
            args=(app_url, part),
            name=f"rebuild {part.projection} part {part.index + 1}/{part.count}",
            daemon=True,
        )
        process.start()
        try:
            while process.is_alive():
                await asyncio.sleep(JOIN_POLL_S)
            process.join()
        finally:
            if process.is_alive():  # the rebuild was cancelled or another part failed
                process.terminate()
                await asyncio.to_thread(process.join)
        if process.exitcode != 0:
            raise RebuildError(
                f"part {part.index + 1} of {part.count} of {part.projection} "
                f"ended with exit code {process.exitcode}"
            )

    return run


def _fold_part_main(app_url: str, part: Part) -> None:
    """A part's process: build the domain, fold the part, exit (non-zero on any failure)."""
    from service.bootstrap import build_domain

    projection = next(p for p in build_domain().projections if p.name == part.projection)
    if not isinstance(projection, FoldsInMemory):
        raise RebuildError(f"{part.projection} does not fold in memory, so not in parts")

    def connect() -> Awaitable[asyncpg.Connection]:
        return database.connect(app_url)

    uvloop.run(fold_part(projection, connect, part))
