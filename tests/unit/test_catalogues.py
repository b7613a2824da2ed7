"""The message catalogues: every refusal and fixed text has Swedish, English is the source."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

import events.promise.state as promise_state
from schema.i18n.catalogue import LANGUAGES, negotiate, po_path, render, translations
from schema.i18n.extract import untranslatable, vocabulary

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = string.Formatter()


def extracted() -> set[tuple[str | None, str]]:
    """(context, msgid) of everything `make messages` extracts, through babel.cfg."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: set[tuple[str | None, str]] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        found.add((context, message if isinstance(message, str) else message[0]))
    return found


def catalogue(language: str) -> Catalog:
    with po_path(language).open("rb") as source:
        return read_po(source, locale=language)


def entries(language: str) -> dict[tuple[str | None, str], str]:
    """(context, msgid) → translation; a plural entry is keyed by its singular msgid and
    translated only when every form is (its forms joined by newlines)."""
    found: dict[tuple[str | None, str], str] = {}
    for m in catalogue(language):
        if not m.id or m.fuzzy:
            continue
        if isinstance(m.id, tuple):
            forms = [str(form) for form in m.string]
            found[(m.context, str(m.id[0]))] = "\n".join(forms) if all(forms) else ""
        else:
            found[(m.context, str(m.id))] = str(m.string)
    return found


def placeholders(text: str) -> set[str]:
    return {f"{name}!{conv}" for _, name, _, conv in PLACEHOLDER.parse(text) if name is not None}


def test_every_message_the_code_can_show_has_a_swedish_translation() -> None:
    swedish = entries("sv")
    missing = sorted(
        (ctx or "", msgid) for ctx, msgid in extracted() if not swedish.get((ctx, msgid))
    )
    assert missing == [], "run `make messages` and translate these in sv: " + repr(missing)


def test_the_catalogues_hold_nothing_the_code_no_longer_says() -> None:
    wanted = extracted()
    for language in LANGUAGES:
        stale = sorted(
            (ctx or "", msgid) for ctx, msgid in entries(language) if (ctx, msgid) not in wanted
        )
        assert stale == [], f"{language}: run `make messages` (obsolete entries {stale!r})"


def test_every_vocabulary_word_has_a_swedish_translation() -> None:
    swedish = entries("sv")
    assert [w for w in vocabulary() if not swedish.get(w)] == []


def test_every_status_a_promise_can_take_is_in_the_vocabulary() -> None:
    constants = {
        value
        for name, value in vars(promise_state).items()
        if name.isupper() and isinstance(value, str) and not name.startswith("STAGE_")
    }
    assert constants - {promise_state.NONE} == set(promise_state.STATUSES)


def test_translations_keep_the_placeholders_of_their_english_template() -> None:
    for language in LANGUAGES:
        for (ctx, msgid), text in entries(language).items():
            if text:
                assert placeholders(text) == placeholders(msgid), (language, ctx, msgid, text)


def test_no_refusal_message_is_built_in_place_where_it_cannot_be_translated() -> None:
    built = {
        str(path.relative_to(ROOT)): lines
        for folder in ("events", "schema")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (lines := untranslatable(path.read_text(encoding="utf-8")))
    }
    assert built == {}, "use a literal message= template with params=: " + repr(built)


def test_a_refusal_template_reads_as_a_municipality_writes_it_in_swedish() -> None:
    from events.messages import Term

    params = {"action": Term("action", "publish"), "status": Term("promise_status", "draft")}
    template = "Cannot {action} a promise that is {status}."
    assert (
        render(template, params, "sv") == "Löftet är ett utkast, så det går inte att publicera nu."
    )
    assert render(template, params, "en") == "Cannot publish a promise that is a draft."


def test_the_catalogue_is_compiled_from_the_po_source_without_a_build_step() -> None:
    assert translations("sv").gettext("The parties cannot change.") == "Parterna kan inte ändras."
    assert translations("en").gettext("The parties cannot change.") == "The parties cannot change."
    with pytest.raises(ValueError):
        translations("de")


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "sv"),
        ("", "sv"),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("sv-SE,sv;q=0.9,en;q=0.8", "sv"),
        ("de-DE, en;q=0.5", "en"),
        ("fr", "sv"),
        ("*", "sv"),
        ("en;q=0, sv;q=0.1", "sv"),
        ("en;q=0.2, sv;q=0.9", "sv"),
        ("en;q=bad", "sv"),
        ("x" * 300, "sv"),
    ],
)
def test_the_language_is_negotiated_from_accept_language_with_swedish_as_default(
    header: str | None, language: str
) -> None:
    assert negotiate(header) == language


def test_the_extraction_config_covers_the_domain_the_schema_and_the_public_page() -> None:
    config = (ROOT / "babel.cfg").read_text(encoding="utf-8")
    for pattern in ("events/**.py", "schema/**.py", *PAGE_MODULES):
        assert re.search(rf"\[\w+: {re.escape(pattern)}\]", config), pattern


PAGE_MODULES = ("service/web/public_page.py", "service/web/errors.py")
WRITTEN = re.compile(r"""\b(?:gettext|N_)\(\s*(["'])((?:(?!\1).)+)\1""")


def test_every_text_a_public_page_translates_is_extracted_even_inside_an_f_string() -> None:
    # Babel does not look inside f-strings: a gettext call there would go untranslated.
    found = {msgid for _ctx, msgid in extracted()}
    for module in PAGE_MODULES:
        source = (ROOT / module).read_text(encoding="utf-8")
        written = {match[2] for match in WRITTEN.finditer(source)}
        assert written, module
        assert sorted(written - found) == [], module
