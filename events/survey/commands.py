"""Commands on a survey or measurement (trygghetsenkät, NTU, own count): each names its
stream's survey."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from events.messages import Command
from events.survey.events import SurveyResult


@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyCommand(Command):
    """A command addressed to survey `survey_id`."""

    survey_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordSurvey(SurveyCommand):
    """Record a survey or measurement of a municipality (optionally with a police area serving
    it) with its results per question and, where it has them, per shared place.

    `kind` is trygghetsenkat, ntu or own_count; `asked` how many were asked (or counted),
    `respondents` how many answered at all.
    """

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
class CorrectSurvey(SurveyCommand):
    """Replace a recorded survey's numbers and results, saying why (the former ones stay in its
    history)."""

    asked: int
    respondents: int
    results: tuple[SurveyResult, ...]
    reason: str
