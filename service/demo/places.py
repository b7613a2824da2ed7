"""The shared places the seed texts name as perceived unsafe, as demo commands.

The Upplands-Bro 2018 promise says that the dialogue with the citizens shows the places
perceived as most unsafe to be Bro centrum, the station area in Bro and the central parts of
Kungsängen. They are registered as shared places of Upplands-Bro under the names and kinds the
promise gives them, each marked unsafe with that text as its source, as of the first day of the
promise's period (the text names the year 2018, no day). No coordinates: the text gives none.
Each of the promise's own three places is then linked to its shared place (LinkSharedPlace:
the signed text stays as it was).
"""

from __future__ import annotations

import datetime as dt

from events.messages import Command
from events.place import STREAM_PREFIX as PLACE_STREAM
from events.place import MarkPlaceUnsafe, RegisterMunicipalPlace
from events.promise.commands import LinkSharedPlace
from events.promise.content import Period
from events.promise.decider import STREAM_PREFIX as PROMISE_STREAM
from events.recorded import resolved_period
from service.demo.history import UPPLANDS_BRO, DemoHistory
from service.demo.promises import _CENTRAL, _PLACES_2018, PROMISE_2018_ID
from service.demo.sources import PROMISE_2018

UNSAFE_2018_SOURCE = f"{PROMISE_2018.description}: dialogen med medborgarna"
"""Where the 2018 mark comes from: the promise's problem picture, from the citizens' dialogue."""

SHARED_IDS = {
    "p1": "upplands-bro-bro-centrum",
    "p2": "upplands-bro-stationsomradet-i-bro",
    "p3": "upplands-bro-centrala-kungsangen",
}
"""The shared place id of each place of the 2018 promise it names as most unsafe."""


def shared_places(demo: DemoHistory) -> None:
    """Upplands-Bro's places perceived as most unsafe in 2018 (seed 003), as shared places."""
    editor = demo.actor(UPPLANDS_BRO, "editor")
    as_of = resolved_period(Period(label="2018"), ("period",)).valid_from
    assert as_of is not None
    for promise_place_id, name, kind in _PLACES_2018:
        if promise_place_id not in _CENTRAL:
            continue
        place_id = SHARED_IDS[promise_place_id]
        stream = PLACE_STREAM + place_id
        demo.add(
            stream,
            RegisterMunicipalPlace(
                **demo.key(f"{stream}/register"),
                actor=editor,
                place_id=place_id,
                municipality_id=UPPLANDS_BRO,
                name=name,
                kind=kind,
            ),
        )
        demo.add(
            stream,
            MarkPlaceUnsafe(
                **demo.key(f"{stream}/unsafe/2018"),
                actor=editor,
                place_id=place_id,
                source=UNSAFE_2018_SOURCE,
                as_of=as_of,
            ),
        )
        promise = PROMISE_STREAM + PROMISE_2018_ID
        demo.add(
            promise,
            LinkSharedPlace(
                **demo.key(f"{promise}/place/{promise_place_id}/shared"),
                actor=editor,
                promise_id=PROMISE_2018_ID,
                place_id=promise_place_id,
                shared_place_id=place_id,
            ),
        )


def place_commands(at: dt.datetime) -> list[tuple[str, Command]]:
    """The demo's shared places as (stream id, command) pairs, all stamped `at`; loaded after
    the seed history (`records.demo_commands`), whose directory they need."""
    demo = DemoHistory(at)
    shared_places(demo)
    return demo.commands
