"""The demo's published promises and agreement in open data: the same that anonymous GraphQL
and the public index show, with the seed texts' dates and recorded signatures."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client

PROMISE_2018 = "upplands-bro-2018"
PROMISE_2022 = "medborgarlofte-2022"
PROMISE_2023 = "arjeplog-pitea-alvdal-2023-2024"
AGREEMENT = "upplands-bro-jarfalla-sok"


async def rows(app: RunningApp, http: httpx.AsyncClient, name: str) -> list[dict[str, Any]]:
    response = await http.get(f"{app.url}/open-data/{name}.json")
    assert response.status_code == 200, response.text[:300]
    found: list[dict[str, Any]] = response.json()["rows"]
    return found


async def demo_projected(app: RunningApp, http: httpx.AsyncClient) -> set[str]:
    """Wait until the read models hold the whole demo (it loads as the app starts, and the
    projections follow); return the ids anonymous GraphQL lists then."""
    anonymous = Client(http, app, None)
    async with asyncio.timeout(30):
        while True:
            answer = await anonymous.query("{ promises(first: 100) { promises { id status } } }")
            found = {p["id"]: p["status"] for p in answer["promises"]["promises"]}
            if found.get(PROMISE_2023) == "expired" and found.get(PROMISE_2018) == "expired":
                agreements = {r["agreement_id"] for r in await rows(app, http, "agreements")}
                if AGREEMENT in agreements:
                    return set(found)
            await asyncio.sleep(0.1)


async def test_open_data_lists_the_published_demo_promises_as_graphql_and_the_index_do(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    public = await demo_projected(dev_app, http)
    promises = {r["promise_id"]: r for r in await rows(dev_app, http, "promises")}
    assert set(promises) == public
    assert {PROMISE_2018, PROMISE_2023} <= public and PROMISE_2022 not in public
    index = (await http.get(f"{dev_app.url}/p/")).text
    linked = set(re.findall(r'href="/p/([^"/]+)"', index))
    assert set(promises) == linked
    agreements = {r["agreement_id"] for r in await rows(dev_app, http, "agreements")}
    assert agreements == set(re.findall(r'href="/p/overenskommelse/([^"/]+)"', index))
    for row in promises.values():
        assert row["page_url"].endswith(f"/p/{row['promise_id']}")

    excel = (await http.get(f"{dev_app.url}/open-data/promises.excel.csv")).content.decode()
    listed = csv.DictReader(io.StringIO(excel.removeprefix("\ufeff")), delimiter=";")
    assert {r["Löfte (id)"] for r in listed} == public

    assert (promises[PROMISE_2018]["status"], promises[PROMISE_2018]["status_label"]) == (
        "expired",
        "Avslutat",
    )
    assert promises[PROMISE_2018]["valid_from"] == "2018-01-01"
    assert promises[PROMISE_2023]["published_on"] == "2023-04-27"
    assert promises[PROMISE_2023]["municipality_names"] == ["Arjeplogs kommun"]
    for row in promises.values():
        assert row["signatures"], row["promise_id"]
        assert all("(registrerat från dokument" in s for s in row["signatures"]), row
        assert row["recorded_from_document"] is True


async def test_open_data_lists_the_published_demo_agreement_with_its_date_and_areas(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    await demo_projected(dev_app, http)
    agreements = {r["agreement_id"]: r for r in await rows(dev_app, http, "agreements")}
    assert set(agreements) == {AGREEMENT}
    row = agreements[AGREEMENT]
    assert row["party_names"][0] == "Upplands-Bro kommun"
    assert row["police_area_ids"] == ["org-lpo-jarfalla"]
    assert row["published_on"] == "2021-12-16"
    page = await http.get(dev_app.url + urlsplit(row["page_url"]).path)
    assert page.status_code == 200 and "Våld" in page.text
    assert row["focus_areas"] == [
        "Inget utsatt område i Upplands-Bro",
        "Våld",
        "Trygga offentliga miljöer",
        "Ungdomar i riskzonen",
    ]
    assert len(row["signatures"]) == 2
    assert all("registrerat från dokument" in s for s in row["signatures"])
    # The demo invents no activity and no follow-up.
    assert await rows(dev_app, http, "activities") == []
    assert await rows(dev_app, http, "follow-ups") == []
