"""A promise's indicators on its public page: each from its baseline to its latest value,
with the trend as an arrow and in words ("bättre", "oförändrat", "sämre", "kan inte
bedömas"), the rule being events.indicator.trend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from events.codec import from_plain
from events.indicator import BETTER, NOT_ASSESSABLE, UNCHANGED, WORSE, IndicatorState
from events.indicator.events import PeriodValue
from service.web.public.present import N_, Words

TREND_LABEL = {
    BETTER: N_("better"),
    UNCHANGED: N_("unchanged"),
    WORSE: N_("worse"),
    NOT_ASSESSABLE: N_("cannot be assessed"),
}
UNIT_SUFFIX = {
    "percent": " %",
    "count": "",
    "per_1000": N_(" per 1,000 inhabitants"),
    "per_100000": N_(" per 100,000 inhabitants"),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class IndicatorView:
    """One indicator as the page shows it."""

    name: str
    baseline: str
    latest: str
    trend: str
    trend_label: str
    arrow: str
    """↓ when the value fell, ↑ when it rose, → when unchanged, – when it cannot be assessed
    (the arrow shows the movement; whether that is better is in `trend_label`)."""


def _number(value: str, words: Words) -> str:
    return value.replace(".", ",") if words.language == "sv" else value


def _value(value: PeriodValue | None, unit: str, words: Words) -> str:
    if value is None:
        return words(N_("no value yet"))
    suffix = UNIT_SUFFIX.get(unit, "")
    shown = _number(value.value, words) + (words(suffix) if unit.startswith("per_") else suffix)
    return words(N_("{value} ({period})"), value=shown, period=value.period)


def _arrow(state: IndicatorState, trend: str, day: dt.date) -> str:
    latest = state.latest_on(day)
    if trend == NOT_ASSESSABLE or latest is None or state.baseline is None:
        return "–"
    if trend == UNCHANGED:
        return "→"
    return "↓" if Decimal(latest.value) < Decimal(state.baseline.value) else "↑"


def indicator_views(
    docs: Iterable[Mapping[str, Any]], day: dt.date, words: Words
) -> tuple[IndicatorView, ...]:
    """Each indicator document from its baseline to its latest value by `day`."""
    views = []
    for doc in docs:
        state = from_plain(IndicatorState, doc["state"])
        trend = state.trend_on(day)
        views.append(
            IndicatorView(
                name=state.name,
                baseline=_value(state.baseline, state.unit, words),
                latest=_value(state.latest_on(day), state.unit, words),
                trend=trend,
                trend_label=words(TREND_LABEL[trend]),
                arrow=_arrow(state, trend, day),
            )
        )
    return tuple(views)
