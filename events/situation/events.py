"""Lägesbild (situation picture) and åtgärdsplan (action plan) under Lag (2023:196), and the
events of their life.

A municipality compiles a lägesbild (alone, or jointly with a police area serving it) and
adopts an åtgärdsplan resting on an adopted version of it. Both are versioned: compiling or
drafting makes version 1, each revision the next one, and a decision (who, on which day, under
which diarienummer) adopts one version. Earlier versions stay readable, and an adopted version
stays adopted when a later one is revised.

A joint lägesbild is one compiled with a police area as second owner (the domain's
`JointSituationPictureAgreed`); it is the same event with `police_area_id` set.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from events.messages import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """The decision that adopts a version (beslut): the deciding body or role (kommunstyrelsen,
    styrgruppen), the day it was taken and its diarienummer."""

    decided_by: str
    decided_on: dt.date
    diarienummer: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SituationProblem:
    """One problem the lägesbild names, with the municipality's shared places it concerns."""

    problem_id: str
    text: str
    place_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Basis:
    """One input the lägesbild rests on (underlag): a kartläggning, statistics, a dialogue …;
    `kind` is one of the promise's input kinds (events.promise.drafting.INPUT_KINDS)."""

    kind: str
    summary: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SituationPictureContent:
    """What one version of a lägesbild says: the period it covers, the day it was compiled,
    a summary, its problems, its inputs and the indicators it follows."""

    covers_from: dt.date
    covers_to: dt.date
    compiled_on: dt.date
    summary: str
    problems: tuple[SituationProblem, ...] = ()
    inputs: tuple[Basis, ...] = ()
    indicator_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Measure:
    """One measure (åtgärd) of an åtgärdsplan: who is responsible, where, and which indicators
    should show its effect."""

    measure_id: str
    text: str
    responsible_ids: tuple[str, ...]
    place_ids: tuple[str, ...] = ()
    indicator_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionPlanContent:
    """What one version of an åtgärdsplan says: the adopted lägesbild version it rests on, its
    measures, and the agreement and promises that implement it."""

    title: str
    situation_picture_id: str
    situation_picture_version: int
    measures: tuple[Measure, ...]
    agreement_id: str | None = None
    promise_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SituationPictureCompiled(Event):
    """Lägesbild framtagen: version 1, owned by the municipality (and a police area serving it,
    for a joint one)."""

    situation_picture_id: str
    municipality_id: str
    police_area_id: str | None
    content: SituationPictureContent


@dataclass(frozen=True, slots=True, kw_only=True)
class SituationPictureRevised(Event):
    """A new version of the lägesbild; the earlier ones stay as they were."""

    version: int
    content: SituationPictureContent


@dataclass(frozen=True, slots=True, kw_only=True)
class SituationPictureAdopted(Event):
    """Lägesbild fastställd: one version adopted by a decision."""

    version: int
    decision: Decision


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionPlanDrafted(Event):
    """Åtgärdsplan upprättad: version 1."""

    action_plan_id: str
    municipality_id: str
    police_area_id: str | None
    content: ActionPlanContent


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionPlanRevised(Event):
    """A new version of the åtgärdsplan; the earlier ones stay as they were."""

    version: int
    content: ActionPlanContent


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionPlanAdopted(Event):
    """Åtgärdsplan antagen: one version adopted by a decision."""

    version: int
    decision: Decision


SITUATION_PICTURE_EVENTS: tuple[type[Event], ...] = (
    SituationPictureCompiled,
    SituationPictureRevised,
    SituationPictureAdopted,
)
ACTION_PLAN_EVENTS: tuple[type[Event], ...] = (
    ActionPlanDrafted,
    ActionPlanRevised,
    ActionPlanAdopted,
)
