"""Lägesbild and åtgärdsplan (Lag 2023:196): commands, events, states and the two deciders,
importable from `events.situation` as one name space.

Two aggregates rather than one: an åtgärdsplan has a life of its own (drafted, revised and
adopted by its own decisions, often by another body and on another day) and rests on one
adopted version of a lägesbild, which it names and reads through `links`; apart streams keep
each one's versions and concurrency its own.
"""

from events.situation.commands import (
    ActionPlanCommand,
    AdoptActionPlan,
    AdoptSituationPicture,
    CompileSituationPicture,
    DraftActionPlan,
    ReviseActionPlan,
    ReviseSituationPicture,
    SituationPictureCommand,
)
from events.situation.events import (
    ACTION_PLAN_EVENTS,
    SITUATION_PICTURE_EVENTS,
    ActionPlanAdopted,
    ActionPlanContent,
    ActionPlanDrafted,
    ActionPlanRevised,
    Basis,
    Decision,
    Measure,
    SituationPictureAdopted,
    SituationPictureCompiled,
    SituationPictureContent,
    SituationPictureRevised,
    SituationProblem,
)
from events.situation.picture import SITUATION_PICTURE
from events.situation.picture import STREAM_PREFIX as SITUATION_PICTURE_STREAM
from events.situation.plan import ACTION_PLAN
from events.situation.plan import STREAM_PREFIX as ACTION_PLAN_STREAM
from events.situation.rules import INDICATOR_STREAM_PREFIX
from events.situation.state import (
    ADOPTED,
    DRAFT,
    REVISING,
    STATUSES,
    ActionPlanState,
    PictureVersion,
    PlanVersion,
    SituationPictureState,
    status_of,
)

__all__ = [
    "ACTION_PLAN",
    "ACTION_PLAN_EVENTS",
    "ACTION_PLAN_STREAM",
    "ADOPTED",
    "DRAFT",
    "INDICATOR_STREAM_PREFIX",
    "REVISING",
    "SITUATION_PICTURE",
    "SITUATION_PICTURE_EVENTS",
    "SITUATION_PICTURE_STREAM",
    "STATUSES",
    "ActionPlanAdopted",
    "ActionPlanCommand",
    "ActionPlanContent",
    "ActionPlanDrafted",
    "ActionPlanRevised",
    "ActionPlanState",
    "AdoptActionPlan",
    "AdoptSituationPicture",
    "Basis",
    "CompileSituationPicture",
    "Decision",
    "DraftActionPlan",
    "Measure",
    "PictureVersion",
    "PlanVersion",
    "ReviseActionPlan",
    "ReviseSituationPicture",
    "SituationPictureAdopted",
    "SituationPictureCommand",
    "SituationPictureCompiled",
    "SituationPictureContent",
    "SituationPictureRevised",
    "SituationPictureState",
    "SituationProblem",
    "status_of",
]
