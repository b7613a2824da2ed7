"""Indicators through the served app: Arjeplog's editors record a trygghetsenkät with a result
at a place, an indicator fed by it and linked to the published Arjeplog–Piteå Älvdal promise;
the promise's GraphQL and its public page show baseline → latest with the trend in words.

Every survey number here is made-up TEST DATA (the seed texts give none)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client

ARJEPLOG = "org-arjeplog"
PROMISE_ID = "arjeplog-pitea-alvdal-2023-2024"
QUESTION = "Känner du dig otrygg i centrum när det är mörkt?"

TRENDS = """query($id: ID!, $token: String) {
  promise(id: $id, consistencyToken: $token) {
    indicators(on: "2024-06-01") { indicatorId trend baseline { value } latest { value } }
  }
}"""


def survey(survey_id: str, year: int, centrum: str) -> dict[str, Any]:
    """TEST DATA: a made-up trygghetsenkät of Arjeplog with one result at its centrum."""
    return {
        "surveyId": survey_id,
        "municipalityId": ARJEPLOG,
        "kind": "trygghetsenkat",
        "title": f"Trygghetsenkät {year} (testdata)",
        "conductedFrom": f"{year}-09-01",
        "conductedTo": f"{year}-10-31",
        "method": "Enkät (testdata)",
        "asked": 600,
        "respondents": 250,
        "results": [
            {
                "questionId": "otrygg",
                "question": QUESTION,
                "placeId": "api-arjeplog-centrum",
                "share": centrum,
            }
        ],
    }


async def test_a_promise_shows_baseline_to_latest_and_the_trend_in_graphql_its_page_and_open_data(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    editor = Client(http, dev_app, dev_app.token(ARJEPLOG, "editor"))
    await editor.ok(
        "registerMunicipalPlace",
        placeId="api-arjeplog-centrum",
        municipalityId=ARJEPLOG,
        name="Centrum (testdata)",
        kind="centrum",
    )
    await editor.ok("recordSurvey", **survey("api-enkat-2022", 2022, "41.5"))
    await editor.ok("recordSurvey", **survey("api-enkat-2023", 2023, "36.0"))
    for indicator_id, extra in (
        ("api-otrygga", {"unit": "percent", "direction": "decrease"}),
        ("api-utan-riktning", {"unit": "count"}),
    ):
        await editor.ok(
            "defineIndicator",
            indicatorId=indicator_id,
            municipalityId=ARJEPLOG,
            name=f"Indikator {indicator_id} (testdata)",
            periodicity="year",
            firstPeriod="2023",
            lastPeriod="2024",
            **extra,
        )
        await editor.ok("linkIndicator", indicatorId=indicator_id, promiseId=PROMISE_ID)
    await editor.ok(
        "defineIndicator",
        indicatorId="api-ej-kopplad",
        municipalityId=ARJEPLOG,
        name="Ingen löfte följer den (testdata)",
        unit="count",
        periodicity="year",
        firstPeriod="2023",
        lastPeriod="2024",
    )
    source = {"questionId": "otrygg", "placeId": "api-arjeplog-centrum"}
    await editor.ok(
        "setIndicatorBaseline",
        indicatorId="api-otrygga",
        period="2022",
        source={**source, "surveyId": "api-enkat-2022"},
    )
    last = await editor.ok(
        "recordIndicatorValue",
        indicatorId="api-otrygga",
        period="2023",
        source={**source, "surveyId": "api-enkat-2023"},
    )

    anonymous = Client(http, dev_app, None)
    promise = await anonymous.query(TRENDS, id=PROMISE_ID, token=last["consistencyToken"])
    mine = ("api-otrygga", "api-utan-riktning", "api-ej-kopplad")
    # The module's other test links an indicator of its own to the same promise.
    assert [i for i in promise["promise"]["indicators"] if i["indicatorId"] in mine] == [
        {
            "indicatorId": "api-otrygga",
            "trend": "better",
            "baseline": {"value": "41.5"},
            "latest": {"value": "36.0"},
        },
        {
            "indicatorId": "api-utan-riktning",
            "trend": "not_assessable",
            "baseline": None,
            "latest": None,
        },
    ]

    swedish = (await http.get(f"{dev_app.url}/p/{PROMISE_ID}")).text
    assert "Indikatorer" in swedish
    assert "41,5 % (2022)" in swedish and "36,0 % (2023)" in swedish
    assert '<span class="arrow" aria-hidden="true">↓</span> bättre' in swedish
    assert '<span class="arrow" aria-hidden="true">–</span> kan inte bedömas' in swedish
    english = await http.get(f"{dev_app.url}/p/{PROMISE_ID}", headers={"accept-language": "en"})
    assert "41.5 % (2022)" in english.text
    assert '<span class="arrow" aria-hidden="true">↓</span> better' in english.text

    files = f"{dev_app.url}/open-data"
    rows = (await http.get(f"{files}/indicators.json")).json()["rows"]
    assert [r["indicator_id"] for r in rows if r["indicator_id"] in mine] == [
        "api-otrygga",
        "api-utan-riktning",
    ]
    [row] = [r for r in rows if r["indicator_id"] == "api-otrygga"]
    assert (row["baseline_value"], row["latest_value"], row["trend"], row["trend_label"]) == (
        41.5,
        36.0,
        "better",
        "bättre",
    )
    assert row["promise_ids"] == [PROMISE_ID] and row["municipality_name"] == "Arjeplogs kommun"
    values = (await http.get(f"{files}/indicator-values.json")).json()["rows"]
    assert [
        (v["period"], v["value"], v["baseline"], v["survey_id"])
        for v in values
        if v["indicator_id"] == "api-otrygga"
    ] == [("2022", 41.5, True, "api-enkat-2022"), ("2023", 36.0, False, "api-enkat-2023")]
    excel = (await http.get(f"{files}/indicators.excel.csv")).content.decode("utf-8-sig")
    assert "Utgångsvärde" in excel and "41,5" in excel


async def test_a_new_indicator_value_gives_the_promise_page_a_new_version(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    editor = Client(http, dev_app, dev_app.token(ARJEPLOG, "editor"))
    await editor.ok(
        "defineIndicator",
        indicatorId="api-versioned",
        municipalityId=ARJEPLOG,
        name="Antal anmälda skadegörelser i centrum (testdata)",
        unit="count",
        direction="decrease",
        periodicity="year",
        firstPeriod="2023",
        lastPeriod="2024",
    )
    await editor.ok(
        "setIndicatorBaseline",
        indicatorId="api-versioned",
        period="2022",
        value="12",
        source={"stated": "Polisens statistik (testdata)"},
    )
    linked = await editor.ok("linkIndicator", indicatorId="api-versioned", promiseId=PROMISE_ID)
    anonymous = Client(http, dev_app, None)
    await anonymous.query(TRENDS, id=PROMISE_ID, token=linked["consistencyToken"])
    page = f"{dev_app.url}/p/{PROMISE_ID}"
    before = await http.get(page)
    assert "12 (2022)" in before.text
    tag = before.headers["etag"]
    assert (await http.get(page, headers={"if-none-match": tag})).status_code == 304

    recorded = await editor.ok(
        "recordIndicatorValue",
        indicatorId="api-versioned",
        period="2023",
        value="12",
        source={"stated": "Polisens statistik (testdata)"},
    )
    await anonymous.query(TRENDS, id=PROMISE_ID, token=recorded["consistencyToken"])
    after = await http.get(page, headers={"if-none-match": tag})
    assert after.status_code == 200 and after.headers["etag"] != tag
    assert '<span class="arrow" aria-hidden="true">→</span> oförändrat' in after.text
