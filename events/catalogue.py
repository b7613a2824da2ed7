"""The catalogue of deciders and the codec registry over every event type they write."""

from __future__ import annotations

from typing import Any

from events.agreement import AGREEMENT
from events.codec import Registry, build_registry
from events.decider import Decider
from events.directory.decider import DIRECTORY
from events.erasure import PayloadErased
from events.indicator import INDICATOR
from events.place import PLACE
from events.promise.decider import PROMISE
from events.promise.events import upcast_activity_performed_v1, upcast_promise_reopened_v1
from events.situation import ACTION_PLAN, SITUATION_PICTURE
from events.survey import SURVEY
from events.walk import WALK


def deciders() -> tuple[Decider[Any], ...]:
    """Every aggregate's decider: directory, agreement, promise, shared place, lägesbild,
    åtgärdsplan, safety walk, survey, indicator."""
    return (
        DIRECTORY,
        AGREEMENT,
        PROMISE,
        PLACE,
        SITUATION_PICTURE,
        ACTION_PLAN,
        WALK,
        SURVEY,
        INDICATOR,
    )


def event_registry() -> Registry:
    """The codec registry of all event types (the erasure record too), with their upcasters."""
    return build_registry(
        (*(t for d in deciders() for t in d.event_types), PayloadErased),
        {
            ("ActivityPerformed", 1): upcast_activity_performed_v1,
            ("PromiseReopened", 1): upcast_promise_reopened_v1,
        },
    )
