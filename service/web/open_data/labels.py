"""The Swedish labels open data writes beside its codes.

These are data, not interface text: a `status_label` column is Swedish for every reader, as
the files are Swedish public records, so the labels live here rather than in the gettext
catalogues. They use the words the public pages use for the same codes. A promise is "ett
löfte" and an agreement "en överenskommelse", hence the two status tables.
"""

from __future__ import annotations

PROMISE_STATUS = {
    "draft": "Utkast",
    "proposed": "Föreslaget",
    "partially_signed": "Delvis undertecknat",
    "signed": "Undertecknat",
    "in_force": "Gällande",
    "expired": "Avslutat",
    "closed": "Avslutat och uppföljt",
    "archived": "Arkiverat",
    "withdrawn": "Återkallat",
    "terminated": "Avslutat i förtid",
    "superseded": "Ersatt",
}

AGREEMENT_STATUS = {
    "draft": "Utkast",
    "proposed": "Föreslagen",
    "partially_signed": "Delvis undertecknad",
    "signed": "Undertecknad",
    "in_force": "Gällande",
    "expired": "Avslutad",
    "ended": "Avslutad",
    "terminated": "Avslutad i förtid",
    "superseded": "Ersatt",
}

PROGRESS_STATUS = {
    "met": "Uppfyllt",
    "partly": "Delvis uppfyllt",
    "not_met": "Ej uppfyllt",
    "no_target": "Inget mätbart mål",
}

FOLLOW_UP_KIND = {"interim": "Delrapport", "final": "Slutrapport"}

PLAN_KIND = {"activity": "Insats", "safety_walk": "Trygghetsvandring"}

OCCURRENCE_STATUS = {
    "planned": "Planerat",
    "moved": "Flyttat",
    "cancelled": "Inställt",
    "performed": "Genomfört",
}

COMPARATOR = {">=": "minst", "<=": "högst", "==": "exakt", "=": "exakt"}

RECORDED_FROM_DOCUMENT = "registrerat från dokument"
"""How a signature entered after the fact from a document is marked (never a live one)."""

DATE_NOT_GIVEN = "datum ej angivet"


FINDING_CATEGORY = {
    "lighting": "Belysning",
    "vegetation": "Vegetation",
    "vandalism": "Skadegörelse",
    "littering": "Nedskräpning",
    "traffic": "Trafik",
    "other": "Annat",
}

FINDING_STATUS = {
    "assigned": "Tilldelad",
    "in_progress": "Påbörjad",
    "done": "Åtgärdad",
    "wont_fix": "Åtgärdas inte",
}


def label(table: dict[str, str], code: object) -> str | None:
    """The Swedish label of `code`; the code itself when the table does not know it."""
    if code is None:
        return None
    return table.get(str(code), str(code))
