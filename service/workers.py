"""The background workers: sequencer (with Merkle integration), projection runners, checkpointer.

They run inside `samverkan serve` by default and alone in `samverkan worker`; every one of them
is safe to run in several processes at once (advisory-lock leaders, standbys take over).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from events.log import transparency
from events.log.sequencer import Sequencer
from service import database
from service.audit.checkpointer import run_checkpointer
from service.audit.keys import load_signer, log_key_path
from service.bootstrap import Domain
from service.settings import Settings


def worker_loops(
    settings: Settings, domain: Domain, app_url: str, stop: asyncio.Event
) -> list[Coroutine[Any, Any, None]]:
    """The coroutines of every background worker, ready to become tasks."""
    sequencer = Sequencer(
        connect=lambda: database.connect(app_url),
        on_batch=transparency.integrate_batch,
        on_lead=transparency.integrate_backlog,
    )
    signer = load_signer(
        log_key_path(settings),
        settings.log_origin,
        create=settings.log_key is None,
    )
    loops: list[Coroutine[Any, Any, None]] = [sequencer.run(stop)]
    loops.extend(runner.run(stop) for runner in domain.runners(app_url))
    loops.append(
        run_checkpointer(
            lambda: database.connect(app_url),
            signer,
            settings.log_origin,
            stop,
            interval=settings.checkpoint_interval_s,
        )
    )
    return loops
