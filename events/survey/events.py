"""Surveys and measurements (trygghetsenkät, NTU, own count) and the events of their life.

A survey is recorded once with its results, each for one question and optionally one shared
place of the municipality (events.place): a share in percent written as a decimal ("23.5"),
a count, or both, with how many answered the question where the source says so. A correction
replaces the numbers and results and keeps the former ones in the history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from events.messages import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyResult:
    """One result: question `question_id` (with its text), for `place_id` or the whole
    municipality (None); `share` in percent (0–100, decimal text), `count`, or both;
    `answered` how many answered the question, when known."""

    question_id: str
    question: str
    place_id: str | None = None
    share: str | None = None
    count: int | None = None
    answered: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyRecorded(Event):
    """A survey or measurement was recorded (undersökning registrerad)."""

    survey_id: str
    municipality_id: str
    police_area_id: str | None = None
    kind: str
    title: str
    conducted_from: dt.date
    conducted_to: dt.date
    method: str
    asked: int
    respondents: int
    results: tuple[SurveyResult, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyCorrected(Event):
    """The survey's numbers and results were replaced, for `reason`."""

    asked: int
    respondents: int
    results: tuple[SurveyResult, ...]
    reason: str


SURVEY_EVENTS: tuple[type[Event], ...] = (SurveyRecorded, SurveyCorrected)
