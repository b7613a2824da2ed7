"""The open-data file of åtgärdsplaner: one row per plan with an adopted version, showing that
version and its decision, never a draft (made here from the read model's own public view)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from events.messages import Event
from events.situation import (
    ACTION_PLAN,
    ActionPlanAdopted,
    ActionPlanContent,
    ActionPlanDrafted,
    ActionPlanRevised,
    Decision,
    Measure,
)
from projections.situation import plan_views
from service.web.open_data.action_plan_file import ACTION_PLANS, action_plan_rows
from service.web.open_data.sources import Directory, Sources

UB, LPO = "org-upplands-bro", "org-lpo-jarfalla"
DIRECTORY = Directory(
    organisations={
        UB: {"org_id": UB, "name": "Upplands-Bro kommun", "kind": "municipality"},
        LPO: {"org_id": LPO, "name": "LPO Järfälla", "kind": "police_area"},
    }
)
# Test data: titles, dates and diarienummer made up for the test.
CONTENT = ActionPlanContent(
    title="Åtgärdsplan 2026",
    situation_picture_id="ub-2025",
    situation_picture_version=1,
    measures=(Measure(measure_id="m1", text="Belysning i Bro centrum", responsible_ids=(UB,)),),
    agreement_id="upplands-bro-jarfalla-sok",
    promise_ids=("upplands-bro-2018",),
)
DECISION = Decision(
    decided_by="styrgruppen", decided_on=dt.date(2026, 2, 24), diarienummer="KS 26/19"
)
DRAFTED = ActionPlanDrafted(
    action_plan_id="ub-2026", municipality_id=UB, police_area_id=LPO, content=CONTENT
)


def rows_after(*events: Event) -> list[dict[str, Any]]:
    """The file's rows made from the public view of the plan after `events`."""
    public = plan_views(ACTION_PLAN.fold(events)).get("public")
    views = [] if public is None else [public]
    return list(action_plan_rows(Sources(action_plans=views, directory=DIRECTORY)))


def test_a_plan_never_adopted_is_in_no_row() -> None:
    assert rows_after(DRAFTED) == []


def test_an_adopted_plan_shows_its_latest_adopted_version_not_a_later_draft() -> None:
    later = ActionPlanRevised(version=2, content=replace(CONTENT, title="Utkast 2027"))
    [row] = rows_after(DRAFTED, ActionPlanAdopted(version=1, decision=DECISION), later)
    assert list(row) == [c.key for c in ACTION_PLANS]
    assert (row["version"], row["title"]) == (1, "Åtgärdsplan 2026")
    assert (row["decided_by"], row["decided_on"], row["diarienummer"]) == (
        "styrgruppen",
        "2026-02-24",
        "KS 26/19",
    )
    assert row["municipality_names"] == ["Upplands-Bro kommun"]
    assert row["police_area_names"] == ["LPO Järfälla"]
    assert (row["situation_picture_id"], row["situation_picture_version"]) == ("ub-2025", 1)
    assert row["measures"] == ["Belysning i Bro centrum"]
    assert (row["agreement_id"], row["promise_ids"]) == (
        "upplands-bro-jarfalla-sok",
        ["upplands-bro-2018"],
    )
