"""The trend rule (events.indicator.trend): examples at its edges, properties over any
numbers, and an indicator's trend by a day (IndicatorState.trend_on)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from events.indicator import (
    BETTER,
    NOT_ASSESSABLE,
    UNCHANGED,
    WORSE,
    IndicatorState,
    PeriodValue,
    ValueSource,
    trend,
)

numbers = st.decimals(min_value=-10_000, max_value=10_000, places=2, allow_nan=False)
tolerances = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False)
directions = st.sampled_from(["decrease", "increase"])
FLIPPED = {"decrease": "increase", "increase": "decrease"}
OPPOSITE = {BETTER: WORSE, WORSE: BETTER, UNCHANGED: UNCHANGED}


def test_a_share_that_fell_is_better_when_it_should_decrease() -> None:
    assert trend(Decimal("42.5"), Decimal("38"), "decrease") == BETTER


def test_a_share_that_rose_is_worse_when_it_should_decrease() -> None:
    assert trend(Decimal("42.5"), Decimal("45"), "decrease") == WORSE


def test_a_count_that_rose_is_better_when_it_should_increase() -> None:
    assert trend(Decimal(4), Decimal(9), "increase") == BETTER


def test_equal_values_are_unchanged() -> None:
    assert trend(Decimal("42.5"), Decimal("42.50"), "decrease") == UNCHANGED


def test_a_change_within_the_tolerance_is_unchanged_and_beyond_it_counts() -> None:
    assert trend(Decimal(40), Decimal(38), "decrease", Decimal(2)) == UNCHANGED
    assert trend(Decimal(40), Decimal("37.9"), "decrease", Decimal(2)) == BETTER


def test_without_a_value_after_the_baseline_the_trend_cannot_be_assessed() -> None:
    assert trend(Decimal(40), None, "decrease") == NOT_ASSESSABLE


def test_without_a_baseline_the_trend_cannot_be_assessed() -> None:
    assert trend(None, Decimal(40), "decrease") == NOT_ASSESSABLE


def test_without_a_direction_the_trend_cannot_be_assessed() -> None:
    assert trend(Decimal(40), Decimal(30), None) == NOT_ASSESSABLE


@given(numbers, numbers, directions, tolerances)
def test_swapping_the_direction_swaps_better_and_worse(
    baseline: Decimal, latest: Decimal, direction: str, tolerance: Decimal
) -> None:
    flipped = trend(baseline, latest, FLIPPED[direction], tolerance)
    assert flipped == OPPOSITE[trend(baseline, latest, direction, tolerance)]


@given(numbers, directions, tolerances)
def test_equal_values_are_unchanged_whatever_the_direction_and_tolerance(
    value: Decimal, direction: str, tolerance: Decimal
) -> None:
    assert trend(value, value, direction, tolerance) == UNCHANGED


@given(numbers, numbers, directions, tolerances)
def test_swapping_baseline_and_latest_swaps_better_and_worse(
    baseline: Decimal, latest: Decimal, direction: str, tolerance: Decimal
) -> None:
    backwards = trend(latest, baseline, direction, tolerance)
    assert backwards == OPPOSITE[trend(baseline, latest, direction, tolerance)]


@given(numbers, numbers, directions, tolerances)
def test_a_trend_is_unchanged_exactly_when_the_change_is_within_the_tolerance(
    baseline: Decimal, latest: Decimal, direction: str, tolerance: Decimal
) -> None:
    unchanged = trend(baseline, latest, direction, tolerance) == UNCHANGED
    assert unchanged == (abs(latest - baseline) <= tolerance)


@given(numbers, numbers, directions)
def test_a_wider_tolerance_never_turns_unchanged_into_a_movement(
    baseline: Decimal, latest: Decimal, direction: str
) -> None:
    if trend(baseline, latest, direction, Decimal(1)) == UNCHANGED:
        assert trend(baseline, latest, direction, Decimal(2)) == UNCHANGED


years = st.integers(min_value=2015, max_value=2030)
values = st.decimals(min_value=0, max_value=100, places=1, allow_nan=False)


@given(
    years,
    values,
    st.dictionaries(years, values, max_size=8),
    st.dates(min_value=dt.date(2014, 1, 1), max_value=dt.date(2032, 12, 31)),
    directions,
)
def test_an_indicators_trend_by_a_day_is_the_rule_applied_to_its_baseline_and_latest_ended_value(
    baseline_year: int,
    baseline: Decimal,
    recorded: dict[int, Decimal],
    day: dt.date,
    direction: str,
) -> None:
    source = ValueSource(stated="test data")
    state = IndicatorState(
        status="defined",
        direction=direction,
        baseline=PeriodValue(period=str(baseline_year), value=str(baseline), source=source),
        values=tuple(
            PeriodValue(period=str(year), value=str(value), source=source)
            for year, value in sorted(recorded.items())
        ),
    )
    ended = {y: v for y, v in recorded.items() if baseline_year < y and dt.date(y, 12, 31) <= day}
    latest = state.latest_on(day)
    if not ended:
        assert latest is None and state.trend_on(day) == NOT_ASSESSABLE
    else:
        assert latest is not None and latest.period == str(max(ended))
        assert state.trend_on(day) == trend(baseline, ended[max(ended)], direction)
