"""The promise files: promises, commitments with progress, follow-ups, places, activities.

Each is made from published promises' public views only, so it holds what the public pages
show, with the same numbers (progress is the view's own, not counted again here).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from service.web.open_data.labels import (
    COMPARATOR,
    FOLLOW_UP_KIND,
    OCCURRENCE_STATUS,
    PLAN_KIND,
    PROGRESS_STATUS,
    PROMISE_STATUS,
    label,
)
from service.web.open_data.parties import party_cells, publication_cells, signature_cells
from service.web.open_data.sources import Directory, Sources
from service.web.open_data.spreadsheet import Column

View = Mapping[str, Any]


def _c(key: str, heading: str) -> Column:
    return Column(key=key, heading=heading)


PROMISE_ID, TITLE = _c("promise_id", "Löfte (id)"), _c("title", "Titel")
PARTY_COLUMNS = (
    _c("parties", "Parter (id)"),
    _c("party_names", "Parter"),
    _c("municipality_ids", "Kommun (id)"),
    _c("municipality_names", "Kommun"),
    _c("police_area_ids", "Lokalpolisområde (id)"),
    _c("police_area_names", "Lokalpolisområde"),
)
PERIOD_COLUMNS = (
    _c("period_label", "Period"),
    _c("valid_from", "Gäller från"),
    _c("valid_to", "Gäller till"),
)

PROMISES = (
    PROMISE_ID,
    TITLE,
    *PARTY_COLUMNS,
    _c("status", "Status (kod)"),
    _c("status_label", "Status"),
    *PERIOD_COLUMNS,
    _c("revision_no", "Version"),
    _c("agreement_id", "Samverkansöverenskommelse (id)"),
    _c("published_on", "Publicerat"),
    _c("publication_channels", "Publicerat i"),
    _c("publication_urls", "Publicerat på (adress)"),
    _c("signatures", "Underskrifter"),
    _c("signed_on", "Senast undertecknat"),
    _c("recorded_from_document", "Registrerat från dokument"),
    _c("commitments", "Antal åtaganden"),
    _c("page_url", "Sida"),
)

COMMITMENTS = (
    PROMISE_ID,
    TITLE,
    _c("parties", "Parter (id)"),
    _c("party_names", "Parter"),
    *PERIOD_COLUMNS,
    _c("promise_status", "Löftets status (kod)"),
    _c("promise_status_label", "Löftets status"),
    _c("commitment_id", "Åtagande (id)"),
    _c("commitment_text", "Åtagande"),
    _c("focus_area", "Fokusområde"),
    _c("responsible_names", "Ansvariga"),
    _c("place_names", "Platser"),
    _c("target_comparator", "Mål (jämförelse, kod)"),
    _c("target_comparator_label", "Mål (jämförelse)"),
    _c("target_quantity", "Mål (antal)"),
    _c("target_unit", "Mål (enhet)"),
    _c("achieved", "Genomförda"),
    _c("records", "Registrerade insatser"),
    _c("status", "Måluppfyllelse (kod)"),
    _c("status_label", "Måluppfyllelse"),
    _c("colour", "Färg"),
    _c("latest_assessment", "Senaste bedömning (kod)"),
    _c("latest_assessment_label", "Senaste bedömning"),
    _c("latest_comment", "Senaste kommentar"),
)

FOLLOW_UPS = (
    PROMISE_ID,
    TITLE,
    _c("report_id", "Uppföljning (id)"),
    _c("kind", "Slag (kod)"),
    _c("kind_label", "Slag"),
    _c("covers_from", "Avser från"),
    _c("covers_to", "Avser till"),
    _c("published_on", "Publicerad"),
    _c("publication_channel", "Publicerad i"),
    _c("publication_url", "Publicerad på (adress)"),
    _c("approved_by_names", "Godkänd av"),
    _c("commitment_id", "Åtagande (id)"),
    _c("commitment_text", "Åtagande"),
    _c("status", "Bedömning (kod)"),
    _c("status_label", "Bedömning"),
    _c("achieved", "Genomförda"),
    _c("comment", "Kommentar"),
)

PLACES = (
    PROMISE_ID,
    TITLE,
    _c("place_id", "Plats (id)"),
    _c("name", "Plats"),
    _c("kind", "Slag"),
    _c("municipality_id", "Kommun (id)"),
    _c("municipality_name", "Kommun"),
    _c("commitment_ids", "Åtaganden (id)"),
    _c("shared_place_id", "Kommunens plats (id)"),
)

PLANS = (
    PROMISE_ID,
    TITLE,
    _c("plan_id", "Planerad insats (id)"),
    _c("kind", "Slag (kod)"),
    _c("kind_label", "Slag"),
    _c("plan_title", "Planerad insats"),
    _c("commitment_ids", "Åtaganden (id)"),
    _c("place_ids", "Platser (id)"),
    _c("place_names", "Platser"),
    _c("responsible_names", "Ansvariga"),
    _c("partner_names", "Samverkanspartner"),
    _c("planned", "Planerade tillfällen"),
    _c("performed", "Genomförda tillfällen"),
    _c("cancelled", "Inställda tillfällen"),
)
"""Planned activities of published promises: one row per plan, with its occurrences counted
(a cancelled occurrence is not among the planned)."""

OCCURRENCES = (
    PROMISE_ID,
    TITLE,
    _c("plan_id", "Planerad insats (id)"),
    _c("plan_title", "Planerad insats"),
    _c("occurrence_id", "Tillfälle (id)"),
    _c("starts_on", "Från"),
    _c("ends_on", "Till"),
    _c("status", "Läge (kod)"),
    _c("status_label", "Läge"),
    _c("commitment_ids", "Åtaganden (id)"),
)
"""Each planned occurrence: its days and where it stands — never why it was moved or cancelled
(people may be named in a reason)."""

ACTIVITIES = (
    PROMISE_ID,
    TITLE,
    _c("record_id", "Insats (id)"),
    _c("occurred_on", "Datum"),
    _c("commitment_id", "Åtagande (id)"),
    _c("commitment_text", "Åtagande"),
    _c("place_ids", "Platser (id)"),
    _c("place_names", "Platser"),
    _c("quantity", "Antal"),
    _c("unit", "Enhet"),
)
"""Public activity records: when, where, for which commitment, how many. Never the summary
nor who performed it (people may be named there)."""


def _content(view: View) -> Mapping[str, Any]:
    return (view.get("revision") or {}).get("content") or {}


def _details(view: View) -> Mapping[str, Any]:
    return _content(view).get("details") or {}


def _period(view: View) -> dict[str, Any]:
    period = _details(view).get("period") or {}
    return {
        "period_label": period.get("label"),
        "valid_from": period.get("valid_from"),
        "valid_to": period.get("valid_to"),
    }


def _place_names(view: View) -> dict[str, str]:
    return {str(p.get("place_id")): str(p.get("name")) for p in _content(view).get("places") or []}


def _commitment_texts(view: View) -> dict[str, str]:
    return {
        str(c.get("commitment_id")): str(c.get("text"))
        for c in _content(view).get("commitments") or []
    }


def promise_rows(sources: Sources) -> Iterator[dict[str, Any]]:
    """One row per published promise."""
    for view in sources.promises:
        revision = view.get("revision") or {}
        content, details = _content(view), _details(view)
        promise_id = view.get("promise_id")
        yield {
            "promise_id": promise_id,
            "title": details.get("title"),
            **party_cells(list(content.get("parties") or []), sources.directory),
            "status": view.get("status"),
            "status_label": label(PROMISE_STATUS, view.get("status")),
            **_period(view),
            "revision_no": revision.get("revision_no"),
            "agreement_id": details.get("agreement_id"),
            **publication_cells(list(view.get("publications") or [])),
            **signature_cells(list(revision.get("signatures") or []), sources.directory),
            "commitments": len(content.get("commitments") or []),
            "page_url": f"{sources.base_url}/p/{promise_id}",
        }


def commitment_rows(sources: Sources) -> Iterator[dict[str, Any]]:
    """One row per commitment of every published promise, with its progress."""
    directory = sources.directory
    for view in sources.promises:
        content, details = _content(view), _details(view)
        parties = list(content.get("parties") or [])
        focus = {
            str(f.get("focus_area_id")): f.get("title") for f in content.get("focus_areas") or []
        }
        places = _place_names(view)
        progress = {str(p.get("commitment_id")): p for p in view.get("progress") or []}
        for commitment in content.get("commitments") or []:
            cid = str(commitment.get("commitment_id"))
            target = commitment.get("target") or {}
            done = progress.get(cid) or {}
            yield {
                "promise_id": view.get("promise_id"),
                "title": details.get("title"),
                "parties": parties,
                "party_names": [directory.name(p) or p for p in parties],
                **_period(view),
                "promise_status": view.get("status"),
                "promise_status_label": label(PROMISE_STATUS, view.get("status")),
                "commitment_id": cid,
                "commitment_text": commitment.get("text"),
                "focus_area": focus.get(str(commitment.get("focus_area_id"))),
                "responsible_names": _names(commitment.get("responsible_ids"), directory),
                "place_names": [
                    places.get(str(p), str(p)) for p in commitment.get("place_ids") or []
                ],
                "target_comparator": target.get("comparator"),
                "target_comparator_label": label(COMPARATOR, target.get("comparator")),
                "target_quantity": target.get("quantity"),
                "target_unit": target.get("unit"),
                "achieved": done.get("achieved"),
                "records": done.get("records"),
                "status": done.get("status"),
                "status_label": label(PROGRESS_STATUS, done.get("status")),
                "colour": done.get("colour"),
                **_latest_assessment(view, cid),
            }


def _latest_assessment(view: View, commitment_id: str) -> dict[str, Any]:
    """The commitment's assessment in the published follow-up covering the latest period."""
    found: Mapping[str, Any] = {}
    reports = sorted(view.get("follow_ups") or [], key=lambda r: str(r.get("covers_to")))
    for report in reports:
        for assessment in report.get("assessments") or []:
            if str(assessment.get("commitment_id")) == commitment_id:
                found = assessment
    return {
        "latest_assessment": found.get("status"),
        "latest_assessment_label": label(PROGRESS_STATUS, found.get("status")),
        "latest_comment": found.get("comment"),
    }


