"""The indicator decider: defined, given a baseline and values per period, linked to the
expected effect of promises and agreements.

Stream "indicator-<id>". Who defines an indicator and records its baseline and values: an
editor (or signatory) of the municipality or of a police area serving it that day, as for
surveys. Who links it: an editor of a party of the promise or agreement (read through `links`),
which must have the indicator's municipality among its parties. A value taken from a survey
names a result of a recorded survey of the same municipality (read through `links`).
"""

from __future__ import annotations

from decimal import Decimal

from events.context import DecisionContext
from events.decider import Decider
from events.decimal_text import require_decimal
from events.directory.state import MUNICIPALITY
from events.indicator.commands import (
    CorrectIndicatorValue,
    DefineIndicator,
    IndicatorCommand,
    LinkIndicator,
    RecordIndicatorValue,
    SetIndicatorBaseline,
    UnlinkIndicator,
)
from events.indicator.events import (
    INDICATOR_EVENTS,
    IndicatorBaselineSet,
    IndicatorDefined,
    IndicatorValueCorrected,
    IndicatorValueRecorded,
    PeriodValue,
    ValueSource,
)
from events.indicator.linking import decide_link
from events.indicator.periods import PERIODICITIES, require_period
from events.indicator.state import IndicatorState, evolve_indicator
from events.indicator.trend import DIRECTIONS
from events.messages import (
    Command,
    Event,
    NotFound,
    RuleViolated,
    unknown_command,
)
from events.place import require_local_editor
from events.promise.content import AGREEMENT_STREAM_PREFIX
from events.promise.decider import STREAM_PREFIX as PROMISE_STREAM_PREFIX
from events.survey import STREAM_PREFIX as SURVEY_STREAM_PREFIX
from events.survey import SurveyState, survey_not_found
from events.well_formed import invalid_input, require_choice, require_id, require_text

STREAM_PREFIX = "indicator-"
UNITS = frozenset({"percent", "count", "per_1000", "per_100000"})
NAME_MAX = 300


def _not_found(indicator_id: str) -> NotFound:
    return NotFound(
        code="indicator_not_found",
        message="No indicator {indicator} has been defined.",
        params={"indicator": indicator_id},
    )


def _decide_definition(
    command: DefineIndicator, state: IndicatorState, context: DecisionContext
) -> list[Event]:
    require_id(command.indicator_id, "indicator_id")
    if state.status != "none":
        raise RuleViolated(
            code="indicator_exists",
            message="The indicator {indicator} already exists.",
            params={"indicator": command.indicator_id},
        )
    if context.directory.kind_of(command.municipality_id) != MUNICIPALITY:
        raise NotFound(
            code="municipality_not_found",
            message="No municipality {municipality}.",
            params={"municipality": command.municipality_id},
            field_path=("municipality_id",),
        )
    require_local_editor(
        context, command.actor, command.municipality_id, command.day, "define an indicator"
    )
    require_text(command.name, "name", max_length=NAME_MAX, multiline=False)
    require_choice(command.unit, UNITS, "unit")
    if command.direction is not None:
        require_choice(command.direction, DIRECTIONS, "direction")
    if command.target is not None:
        require_decimal(command.target, "target")
    if command.tolerance is not None and require_decimal(command.tolerance, "tolerance") < 0:
        raise invalid_input(
            code="negative_tolerance",
            message="{field} must not be negative, got {value}.",
            path=("tolerance",),
            value=command.tolerance,
        )
    require_choice(command.periodicity, PERIODICITIES, "periodicity")
    require_period(command.first_period, command.periodicity, ("first_period",))
    require_period(command.last_period, command.periodicity, ("last_period",))
    if command.last_period < command.first_period:
        raise invalid_input(
            code="period_reversed",
            message="{field} ({end}) is before the first period ({start}).",
            path=("last_period",),
            start=command.first_period,
            end=command.last_period,
        )
    return [
        IndicatorDefined(
            indicator_id=command.indicator_id,
            municipality_id=command.municipality_id,
            name=command.name,
            unit=command.unit,
            direction=command.direction,
            target=command.target,
            tolerance=command.tolerance,
            periodicity=command.periodicity,
            first_period=command.first_period,
            last_period=command.last_period,
        )
    ]


def _from_survey(
    source: ValueSource, value: str | None, state: IndicatorState, context: DecisionContext
) -> str | None:
    """Check a survey source; the value it gives when `value` is None."""
    assert source.survey_id is not None
    require_id(source.survey_id, ("source", "survey_id"))
    if source.question_id is None:
        raise invalid_input(
            code="blank_text", message="{field} must not be blank.", path=("source", "question_id")
        )
    require_id(source.question_id, ("source", "question_id"))
    if source.place_id is not None:
        require_id(source.place_id, ("source", "place_id"))
    survey = context.linked.get(SURVEY_STREAM_PREFIX + source.survey_id)
    if not isinstance(survey, SurveyState) or survey.status == "none":
        raise survey_not_found(source.survey_id, ("source", "survey_id"))
    if survey.municipality_id != state.municipality_id:
        raise RuleViolated(
            code="survey_of_other_municipality",
            message="The survey {survey} is of {other}, not of {municipality}.",
            params={
                "survey": source.survey_id,
                "other": survey.municipality_id,
                "municipality": state.municipality_id,
            },
            field_path=("source", "survey_id"),
        )
    result = survey.result(source.question_id, source.place_id)
    if result is None:
        raise NotFound(
            code="survey_result_not_found",
            message="The survey {survey} has no result of question {question} for that place.",
            params={"survey": source.survey_id, "question": source.question_id},
            field_path=("source", "question_id"),
        )
    if value is not None:
        return value
    return (
        result.share
        if state.unit == "percent"
        else (None if result.count is None else str(result.count))
    )


