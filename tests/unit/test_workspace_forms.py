"""The record form's own checks, before anything goes to the API: a command id, a commitment or
a planned occasion, a day and a whole number; in Swedish, each linked to its field."""

from __future__ import annotations

from service.web.public_page import words_for
from service.web.workspace.forms import RecordForm, values_of, well_formed

SWEDISH = words_for("sv")


def test_a_complete_form_passes_to_the_api_unchanged() -> None:
    values = RecordForm(command_id="0b8f", commitment="c2", occurred_on="2026-12-04", quantity="12")
    assert well_formed(values, SWEDISH) == []
    occasion = RecordForm(command_id="0b8f", occurrence="plan/plan-1", occurred_on="2026-12-04")
    assert well_formed(occasion, SWEDISH) == []


def test_each_missing_or_malformed_value_is_named_in_swedish_at_its_field() -> None:
    values = RecordForm(command_id="", occurred_on="4/12", quantity="2,5")
    found = {e.field: e.message for e in well_formed(values, SWEDISH)}
    assert found == {
        None: "Formuläret är ofullständigt; öppna det igen.",
        "commitment": "Välj det åtagande som insatsen gällde.",
        "occurred_on": "Ange dagen då insatsen gjordes (år-månad-dag).",
        "quantity": "Ange antalet som ett heltal.",
    }
    for quantity in ("-1", "١", "1e3", " 3"):
        bad = RecordForm(
            command_id="x", commitment="c1", occurred_on="2026-01-01", quantity=quantity
        )
        assert [e.field for e in well_formed(bad, SWEDISH)] == ["quantity"], quantity


def test_a_post_reads_each_field_from_its_control_and_lists_from_every_checked_box() -> None:
    posted = {
        "command_id": [" 0b8f ", "ignored"],
        "commitment": ["c2"],
        "places": ["p1", "", "p2"],
        "performed_by": [],
        "summary": ["Testdata: insats\n"],
        "unknown": ["dropped"],
    }
    values = RecordForm.posted(posted)
    assert values == RecordForm(
        command_id="0b8f", commitment="c2", places=["p1", "p2"], summary="Testdata: insats"
    )
    assert values_of(RecordForm, posted, occurred_on="2026-12-04").occurred_on == "2026-12-04"
