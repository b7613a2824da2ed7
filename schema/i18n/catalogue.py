"""The gettext catalogues (schema/locale/<lang>/LC_MESSAGES/samverkan.po) and language choice.

The .po sources are the only catalogue files: they are compiled in memory the first time a
language is asked for, so a wheel, an editable checkout and the test suite all serve the same
text with no build step. msgids are the English texts (refusal templates with `{name}`
placeholders); Swedish is the default language, English is chosen by `Accept-Language`.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from events.messages import Term

DOMAIN = "samverkan"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
_MAX_PREFERENCES = 20
"""Accept-Language entries read; the rest of a long header is ignored."""


def po_path(language: str) -> Path:
    """The .po source of one language."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(language: str) -> Translations:
    """The compiled catalogue of `language` (one of LANGUAGES), built once per process."""
    if language not in LANGUAGES:
        raise ValueError(f"no catalogue for {language!r}")
    with po_path(language).open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    # Fuzzy entries are drafts a translator has not confirmed: write_mo leaves them out.
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def negotiate(accept_language: str | None) -> str:
    """The language to answer in for an `Accept-Language` header; Swedish when none fits."""
    preferred: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")[:_MAX_PREFERENCES]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag.strip() and tag.strip() != "*" and quality > 0:
            preferred.append((-quality, position, tag.strip().replace("_", "-")))
    tags = [tag for _, _, tag in sorted(preferred)]
    try:
        chosen = Locale.negotiate(tags, list(LANGUAGES), sep="-")
    except (UnknownLocaleError, ValueError):
        chosen = None
    return chosen.language if chosen is not None else DEFAULT_LANGUAGE


def render(message: str, params: Mapping[str, object], language: str) -> str:
    """`message` (an English template) in `language`, with its params filled in.

    Vocabulary words (`Term`) are translated under their kind as context; other params (ids,
    dates, numbers) are shown as they are.
    """
    catalogue = translations(language)
    template = catalogue.gettext(message)
    if not params:
        return template
    filled = {
        name: catalogue.pgettext(value.kind, str(value)) if isinstance(value, Term) else value
        for name, value in params.items()
    }
    return template.format_map(filled)
