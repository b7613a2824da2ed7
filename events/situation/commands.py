"""Commands on a lägesbild or an åtgärdsplan: each names its stream's id."""

from __future__ import annotations

from dataclasses import dataclass

from events.messages import Command
from events.situation.events import ActionPlanContent, Decision, SituationPictureContent


@dataclass(frozen=True, slots=True, kw_only=True)
class SituationPictureCommand(Command):
    """A command addressed to lägesbild `situation_picture_id`."""

    situation_picture_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CompileSituationPicture(SituationPictureCommand):
    """Compile a municipality's lägesbild (version 1); with `police_area_id`, a joint one with
    a police area serving the municipality that day."""

    municipality_id: str
    police_area_id: str | None = None
    content: SituationPictureContent


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviseSituationPicture(SituationPictureCommand):
    """Make a new version of the lägesbild with `content`."""

    content: SituationPictureContent


@dataclass(frozen=True, slots=True, kw_only=True)
class AdoptSituationPicture(SituationPictureCommand):
    """Adopt version `version` of the lägesbild by `decision`."""

    version: int
    decision: Decision


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionPlanCommand(Command):
    """A command addressed to åtgärdsplan `action_plan_id`."""

    action_plan_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftActionPlan(ActionPlanCommand):
    """Draft a municipality's åtgärdsplan (version 1); with `police_area_id`, a joint one."""

    municipality_id: str
    police_area_id: str | None = None
    content: ActionPlanContent


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviseActionPlan(ActionPlanCommand):
    """Make a new version of the åtgärdsplan with `content`."""

    content: ActionPlanContent


@dataclass(frozen=True, slots=True, kw_only=True)
class AdoptActionPlan(ActionPlanCommand):
    """Adopt version `version` of the åtgärdsplan by `decision` (diarienummer required)."""

    version: int
    decision: Decision
