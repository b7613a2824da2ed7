"""Indicators of a municipality with baselines, values per period, links to promises and
agreements, and the trend rule: importable from `events.indicator` as one name space."""

from events.indicator.commands import (
    CorrectIndicatorValue,
    DefineIndicator,
    IndicatorCommand,
    LinkIndicator,
    RecordIndicatorValue,
    SetIndicatorBaseline,
    UnlinkIndicator,
)
from events.indicator.decider import (
    INDICATOR,
    STREAM_PREFIX,
    UNITS,
    decide_indicator,
    indicator_stream,
)
from events.indicator.events import (
    INDICATOR_EVENTS,
    IndicatorBaselineSet,
    IndicatorDefined,
    IndicatorLinked,
    IndicatorUnlinked,
    IndicatorValueCorrected,
    IndicatorValueRecorded,
    PeriodValue,
    ValueSource,
)
from events.indicator.linking import AGREEMENT, PROMISE
from events.indicator.periods import DAY, PERIODICITIES, YEAR, period_end
from events.indicator.state import DEFINED, IndicatorLink, IndicatorState, evolve_indicator
from events.indicator.trend import (
    BETTER,
    DECREASE,
    DIRECTIONS,
    INCREASE,
    NOT_ASSESSABLE,
    TRENDS,
    UNCHANGED,
    WORSE,
    trend,
)

__all__ = [
    "AGREEMENT",
    "BETTER",
    "DAY",
    "DECREASE",
    "DEFINED",
    "DIRECTIONS",
    "INCREASE",
    "INDICATOR",
    "INDICATOR_EVENTS",
    "NOT_ASSESSABLE",
    "PERIODICITIES",
    "PROMISE",
    "STREAM_PREFIX",
    "TRENDS",
    "UNCHANGED",
    "UNITS",
    "WORSE",
    "YEAR",
    "CorrectIndicatorValue",
    "DefineIndicator",
    "IndicatorBaselineSet",
    "IndicatorCommand",
    "IndicatorDefined",
    "IndicatorLink",
    "IndicatorLinked",
    "IndicatorState",
    "IndicatorUnlinked",
    "IndicatorValueCorrected",
    "IndicatorValueRecorded",
    "LinkIndicator",
    "PeriodValue",
    "RecordIndicatorValue",
    "SetIndicatorBaseline",
    "UnlinkIndicator",
    "ValueSource",
    "decide_indicator",
    "evolve_indicator",
    "indicator_stream",
    "period_end",
    "trend",
]
