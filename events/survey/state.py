"""The folded state of one survey: what was asked of whom, when, how, and its results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from events.frozen import replace
from events.messages import Event
from events.survey.events import SurveyCorrected, SurveyRecorded, SurveyResult

RECORDED = "recorded"


@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyState:
    """One survey or measurement (status none → recorded)."""

    survey_id: str = ""
    status: str = "none"
    municipality_id: str = ""
    police_area_id: str | None = None
    kind: str = ""
    title: str = ""
    conducted_from: dt.date | None = None
    conducted_to: dt.date | None = None
    method: str = ""
    asked: int = 0
    respondents: int = 0
    results: tuple[SurveyResult, ...] = ()
    corrections: tuple[str, ...] = ()
    """The reasons of the corrections, oldest first."""

    @property
    def parties(self) -> tuple[str, ...]:
        """The organisations whose members read the raw results."""
        area = () if self.police_area_id is None else (self.police_area_id,)
        return (self.municipality_id, *area)

    def result(self, question_id: str, place_id: str | None) -> SurveyResult | None:
        """The result for a question and a place (None: the whole municipality), if any."""
        return next(
            (r for r in self.results if r.question_id == question_id and r.place_id == place_id),
            None,
        )


def evolve_survey(state: SurveyState, event: Event) -> SurveyState:
    """Fold one survey event into the state."""
    match event:
        case SurveyRecorded():
            return replace(
                state,
                survey_id=event.survey_id,
                status=RECORDED,
                municipality_id=event.municipality_id,
                police_area_id=event.police_area_id,
                kind=event.kind,
                title=event.title,
                conducted_from=event.conducted_from,
                conducted_to=event.conducted_to,
                method=event.method,
                asked=event.asked,
                respondents=event.respondents,
                results=event.results,
            )
        case SurveyCorrected():
            return replace(
                state,
                asked=event.asked,
                respondents=event.respondents,
                results=event.results,
                corrections=(*state.corrections, event.reason),
            )
    return state
