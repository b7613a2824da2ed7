"""What the command line shares: one-line errors, progress lines and stopping on signals."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys


class CommandError(Exception):
    """A failure the user can act on; printed as one line."""


def progress(message: str) -> None:
    """Print a progress line on stderr (stdout stays for results)."""
    print(message, file=sys.stderr, flush=True)


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM, for long-running commands."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop
