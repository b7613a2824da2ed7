"""Indicators (indikatorer) of a municipality and the events of their life.

An indicator is defined once (name, unit, desired direction, optional target and tolerance,
the range of periods it covers), gets a baseline (utgångsvärde) and then one value per period
of its range, each with its source: a result of a recorded survey (survey, question, place) or
a stated source. A promise or an agreement links its expected effect to indicators.
"""

from __future__ import annotations

from dataclasses import dataclass

from events.messages import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class ValueSource:
    """Where a value comes from: a survey result (`survey_id`, `question_id`, and `place_id`
    for a per-place result) or a source stated in words (`stated`); exactly one of the two."""

    survey_id: str | None = None
    question_id: str | None = None
    place_id: str | None = None
    stated: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PeriodValue:
    """The indicator's value (decimal text) for one period, with its source."""

    period: str
    value: str
    source: ValueSource


@dataclass(frozen=True, slots=True, kw_only=True)
class IndicatorDefined(Event):
    """An indicator of a municipality was defined."""

    indicator_id: str
    municipality_id: str
    name: str
    unit: str
    direction: str | None = None
    target: str | None = None
    tolerance: str | None = None
    periodicity: str
    first_period: str
    last_period: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IndicatorBaselineSet(Event):
    """The indicator's baseline (utgångsvärde) was set, or replaced by a new one."""

    baseline: PeriodValue


@dataclass(frozen=True, slots=True, kw_only=True)
class IndicatorValueRecorded(Event):
    """The indicator's value for a period was recorded."""

    value: PeriodValue


@dataclass(frozen=True, slots=True, kw_only=True)
class IndicatorValueCorrected(Event):
    """The value of a period was replaced, for `reason`."""

    value: PeriodValue
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IndicatorLinked(Event):
    """A promise (`kind` "promise") or an agreement ("agreement") links its expected effect to
    the indicator."""

    kind: str
    target_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IndicatorUnlinked(Event):
    """The promise or agreement no longer links to the indicator."""

    kind: str
    target_id: str


INDICATOR_EVENTS: tuple[type[Event], ...] = (
    IndicatorDefined,
    IndicatorBaselineSet,
    IndicatorValueRecorded,
    IndicatorValueCorrected,
    IndicatorLinked,
    IndicatorUnlinked,
)
