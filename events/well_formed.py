"""Checks that command data is well formed; each raises InvalidInput naming the field."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from events.messages import FieldPath, InvalidInput, as_path

_ID = re.compile(r"^[a-z0-9][a-z0-9._:-]{0,127}$")
_LINE_BREAKS = frozenset("\t\n\r")
# Never in a text that is signed or shown to citizens: C0 and C1 controls and DEL (other than
# the line breaks above), bidirectional embeddings, overrides and isolates (they reorder what a
# reader sees against what was signed), zero-width and joining characters that hide differences
# between two texts, line and paragraph separators, and lone surrogates (not text at all).
_NEVER = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2028-\u202e\u2060"
    "\u2066-\u2069\ufeff\ud800-\udfff]"
)
SINGLE_LINE_MAX = 300
"""A text allowed at most this many characters is one line unless its check says otherwise."""


def invalid_input(
    *, code: str, message: str, path: str | FieldPath, **params: object
) -> InvalidInput:
    """An InvalidInput refusal at `path`, its dotted name given to the message as {field}."""
    at = as_path(path)
    named = ".".join(str(segment) for segment in at)
    return InvalidInput(
        code=code, message=message, params={"field": named, **params}, field_path=at
    )


def _refuse(*, code: str, message: str, field: str | FieldPath, **params: object) -> InvalidInput:
    return invalid_input(code=code, message=message, path=field, **params)


def require_id(value: str, field_name: str | FieldPath) -> None:
    """An identifier: lower-case letters, digits and . _ : - (at most 128 characters)."""
    if not _ID.match(value):
        raise _refuse(
            code="invalid_id",
            message=(
                "{field} must be a lower-case identifier (letters, digits and . _ : -), "
                "got {value!r}."
            ),
            field=field_name,
            value=value,
        )


def require_text(
    value: str,
    field_name: str | FieldPath,
    *,
    max_length: int = 4000,
    multiline: bool | None = None,
) -> None:
    """Non-blank text of bounded length, in Unicode NFC, without hidden characters.

    Titles, names, labels and units are one line; descriptions, summaries, comments and
    reasons may hold newlines and tabs. `multiline` None decides by length: a text allowed
    more than SINGLE_LINE_MAX characters may span lines.
    """
    if not value.strip():
        raise _refuse(
            code="blank_text",
            message="{field} must not be blank.",
            field=field_name,
        )
    if len(value) > max_length:
        raise _refuse(
            code="text_too_long",
            message="{field} is longer than {max_length} characters.",
            field=field_name,
            max_length=max_length,
        )
    _require_visible(
        value, field_name, max_length > SINGLE_LINE_MAX if multiline is None else multiline
    )


def _require_visible(value: str, field_name: str | FieldPath, multiline: bool) -> None:
    hidden = _NEVER.search(value)
    if hidden is not None:
        raise _refuse(
            code="invalid_character",
            message="{field} holds the character {character}, which text may not hold.",
            field=field_name,
            character=f"U+{ord(hidden.group()):04X}",
        )
    if not multiline and not _LINE_BREAKS.isdisjoint(value):
        raise _refuse(
            code="single_line_text",
            message="{field} must be one line, without line breaks or tabs.",
            field=field_name,
        )
    # NFC: the same words are the same code points, so the same content hash and signature.
    if not unicodedata.is_normalized("NFC", value):
        raise _refuse(
            code="text_not_normalised",
            message="{field} is not in Unicode normal form C (NFC).",
            field=field_name,
        )


def require_choice(value: str, choices: frozenset[str], field_name: str | FieldPath) -> None:
    """One of a fixed set of values."""
    if value not in choices:
        raise _refuse(
            code="invalid_choice",
            message="{field} must be one of {choices}, got {value!r}.",
            field=field_name,
            choices=", ".join(sorted(choices)),
            value=value,
        )


def require_unique(values: tuple[str, ...], field_name: str | FieldPath) -> None:
    """No value repeated."""
    if len(set(values)) != len(values):
        raise _refuse(
            code="duplicate_values",
            message="{field} lists a value more than once.",
            field=field_name,
        )


def require_ordered(
    start: dt.date | None, end: dt.date | None, field_name: str | FieldPath
) -> None:
    """A date range whose end is not before its start (either end may be unknown)."""
    if start is not None and end is not None and end < start:
        raise _refuse(
            code="period_reversed",
            message="{field} ends ({end}) before it starts ({start}).",
            field=field_name,
            start=start,
            end=end,
        )


def require_not_after(day: dt.date, today: dt.date, field_name: str | FieldPath) -> None:
    """A business date that is not in the future relative to the command's time."""
    if day > today:
        raise _refuse(
            code="date_in_future",
            message="{field} ({day}) is after the command's date ({today}).",
            field=field_name,
            day=day,
            today=today,
        )
