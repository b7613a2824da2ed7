"""The trend of an indicator from its baseline to its latest value (trendpil).

One rule, used by the read side everywhere a trend is shown:

* not_assessable: no baseline, no value after the baseline, or no desired direction;
* unchanged: the latest value is within the indicator's tolerance of the baseline (equal
  values when it states none);
* better: it moved beyond the tolerance in the desired direction (down for "decrease", up for
  "increase");
* worse: it moved beyond the tolerance the other way.
"""

from __future__ import annotations

from decimal import Decimal

BETTER = "better"
UNCHANGED = "unchanged"
WORSE = "worse"
NOT_ASSESSABLE = "not_assessable"
TRENDS = (BETTER, UNCHANGED, WORSE, NOT_ASSESSABLE)

DECREASE = "decrease"
INCREASE = "increase"
DIRECTIONS = frozenset({DECREASE, INCREASE})


def trend(
    baseline: Decimal | None,
    latest: Decimal | None,
    direction: str | None,
    tolerance: Decimal = Decimal(0),
) -> str:
    """better, unchanged, worse or not_assessable (the rule in the module's docstring)."""
    if baseline is None or latest is None or direction not in DIRECTIONS:
        return NOT_ASSESSABLE
    change = latest - baseline
    if abs(change) <= tolerance:
        return UNCHANGED
    rose = change > 0
    return BETTER if rose == (direction == INCREASE) else WORSE
