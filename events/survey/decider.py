"""The survey decider: a survey or measurement recorded with its results, and corrected.

Stream "survey-<id>". Who records and corrects: an editor (or signatory) of the municipality or
of a police area serving it on the day of the command, as for its shared places
(events.place.may_change_places_of). Results per place name shared places of that
municipality, read through `links`. The numbers hold together: nobody answered who was not
asked (respondents ≤ asked), no question was answered by more than answered at all
(answered ≤ respondents), and a share is a percentage from 0 to 100.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from events.context import DecisionContext
from events.decider import Decider
from events.decimal_text import require_decimal
from events.directory.state import MUNICIPALITY, POLICE_AREA
from events.messages import (
    Command,
    Event,
    FieldPath,
    NotFound,
    RuleViolated,
    unknown_command,
)
from events.place import STREAM_PREFIX as PLACE_STREAM_PREFIX
from events.place import require_local_editor, require_place_of
from events.survey.commands import CorrectSurvey, RecordSurvey, SurveyCommand
from events.survey.events import SURVEY_EVENTS, SurveyCorrected, SurveyRecorded, SurveyResult
from events.survey.state import SurveyState, evolve_survey
from events.well_formed import (
    invalid_input,
    require_choice,
    require_id,
    require_not_after,
    require_ordered,
    require_text,
)

STREAM_PREFIX = "survey-"
KINDS = frozenset({"trygghetsenkat", "ntu", "own_count"})
"""Trygghetsenkät, the national NTU (Nationella trygghetsundersökningen), an own count."""
TITLE_MAX = 300
MAX_RESULTS = 1000
_HUNDRED = Decimal(100)


def _require_count(value: int, path: FieldPath) -> None:
    if value < 0:
        raise invalid_input(
            code="negative_count",
            message="{field} must not be negative, got {value}.",
            path=path,
            value=value,
        )


def check_numbers(asked: int, respondents: int, results: tuple[SurveyResult, ...]) -> None:
    """Counts not negative, respondents ≤ asked, answered ≤ respondents, shares 0–100, every
    result with a share or a count, one result per question and place."""
    _require_count(asked, ("asked",))
    _require_count(respondents, ("respondents",))
    if respondents > asked:
        raise invalid_input(
            code="more_respondents_than_asked",
            message="{field} ({respondents}) is more than were asked ({asked}).",
            path=("respondents",),
            respondents=respondents,
            asked=asked,
        )
    if len(results) > MAX_RESULTS:
        raise invalid_input(
            code="too_many_results",
            message="{field} holds more than {limit} results.",
            path=("results",),
            limit=MAX_RESULTS,
        )
    seen: set[tuple[str, str | None]] = set()
    for index, result in enumerate(results):
        _check_result(result, ("results", index), respondents)
        key = (result.question_id, result.place_id)
        if key in seen:
            raise invalid_input(
                code="duplicate_values",
                message="{field} repeats the result of question {question} for the same place.",
                path=("results", index),
                question=result.question_id,
            )
        seen.add(key)


def _check_result(result: SurveyResult, path: FieldPath, respondents: int) -> None:
    require_id(result.question_id, (*path, "question_id"))
    require_text(result.question, (*path, "question"), max_length=1000)
    if result.place_id is not None:
        require_id(result.place_id, (*path, "place_id"))
    if result.share is None and result.count is None:
        raise invalid_input(
            code="result_without_value",
            message="{field} needs a share, a count or both.",
            path=path,
        )
    if result.share is not None:
        share = require_decimal(result.share, (*path, "share"))
        if not Decimal(0) <= share <= _HUNDRED:
            raise invalid_input(
                code="share_out_of_range",
                message="{field} must be a percentage from 0 to 100, got {value}.",
                path=(*path, "share"),
                value=result.share,
            )
    if result.count is not None:
        _require_count(result.count, (*path, "count"))
    if result.answered is not None:
        _require_count(result.answered, (*path, "answered"))
        if result.answered > respondents:
            raise invalid_input(
                code="more_answering_than_respondents",
                message="{field} ({answered}) is more than answered the survey ({respondents}).",
                path=(*path, "answered"),
                answered=result.answered,
                respondents=respondents,
            )


def check_places(
    results: tuple[SurveyResult, ...], municipality_id: str, context: DecisionContext
) -> None:
    """Every place a result names is a registered shared place of the municipality."""
    for index, result in enumerate(results):
        if result.place_id is not None:
            path: FieldPath = ("results", index, "place_id")
            require_place_of(context, result.place_id, municipality_id, path)


def _check_police_area(command: RecordSurvey, context: DecisionContext, day: dt.date) -> None:
    area = command.police_area_id
    if area is None:
        return
    require_id(area, "police_area_id")
    if context.directory.kind_of(area) != POLICE_AREA:
        raise NotFound(
            code="organisation_not_found",
            message="No organisation {organisation}.",
            params={"organisation": area},
            field_path=("police_area_id",),
        )
    if command.municipality_id not in context.directory.served_municipalities(area, day):
        raise RuleViolated(
            code="police_area_not_serving",
            message="The police area {area} does not serve {municipality}.",
            params={"area": area, "municipality": command.municipality_id},
            field_path=("police_area_id",),
        )


def _decide_record(
    command: RecordSurvey, state: SurveyState, context: DecisionContext
) -> list[Event]:
    require_id(command.survey_id, "survey_id")
    if state.status != "none":
        raise RuleViolated(
            code="survey_exists",
            message="The survey {survey} already exists.",
            params={"survey": command.survey_id},
        )
    if context.directory.kind_of(command.municipality_id) != MUNICIPALITY:
        raise NotFound(
            code="municipality_not_found",
            message="No municipality {municipality}.",
            params={"municipality": command.municipality_id},
            field_path=("municipality_id",),
        )
    day = command.day
    require_local_editor(context, command.actor, command.municipality_id, day, "record a survey")
    _check_police_area(command, context, day)
    require_choice(command.kind, KINDS, "kind")
    require_text(command.title, "title", max_length=TITLE_MAX, multiline=False)
    require_text(command.method, "method")
    require_ordered(command.conducted_from, command.conducted_to, "conducted_to")
    require_not_after(command.conducted_to, day, "conducted_to")
    check_numbers(command.asked, command.respondents, command.results)
    check_places(command.results, command.municipality_id, context)
    return [
        SurveyRecorded(
            survey_id=command.survey_id,
            municipality_id=command.municipality_id,
            police_area_id=command.police_area_id,
            kind=command.kind,
            title=command.title,
            conducted_from=command.conducted_from,
            conducted_to=command.conducted_to,
            method=command.method,
            asked=command.asked,
            respondents=command.respondents,
            results=command.results,
        )
    ]


def _decide_correction(
    command: CorrectSurvey, state: SurveyState, context: DecisionContext
) -> list[Event]:
    if state.status == "none":
        raise survey_not_found(command.survey_id)
    day = command.day
    require_local_editor(context, command.actor, state.municipality_id, day, "correct a survey")
    require_text(command.reason, "reason")
    check_numbers(command.asked, command.respondents, command.results)
    check_places(command.results, state.municipality_id, context)
    if (command.asked, command.respondents, command.results) == (
        state.asked,
        state.respondents,
        state.results,
    ):
        raise RuleViolated(code="no_changes", message="The survey already holds these numbers.")
    return [
        SurveyCorrected(
            asked=command.asked,
            respondents=command.respondents,
            results=command.results,
            reason=command.reason,
        )
    ]


def survey_not_found(survey_id: str, path: FieldPath = ()) -> NotFound:
    """The refusal for a survey that was never recorded."""
    return NotFound(
        code="survey_not_found",
        message="No survey {survey} has been recorded.",
        params={"survey": survey_id},
        field_path=path,
    )


def decide_survey(command: Command, state: SurveyState, context: DecisionContext) -> list[Event]:
    """Decide any command on a survey stream."""
    match command:
        case RecordSurvey():
            return _decide_record(command, state, context)
        case CorrectSurvey():
            return _decide_correction(command, state, context)
    raise unknown_command(command)


def survey_stream(command: Command) -> str:
    """The stream a survey command addresses: "survey-<survey_id>"."""
    assert isinstance(command, SurveyCommand)
    return STREAM_PREFIX + command.survey_id


def place_links(command: Command) -> tuple[str, ...]:
    """The place streams the results name (Decider.links), each once."""
    if not isinstance(command, RecordSurvey | CorrectSurvey):
        return ()
    places = dict.fromkeys(r.place_id for r in command.results if r.place_id is not None)
    return tuple(PLACE_STREAM_PREFIX + p for p in places)


SURVEY: Decider[SurveyState] = Decider(
    name="survey",
    stream_prefix=STREAM_PREFIX,
    initial_state=SurveyState(),
    decide=decide_survey,
    evolve=evolve_survey,
    command_types=(RecordSurvey, CorrectSurvey),
    event_types=SURVEY_EVENTS,
    stream_of=survey_stream,
    links=place_links,
)
