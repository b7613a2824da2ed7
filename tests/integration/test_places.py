"""Shared places on a real database: registered, marked unsafe, cleared and retired through
the dispatcher, projected by the places runner and read through GraphQL by anybody; an editor
of another municipality is refused and the stream stays as it was."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import asyncpg
import pytest

from events.log.sequencer import load_state, sequence_batch
from events.log.store import log_size
from events.messages import Command, Forbidden, Principal
from events.place import (
    ClearPlaceUnsafeMark,
    Coordinates,
    MarkPlaceUnsafe,
    RegisterMunicipalPlace,
    RenamePlace,
    RetirePlace,
)
from projections.runner import Runner
from service import database
from service.bootstrap import build_domain
from service.demo.load import load_demo
from service.dispatcher import Dispatcher
from tests.conftest import Database
from tests.integration.in_process import execute

AT = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
UB, LPO, ARJEPLOG = "org-upplands-bro", "org-lpo-jarfalla", "org-arjeplog"

PLACES = """query($municipality: String, $unsafeOnly: Boolean!, $first: Int, $after: String) {
  places(municipalityId: $municipality, unsafeOnly: $unsafeOnly, first: $first, after: $after) {
    places { id name status unsafe }
    pageInfo { endCursor hasNextPage }
  }
}"""

PLACE = """query($id: ID!) {
  place(id: $id) {
    id municipalityId name kind status unsafe formerNames retiredOn retiredReason
    coordinates { latitude longitude }
    unsafeHistory { unsafe source asOf }
  }
}"""

REGISTER = """mutation($commandId: ID!, $input: RegisterMunicipalPlaceInput!) {
  registerMunicipalPlace(commandId: $commandId, input: $input) {
    __typename
    ... on CommandAccepted { streamId version events { type } }
    ... on Forbidden { code message }
    ... on InvalidInput { code message field }
  }
}"""


def editor(org: str) -> Principal:
    return Principal(
        issuer="test", subject=f"{org}-editor", organisation_id=org, roles=frozenset({"editor"})
    )


def key() -> dict[str, Any]:
    return {"command_id": str(uuid.uuid4()), "at": AT}


async def project(dispatcher: Dispatcher, app_url: str) -> None:
    """Sequence what was appended and bring the places projection up to the log's end."""
    async with dispatcher.pool.acquire() as conn:
        state = await load_state(conn)
        while await sequence_batch(conn, state, 500):
            pass
        assert await log_size(conn) > 0
    places = next(p for p in build_domain().projections if p.name == "places")
    runner = Runner(projection=places, connect=lambda: database.connect(app_url))
    await runner.run(asyncio.Event(), until_caught_up=True)


async def graphql(
    dispatcher: Dispatcher,
    query: str,
    principal: Principal | None = None,
    language: str = "en",
    **variables: Any,
) -> dict[str, Any]:
    return await execute(
        dispatcher,
        query,
        principal=principal,
        now=AT,
        projections=("places",),
        language=language,
        variables=variables,
    )


async def stream_version(pool: asyncpg.Pool, stream_id: str) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", stream_id))


