"""The åtgärdsplan decider: drafted on an adopted lägesbild version, revised into new versions,
a version adopted by a decision (never without its diarienummer).

Stream "action-plan-<id>". A version names the adopted lägesbild version it rests on (of the
same municipality), its measures (responsible organisations, the municipality's shared places,
indicators) and the agreement and promises that implement it, each of which must exist with
the municipality as a party. Until a version is adopted only the owners' members see the plan;
an adopted version is public.
"""

from __future__ import annotations

from events.agreement.state import AgreementState
from events.context import DecisionContext
from events.decider import Decider
from events.messages import Command, Event, NotFound, Principal, RuleViolated, unknown_command
from events.promise.content import AGREEMENT_STREAM_PREFIX
from events.promise.decider import STREAM_PREFIX as PROMISE_STREAM_PREFIX
from events.promise.state import PromiseState
from events.situation.commands import (
    ActionPlanCommand,
    AdoptActionPlan,
    DraftActionPlan,
    ReviseActionPlan,
)
from events.situation.events import (
    ACTION_PLAN_EVENTS,
    ActionPlanAdopted,
    ActionPlanContent,
    ActionPlanDrafted,
    ActionPlanRevised,
)
from events.situation.picture import STREAM_PREFIX as PICTURE_STREAM_PREFIX
from events.situation.picture import situation_picture_not_found
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
from events.situation.state import NONE, ActionPlanState, SituationPictureState, evolve_action_plan
from events.well_formed import require_id, require_text, require_unique

STREAM_PREFIX = "action-plan-"
TITLE_MAX = 300


def action_plan_not_found() -> NotFound:
    """The one refusal for an åtgärdsplan that does not exist or that the actor may not see."""
    return NotFound(code="action_plan_not_found", message="No such åtgärdsplan has been drafted.")


def _check_picture(
    content: ActionPlanContent, municipality_id: str, actor: Principal, context: DecisionContext
) -> None:
    """The lägesbild exists (as far as the actor sees), is the municipality's, and the version
    named is adopted."""
    path = ("content", "situation_picture_id")
    require_id(content.situation_picture_id, path)
    picture = context.linked.get(PICTURE_STREAM_PREFIX + content.situation_picture_id)
    if not isinstance(picture, SituationPictureState) or picture.status == NONE:
        raise situation_picture_not_found(path)
    adopted = any(v.adopted is not None for v in picture.versions)
    if actor.organisation_id not in picture.owners and not adopted:
        raise situation_picture_not_found(path)
    if picture.municipality_id != municipality_id:
        raise RuleViolated(
            code="other_municipality",
            message="The lägesbild {situation_picture} is of {other}, not of {municipality}.",
            params={
                "situation_picture": content.situation_picture_id,
                "other": picture.municipality_id,
                "municipality": municipality_id,
            },
            field_path=path,
        )
    version = picture.version(content.situation_picture_version)
    if version is None or version.adopted is None:
        raise RuleViolated(
            code="situation_picture_not_adopted",
            message=(
                "Version {version} of the lägesbild {situation_picture} has not been adopted; "
                "an åtgärdsplan rests on an adopted version."
            ),
            params={
                "version": content.situation_picture_version,
                "situation_picture": content.situation_picture_id,
            },
            field_path=("content", "situation_picture_version"),
        )


def _check_agreement_and_promises(
    content: ActionPlanContent, municipality_id: str, actor: Principal, context: DecisionContext
) -> None:
    """The agreement and promises exist (as far as the actor sees: its organisation is a
    party) and the municipality is a party to each."""
    if content.agreement_id is not None:
        path: tuple[str | int, ...] = ("content", "agreement_id")
        require_id(content.agreement_id, path)
        agreement = context.linked.get(AGREEMENT_STREAM_PREFIX + content.agreement_id)
        if (
            not isinstance(agreement, AgreementState)
            or agreement.status == NONE
            or actor.organisation_id not in agreement.parties
        ):
            raise NotFound(
                code="agreement_not_found",
                message="No such agreement has been drafted.",
                field_path=path,
            )
        if municipality_id not in agreement.parties:
            raise RuleViolated(
                code="municipality_not_party",
                message="{municipality} is not a party to the agreement {agreement}.",
                params={"municipality": municipality_id, "agreement": content.agreement_id},
                field_path=path,
            )
    require_unique(content.promise_ids, ("content", "promise_ids"))
    for index, promise_id in enumerate(content.promise_ids):
        path = ("content", "promise_ids", index)
        require_id(promise_id, path)
        promise = context.linked.get(PROMISE_STREAM_PREFIX + promise_id)
        if (
            not isinstance(promise, PromiseState)
            or promise.status == NONE
            or actor.organisation_id not in promise.parties
        ):
            raise NotFound(
                code="promise_not_found",
                message="No such promise has been drafted.",
                field_path=path,
            )
        if municipality_id not in promise.parties:
            raise RuleViolated(
                code="municipality_not_party",
                message="{municipality} is not a party to the promise {promise}.",
                params={"municipality": municipality_id, "promise": promise_id},
                field_path=path,
            )


