"""Open-data tables as CSV: RFC 4180 with a comma, and a variant that Swedish Excel opens.

Both variants start with a UTF-8 byte order mark, which is how Excel learns that the file is
UTF-8 (without it "Järfälla" arrives as "JÃ¤rfÃ¤lla"). Swedish Excel splits columns on `;`, as
its list separator is `;` where the decimal separator is a comma, so its variant uses `;`,
writes decimals with a comma and heads the columns in Swedish. The comma variant is for
programs: English column keys (the same as the JSON twin's), decimals with a point.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

BOM = "\ufeff"

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, CSV injection)."""

LIST_SEPARATOR = ";"
"""Joins a list inside one cell (the cell is quoted, so this is safe in the `;` variant too)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Column:
    """One column: its key (CSV header and JSON field) and its Swedish heading for Excel."""

    key: str
    heading: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Dialect:
    """How one CSV variant is written."""

    delimiter: str
    decimal_comma: bool
    swedish_headings: bool


COMMA = Dialect(delimiter=",", decimal_comma=False, swedish_headings=False)
"""RFC 4180: comma, CRLF, double quotes; English keys in the header."""

EXCEL = Dialect(delimiter=";", decimal_comma=True, swedish_headings=True)
"""What Excel with Swedish regional settings opens by double-click."""


class CommaDecimal(float):
    """A decimal that `str()` writes with a decimal comma, and that the csv module leaves
    unquoted (a number, so Excel reads it as one)."""

    def __str__(self) -> str:
        return repr(float(self)).replace(".", ",")

    __repr__ = __str__


def csv_cell(value: Any, dialect: Dialect = COMMA) -> Any:
    """One cell: lists joined with ';', None empty, formula-like text prefixed with a quote.

    The quote makes a spreadsheet show the text instead of running it; numbers stay numbers,
    and a decimal takes a comma in the Swedish variant. Booleans are written as words ("ja"
    and "nej" for Excel), never as a bare number.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        value = ("ja" if value else "nej") if dialect.swedish_headings else str(value).lower()
    if isinstance(value, list | tuple):
        value = LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, float) and dialect.decimal_comma:
        return CommaDecimal(value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def to_csv(
    columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], dialect: Dialect = COMMA
) -> bytes:
    """The CSV file, BOM first: a header row, then every text cell quoted and numbers bare."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(
        buffer,
        delimiter=dialect.delimiter,
        lineterminator="\r\n",
        quoting=csv.QUOTE_NONNUMERIC,
    )
    writer.writerow([c.heading if dialect.swedish_headings else c.key for c in columns])
    for row in rows:
        writer.writerow([csv_cell(row.get(c.key), dialect) for c in columns])
    return buffer.getvalue().encode("utf-8")
