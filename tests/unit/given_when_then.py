"""Given/when/then for deciders: fold the given events, decide the command, compare or refuse."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from events.context import DecisionContext
from events.decider import Decider
from events.messages import Command, Event, Refusal


def when(
    decider: Decider[Any], given: Sequence[Event], command: Command, context: DecisionContext
) -> list[Event]:
    """The events `decider` decides for `command` after `given`."""
    return decider.decide(command, decider.fold(given), context)


def then_refused(
    decider: Decider[Any],
    given: Sequence[Event],
    command: Command,
    context: DecisionContext,
    kind: type[Refusal],
    code: str,
) -> Refusal:
    """Assert the command is refused with `kind` and `code`; the refusal, for further checks."""
    with pytest.raises(kind) as caught:
        when(decider, given, command, context)
    assert caught.value.code == code, caught.value.message
    assert caught.value.message
    return caught.value
