"""The generic Decider: decide, evolve and initial state of one aggregate, and its stream."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from events.context import DecisionContext
from events.messages import Command, Event

S = TypeVar("S")


def admit_everyone(command: Command, state: object) -> None:
    """The gate of a stream everyone may see (the public directory)."""


def no_links(command: Command) -> tuple[str, ...]:
    """A command that names no other stream."""
    return ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Decider(Generic[S]):
    """One aggregate's pure rules: the dispatcher loads a stream, folds, decides, appends."""

    name: str
    stream_prefix: str
    initial_state: S
    decide: Callable[[Command, S, DecisionContext], list[Event]]
    evolve: Callable[[S, Event], S]
    command_types: tuple[type[Command], ...]
    event_types: tuple[type[Event], ...]
    stream_of: Callable[[Command], str]
    gate: Callable[[Command, S], None] = admit_everyone
    """Refuses an actor who may not see the stream, as if it did not exist (NotFound), before
    anything else about it is told; `decide` applies it first, and the dispatcher before it
    reports a version conflict, since the stream's version is something to tell too."""
    links: Callable[[Command], tuple[str, ...]] = no_links
    """The other streams a command names whose folded state `decide` checks (the agreement a
    promise rests on); the dispatcher folds them into `DecisionContext.linked`."""

    def fold(self, events: Iterable[Event]) -> S:
        """The state after `events`, starting from the initial state."""
        state = self.initial_state
        for event in events:
            state = self.evolve(state, event)
        return state

    def handles(self, command: Command) -> bool:
        """True when this decider owns the command's type."""
        return isinstance(command, self.command_types)