def _names(ids: Any, directory: Directory) -> list[str]:
    return [directory.name(i) or str(i) for i in ids or []]


def follow_up_rows(sources: Sources) -> Iterator[dict[str, Any]]:
    """One row per assessment in every published follow-up (the view holds no other)."""
    for view in sources.promises:
        texts = _commitment_texts(view)
        for report in view.get("follow_ups") or []:
            if report.get("published") is False:
                continue
            for assessment in report.get("assessments") or []:
                cid = str(assessment.get("commitment_id"))
                yield {
                    "promise_id": view.get("promise_id"),
                    "title": _details(view).get("title"),
                    "report_id": report.get("report_id"),
                    "kind": report.get("kind"),
                    "kind_label": label(FOLLOW_UP_KIND, report.get("kind")),
                    "covers_from": report.get("covers_from"),
                    "covers_to": report.get("covers_to"),
                    "published_on": report.get("published_on"),
                    "publication_channel": report.get("channel"),
                    "publication_url": report.get("url"),
                    "approved_by_names": _names(report.get("approved_by"), sources.directory),
                    "commitment_id": cid,
                    "commitment_text": texts.get(cid, cid),
                    "status": assessment.get("status"),
                    "status_label": label(PROGRESS_STATUS, assessment.get("status")),
                    "achieved": assessment.get("achieved"),
                    "comment": assessment.get("comment"),
                }