def check_plan_content(
    content: ActionPlanContent, municipality_id: str, actor: Principal, context: DecisionContext
) -> None:
    """A well-formed version resting on an adopted lägesbild version of the municipality."""
    require_text(content.title, ("content", "title"), max_length=TITLE_MAX)
    _check_picture(content, municipality_id, actor, context)
    require_unique(tuple(m.measure_id for m in content.measures), ("content", "measures"))
    for index, measure in enumerate(content.measures):
        path = ("content", "measures", index)
        require_id(measure.measure_id, (*path, "measure_id"))
        require_text(measure.text, (*path, "text"))
        require_unique(measure.responsible_ids, (*path, "responsible_ids"))
        for position, org_id in enumerate(measure.responsible_ids):
            if context.directory.kind_of(org_id) is None:
                raise NotFound(
                    code="organisation_not_found",
                    message="No organisation {organisation}.",
                    params={"organisation": org_id},
                    field_path=(*path, "responsible_ids", position),
                )
        check_places(context, measure.place_ids, municipality_id, (*path, "place_ids"))
        check_indicators(context, measure.indicator_ids, municipality_id, (*path, "indicator_ids"))
    _check_agreement_and_promises(content, municipality_id, actor, context)


def plan_gate(command: Command, state: ActionPlanState) -> None:
    """Non-members see only an adopted åtgärdsplan; anything else answers as not drafted."""
    if isinstance(command, DraftActionPlan) or state.status == NONE:
        return
    require_seen_versions(command.actor, state.owners, state.versions, action_plan_not_found())


def decide_action_plan(
    command: Command, state: ActionPlanState, context: DecisionContext
) -> list[Event]:
    """Decide any command on an åtgärdsplan stream."""
    plan_gate(command, state)
    day = command.day
    match command:
        case DraftActionPlan():
            require_id(command.action_plan_id, "action_plan_id")
            if state.status != NONE:
                raise RuleViolated(
                    code="action_plan_exists",
                    message="The åtgärdsplan {action_plan} already exists.",
                    params={"action_plan": command.action_plan_id},
                )
            new_owners(
                context,
                command.actor,
                command.municipality_id,
                command.police_area_id,
                day,
                "draft an åtgärdsplan",
            )
            check_plan_content(command.content, command.municipality_id, command.actor, context)
            return [
                ActionPlanDrafted(
                    action_plan_id=command.action_plan_id,
                    municipality_id=command.municipality_id,
                    police_area_id=command.police_area_id,
                    content=command.content,
                )
            ]
        case ReviseActionPlan():
            _existing(state)
            require_owner_editor(context, command.actor, state.owners, day, "revise an åtgärdsplan")
            check_plan_content(command.content, state.municipality_id, command.actor, context)
            require_changed(command.content, state.versions[-1].content)
            return [
                ActionPlanRevised(version=state.versions[-1].version + 1, content=command.content)
            ]
        case AdoptActionPlan():
            _existing(state)
            require_owner_editor(context, command.actor, state.owners, day, "adopt an åtgärdsplan")
            require_adoptable(state.versions, command.version)
            check_decision(command.decision, day)
            return [ActionPlanAdopted(version=command.version, decision=command.decision)]
    raise unknown_command(command)


def _existing(state: ActionPlanState) -> None:
    if state.status == NONE:
        raise action_plan_not_found()


def plan_links(command: Command) -> tuple[str, ...]:
    """The lägesbild, agreement, promises and shared places a version names (Decider.links)."""
    if not isinstance(command, DraftActionPlan | ReviseActionPlan):
        return ()
    content = command.content
    places = {p for measure in content.measures for p in measure.place_ids}
    indicators = {i for measure in content.measures for i in measure.indicator_ids}
    agreement = () if content.agreement_id is None else (content.agreement_id,)
    return (
        PICTURE_STREAM_PREFIX + content.situation_picture_id,
        *(AGREEMENT_STREAM_PREFIX + a for a in agreement),
        *(PROMISE_STREAM_PREFIX + p for p in dict.fromkeys(content.promise_ids)),
        *place_links(tuple(sorted(places))),
        *indicator_links(tuple(sorted(indicators))),
    )


def action_plan_stream(command: Command) -> str:
    """The stream an åtgärdsplan command addresses: "action-plan-<id>"."""
    assert isinstance(command, ActionPlanCommand)
    return STREAM_PREFIX + command.action_plan_id


ACTION_PLAN: Decider[ActionPlanState] = Decider(
    name="action_plan",
    stream_prefix=STREAM_PREFIX,
    initial_state=ActionPlanState(),
    decide=decide_action_plan,
    evolve=evolve_action_plan,
    command_types=(DraftActionPlan, ReviseActionPlan, AdoptActionPlan),
    event_types=ACTION_PLAN_EVENTS,
    stream_of=action_plan_stream,
    gate=plan_gate,
    links=plan_links,
)
