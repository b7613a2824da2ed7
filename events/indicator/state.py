"""The folded state of one indicator: its definition, baseline, values and links."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from events.frozen import replace
from events.indicator.events import (
    IndicatorBaselineSet,
    IndicatorDefined,
    IndicatorLinked,
    IndicatorUnlinked,
    IndicatorValueCorrected,
    IndicatorValueRecorded,
    PeriodValue,
)
from events.indicator.periods import period_end
from events.indicator.trend import trend
from events.messages import Event

DEFINED = "defined"


@dataclass(frozen=True, slots=True, kw_only=True)
class IndicatorLink:
    """A promise or an agreement whose expected effect the indicator follows."""

    kind: str
    target_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IndicatorState:
    """One indicator (status none → defined); values in period order."""

    indicator_id: str = ""
    status: str = "none"
    municipality_id: str = ""
    name: str = ""
    unit: str = ""
    direction: str | None = None
    target: str | None = None
    tolerance: str | None = None
    periodicity: str = ""
    first_period: str = ""
    last_period: str = ""
    baseline: PeriodValue | None = None
    former_baselines: tuple[PeriodValue, ...] = ()
    values: tuple[PeriodValue, ...] = ()
    links: tuple[IndicatorLink, ...] = ()

    def value_of(self, period: str) -> PeriodValue | None:
        """The value recorded for `period`, if any."""
        return next((v for v in self.values if v.period == period), None)

    def linked_to(self, kind: str, target_id: str) -> bool:
        """True when the promise or agreement links to this indicator."""
        return IndicatorLink(kind=kind, target_id=target_id) in self.links

    def latest_on(self, day: dt.date) -> PeriodValue | None:
        """The latest value after the baseline's period whose period ended by `day`."""
        if self.baseline is None:
            return None
        after = self.baseline.period
        standing = [v for v in self.values if v.period > after and period_end(v.period) <= day]
        return standing[-1] if standing else None

    def trend_on(self, day: dt.date) -> str:
        """The trend from the baseline to the latest value by `day` (events.indicator.trend)."""
        latest = self.latest_on(day)
        return trend(
            None if self.baseline is None else Decimal(self.baseline.value),
            None if latest is None else Decimal(latest.value),
            self.direction,
            Decimal(self.tolerance) if self.tolerance is not None else Decimal(0),
        )


def _in_order(values: tuple[PeriodValue, ...], value: PeriodValue) -> tuple[PeriodValue, ...]:
    kept = tuple(v for v in values if v.period != value.period)
    return tuple(sorted((*kept, value), key=lambda v: v.period))


def evolve_indicator(state: IndicatorState, event: Event) -> IndicatorState:
    """Fold one indicator event into the state."""
    match event:
        case IndicatorDefined():
            return replace(
                state,
                indicator_id=event.indicator_id,
                status=DEFINED,
                municipality_id=event.municipality_id,
                name=event.name,
                unit=event.unit,
                direction=event.direction,
                target=event.target,
                tolerance=event.tolerance,
                periodicity=event.periodicity,
                first_period=event.first_period,
                last_period=event.last_period,
            )
        case IndicatorBaselineSet():
            former = () if state.baseline is None else (state.baseline,)
            return replace(
                state,
                baseline=event.baseline,
                former_baselines=(*state.former_baselines, *former),
            )
        case IndicatorValueRecorded() | IndicatorValueCorrected():
            return replace(state, values=_in_order(state.values, event.value))
        case IndicatorLinked():
            link = IndicatorLink(kind=event.kind, target_id=event.target_id)
            return replace(state, links=(*state.links, link))
        case IndicatorUnlinked():
            gone = IndicatorLink(kind=event.kind, target_id=event.target_id)
            return replace(state, links=tuple(k for k in state.links if k != gone))
    return state