def checked_value(
    period: str,
    value: str | None,
    source: ValueSource,
    state: IndicatorState,
    context: DecisionContext,
) -> PeriodValue:
    """The period's value as recorded: its period well formed, one source, the value given or
    taken from the survey result."""
    require_period(period, state.periodicity, ("period",))
    if (source.survey_id is None) == (source.stated is None):
        raise invalid_input(
            code="conflicting_fields",
            message="{field} names a survey result or a source in words: exactly one of them.",
            path=("source",),
        )
    if source.stated is not None:
        require_text(source.stated, ("source", "stated"), max_length=300, multiline=False)
        shown = value
    else:
        shown = _from_survey(source, value, state, context)
    if shown is None:
        raise invalid_input(
            code="value_missing",
            message="{field} is needed: the source gives no value for this indicator's unit.",
            path=("value",),
        )
    require_decimal(shown, "value")
    if state.unit == "percent" and not Decimal(0) <= Decimal(shown) <= Decimal(100):
        raise invalid_input(
            code="share_out_of_range",
            message="{field} must be a percentage from 0 to 100, got {value}.",
            path=("value",),
            value=shown,
        )
    return PeriodValue(period=period, value=shown, source=source)


def _require_in_range(state: IndicatorState, period: str) -> None:
    if not state.first_period <= period <= state.last_period:
        raise RuleViolated(
            code="period_outside_range",
            message="The period {period} lies outside the indicator's range {first}–{last}.",
            params={"period": period, "first": state.first_period, "last": state.last_period},
            field_path=("period",),
        )


def _changeable(command: IndicatorCommand, state: IndicatorState, context: DecisionContext) -> None:
    if state.status == "none":
        raise _not_found(command.indicator_id)
    require_local_editor(
        context, command.actor, state.municipality_id, command.day, "change an indicator"
    )


def _decide_values(
    command: SetIndicatorBaseline | RecordIndicatorValue | CorrectIndicatorValue,
    state: IndicatorState,
    context: DecisionContext,
) -> list[Event]:
    _changeable(command, state, context)
    value = checked_value(command.period, command.value, command.source, state, context)
    if isinstance(command, SetIndicatorBaseline):
        if command.period > state.last_period:
            raise RuleViolated(
                code="period_outside_range",
                message="The baseline's period {period} is after the indicator's last {last}.",
                params={"period": command.period, "last": state.last_period},
                field_path=("period",),
            )
        if value == state.baseline:
            raise RuleViolated(code="no_changes", message="The baseline is already this one.")
        return [IndicatorBaselineSet(baseline=value)]
    _require_in_range(state, command.period)
    recorded = state.value_of(command.period)
    if isinstance(command, RecordIndicatorValue):
        if recorded is not None:
            raise RuleViolated(
                code="indicator_value_exists",
                message="The period {period} has a value; correct it instead.",
                params={"period": command.period},
                field_path=("period",),
            )
        return [IndicatorValueRecorded(value=value)]
    if recorded is None:
        raise NotFound(
            code="indicator_value_not_found",
            message="The period {period} has no value to correct.",
            params={"period": command.period},
            field_path=("period",),
        )
    require_text(command.reason, "reason")
    if recorded == value:
        raise RuleViolated(code="no_changes", message="The period already has this value.")
    return [IndicatorValueCorrected(value=value, reason=command.reason)]


def decide_indicator(
    command: Command, state: IndicatorState, context: DecisionContext
) -> list[Event]:
    """Decide any command on an indicator stream."""
    match command:
        case DefineIndicator():
            return _decide_definition(command, state, context)
        case SetIndicatorBaseline() | RecordIndicatorValue() | CorrectIndicatorValue():
            return _decide_values(command, state, context)
        case LinkIndicator() | UnlinkIndicator():
            if state.status == "none":
                raise _not_found(command.indicator_id)
            return decide_link(command, state, context)
    raise unknown_command(command)


def indicator_stream(command: Command) -> str:
    """The stream an indicator command addresses: "indicator-<indicator_id>"."""
    assert isinstance(command, IndicatorCommand)
    return STREAM_PREFIX + command.indicator_id


def indicator_links(command: Command) -> tuple[str, ...]:
    """The survey a value's source names, or the promise or agreement a link names."""
    match command:
        case SetIndicatorBaseline() | RecordIndicatorValue() | CorrectIndicatorValue():
            survey = command.source.survey_id
            return () if survey is None else (SURVEY_STREAM_PREFIX + survey,)
        case LinkIndicator() | UnlinkIndicator():
            streams = []
            if command.promise_id is not None:
                streams.append(PROMISE_STREAM_PREFIX + command.promise_id)
            if command.agreement_id is not None:
                streams.append(AGREEMENT_STREAM_PREFIX + command.agreement_id)
            return tuple(streams)
    return ()


INDICATOR: Decider[IndicatorState] = Decider(
    name="indicator",
    stream_prefix=STREAM_PREFIX,
    initial_state=IndicatorState(),
    decide=decide_indicator,
    evolve=evolve_indicator,
    command_types=(
        DefineIndicator,
        SetIndicatorBaseline,
        RecordIndicatorValue,
        CorrectIndicatorValue,
        LinkIndicator,
        UnlinkIndicator,
    ),
    event_types=INDICATOR_EVENTS,
    stream_of=indicator_stream,
    links=indicator_links,
)
