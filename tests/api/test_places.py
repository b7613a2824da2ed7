"""Shared places through the served app: the demo's unsafe places read anonymously, a police
area serving the municipality marks and clears one, another municipality's editor is refused."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client

UB, LPO, ARJEPLOG = "org-upplands-bro", "org-lpo-jarfalla", "org-arjeplog"

UNSAFE = """query($municipality: String, $token: String) {
  places(municipalityId: $municipality, unsafeOnly: true, consistencyToken: $token) {
    places { id name kind unsafe unsafeHistory { unsafe source asOf } }
    pageInfo { hasNextPage }
  }
}"""

PLACE = """query($id: ID!, $token: String) {
  place(id: $id, consistencyToken: $token) {
    name unsafe formerNames unsafeHistory { unsafe source asOf }
  }
}"""


async def projected_demo_places(anonymous: Client) -> dict[str, Any]:
    """Upplands-Bro's unsafe places once the demo loaded on start is projected."""
    async with asyncio.timeout(20):
        while True:
            page: dict[str, Any] = (await anonymous.query(UNSAFE, municipality=UB))["places"]
            if len(page["places"]) == 3 and all(p["unsafe"] for p in page["places"]):
                return page
            await asyncio.sleep(0.1)


async def test_anybody_reads_the_demos_unsafe_places_of_upplands_bro(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    anonymous = Client(http, dev_app, None)
    page = await projected_demo_places(anonymous)
    assert [(p["id"], p["kind"]) for p in page["places"]] == [
        ("upplands-bro-bro-centrum", "centrum"),
        ("upplands-bro-centrala-kungsangen", "district"),
        ("upplands-bro-stationsomradet-i-bro", "station"),
    ]
    for place in page["places"]:
        [mark] = place["unsafeHistory"]
        assert mark["unsafe"] and mark["asOf"] == "2018-01-01"
        assert "Upplands-Bro – medborgarlöften" in mark["source"]
    assert (await anonymous.query(UNSAFE, municipality=ARJEPLOG))["places"]["places"] == []


async def test_the_serving_police_area_marks_and_clears_and_another_municipality_is_refused(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    police = Client(http, dev_app, dev_app.token(LPO, "editor"))
    stranger = Client(http, dev_app, dev_app.token(ARJEPLOG, "editor"))
    anonymous = Client(http, dev_app, None)
    await police.ok(
        "registerMunicipalPlace",
        placeId="api-ub-skolgarden",
        municipalityId=UB,
        name="Skolgården",
        kind="school",
        coordinates={"latitude": "59.5", "longitude": "17.64"},
    )
    await police.ok(
        "markPlaceUnsafe",
        placeId="api-ub-skolgarden",
        source="trygghetsvandring",
        asOf="2025-09-10",
    )
    refused = await stranger.command("renamePlace", placeId="api-ub-skolgarden", name="Gården")
    assert refused["__typename"] == "Forbidden" and refused["code"] == "not_a_party"
    cleared = await police.ok(
        "clearPlaceUnsafeMark",
        placeId="api-ub-skolgarden",
        source="trygghetsvandring",
        asOf="2025-11-12",
    )
    place = (
        await anonymous.query(PLACE, id="api-ub-skolgarden", token=cleared["consistencyToken"])
    )["place"]
    assert place == {
        "name": "Skolgården",
        "unsafe": False,
        "formerNames": [],
        "unsafeHistory": [
            {"unsafe": True, "source": "trygghetsvandring", "asOf": "2025-09-10"},
            {"unsafe": False, "source": "trygghetsvandring", "asOf": "2025-11-12"},
        ],
    }
