"""Decimal numbers written out as text ("12.5"): exact, so the same number is the same text
and hash everywhere, and never a binary float."""

from __future__ import annotations

import re
from decimal import Decimal

from events.messages import FieldPath, InvalidInput, as_path

_DECIMAL = re.compile(r"-?[0-9]{1,12}(\.[0-9]{1,6})?")


def require_decimal(value: str, field_name: str | FieldPath) -> Decimal:
    """A decimal number written out (at most 12 digits before the point and 6 after); its value."""
    if not _DECIMAL.fullmatch(value):
        path = as_path(field_name)
        raise InvalidInput(
            code="invalid_decimal",
            message="{field} must be a decimal number such as 12.5, got {value!r}.",
            params={"field": ".".join(str(s) for s in path), "value": value},
            field_path=path,
        )
    return Decimal(value)
