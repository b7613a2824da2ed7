"""Plurals of the units commitments count in (enhet: "insats", "möte", "nattvandring").

A unit is the municipality's own word, stored in the singular as the promise writes it, so
its plural is Swedish whatever language the page's own texts are in. The table holds the
words promises use; a compound takes the plural of its last known part ("nattvandring" like
"vandring"); an unknown word is shown as written rather than guessed.
"""

from __future__ import annotations

PLURALS = {
    "aktivitet": "aktiviteter",
    "besök": "besök",
    "dialog": "dialoger",
    "dialogmöte": "dialogmöten",
    "gång": "gånger",
    "insats": "insatser",
    "kontroll": "kontroller",
    "kväll": "kvällar",
    "möte": "möten",
    "patrull": "patruller",
    "rapport": "rapporter",
    "samtal": "samtal",
    "st": "st",
    "stycken": "stycken",
    "tillfälle": "tillfällen",
    "träff": "träffar",
    "utbildning": "utbildningar",
    "vandring": "vandringar",
    "åtgärd": "åtgärder",
}


def plural(unit: str) -> str:
    """The plural of `unit`; the word as written when it is not a known one."""
    word = unit.strip()
    lower = word.lower()
    if lower in PLURALS:
        many = PLURALS[lower]
        return many if word == lower else word[0] + many[1:]
    for singular, many in PLURALS.items():
        if lower.endswith(singular) and len(lower) > len(singular):
            return word[: len(word) - len(singular)] + many
    return word


def counted(quantity: int, unit: str | None) -> str:
    """`quantity` and the unit in the number it takes: "1 insats", "8 insatser"."""
    if not unit:
        return str(quantity)
    return f"{quantity} {unit if quantity == 1 else plural(unit)}"
