"""The indicator files: the indicators published promises link to, and their values.

An indicator is public once a published promise links to it (schema.indicators); its links
here name the published promises only. The latest value and the trend are as of the day the
file is made, by the rule of events.indicator.trend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from events.codec import from_plain
from events.indicator import BETTER, NOT_ASSESSABLE, PROMISE, UNCHANGED, WORSE, IndicatorState
from events.indicator.events import PeriodValue
from events.messages import HOME
from service.web.open_data.sources import Sources
from service.web.open_data.spreadsheet import Column

TREND_LABEL = {
    BETTER: "bättre",
    UNCHANGED: "oförändrat",
    WORSE: "sämre",
    NOT_ASSESSABLE: "kan inte bedömas",
}
"""The trend in Swedish, as the public page writes it."""

INDICATORS = (
    Column(key="indicator_id", heading="Indikator (id)"),
    Column(key="name", heading="Indikator"),
    Column(key="municipality_id", heading="Kommun (id)"),
    Column(key="municipality_name", heading="Kommun"),
    Column(key="unit", heading="Enhet"),
    Column(key="direction", heading="Önskad riktning"),
    Column(key="target", heading="Målvärde"),
    Column(key="tolerance", heading="Tolerans"),
    Column(key="first_period", heading="Första period"),
    Column(key="last_period", heading="Sista period"),
    Column(key="baseline_period", heading="Utgångsvärde, period"),
    Column(key="baseline_value", heading="Utgångsvärde"),
    Column(key="latest_period", heading="Senaste värde, period"),
    Column(key="latest_value", heading="Senaste värde"),
    Column(key="as_of", heading="Per dag"),
    Column(key="trend", heading="Trend (kod)"),
    Column(key="trend_label", heading="Trend"),
    Column(key="promise_ids", heading="Medborgarlöften (id)"),
    Column(key="page_urls", heading="Sidor"),
)

VALUES = (
    Column(key="indicator_id", heading="Indikator (id)"),
    Column(key="name", heading="Indikator"),
    Column(key="period", heading="Period"),
    Column(key="value", heading="Värde"),
    Column(key="unit", heading="Enhet"),
    Column(key="baseline", heading="Utgångsvärde"),
    Column(key="survey_id", heading="Undersökning (id)"),
    Column(key="question_id", heading="Fråga (id)"),
    Column(key="place_id", heading="Plats (id)"),
    Column(key="stated_source", heading="Källa"),
)


def _number(value: PeriodValue | None) -> float | None:
    return None if value is None else float(Decimal(value.value))


def _public(sources: Sources) -> Iterator[tuple[IndicatorState, list[str]]]:
    """Each public indicator with the published promises that link to it."""
    published = {str(view.get("promise_id")) for view in sources.promises}
    for doc in sources.indicators:
        state = from_plain(IndicatorState, doc["state"])
        linked = [k.target_id for k in state.links if k.kind == PROMISE]
        shown = [p for p in linked if p in published]
        if shown:
            yield state, shown


def indicator_rows(sources: Sources) -> Iterator[dict[str, Any]]:
    """One row per public indicator: baseline, latest value by the file's day, trend."""
    day = sources.today or dt.datetime.now(HOME).date()
    for state, promises in _public(sources):
        latest = state.latest_on(day)
        trend = state.trend_on(day)
        yield {
            "indicator_id": state.indicator_id,
            "name": state.name,
            "municipality_id": state.municipality_id,
            "municipality_name": sources.directory.name(state.municipality_id),
            "unit": state.unit,
            "direction": state.direction,
            "target": state.target,
            "tolerance": state.tolerance,
            "first_period": state.first_period,
            "last_period": state.last_period,
            "baseline_period": None if state.baseline is None else state.baseline.period,
            "baseline_value": _number(state.baseline),
            "latest_period": None if latest is None else latest.period,
            "latest_value": _number(latest),
            "as_of": day.isoformat(),
            "trend": trend,
            "trend_label": TREND_LABEL[trend],
            "promise_ids": promises,
            "page_urls": [f"{sources.base_url}/p/{p}" for p in promises],
        }


def _value_row(state: IndicatorState, value: PeriodValue, baseline: bool) -> dict[str, Any]:
    source: Mapping[str, Any] = {
        "survey_id": value.source.survey_id,
        "question_id": value.source.question_id,
        "place_id": value.source.place_id,
        "stated_source": value.source.stated,
    }
    return {
        "indicator_id": state.indicator_id,
        "name": state.name,
        "period": value.period,
        "value": _number(value),
        "unit": state.unit,
        "baseline": baseline,
        **source,
    }


def value_rows(sources: Sources) -> Iterator[dict[str, Any]]:
    """One row per value of a public indicator, its baseline first."""
    for state, _promises in _public(sources):
        if state.baseline is not None:
            yield _value_row(state, state.baseline, True)
        for value in state.values:
            yield _value_row(state, value, False)
