"""The survey decider: who records and corrects a municipality's surveys, and every refusal
(each leaves the stream as it was: a refusal decides no events). The numbers are test data."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from events.context import DecisionContext
from events.messages import Event, Forbidden, InvalidInput, NotFound, RuleViolated
from events.place import PLACE, MunicipalPlaceRegistered
from events.survey import (
    SURVEY,
    CorrectSurvey,
    RecordSurvey,
    SurveyCorrected,
    SurveyRecorded,
    SurveyResult,
)
from tests.unit.decider_world import (
    AUDITOR,
    CONTEXT,
    KOMMUN,
    KOMMUN_EDITOR,
    LPO,
    LPO_EDITOR,
    OTHER_KOMMUN,
    OTHER_LPO,
    VIEWER,
    meta,
    principal,
)
from tests.unit.given_when_then import then_refused, when

BRO = PLACE.fold(
    (MunicipalPlaceRegistered(place_id="bro", municipality_id=KOMMUN, name="Bro", kind="centrum"),)
)
ELSEWHERE = PLACE.fold(
    (
        MunicipalPlaceRegistered(
            place_id="elsewhere", municipality_id=OTHER_KOMMUN, name="Torget", kind="centrum"
        ),
    )
)
WITH_PLACES = replace(CONTEXT, linked={"place-bro": BRO, "place-elsewhere": ELSEWHERE})
UNSAFE = SurveyResult(
    question_id="q1", question="Känner du dig otrygg när det är mörkt?", share="31.5"
)
AT_BRO = SurveyResult(
    question_id="q1",
    question="Känner du dig otrygg när det är mörkt?",
    place_id="bro",
    share="42",
    count=84,
    answered=200,
)


def record(**changes: object) -> RecordSurvey:
    # Test data: made-up numbers of a made-up survey.
    command = RecordSurvey(
        survey_id="s1",
        municipality_id=KOMMUN,
        kind="trygghetsenkat",
        title="Trygghetsenkät 2025",
        conducted_from=dt.date(2025, 9, 1),
        conducted_to=dt.date(2025, 10, 15),
        method="Postal questionnaire to a random sample aged 16–84",
        asked=1000,
        respondents=412,
        results=(UNSAFE, AT_BRO),
        **meta(KOMMUN_EDITOR),
    )
    return replace(command, **changes)


RECORDED: tuple[Event, ...] = (
    SurveyRecorded(
        survey_id="s1",
        municipality_id=KOMMUN,
        kind="trygghetsenkat",
        title="Trygghetsenkät 2025",
        conducted_from=dt.date(2025, 9, 1),
        conducted_to=dt.date(2025, 10, 15),
        method="Postal questionnaire to a random sample aged 16–84",
        asked=1000,
        respondents=412,
        results=(UNSAFE, AT_BRO),
    ),
)


def correct(**changes: object) -> CorrectSurvey:
    command = CorrectSurvey(
        survey_id="s1",
        asked=1000,
        respondents=415,
        results=(UNSAFE,),
        reason="Three late answers counted",
        **meta(KOMMUN_EDITOR),
    )
    return replace(command, **changes)


def refused(
    command: object,
    kind: type,
    code: str,
    given: tuple[Event, ...] = (),
    context: DecisionContext = WITH_PLACES,
) -> tuple[str | int, ...]:
    refusal = then_refused(SURVEY, given, command, context, kind, code)
    return refusal.field_path


def test_an_editor_of_the_municipality_records_a_survey_with_per_place_results() -> None:
    assert when(SURVEY, (), record(), WITH_PLACES) == list(RECORDED)


def test_an_editor_of_a_police_area_serving_the_municipality_records_it_with_that_area() -> None:
    events = when(SURVEY, (), record(actor=LPO_EDITOR, police_area_id=LPO), WITH_PLACES)
    assert events == [replace(RECORDED[0], police_area_id=LPO)]


def test_a_survey_names_the_places_of_its_results_as_links() -> None:
    assert SURVEY.links(record()) == ("place-bro",)


def test_a_share_above_100_percent_is_refused_at_the_result() -> None:
    bad = replace(UNSAFE, share="100.5")
    assert refused(record(results=(bad,)), InvalidInput, "share_out_of_range") == (
        "results",
        0,
        "share",
    )


def test_a_negative_share_is_refused_at_the_result() -> None:
    bad = replace(AT_BRO, share="-1")
    path = refused(record(results=(UNSAFE, bad)), InvalidInput, "share_out_of_range")
    assert path == ("results", 1, "share")


def test_a_share_that_is_no_decimal_number_is_refused() -> None:
    bad = replace(UNSAFE, share="31,5")
    assert refused(record(results=(bad,)), InvalidInput, "invalid_decimal") == (
        "results",
        0,
        "share",
    )


def test_more_respondents_than_were_asked_is_refused() -> None:
    assert refused(record(respondents=1001), InvalidInput, "more_respondents_than_asked") == (
        "respondents",
    )


def test_more_answering_a_question_than_answered_the_survey_is_refused() -> None:
    bad = replace(AT_BRO, answered=413)
    path = refused(record(results=(bad,)), InvalidInput, "more_answering_than_respondents")
    assert path == ("results", 0, "answered")


def test_a_negative_count_is_refused() -> None:
    bad = replace(AT_BRO, count=-3)
    assert refused(record(results=(bad,)), InvalidInput, "negative_count") == (
        "results",
        0,
        "count",
    )


def test_a_result_without_share_or_count_is_refused() -> None:
    bad = replace(UNSAFE, share=None)
    assert refused(record(results=(bad,)), InvalidInput, "result_without_value") == ("results", 0)


def test_the_same_question_and_place_twice_is_refused() -> None:
    path = refused(record(results=(AT_BRO, AT_BRO)), InvalidInput, "duplicate_values")
    assert path == ("results", 1)


def test_a_result_at_another_municipalitys_place_is_refused() -> None:
    bad = replace(AT_BRO, place_id="elsewhere")
    path = refused(record(results=(bad,)), RuleViolated, "place_of_another_municipality")
    assert path == ("results", 0, "place_id")


def test_a_result_at_a_place_never_registered_is_refused() -> None:
    bad = replace(AT_BRO, place_id="nowhere")
    assert refused(record(results=(bad,)), NotFound, "place_not_found") == (
        "results",
        0,
        "place_id",
    )


def test_an_unknown_kind_is_refused() -> None:
    assert refused(record(kind="opinion_poll"), InvalidInput, "invalid_choice") == ("kind",)


def test_a_survey_ending_before_it_began_is_refused() -> None:
    path = refused(record(conducted_to=dt.date(2025, 8, 1)), InvalidInput, "period_reversed")
    assert path == ("conducted_to",)


def test_a_survey_conducted_after_the_command_is_refused() -> None:
    path = refused(record(conducted_to=dt.date(2027, 1, 1)), InvalidInput, "date_in_future")
    assert path == ("conducted_to",)


def test_an_editor_of_another_municipality_may_not_record_it() -> None:
    refused(record(actor=principal(OTHER_KOMMUN, "editor")), Forbidden, "not_a_party")


def test_an_editor_of_a_police_area_not_serving_the_municipality_may_not_record_it() -> None:
    refused(record(actor=principal(OTHER_LPO, "editor")), Forbidden, "not_a_party")


def test_a_viewer_may_not_record_a_survey() -> None:
    refused(record(actor=VIEWER), Forbidden, "missing_role")


def test_an_auditor_may_not_record_a_survey() -> None:
    refused(record(actor=AUDITOR), Forbidden, "auditor_read_only")


def test_a_police_area_not_serving_the_municipality_cannot_be_named_with_it() -> None:
    path = refused(record(police_area_id=OTHER_LPO), RuleViolated, "police_area_not_serving")
    assert path == ("police_area_id",)


def test_a_survey_of_no_municipality_is_refused() -> None:
    refused(record(municipality_id=LPO), NotFound, "municipality_not_found")


def test_a_survey_is_recorded_once() -> None:
    refused(record(), RuleViolated, "survey_exists", RECORDED)


def test_a_correction_replaces_the_numbers_and_says_why() -> None:
    assert when(SURVEY, RECORDED, correct(), WITH_PLACES) == [
        SurveyCorrected(
            asked=1000, respondents=415, results=(UNSAFE,), reason="Three late answers counted"
        )
    ]
    state = SURVEY.fold((*RECORDED, *when(SURVEY, RECORDED, correct(), WITH_PLACES)))
    assert (state.respondents, state.corrections) == (415, ("Three late answers counted",))


def test_a_correction_keeps_the_numbers_together() -> None:
    refused(correct(respondents=1200), InvalidInput, "more_respondents_than_asked", RECORDED)


def test_a_correction_of_a_survey_never_recorded_is_refused() -> None:
    refused(correct(), NotFound, "survey_not_found")


def test_a_correction_that_changes_nothing_is_refused() -> None:
    same = correct(respondents=412, results=(UNSAFE, AT_BRO))
    refused(same, RuleViolated, "no_changes", RECORDED)


def test_a_correction_by_another_municipality_is_refused() -> None:
    refused(correct(actor=principal(OTHER_KOMMUN, "editor")), Forbidden, "not_a_party", RECORDED)
