"""The indicators as the public page and the open-data files show them: baseline → latest by
a day, the trend as an arrow and in Swedish words, only what a published promise links to.
The numbers are made-up test data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from events.codec import to_plain
from events.indicator import (
    INDICATOR,
    IndicatorBaselineSet,
    IndicatorDefined,
    IndicatorLinked,
    IndicatorValueRecorded,
    PeriodValue,
    ValueSource,
)
from events.messages import Event
from service.web.open_data.indicator_file import indicator_rows, value_rows
from service.web.open_data.sources import Sources
from service.web.public.indicator_view import indicator_views
from service.web.public_page import words_for

STATED = ValueSource(stated="Trygghetsenkät (testdata)")
DAY = dt.date(2025, 6, 1)


def document(
    indicator_id: str, *values: tuple[str, str], linked: str = "p1", **define: Any
) -> dict[str, Any]:
    """An indicator's stored document: defined, its first value the baseline, then the rest."""
    events: list[Event] = [
        IndicatorDefined(
            indicator_id=indicator_id,
            municipality_id="org-kommun",
            name=f"Indikator {indicator_id}",
            unit=define.get("unit", "percent"),
            direction=define.get("direction", "decrease"),
            periodicity="year",
            first_period="2023",
            last_period="2025",
        ),
        IndicatorLinked(kind="promise", target_id=linked),
    ]
    for number, (period, value) in enumerate(values):
        shown = PeriodValue(period=period, value=value, source=STATED)
        events.append(
            IndicatorBaselineSet(baseline=shown)
            if number == 0
            else IndicatorValueRecorded(value=shown)
        )
    return {"state": to_plain(INDICATOR.fold(events))}


FELL = document("fell", ("2022", "41.5"), ("2023", "36"))
ROSE = document("rose", ("2022", "20"), ("2024", "25.5"))
FLAT = document("flat", ("2022", "30"), ("2023", "30.0"))
NO_VALUE = document("none", ("2022", "30"), unit="count", direction=None)


def test_the_page_shows_the_movement_as_an_arrow_and_the_trend_in_swedish_words() -> None:
    views = indicator_views([FELL, ROSE, FLAT, NO_VALUE], DAY, words_for("sv"))
    assert [(v.baseline, v.latest, v.arrow, v.trend_label) for v in views] == [
        ("41,5 % (2022)", "36 % (2023)", "↓", "bättre"),
        ("20 % (2022)", "25,5 % (2024)", "↑", "sämre"),
        ("30 % (2022)", "30,0 % (2023)", "→", "oförändrat"),
        ("30 (2022)", "inget värde än", "–", "kan inte bedömas"),
    ]


def test_the_page_in_english_keeps_the_decimal_point() -> None:
    [view] = indicator_views([FELL], DAY, words_for("en"))
    assert (view.baseline, view.trend_label) == ("41.5 % (2022)", "better")


def test_a_value_whose_period_has_not_ended_is_not_yet_the_latest() -> None:
    [view] = indicator_views([ROSE], dt.date(2024, 12, 30), words_for("sv"))
    assert (view.latest, view.trend_label) == ("inget värde än", "kan inte bedömas")


def test_the_open_data_rows_hold_only_indicators_a_published_promise_links_to() -> None:
    unpublished = document("hidden", ("2022", "10"), ("2023", "5"), linked="p-draft")
    sources = Sources(
        promises=[{"promise_id": "p1"}],
        indicators=[FELL, unpublished],
        base_url="https://example.se",
        today=DAY,
    )
    [row] = indicator_rows(sources)
    assert (row["indicator_id"], row["baseline_value"], row["latest_value"]) == ("fell", 41.5, 36.0)
    assert (row["trend"], row["trend_label"], row["as_of"]) == ("better", "bättre", "2025-06-01")
    assert row["page_urls"] == ["https://example.se/p/p1"]
    assert [(v["period"], v["value"], v["baseline"]) for v in value_rows(sources)] == [
        ("2022", 41.5, True),
        ("2023", 36.0, False),
    ]
