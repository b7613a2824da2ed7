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
    assert promise["promise"]["indicators"] == [
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
    assert [r["indicator_id"] for r in rows if r["indicator_id"].startswith("api-")] == [
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
