"""The indicator decider: definition, baseline, values per period, links to promises and
agreements, and every refusal (each leaves the stream as it was). The numbers are test data."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from events.agreement import AGREEMENT
from events.context import DecisionContext
from events.indicator import (
    INDICATOR,
    CorrectIndicatorValue,
    DefineIndicator,
    IndicatorBaselineSet,
    IndicatorDefined,
    IndicatorLinked,
    IndicatorUnlinked,
    IndicatorValueCorrected,
    IndicatorValueRecorded,
    LinkIndicator,
    PeriodValue,
    RecordIndicatorValue,
    SetIndicatorBaseline,
    UnlinkIndicator,
    ValueSource,
)
from events.messages import Event, Forbidden, InvalidInput, NotFound, RuleViolated
from events.promise.decider import PROMISE
from events.promise.state import Publication
from events.survey import SURVEY, SurveyRecorded, SurveyResult
from tests.unit.decider_world import (
    CONTEXT,
    DRAFTED,
    IN_FORCE,
    KOMMUN,
    KOMMUN_EDITOR,
    LPO_EDITOR,
    OTHER_KOMMUN,
    PARTNER,
    VIEWER,
    meta,
    principal,
)
from tests.unit.given_when_then import then_refused, when

# Test data: a made-up survey of the test municipality and one of another.
SURVEY_2025 = SURVEY.fold(
    (
        SurveyRecorded(
            survey_id="s1",
            municipality_id=KOMMUN,
            kind="trygghetsenkat",
            title="Trygghetsenkät 2025",
            conducted_from=dt.date(2025, 9, 1),
            conducted_to=dt.date(2025, 10, 15),
            method="enkät",
            asked=1000,
            respondents=412,
            results=(
                SurveyResult(question_id="q1", question="Otrygg?", place_id="bro", share="42.5"),
                SurveyResult(question_id="q2", question="Antal?", count=17),
            ),
        ),
    )
)
OTHER_SURVEY = replace(SURVEY_2025, municipality_id=OTHER_KOMMUN)
PROMISE_STATE = PROMISE.fold(DRAFTED)
LINKED: dict[str, Any] = {
    "survey-s1": SURVEY_2025,
    "survey-s2": OTHER_SURVEY,
    "promise-p1": PROMISE_STATE,
}
WITH_LINKS = replace(CONTEXT, linked=LINKED)
FROM_SURVEY = ValueSource(survey_id="s1", question_id="q1", place_id="bro")
STATED = ValueSource(stated="Polisens medborgarundersökning")

DEFINED: tuple[Event, ...] = (
    IndicatorDefined(
        indicator_id="i1",
        municipality_id=KOMMUN,
        name="Andel som känner sig otrygga i Bro centrum när det är mörkt",
        unit="percent",
        direction="decrease",
        target="30",
        periodicity="year",
        first_period="2026",
        last_period="2027",
    ),
)
BASELINED: tuple[Event, ...] = (
    *DEFINED,
    IndicatorBaselineSet(baseline=PeriodValue(period="2025", value="42.5", source=FROM_SURVEY)),
)
VALUED: tuple[Event, ...] = (
    *BASELINED,
    IndicatorValueRecorded(value=PeriodValue(period="2026", value="38", source=STATED)),
)


def define(**changes: object) -> DefineIndicator:
    command = DefineIndicator(
        indicator_id="i1",
        municipality_id=KOMMUN,
        name="Andel som känner sig otrygga i Bro centrum när det är mörkt",
        unit="percent",
        direction="decrease",
        target="30",
        periodicity="year",
        first_period="2026",
        last_period="2027",
        **meta(KOMMUN_EDITOR),
    )
    return replace(command, **changes)


def baseline(**changes: object) -> SetIndicatorBaseline:
    command = SetIndicatorBaseline(
        indicator_id="i1", period="2025", source=FROM_SURVEY, **meta(KOMMUN_EDITOR)
    )
    return replace(command, **changes)


def value(**changes: object) -> RecordIndicatorValue:
    command = RecordIndicatorValue(
        indicator_id="i1", period="2026", value="38", source=STATED, **meta(KOMMUN_EDITOR)
    )
    return replace(command, **changes)


def correction(**changes: object) -> CorrectIndicatorValue:
    command = CorrectIndicatorValue(
        indicator_id="i1",
        period="2026",
        value="37",
        source=STATED,
        reason="Weighted anew",
        **meta(KOMMUN_EDITOR),
    )
    return replace(command, **changes)


def link(**changes: object) -> LinkIndicator:
    command = LinkIndicator(indicator_id="i1", promise_id="p1", **meta(KOMMUN_EDITOR))
    return replace(command, **changes)


def refused(
    command: Any,
    kind: type[Any],
    code: str,
    given: tuple[Event, ...] = (),
    context: DecisionContext = WITH_LINKS,
) -> tuple[str | int, ...]:
    return then_refused(INDICATOR, given, command, context, kind, code).field_path


# Defining


def test_an_editor_of_the_municipality_defines_an_indicator() -> None:
    assert when(INDICATOR, (), define(), CONTEXT) == list(DEFINED)


def test_an_indicator_may_count_days_and_have_no_direction() -> None:
    events = when(
        INDICATOR,
        (),
        define(
            periodicity="day", first_period="2026-01-01", last_period="2026-06-30", direction=None
        ),
        CONTEXT,
    )
    assert [type(e) for e in events] == [IndicatorDefined]


def test_an_unknown_unit_is_refused() -> None:
    assert refused(define(unit="kilos"), InvalidInput, "invalid_choice") == ("unit",)


def test_an_unknown_direction_is_refused() -> None:
    assert refused(define(direction="sideways"), InvalidInput, "invalid_choice") == ("direction",)


def test_a_period_not_written_as_its_periodicity_is_refused() -> None:
    assert refused(define(first_period="2026-01-01"), InvalidInput, "invalid_period") == (
        "first_period",
    )


def test_a_range_ending_before_it_begins_is_refused() -> None:
    assert refused(define(last_period="2025"), InvalidInput, "period_reversed") == ("last_period",)


def test_a_negative_tolerance_is_refused() -> None:
    assert refused(define(tolerance="-1"), InvalidInput, "negative_tolerance") == ("tolerance",)


def test_a_target_that_is_no_number_is_refused() -> None:
    assert refused(define(target="trettio"), InvalidInput, "invalid_decimal") == ("target",)


def test_an_indicator_is_defined_once() -> None:
    refused(define(), RuleViolated, "indicator_exists", DEFINED)


def test_another_municipality_may_not_define_the_municipalitys_indicator() -> None:
    refused(define(actor=principal(OTHER_KOMMUN, "editor")), Forbidden, "not_a_party")


# Baseline and values


def test_a_baseline_taken_from_a_survey_result_gets_its_share() -> None:
    assert when(INDICATOR, DEFINED, baseline(), WITH_LINKS) == [BASELINED[-1]]


def test_a_count_indicator_takes_the_results_count() -> None:
    given = (replace(DEFINED[0], unit="count"),)
    source = ValueSource(survey_id="s1", question_id="q2")
    [event] = when(INDICATOR, given, baseline(source=source), WITH_LINKS)
    assert isinstance(event, IndicatorBaselineSet) and event.baseline.value == "17"


def test_a_value_from_a_survey_never_recorded_is_refused() -> None:
    source = replace(FROM_SURVEY, survey_id="s9")
    path = refused(baseline(source=source), NotFound, "survey_not_found", DEFINED)
    assert path == ("source", "survey_id")


def test_a_value_from_another_municipalitys_survey_is_refused() -> None:
    source = replace(FROM_SURVEY, survey_id="s2")
    path = refused(baseline(source=source), RuleViolated, "survey_of_other_municipality", DEFINED)
    assert path == ("source", "survey_id")


def test_a_value_from_a_result_the_survey_does_not_hold_is_refused() -> None:
    source = replace(FROM_SURVEY, place_id=None)
    path = refused(baseline(source=source), NotFound, "survey_result_not_found", DEFINED)
    assert path == ("source", "question_id")


def test_a_source_naming_both_a_survey_and_words_is_refused() -> None:
    source = replace(FROM_SURVEY, stated="enkät")
    assert refused(baseline(source=source), InvalidInput, "conflicting_fields", DEFINED) == (
        "source",
    )


def test_a_stated_source_needs_a_value() -> None:
    assert refused(baseline(source=STATED), InvalidInput, "value_missing", DEFINED) == ("value",)


def test_a_percentage_above_100_is_refused() -> None:
    path = refused(value(value="101"), InvalidInput, "share_out_of_range", BASELINED)
    assert path == ("value",)


def test_a_baseline_after_the_last_period_is_refused() -> None:
    path = refused(baseline(period="2028"), RuleViolated, "period_outside_range", DEFINED)
    assert path == ("period",)


def test_a_value_is_recorded_for_a_period_of_the_range() -> None:
    assert when(INDICATOR, BASELINED, value(), WITH_LINKS) == [VALUED[-1]]


def test_a_value_for_a_period_before_the_range_is_refused() -> None:
    assert refused(value(period="2025"), RuleViolated, "period_outside_range", BASELINED) == (
        "period",
    )


def test_a_value_for_a_period_after_the_range_is_refused() -> None:
    assert refused(value(period="2028"), RuleViolated, "period_outside_range", BASELINED) == (
        "period",
    )


def test_a_second_value_for_the_same_period_is_refused() -> None:
    refused(value(value="36"), RuleViolated, "indicator_value_exists", VALUED)


def test_a_value_is_corrected_explicitly_with_a_reason() -> None:
    assert when(INDICATOR, VALUED, correction(), WITH_LINKS) == [
        IndicatorValueCorrected(
            value=PeriodValue(period="2026", value="37", source=STATED), reason="Weighted anew"
        )
    ]


def test_a_correction_of_a_period_without_value_is_refused() -> None:
    refused(correction(period="2027"), NotFound, "indicator_value_not_found", VALUED)


def test_a_correction_to_the_same_value_is_refused() -> None:
    refused(correction(value="38"), RuleViolated, "no_changes", VALUED)


def test_a_value_for_an_indicator_never_defined_is_refused() -> None:
    refused(value(), NotFound, "indicator_not_found")


def test_a_viewer_may_not_record_a_value() -> None:
    refused(value(actor=VIEWER), Forbidden, "missing_role", BASELINED)


# Links


def test_an_editor_of_a_party_links_the_promise_to_the_indicator() -> None:
    assert when(INDICATOR, DEFINED, link(), WITH_LINKS) == [
        IndicatorLinked(kind="promise", target_id="p1")
    ]


def test_the_police_areas_editor_may_link_it_too() -> None:
    assert when(INDICATOR, DEFINED, link(actor=LPO_EDITOR), WITH_LINKS) == [
        IndicatorLinked(kind="promise", target_id="p1")
    ]


def test_a_link_names_the_promise_stream() -> None:
    assert INDICATOR.links(link()) == ("promise-p1",)


def test_a_non_party_cannot_see_a_draft_promise_to_link() -> None:
    command = link(actor=principal(PARTNER, "editor"))
    assert refused(command, NotFound, "promise_not_found", DEFINED) == ("promise_id",)


def test_a_party_without_an_editing_role_may_not_link() -> None:
    refused(link(actor=VIEWER), Forbidden, "missing_role", DEFINED)


def test_an_indicator_of_a_municipality_not_party_to_the_promise_is_refused() -> None:
    given = (replace(DEFINED[0], municipality_id=OTHER_KOMMUN),)
    refused(link(), RuleViolated, "indicator_of_other_municipality", given)


def test_a_promise_links_an_indicator_once() -> None:
    refused(
        link(),
        RuleViolated,
        "indicator_already_linked",
        (*DEFINED, IndicatorLinked(kind="promise", target_id="p1")),
    )


def test_naming_both_a_promise_and_an_agreement_is_refused() -> None:
    assert refused(link(agreement_id="a1"), InvalidInput, "conflicting_fields", DEFINED) == (
        "promise_id",
    )


def test_an_agreement_never_drafted_is_not_found() -> None:
    context = replace(WITH_LINKS, linked={**LINKED, "agreement-a1": AGREEMENT.initial_state})
    command = link(promise_id=None, agreement_id="a1")
    assert refused(command, NotFound, "agreement_not_found", DEFINED, context) == ("agreement_id",)


def test_an_unlink_removes_the_link() -> None:
    given = (*DEFINED, IndicatorLinked(kind="promise", target_id="p1"))
    command = UnlinkIndicator(indicator_id="i1", promise_id="p1", **meta(KOMMUN_EDITOR))
    events = when(INDICATOR, given, command, WITH_LINKS)
    assert events == [IndicatorUnlinked(kind="promise", target_id="p1")]
    assert INDICATOR.fold((*given, *events)).links == ()


def test_an_unlink_of_a_promise_not_linked_is_refused() -> None:
    command = UnlinkIndicator(indicator_id="i1", promise_id="p1", **meta(KOMMUN_EDITOR))
    refused(command, RuleViolated, "indicator_not_linked", DEFINED)


# The trend as the state gives it


def test_the_trend_compares_the_baseline_with_the_latest_value_by_a_day() -> None:
    state = INDICATOR.fold(VALUED)
    assert state.trend_on(dt.date(2026, 12, 30)) == "not_assessable"
    assert state.trend_on(dt.date(2026, 12, 31)) == "better"
    assert state.latest_on(dt.date(2027, 6, 1)) == PeriodValue(
        period="2026", value="38", source=STATED
    )


def test_a_non_party_may_not_link_a_published_promise() -> None:
    published = replace(
        PROMISE.fold(IN_FORCE),
        publications=(Publication(revision_no=1, channel="web", published_on=None, url=None),),
    )
    context = replace(WITH_LINKS, linked={**LINKED, "promise-p1": published})
    refused(link(actor=principal(PARTNER, "editor")), Forbidden, "not_a_party", DEFINED, context)
