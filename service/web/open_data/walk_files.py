"""The safety-walk files: walks held (trygghetsvandringar) and their findings (brister).

Made from the walks' public views: days, places, organisations, categories, due dates and
status. No free text reaches them (neither a finding's description nor a reason it will not
be fixed), and participants are organisations with their names, free groups only as a count.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from service.web.open_data.labels import FINDING_CATEGORY, FINDING_STATUS, label
from service.web.open_data.sources import Sources
from service.web.open_data.spreadsheet import Column

View = Mapping[str, Any]


def _c(key: str, heading: str) -> Column:
    return Column(key=key, heading=heading)


WALK_COLUMNS = (
    _c("walk_id", "Trygghetsvandring (id)"),
    _c("municipality_id", "Kommun (id)"),
    _c("municipality_name", "Kommun"),
    _c("held_on", "Datum"),
)

WALKS = (
    *WALK_COLUMNS,
    _c("organiser_id", "Arrangör (id)"),
    _c("organiser_name", "Arrangör"),
    _c("participant_ids", "Deltagande organisationer (id)"),
    _c("participant_names", "Deltagande organisationer"),
    _c("other_participants", "Övriga deltagare (antal)"),
    _c("place_ids", "Platser (id)"),
    _c("promise_id", "Löfte (id)"),
    _c("plan_id", "Planerad insats (id)"),
    _c("occurrence_id", "Tillfälle (id)"),
    _c("findings", "Antal brister"),
    _c("findings_fixed", "Åtgärdade brister"),
)

FINDINGS = (
    *WALK_COLUMNS,
    _c("finding_id", "Brist (id)"),
    _c("place_id", "Plats (id)"),
    _c("category", "Kategori (kod)"),
    _c("category_label", "Kategori"),
    _c("owner_id", "Ansvarig (id)"),
    _c("owner_name", "Ansvarig"),
    _c("due_on", "Åtgärdas senast"),
    _c("status", "Status (kod)"),
    _c("status_label", "Status"),
    _c("closed_on", "Avslutad"),
    _c("photo_sha256", "Foto (SHA-256)"),
)


def _walk_cells(view: View, sources: Sources) -> dict[str, Any]:
    municipality = view.get("municipality_id")
    return {
        "walk_id": view.get("walk_id"),
        "municipality_id": municipality,
        "municipality_name": sources.directory.name(municipality),
        "held_on": view.get("held_on"),
    }


def walk_rows(sources: Sources) -> Iterator[dict[str, Any]]:
    """One row per walk held."""
    for view in sources.walks:
        participants = view.get("participants") or []
        organisations = [
            str(p["organisation_id"]) for p in participants if p.get("organisation_id")
        ]
        groups = [p for p in participants if not p.get("organisation_id")]
        planned = view.get("carries_out") or {}
        findings = view.get("findings") or []
        yield {
            **_walk_cells(view, sources),
            "organiser_id": view.get("organiser_id"),
            "organiser_name": sources.directory.name(view.get("organiser_id")),
            "participant_ids": organisations,
            "participant_names": [sources.directory.name(o) or o for o in organisations],
            "other_participants": sum(int(g.get("count") or 0) for g in groups),
            "place_ids": [str(p) for p in view.get("route") or []],
            "promise_id": planned.get("promise_id"),
            "plan_id": planned.get("plan_id"),
            "occurrence_id": planned.get("occurrence_id"),
            "findings": len(findings),
            "findings_fixed": sum(1 for f in findings if f.get("status") == "done"),
        }


def finding_rows(sources: Sources) -> Iterator[dict[str, Any]]:
    """One row per finding of a walk, as it stands; no description and no reason."""
    for view in sources.walks:
        walk = _walk_cells(view, sources)
        for finding in view.get("findings") or []:
            yield {
                **walk,
                "finding_id": finding.get("finding_id"),
                "place_id": finding.get("place_id"),
                "category": finding.get("category"),
                "category_label": label(FINDING_CATEGORY, finding.get("category")),
                "owner_id": finding.get("owner_id"),
                "owner_name": sources.directory.name(finding.get("owner_id")),
                "due_on": finding.get("due_on"),
                "status": finding.get("status"),
                "status_label": label(FINDING_STATUS, finding.get("status")),
                "closed_on": finding.get("closed_on"),
                "photo_sha256": finding.get("photo_sha256"),
            }
