"""Commands on an indicator: each names its stream's indicator."""

from __future__ import annotations

from dataclasses import dataclass

from events.indicator.events import ValueSource
from events.messages import Command


@dataclass(frozen=True, slots=True, kw_only=True)
class IndicatorCommand(Command):
    """A command addressed to indicator `indicator_id`."""

    indicator_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DefineIndicator(IndicatorCommand):
    """Define an indicator of a municipality.

    `unit` is percent, count, per_1000 or per_100000; `direction` the desired one (decrease or
    increase; none: the trend cannot be assessed); `target` and `tolerance` decimal text (a
    change within the tolerance counts as unchanged); `periodicity` year or day, and the range
    from `first_period` to `last_period` written that way ("2024" or "2024-03-15").
    """

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
class SetIndicatorBaseline(IndicatorCommand):
    """Set (or replace) the baseline: a period not after the range's last, its value and
    source. Without `value`, a survey source gives it (its share for a percent indicator, its
    count otherwise)."""

    period: str
    value: str | None = None
    source: ValueSource


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordIndicatorValue(IndicatorCommand):
    """Record the value of one period of the indicator's range (once per period; a survey
    source gives the value when `value` is left out, as for the baseline)."""

    period: str
    value: str | None = None
    source: ValueSource


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectIndicatorValue(IndicatorCommand):
    """Replace the recorded value of a period, saying why."""

    period: str
    value: str | None = None
    source: ValueSource
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkIndicator(IndicatorCommand):
    """Link the expected effect of a promise or of an agreement (exactly one) to the
    indicator; by an editor of one of its parties."""

    promise_id: str | None = None
    agreement_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UnlinkIndicator(IndicatorCommand):
    """Remove the link of a promise or of an agreement (exactly one) to the indicator."""

    promise_id: str | None = None
    agreement_id: str | None = None
