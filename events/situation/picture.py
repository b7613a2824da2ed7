"""The lägesbild decider: compiled, revised into new versions, a version adopted by a decision.

Stream "situation-picture-<id>". Until a version is adopted only the owners' members see the
lägesbild (anybody else is told it does not exist); an adopted version is public.
"""

from __future__ import annotations

from events.context import DecisionContext
from events.decider import Decider
from events.messages import Command, Event, FieldPath, NotFound, RuleViolated, unknown_command
from events.promise.drafting import INPUT_KINDS
from events.situation.commands import (
    AdoptSituationPicture,
    CompileSituationPicture,
    ReviseSituationPicture,
    SituationPictureCommand,
)
from events.situation.events import (
    SITUATION_PICTURE_EVENTS,
    SituationPictureAdopted,
    SituationPictureCompiled,
    SituationPictureContent,
    SituationPictureRevised,
)
from events.situation.rules import (
    check_decision,
    check_indicators,
    check_places,
    indicator_links,
    new_owners,
    place_links,
    require_adoptable,
    require_changed,
    require_owner_editor,
    require_seen_versions,
)
from events.situation.state import NONE, SituationPictureState, evolve_situation_picture
from events.well_formed import (
    require_choice,
    require_id,
    require_not_after,
    require_ordered,
    require_text,
    require_unique,
)

STREAM_PREFIX = "situation-picture-"
SUMMARY_MAX = 8000


def situation_picture_not_found(field_path: FieldPath = ()) -> NotFound:
    """The one refusal for a lägesbild that does not exist or that the actor may not see."""
    return NotFound(
        code="situation_picture_not_found",
        message="No such lägesbild has been compiled.",
        field_path=field_path,
    )


def check_picture_content(
    content: SituationPictureContent, municipality_id: str, context: DecisionContext
) -> None:
    """A well-formed version: period in order, compiled by today, problems on the
    municipality's own places, inputs of known kinds, indicator ids well formed."""
    require_ordered(content.covers_from, content.covers_to, ("content", "covers_to"))
    require_text(content.summary, ("content", "summary"), max_length=SUMMARY_MAX)
    require_unique(tuple(p.problem_id for p in content.problems), ("content", "problems"))
    for index, problem in enumerate(content.problems):
        path = ("content", "problems", index)
        require_id(problem.problem_id, (*path, "problem_id"))
        require_text(problem.text, (*path, "text"))
        check_places(context, problem.place_ids, municipality_id, (*path, "place_ids"))
    for index, basis in enumerate(content.inputs):
        path = ("content", "inputs", index)
        require_choice(basis.kind, INPUT_KINDS, (*path, "kind"))
        require_text(basis.summary, (*path, "summary"))
    check_indicators(context, content.indicator_ids, municipality_id, ("content", "indicator_ids"))


def _compiled_by_today(content: SituationPictureContent, command: Command) -> None:
    require_not_after(content.compiled_on, command.day, ("content", "compiled_on"))


def picture_gate(command: Command, state: SituationPictureState) -> None:
    """Non-members see only an adopted lägesbild; anything else answers as not compiled."""
    if isinstance(command, CompileSituationPicture) or state.status == NONE:
        return
    require_seen_versions(
        command.actor, state.owners, state.versions, situation_picture_not_found()
    )


def decide_situation_picture(
    command: Command, state: SituationPictureState, context: DecisionContext
) -> list[Event]:
    """Decide any command on a lägesbild stream."""
    picture_gate(command, state)
    day = command.day
    match command:
        case CompileSituationPicture():
            require_id(command.situation_picture_id, "situation_picture_id")
            if state.status != NONE:
                raise RuleViolated(
                    code="situation_picture_exists",
                    message="The lägesbild {situation_picture} already exists.",
                    params={"situation_picture": command.situation_picture_id},
                )
            new_owners(
                context,
                command.actor,
                command.municipality_id,
                command.police_area_id,
                day,
                "compile a lägesbild",
            )
            _compiled_by_today(command.content, command)
            check_picture_content(command.content, command.municipality_id, context)
            return [
                SituationPictureCompiled(
                    situation_picture_id=command.situation_picture_id,
                    municipality_id=command.municipality_id,
                    police_area_id=command.police_area_id,
                    content=command.content,
                )
            ]
        case ReviseSituationPicture():
            _existing(state)
            require_owner_editor(context, command.actor, state.owners, day, "revise a lägesbild")
            _compiled_by_today(command.content, command)
            check_picture_content(command.content, state.municipality_id, context)
            require_changed(command.content, state.versions[-1].content)
            return [
                SituationPictureRevised(
                    version=state.versions[-1].version + 1, content=command.content
                )
            ]
        case AdoptSituationPicture():
            _existing(state)
            require_owner_editor(context, command.actor, state.owners, day, "adopt a lägesbild")
            require_adoptable(state.versions, command.version)
            check_decision(command.decision, day)
            return [SituationPictureAdopted(version=command.version, decision=command.decision)]
    raise unknown_command(command)


def _existing(state: SituationPictureState) -> None:
    if state.status == NONE:
        raise situation_picture_not_found()


def picture_links(command: Command) -> tuple[str, ...]:
    """The shared places the version's problems name (Decider.links)."""
    if isinstance(command, CompileSituationPicture | ReviseSituationPicture):
        ids = {p for problem in command.content.problems for p in problem.place_ids}
        indicators = tuple(dict.fromkeys(command.content.indicator_ids))
        return (*place_links(tuple(sorted(ids))), *indicator_links(indicators))
    return ()


def situation_picture_stream(command: Command) -> str:
    """The stream a lägesbild command addresses: "situation-picture-<id>"."""
    assert isinstance(command, SituationPictureCommand)
    return STREAM_PREFIX + command.situation_picture_id


SITUATION_PICTURE: Decider[SituationPictureState] = Decider(
    name="situation_picture",
    stream_prefix=STREAM_PREFIX,
    initial_state=SituationPictureState(),
    decide=decide_situation_picture,
    evolve=evolve_situation_picture,
    command_types=(CompileSituationPicture, ReviseSituationPicture, AdoptSituationPicture),
    event_types=SITUATION_PICTURE_EVENTS,
    stream_of=situation_picture_stream,
    gate=picture_gate,
    links=picture_links,
)
