"""What the workspace's pages are made of, without a server: the week, the occurrences planned
in it, refusals mapped to form fields, the return path after a login and the page's policy."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st

from service.identity.login import return_path
from service.web.workspace.pages import CSP
from service.web.workspace.views import field_of, planned_between, refusal_of, week_of


@given(st.dates())
def test_the_week_runs_from_the_monday_to_the_sunday_holding_the_day(day: dt.date) -> None:
    monday, sunday = week_of(day)
    assert monday.weekday() == 0 and sunday.weekday() == 6
    assert monday <= day <= sunday and (sunday - monday).days == 6


def promise(*occurrences: tuple[str, str, str, str]) -> dict[str, Any]:
    """Test data: one promise with one plan holding `occurrences` (id, first, last, status)."""
    return {
        "id": "p1",
        "title": "Löftet",
        "plans": [
            {
                "planId": "plan",
                "title": "Insats",
                "occurrences": [
                    {"occurrenceId": o, "startsOn": a, "endsOn": b, "status": s}
                    for o, a, b, s in occurrences
                ],
            }
        ],
    }


def test_only_open_occurrences_touching_the_week_are_planned_this_week_by_their_first_day() -> None:
    monday, sunday = dt.date(2026, 11, 30), dt.date(2026, 12, 6)
    data = promise(
        ("late", "2026-12-06", "2026-12-06", "planned"),
        ("across", "2026-11-28", "2026-11-30", "moved"),
        ("before", "2026-11-29", "2026-11-29", "planned"),
        ("after", "2026-12-07", "2026-12-08", "planned"),
        ("done", "2026-12-01", "2026-12-01", "performed"),
        ("off", "2026-12-02", "2026-12-02", "cancelled"),
    )
    found = planned_between([data], monday, sunday)
    assert [p.occurrence_id for p in found] == ["across", "late"]


def test_a_refusal_links_to_the_form_field_its_path_names_and_otherwise_to_none() -> None:
    assert field_of(["input", "occurredOn"]) == "occurred_on"
    assert field_of(["input", "placeIds", "0"]) == "places"
    assert field_of(["input", "recordId"]) is None
    assert field_of(["commandId"]) is None
    nested = {"commitment": "c_text", "commitment.target.quantity": "c_quantity"}
    assert field_of(["input", "commitment", "target", "quantity"], nested) == "c_quantity"
    assert field_of(["input", "commitment", "target", "unit"], nested) == "c_text"
    assert field_of(["input", "details", "title"], nested) is None
    assert field_of([]) is None
    refused = refusal_of(
        {"__typename": "RuleViolated", "message": "utanför", "field": ["input", "occurredOn"]}
    )
    assert refused is not None and refused.field == "occurred_on"
    assert refusal_of({"__typename": "Forbidden", "message": "nej"}) == type(refused)(
        message="nej", field=None
    )
    assert refusal_of({"__typename": "CommandAccepted", "version": 3}) is None


@given(st.one_of(st.text(max_size=60), st.text(max_size=60).map(lambda s: "/" + s)))
def test_a_login_returns_only_to_a_path_on_this_origin(value: str) -> None:
    back = return_path(value)
    if back is not None:
        parts = urlsplit(back)
        assert back.startswith("/") and not back.startswith("//")
        assert not parts.scheme and not parts.netloc and "\\" not in back
        assert all(ord(c) > 0x20 and c != "\x7f" for c in back)


def test_the_workspace_policy_allows_only_its_own_scripts_styles_and_form_posts() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["form-action"] == "'self'"
    assert directives["default-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CSP
