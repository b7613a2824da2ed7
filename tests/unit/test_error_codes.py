"""Every error code is documented (docs/errors.md, the schema) and maps to one shape, sv and en."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from events import messages
from schema import error_codes
from schema.i18n.catalogue import translations
from schema.i18n.extract import refusals_in
from schema.refusals import graphql_path, refusal_result

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "errors.md"
DOMAIN_TYPES: dict[str, type[messages.Refusal]] = {
    "NotFound": messages.NotFound,
    "Forbidden": messages.Forbidden,
    "InvalidInput": messages.InvalidInput,
    "RuleViolated": messages.RuleViolated,
}
REGISTRY = {
    "NotFound": error_codes.NOT_FOUND,
    "Forbidden": error_codes.FORBIDDEN,
    "InvalidInput": error_codes.INVALID_INPUT,
    "RuleViolated": error_codes.RULE_VIOLATED,
    "VersionConflict": error_codes.VERSION_CONFLICT,
    "IdempotencyKeyReused": error_codes.IDEMPOTENCY_KEY_REUSED,
}


def templates() -> dict[str, set[str]]:
    """code → the English templates raised with it anywhere in events/ and schema/."""
    found: dict[str, set[str]] = {}
    for folder in ("events", "schema"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for _called, code, message in refusals_in(path.read_text(encoding="utf-8")):
                found.setdefault(code, set()).add(message)
    return found


def documented() -> dict[str, tuple[str, str, str]]:
    """code → (type, sv, en) from the table in docs/errors.md."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip("|").split(" | ")]
            rows[cells[0].strip("`")] = (cells[1], cells[4], cells[5])
    return rows


def test_every_code_the_code_raises_is_documented_and_nothing_else() -> None:
    assert sorted(templates()) == sorted(documented())


def test_the_documented_messages_are_the_catalogues() -> None:
    raised, swedish = templates(), translations("sv")
    for code, (_kind, sv, en) in documented().items():
        assert en in raised[code], (code, en)
        assert sv == swedish.gettext(en), code


def test_the_schema_descriptions_list_each_code_under_its_type() -> None:
    kinds = {code: row[0] for code, row in documented().items()}
    for kind, codes in REGISTRY.items():
        assert list(codes) == sorted(codes), kind
        assert sorted(codes) == sorted(c for c, k in kinds.items() if k == kind), kind


def _example(template: str) -> dict[str, object]:
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    return {name: f"<{name}>" for name in names}


CASES = sorted(
    (code, template)
    for code, found in templates().items()
    if documented().get(code, ("",))[0] in DOMAIN_TYPES
    for template in found
)


@pytest.mark.parametrize(("code", "template"), CASES)
def test_every_refusal_maps_to_its_type_with_its_code_in_swedish_and_english(
    code: str, template: str
) -> None:
    kind = documented()[code][0]
    refusal = DOMAIN_TYPES[kind](
        code=code, message=template, params=_example(template), field_path=("details", "title")
    )
    sv, en = refusal_result(refusal, "sv"), refusal_result(refusal, "en")
    assert type(sv).__name__ == type(en).__name__ == kind
    assert sv.code == en.code == code
    assert en.message == refusal.text().replace("<field>", "details.title")
    assert sv.message == translations("sv").gettext(template).format_map(
        {**_example(template), "field": "details.title"}
    )
    assert "{" not in sv.message and "{" not in en.message
    assert sv.message != en.message


def test_a_field_path_is_separate_segments_from_the_argument_down_in_the_clients_names() -> None:
    assert graphql_path(("details", "period", "valid_to")) == [
        "input",
        "details",
        "period",
        "validTo",
    ]
    assert graphql_path(("content", "focus_areas", 2, "title")) == [
        "input",
        "content",
        "focusAreas",
        "2",
        "title",
    ]
    assert graphql_path(("command_id",)) == ["commandId"]
    assert all("." not in segment for segment in graphql_path(("commitment", "target", "unit")))
