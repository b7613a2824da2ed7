"""Surveys and measurements (trygghetsenkät, NTU, own count): commands, events, state and
decider, importable from `events.survey` as one name space."""

from events.survey.commands import CorrectSurvey, RecordSurvey, SurveyCommand
from events.survey.decider import (
    KINDS,
    STREAM_PREFIX,
    SURVEY,
    decide_survey,
    survey_not_found,
    survey_stream,
)
from events.survey.events import SURVEY_EVENTS, SurveyCorrected, SurveyRecorded, SurveyResult
from events.survey.state import RECORDED, SurveyState, evolve_survey

__all__ = [
    "KINDS",
    "RECORDED",
    "STREAM_PREFIX",
    "SURVEY",
    "SURVEY_EVENTS",
    "CorrectSurvey",
    "RecordSurvey",
    "SurveyCommand",
    "SurveyCorrected",
    "SurveyRecorded",
    "SurveyResult",
    "SurveyState",
    "decide_survey",
    "evolve_survey",
    "survey_not_found",
    "survey_stream",
]
