"""The åtgärdsplaner file (Lag 2023:196): adopted action plans only, one row per plan.

Made from the action-plan read model's public views, which exist only once a version was
adopted by a decision; a row shows the latest adopted version, never a draft: the decision
(who, when, diarienummer), the lägesbild version it rests on, its measures, and the agreement
and promises that implement it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from service.web.open_data.parties import party_cells
from service.web.open_data.promise_files import PARTY_COLUMNS
from service.web.open_data.sources import Sources
from service.web.open_data.spreadsheet import Column

ACTION_PLANS = (
    Column(key="action_plan_id", heading="Åtgärdsplan (id)"),
    Column(key="title", heading="Titel"),
    *PARTY_COLUMNS,
    Column(key="version", heading="Antagen version"),
    Column(key="decided_by", heading="Beslutad av"),
    Column(key="decided_on", heading="Beslutsdatum"),
    Column(key="diarienummer", heading="Diarienummer"),
    Column(key="situation_picture_id", heading="Lägesbild (id)"),
    Column(key="situation_picture_version", heading="Lägesbild (version)"),
    Column(key="measures", heading="Åtgärder"),
    Column(key="agreement_id", heading="Överenskommelse (id)"),
    Column(key="promise_ids", heading="Medborgarlöften (id)"),
)


def action_plan_rows(sources: Sources) -> Iterator[dict[str, Any]]:
    """One row per åtgärdsplan with an adopted version: its latest adopted version."""
    for view in sources.action_plans:
        versions = view.get("versions") or []
        if not versions:
            continue
        latest = versions[-1]
        content, decision = latest.get("content") or {}, latest.get("adopted") or {}
        owners = [view.get("municipality_id"), view.get("police_area_id")]
        yield {
            "action_plan_id": view.get("action_plan_id"),
            "title": content.get("title"),
            **party_cells([str(o) for o in owners if o], sources.directory),
            "version": latest.get("version"),
            "decided_by": decision.get("decided_by"),
            "decided_on": decision.get("decided_on"),
            "diarienummer": decision.get("diarienummer"),
            "situation_picture_id": content.get("situation_picture_id"),
            "situation_picture_version": content.get("situation_picture_version"),
            "measures": [str(m.get("text")) for m in content.get("measures") or []],
            "agreement_id": content.get("agreement_id"),
            "promise_ids": list(content.get("promise_ids") or []),
        }
