"""The agreements file (samverkansöverenskommelser): published agreements only.

Made from the agreements read model's public views, which exist only for agreements every
party signed and that were published. An extension moves the period's end (`valid_to`); the
file counts the extensions beside it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from service.web.open_data.labels import AGREEMENT_STATUS, label
from service.web.open_data.parties import party_cells, publication_cells, signature_cells
from service.web.open_data.promise_files import PARTY_COLUMNS, PERIOD_COLUMNS
from service.web.open_data.sources import Sources
from service.web.open_data.spreadsheet import Column

AGREEMENTS = (
    Column(key="agreement_id", heading="Överenskommelse (id)"),
    Column(key="title", heading="Titel"),
    *PARTY_COLUMNS,
    Column(key="status", heading="Status (kod)"),
    Column(key="status_label", heading="Status"),
    *PERIOD_COLUMNS,
    Column(key="goal", heading="Mål"),
    Column(key="focus_areas", heading="Prioriterade områden"),
    Column(key="published_on", heading="Publicerad"),
    Column(key="publication_channels", heading="Publicerad i"),
    Column(key="publication_urls", heading="Publicerad på (adress)"),
    Column(key="signatures", heading="Underskrifter"),
    Column(key="signed_on", heading="Senast undertecknad"),
    Column(key="recorded_from_document", heading="Registrerad från dokument"),
    Column(key="extensions", heading="Förlängd (gånger)"),
    Column(key="page_url", heading="Sida"),
)


def _content(view: Mapping[str, Any]) -> Mapping[str, Any]:
    content = view.get("content") or (view.get("revision") or {}).get("content")
    return content or {}


def _signatures(view: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = view.get("signatures")
    if found is None:
        found = (view.get("revision") or {}).get("signatures")
    return list(found or [])


def agreement_rows(sources: Sources) -> Iterator[dict[str, Any]]:
    """One row per published agreement."""
    for view in sources.agreements:
        content = _content(view)
        period = view.get("period") or content.get("period") or {}
        yield {
            "agreement_id": view.get("agreement_id"),
            "title": content.get("title"),
            **party_cells(list(content.get("parties") or []), sources.directory),
            "status": view.get("status"),
            "status_label": label(AGREEMENT_STATUS, view.get("status")),
            "period_label": period.get("label"),
            "valid_from": period.get("valid_from"),
            "valid_to": period.get("valid_to"),
            "goal": content.get("goal"),
            "focus_areas": [str(f.get("title")) for f in content.get("focus_areas") or []],
            **publication_cells(list(view.get("publications") or [])),
            **signature_cells(_signatures(view), sources.directory),
            "extensions": len(view.get("extensions") or []),
            "page_url": f"{sources.base_url}/p/overenskommelse/{view.get('agreement_id')}",
        }