def place_rows(sources: Sources) -> Iterator[dict[str, Any]]:
    """One row per place a published promise names."""
    for view in sources.promises:
        commitments = _content(view).get("commitments") or []
        for place in _content(view).get("places") or []:
            pid = str(place.get("place_id"))
            municipality = place.get("municipality_id")
            yield {
                "promise_id": view.get("promise_id"),
                "title": _details(view).get("title"),
                "place_id": pid,
                "name": place.get("name"),
                "kind": place.get("kind"),
                "municipality_id": municipality,
                "municipality_name": sources.directory.name(municipality) if municipality else None,
                "commitment_ids": [
                    str(c.get("commitment_id"))
                    for c in commitments
                    if pid in [str(p) for p in c.get("place_ids") or []]
                ],
                "shared_place_id": (view.get("shared_places") or {}).get(pid),
            }


def activity_rows(sources: Sources) -> Iterator[dict[str, Any]]:
    """One row per public activity record; only the fields named in ACTIVITIES are read."""
    for view in sources.promises:
        texts, places = _commitment_texts(view), _place_names(view)
        units = {
            str(c.get("commitment_id")): (c.get("target") or {}).get("unit")
            for c in _content(view).get("commitments") or []
        }
        for record in view.get("activities") or []:
            if record.get("voided"):
                continue
            cid = str(record.get("commitment_id"))
            place_ids = [str(p) for p in record.get("place_ids") or []]
            yield {
                "promise_id": view.get("promise_id"),
                "title": _details(view).get("title"),
                "record_id": record.get("record_id"),
                "occurred_on": record.get("occurred_on"),
                "commitment_id": cid,
                "commitment_text": texts.get(cid, cid),
                "place_ids": place_ids,
                "place_names": [places.get(p, p) for p in place_ids],
                "quantity": record.get("quantity"),
                "unit": units.get(cid),
            }


