"""The folded state of a lägesbild and of an åtgärdsplan: owners and every version, each with
the decision that adopted it, if any.

Status (a derived column, not stored): none → draft (no version adopted) → adopted (the latest
version is adopted) ⇄ revising (a version was adopted, a later one is not yet).
"""

from __future__ import annotations

from dataclasses import dataclass

from events.frozen import replace
from events.messages import Event
from events.situation.events import (
    ActionPlanAdopted,
    ActionPlanContent,
    ActionPlanDrafted,
    ActionPlanRevised,
    Decision,
    SituationPictureAdopted,
    SituationPictureCompiled,
    SituationPictureContent,
    SituationPictureRevised,
)

NONE = "none"
DRAFT = "draft"
ADOPTED = "adopted"
REVISING = "revising"
STATUSES = (DRAFT, ADOPTED, REVISING)
"""Every status a compiled lägesbild or drafted åtgärdsplan can be in."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PictureVersion:
    """One version of a lägesbild and the decision that adopted it (None: not adopted)."""

    version: int
    content: SituationPictureContent
    adopted: Decision | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanVersion:
    """One version of an åtgärdsplan and the decision that adopted it (None: not adopted)."""

    version: int
    content: ActionPlanContent
    adopted: Decision | None = None


def status_of(versions: tuple[PictureVersion, ...] | tuple[PlanVersion, ...]) -> str:
    """draft, adopted or revising (none before the first version)."""
    if not versions:
        return NONE
    if versions[-1].adopted is not None:
        return ADOPTED
    return REVISING if any(v.adopted is not None for v in versions) else DRAFT


@dataclass(frozen=True, slots=True, kw_only=True)
class SituationPictureState:
    """One lägesbild: its owners and its versions, oldest first."""

    situation_picture_id: str = ""
    municipality_id: str = ""
    police_area_id: str | None = None
    versions: tuple[PictureVersion, ...] = ()

    @property
    def owners(self) -> tuple[str, ...]:
        """The municipality, and the police area of a joint lägesbild."""
        return (self.municipality_id, *((self.police_area_id,) if self.police_area_id else ()))

    @property
    def status(self) -> str:
        """draft, adopted or revising (none before it is compiled)."""
        return status_of(self.versions)

    def version(self, number: int) -> PictureVersion | None:
        """Version `number`, if there is one."""
        return next((v for v in self.versions if v.version == number), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionPlanState:
    """One åtgärdsplan: its owners and its versions, oldest first."""

    action_plan_id: str = ""
    municipality_id: str = ""
    police_area_id: str | None = None
    versions: tuple[PlanVersion, ...] = ()

    @property
    def owners(self) -> tuple[str, ...]:
        """The municipality, and the police area of a joint åtgärdsplan."""
        return (self.municipality_id, *((self.police_area_id,) if self.police_area_id else ()))

    @property
    def status(self) -> str:
        """draft, adopted or revising (none before it is drafted)."""
        return status_of(self.versions)

    def version(self, number: int) -> PlanVersion | None:
        """Version `number`, if there is one."""
        return next((v for v in self.versions if v.version == number), None)


def _adopt_picture(
    versions: tuple[PictureVersion, ...], number: int, decision: Decision
) -> tuple[PictureVersion, ...]:
    return tuple(replace(v, adopted=decision) if v.version == number else v for v in versions)


def _adopt_plan(
    versions: tuple[PlanVersion, ...], number: int, decision: Decision
) -> tuple[PlanVersion, ...]:
    return tuple(replace(v, adopted=decision) if v.version == number else v for v in versions)


def evolve_situation_picture(state: SituationPictureState, event: Event) -> SituationPictureState:
    """Fold one lägesbild event into the state."""
    match event:
        case SituationPictureCompiled():
            return replace(
                state,
                situation_picture_id=event.situation_picture_id,
                municipality_id=event.municipality_id,
                police_area_id=event.police_area_id,
                versions=(PictureVersion(version=1, content=event.content),),
            )
        case SituationPictureRevised():
            latest = PictureVersion(version=event.version, content=event.content)
            return replace(state, versions=(*state.versions, latest))
        case SituationPictureAdopted():
            return replace(
                state, versions=_adopt_picture(state.versions, event.version, event.decision)
            )
    return state


def evolve_action_plan(state: ActionPlanState, event: Event) -> ActionPlanState:
    """Fold one åtgärdsplan event into the state."""
    match event:
        case ActionPlanDrafted():
            return replace(
                state,
                action_plan_id=event.action_plan_id,
                municipality_id=event.municipality_id,
                police_area_id=event.police_area_id,
                versions=(PlanVersion(version=1, content=event.content),),
            )
        case ActionPlanRevised():
            latest = PlanVersion(version=event.version, content=event.content)
            return replace(state, versions=(*state.versions, latest))
        case ActionPlanAdopted():
            return replace(
                state, versions=_adopt_plan(state.versions, event.version, event.decision)
            )
    return state
