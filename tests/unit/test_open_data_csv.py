"""Open-data CSV: both variants start with a BOM, the Excel one is Swedish and `;`-separated,
and cells that a spreadsheet would run as formulas are neutralised (OWASP)."""

from __future__ import annotations

import csv
import io

import pytest

from service.web.open_data.spreadsheet import BOM, COMMA, EXCEL, Column, Dialect, to_csv

COLUMNS = (
    Column(key="title", heading="Titel"),
    Column(key="parties", heading="Parter (id)"),
    Column(key="achieved", heading="Genomförda"),
    Column(key="share", heading="Andel"),
    Column(key="recorded", heading="Registrerat från dokument"),
    Column(key="comment", heading="Kommentar"),
)
TRIGGERS = ["=1+1", "+1", "-2 möten", "@SUM(A1)", "\tTabbad", "\rRad", '=HYPERLINK("x","y")']


def read(data: bytes, dialect: Dialect) -> list[dict[str, str]]:
    """Parse as a spreadsheet program would: BOM off, the dialect's delimiter."""
    text = data.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=dialect.delimiter))


@pytest.mark.parametrize("dialect", [COMMA, EXCEL], ids=["comma", "excel"])
@pytest.mark.parametrize("value", TRIGGERS)
def test_a_cell_starting_a_formula_is_prefixed_with_a_quote_and_quoted(
    value: str, dialect: Dialect
) -> None:
    written = to_csv(COLUMNS, [{"title": value, "comment": value}], dialect)
    [row] = read(written, dialect)
    title, comment = ("Titel", "Kommentar") if dialect is EXCEL else ("title", "comment")
    assert row[title] == "'" + value
    assert row[comment] == "'" + value
    assert f"\"'{value[:1]}" in written.decode("utf-8")  # quoted in the file itself


@pytest.mark.parametrize("dialect", [COMMA, EXCEL], ids=["comma", "excel"])
def test_a_list_whose_first_item_starts_a_formula_is_neutralised(dialect: Dialect) -> None:
    [row] = read(to_csv(COLUMNS, [{"parties": ["=evil", "org-b"]}], dialect), dialect)
    assert next(iter(row.values())) == ""  # the title is empty
    assert "'=evil;org-b" in row.values()


def test_the_excel_variant_is_semicolon_separated_with_swedish_headings_and_decimal_comma() -> None:
    rows = [
        {
            "title": "Trygghet i Järfälla; Bro",
            "parties": ["org-upplands-bro", "org-lpo-jarfalla"],
            "achieved": 3,
            "share": 0.375,
            "recorded": True,
            "comment": "Tre av minst åtta, 37,5 %",
        }
    ]
    written = to_csv(COLUMNS, rows, EXCEL)
    text = written.decode("utf-8")
    assert text.startswith(BOM + '"Titel";"Parter (id)";"Genomförda";"Andel";')
    assert ";3;0,375;" in text  # numbers bare, the decimal with a comma
    [row] = read(written, EXCEL)
    assert row == {
        "Titel": "Trygghet i Järfälla; Bro",
        "Parter (id)": "org-upplands-bro;org-lpo-jarfalla",
        "Genomförda": "3",
        "Andel": "0,375",
        "Registrerat från dokument": "ja",
        "Kommentar": "Tre av minst åtta, 37,5 %",
    }


def test_the_comma_variant_keeps_english_keys_a_decimal_point_and_crlf_lines() -> None:
    written = to_csv(COLUMNS, [{"title": "Bro", "achieved": 0, "share": 1.5, "recorded": False}])
    text = written.decode("utf-8")
    assert text.startswith(BOM + '"title","parties","achieved","share","recorded","comment"\r\n')
    assert text.endswith('"Bro","",0,1.5,"false",""\r\n')
    [row] = read(written, COMMA)
    assert (row["achieved"], row["share"], row["recorded"]) == ("0", "1.5", "false")


def test_ordinary_text_and_numbers_are_written_as_they_are() -> None:
    [row] = read(to_csv(COLUMNS, [{"title": "Trygghet i Bro – 2018", "achieved": 8}]), COMMA)
    assert (row["title"], row["achieved"], row["comment"]) == ("Trygghet i Bro – 2018", "8", "")
