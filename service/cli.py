"""The `samverkan` command line. Errors are one clear line on stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import asyncpg

from events.sequencer import Sequencer
from service import database
from service.runtime import database_up
from service.settings import Settings, SettingsError


class CommandError(Exception):
    """A failure the user can act on; printed as one line."""


async def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    async with database_up(settings, migrate=False) as db:
        applied = await database.migrate(db.admin_url)
    print(f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ""))
    return 0


async def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    async with database_up(settings) as db:
        stop = _stop_on_signals()
        sequencer = Sequencer(connect=lambda: database.connect(db.app_url))
        logging.getLogger(__name__).info("worker started: sequencer (standby until active)")
        await sequencer.run(stop)
    return 0


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop


Handler = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command and its one-line help."""
    parser = argparse.ArgumentParser(
        prog="samverkan",
        description="Samverkan: medborgarlöften and samverkansöverenskommelser, an auditable log.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    add("migrate", cmd_migrate, "apply pending database migrations")
    add("worker", cmd_worker, "run the sequencer (active or standby) until stopped")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `samverkan` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    try:
        settings = Settings.from_env()
        return int(asyncio.run(args.handler(settings, args)))
    except KeyboardInterrupt:
        return 130
    except (CommandError, SettingsError, database.MigrationError) as exc:
        print(f"samverkan: {exc}", file=sys.stderr)
        return 2
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"samverkan: database error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
