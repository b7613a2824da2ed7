"""Checks that command data is well formed; each raises InvalidInput naming the field."""

from __future__ import annotations

import datetime as dt
import re

from events.messages import InvalidInput

_ID = re.compile(r"^[a-z0-9][a-z0-9._:-]{0,127}$")


def require_id(value: str, field_name: str) -> None:
    """An identifier: lower-case letters, digits and . _ : - (at most 128 characters)."""
    if not _ID.match(value):
        raise InvalidInput(
            code="invalid_id",
            message=f"{field_name} must be a lower-case identifier, got {value!r}.",
            field_path=(field_name,),
        )


def require_text(value: str, field_name: str, *, max_length: int = 4000) -> None:
    """Non-blank text of bounded length."""
    if not value.strip():
        raise InvalidInput(
            code="blank_text", message=f"{field_name} must not be blank.", field_path=(field_name,)
        )
    if len(value) > max_length:
        raise InvalidInput(
            code="text_too_long",
            message=f"{field_name} is longer than {max_length} characters.",
            field_path=(field_name,),
        )


def require_choice(value: str, choices: frozenset[str], field_name: str) -> None:
    """One of a fixed set of values."""
    if value not in choices:
        raise InvalidInput(
            code="invalid_choice",
            message=f"{field_name} must be one of {', '.join(sorted(choices))}, got {value!r}.",
            field_path=(field_name,),
        )


def require_unique(values: tuple[str, ...], field_name: str) -> None:
    """No value repeated."""
    if len(set(values)) != len(values):
        raise InvalidInput(
            code="duplicate_values",
            message=f"{field_name} lists a value more than once.",
            field_path=(field_name,),
        )


def require_ordered(start: dt.date | None, end: dt.date | None, field_name: str) -> None:
    """A date range whose end is not before its start (either end may be unknown)."""
    if start is not None and end is not None and end < start:
        raise InvalidInput(
            code="period_reversed",
            message=f"{field_name} ends ({end}) before it starts ({start}).",
            field_path=(field_name,),
        )


def require_not_after(day: dt.date, today: dt.date, field_name: str) -> None:
    """A business date that is not in the future relative to the command's time."""
    if day > today:
        raise InvalidInput(
            code="date_in_future",
            message=f"{field_name} ({day}) is after the command's date ({today}).",
            field_path=(field_name,),
        )
