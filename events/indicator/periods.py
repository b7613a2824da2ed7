"""An indicator's periods: years ("2024") or days ("2024-03-15"), one kind per indicator.

Written out so that text order is time order within one kind; a value stands for its period
as of the period's last day (31 December for a year).
"""

from __future__ import annotations

import datetime as dt
import re

from events.messages import FieldPath, InvalidInput

YEAR = "year"
DAY = "day"
PERIODICITIES = frozenset({YEAR, DAY})
_YEAR = re.compile(r"[12][0-9]{3}")


def require_period(text: str, periodicity: str, path: FieldPath) -> None:
    """A year as four digits, or a day as YYYY-MM-DD, as the indicator counts."""
    if periodicity == YEAR and _YEAR.fullmatch(text):
        return
    if periodicity == DAY and len(text) == 10:
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            pass
        else:
            return
    example = "2024" if periodicity == YEAR else "2024-03-15"
    raise InvalidInput(
        code="invalid_period",
        message="{field} must be written like {example}, got {value!r}.",
        params={
            "field": ".".join(str(s) for s in path),
            "example": example,
            "value": text,
        },
        field_path=path,
    )


def period_end(text: str) -> dt.date:
    """The last day of a period: 31 December of a year, or the day itself."""
    if len(text) == 4:
        return dt.date(int(text), 12, 31)
    return dt.date.fromisoformat(text)
