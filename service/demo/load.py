"""Loading the demo history through the dispatcher, so the demo log is a real history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from service.demo.places import place_commands
from service.demo.records import demo_commands
from service.dispatcher import Dispatcher


async def load_demo(
    dispatcher: Dispatcher,
    *,
    at: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Dispatch every demo command (the seed history, then the shared places it names);
    return how many appended (0 when loaded before).

    Command ids are deterministic, so a second load finds each command recorded and appends
    nothing.
    """
    when = at or dt.datetime.now(dt.UTC)
    commands = [*demo_commands(when), *place_commands(when)]
    appended = 0
    for number, (_, command) in enumerate(commands, start=1):
        outcome = await dispatcher.dispatch(command, metadata={"source": "demo"})
        appended += 0 if outcome.duplicate else 1
        if progress is not None and (number % 20 == 0 or number == len(commands)):
            progress(f"demo: {number}/{len(commands)} commands")
    return appended