async def test_places_registered_marked_cleared_and_retired_are_read_by_anybody_with_history(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await load_demo(dispatcher, at=AT)
    ub, lpo = editor(UB), editor(LPO)
    commands: list[Command] = [
        RegisterMunicipalPlace(
            **key(),
            actor=ub,
            place_id="ub-brohof",
            municipality_id=UB,
            name="Brohof",
            kind="district",
            coordinates=Coordinates(latitude="59.5217", longitude="17.6001"),
        ),
        MarkPlaceUnsafe(
            **key(),
            actor=lpo,
            place_id="ub-brohof",
            source="trygghetsenkät 2019",
            as_of=dt.date(2019, 5, 1),
        ),
        ClearPlaceUnsafeMark(
            **key(),
            actor=ub,
            place_id="ub-brohof",
            source="trygghetsmätning 2024",
            as_of=dt.date(2024, 6, 1),
        ),
        RenamePlace(**key(), actor=lpo, place_id="ub-brohof", name="Brohof slott"),
        RegisterMunicipalPlace(
            **key(),
            actor=lpo,
            place_id="ub-tunnel",
            municipality_id=UB,
            name="Gångtunneln",
            kind="road",
        ),
        MarkPlaceUnsafe(
            **key(),
            actor=ub,
            place_id="ub-tunnel",
            source="trygghetsvandring 2025",
            as_of=dt.date(2025, 10, 2),
        ),
        RetirePlace(**key(), actor=ub, place_id="ub-tunnel", reason="Tunneln är riven."),
    ]
    for command in commands:
        await dispatcher.dispatch(command)
    await project(dispatcher, fresh_db.app_url)

    brohof = (await graphql(dispatcher, PLACE, id="ub-brohof"))["place"]
    assert brohof == {
        "id": "ub-brohof",
        "municipalityId": UB,
        "name": "Brohof slott",
        "kind": "district",
        "status": "active",
        "unsafe": False,
        "formerNames": ["Brohof"],
        "retiredOn": None,
        "retiredReason": None,
        "coordinates": {"latitude": "59.5217", "longitude": "17.6001"},
        "unsafeHistory": [
            {"unsafe": True, "source": "trygghetsenkät 2019", "asOf": "2019-05-01"},
            {"unsafe": False, "source": "trygghetsmätning 2024", "asOf": "2024-06-01"},
        ],
    }
    tunnel = (await graphql(dispatcher, PLACE, id="ub-tunnel"))["place"]
    assert (tunnel["status"], tunnel["retiredOn"], tunnel["retiredReason"]) == (
        "retired",
        "2026-03-02",
        "Tunneln är riven.",
    )
    assert (await graphql(dispatcher, PLACE, id="nowhere"))["place"] is None

    # Anonymous callers list them too; the demo's three places perceived unsafe in 2018 are
    # the municipality's places unsafe now (the retired tunnel and cleared Brohof are not).
    every = await graphql(dispatcher, PLACES, municipality=UB, unsafeOnly=False)
    assert [p["id"] for p in every["places"]["places"]] == [
        "ub-brohof",
        "ub-tunnel",
        "upplands-bro-bro-centrum",
        "upplands-bro-centrala-kungsangen",
        "upplands-bro-stationsomradet-i-bro",
    ]
    unsafe = await graphql(dispatcher, PLACES, municipality=UB, unsafeOnly=True)
    assert [p["name"] for p in unsafe["places"]["places"]] == [
        "Bro centrum",
        "Centrala delarna av Kungsängen",
        "Stationsområdet i Bro",
    ]
    assert (await graphql(dispatcher, PLACES, municipality=ARJEPLOG, unsafeOnly=False))["places"][
        "places"
    ] == []

    # In pages of two, by id, the cursors walk the whole list once.
    seen: list[str] = []
    after: str | None = None
    while True:
        page = (
            await graphql(
                dispatcher, PLACES, municipality=UB, unsafeOnly=False, first=2, after=after
            )
        )["places"]
        seen += [p["id"] for p in page["places"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [p["id"] for p in every["places"]["places"]]


async def test_an_editor_of_another_municipality_is_refused_and_the_stream_is_unchanged(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    await load_demo(dispatcher, at=AT)
    stream = "place-upplands-bro-bro-centrum"
    before = await stream_version(dispatcher.pool, stream)
    assert before == 2  # registered and marked unsafe by the demo
    with pytest.raises(Forbidden) as refused:
        await dispatcher.dispatch(
            RenamePlace(
                **key(),
                actor=editor(ARJEPLOG),
                place_id="upplands-bro-bro-centrum",
                name="Bro torg",
            )
        )
    assert refused.value.code == "not_a_party"
    assert await stream_version(dispatcher.pool, stream) == before

    # Through GraphQL: the same refusal as a union member, in Swedish by default.
    answer = (
        await graphql(
            dispatcher,
            REGISTER,
            editor(ARJEPLOG),
            language="sv",
            commandId=str(uuid.uuid4()),
            input={"placeId": "ub-torget", "municipalityId": UB, "name": "Torget"},
        )
    )["registerMunicipalPlace"]
    assert answer["__typename"] == "Forbidden" and answer["code"] == "not_a_party"
    assert answer["message"] == (
        "Bara kommunen org-upplands-bro och de lokalpolisområden som betjänar den får "
        "registrera en plats; org-arjeplog är ingen av dem."
    )
    # A coordinate out of range names its field from the argument down.
    answer = (
        await graphql(
            dispatcher,
            REGISTER,
            editor(UB),
            commandId=str(uuid.uuid4()),
            input={
                "placeId": "ub-torget",
                "municipalityId": UB,
                "name": "Torget",
                "coordinates": {"latitude": "95.1", "longitude": "17.6"},
            },
        )
    )["registerMunicipalPlace"]
    assert answer == {
        "__typename": "InvalidInput",
        "code": "invalid_input",
        "message": "coordinates.latitude must lie between -90 and 90 degrees, got 95.1.",
        "field": ["input", "coordinates", "latitude"],
    }
    assert await stream_version(dispatcher.pool, "place-ub-torget") == 0

    # The police area serving Upplands-Bro registers it.
    answer = (
        await graphql(
            dispatcher,
            REGISTER,
            editor(LPO),
            commandId=str(uuid.uuid4()),
            input={"placeId": "ub-torget", "municipalityId": UB, "name": "Torget"},
        )
    )["registerMunicipalPlace"]
    assert answer == {
        "__typename": "CommandAccepted",
        "streamId": "place-ub-torget",
        "version": 1,
        "events": [{"type": "MunicipalPlaceRegistered"}],
    }