def plan_rows(sources: Sources) -> Iterator[dict[str, Any]]:
    """One row per planned activity of a published promise."""
    for view in sources.promises:
        places = _place_names(view)
        for plan in view.get("plans") or []:
            occurrences = plan.get("occurrences") or []
            statuses = [str(o.get("status")) for o in occurrences]
            place_ids = [str(p) for p in plan.get("place_ids") or []]
            yield {
                "promise_id": view.get("promise_id"),
                "title": _details(view).get("title"),
                "plan_id": plan.get("plan_id"),
                "kind": plan.get("kind"),
                "kind_label": label(PLAN_KIND, plan.get("kind")),
                "plan_title": plan.get("title"),
                "commitment_ids": [str(c) for c in plan.get("commitment_ids") or []],
                "place_ids": place_ids,
                "place_names": [places.get(p, p) for p in place_ids],
                "responsible_names": _names(plan.get("responsible_ids"), sources.directory),
                "partner_names": _names(plan.get("partner_ids"), sources.directory),
                "planned": sum(1 for s in statuses if s != "cancelled"),
                "performed": statuses.count("performed"),
                "cancelled": statuses.count("cancelled"),
            }


def occurrence_rows(sources: Sources) -> Iterator[dict[str, Any]]:
    """One row per occurrence of a planned activity of a published promise."""
    for view in sources.promises:
        for plan in view.get("plans") or []:
            for occurrence in plan.get("occurrences") or []:
                yield {
                    "promise_id": view.get("promise_id"),
                    "title": _details(view).get("title"),
                    "plan_id": plan.get("plan_id"),
                    "plan_title": plan.get("title"),
                    "occurrence_id": occurrence.get("occurrence_id"),
                    "starts_on": occurrence.get("starts_on"),
                    "ends_on": occurrence.get("ends_on"),
                    "status": occurrence.get("status"),
                    "status_label": label(OCCURRENCE_STATUS, occurrence.get("status")),
                    "commitment_ids": [str(c) for c in plan.get("commitment_ids") or []],
                }
