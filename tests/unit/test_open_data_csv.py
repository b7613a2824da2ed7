"""Open-data CSV cells that a spreadsheet would run as formulas are neutralised (OWASP)."""

from __future__ import annotations

import csv
import io

import pytest

from service.web.open_data import FIELDS, to_csv

TRIGGERS = ["=1+1", "+1", "-2 möten", "@SUM(A1)", "\tTabbad", "\rRad", '=HYPERLINK("x","y")']


def one_row(**values: object) -> dict[str, object]:
    return {name: values.get(name) for name in FIELDS}


def cells(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("value", TRIGGERS)
def test_a_cell_starting_a_formula_is_prefixed_with_a_quote_and_quoted(value: str) -> None:
    written = to_csv([one_row(title=value, commitment_text=value)])
    [row] = cells(written)
    assert row["title"] == "'" + value
    assert row["commitment_text"] == "'" + value
    assert f"\"'{value[:1]}" in written  # the cell is quoted in the file itself


def test_every_text_field_and_joined_parties_are_neutralised() -> None:
    [row] = cells(to_csv([one_row(parties=["=evil", "org-b"], focus_area="@x", target_unit="-")]))
    assert row["parties"] == "'=evil;org-b"
    assert row["focus_area"] == "'@x"
    assert row["target_unit"] == "'-"


def test_ordinary_text_and_numbers_are_written_as_they_are() -> None:
    [row] = cells(
        to_csv([one_row(title="Trygghet i Bro – 2018", achieved=3, target_quantity=8, records=0)])
    )
    assert row["title"] == "Trygghet i Bro – 2018"
    assert (row["achieved"], row["target_quantity"], row["records"]) == ("3", "8", "0")
    assert row["colour"] == ""
