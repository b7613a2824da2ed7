"""The safety-walk decider: a walk recorded once, its findings recorded on its route, and each
finding moved to closure by its owner.

Stream "walk-<id>". Who records a walk and its findings: an editor (or signatory) of the
municipality, or of a police area serving the municipality on the day the walk was held
(events.place.may_change_places_of, the same rule as for the places the walk visits). Who moves
a finding: an editor of the organisation that owns it, nobody else; the owner, or those who
record the walk, may hand an open finding to another owner. The route's places and the planned
occurrence a walk carries out are read through `links` (WALK.links): each place must be an
active place of the walk's municipality, and the plan a safety walk of a promise the
municipality is party to.
"""

from __future__ import annotations

import datetime as dt
import re

from events.context import DecisionContext
from events.decider import Decider
from events.directory.authority import require_any_role
from events.directory.state import MUNICIPALITY
from events.messages import (
    Command,
    Event,
    FieldPath,
    Forbidden,
    InvalidInput,
    NotFound,
    Principal,
    RuleViolated,
    Term,
    unknown_command,
)
from events.place.decider import STREAM_PREFIX as PLACE_STREAM_PREFIX
from events.place.decider import may_change_places_of, require_local_editor, require_place_of
from events.promise.decider import STREAM_PREFIX as PROMISE_STREAM_PREFIX
from events.promise.drafting import EDITORS
from events.promise.state import NONE as PROMISE_NONE
from events.promise.state import PromiseState
from events.walk.commands import (
    CompleteFinding,
    DeclineFinding,
    FindingCommand,
    ReassignFinding,
    RecordFinding,
    RecordWalk,
    StartFinding,
    WalkCommand,
)
from events.walk.events import (
    WALK_EVENTS,
    FindingCompleted,
    FindingDeclined,
    FindingReassigned,
    FindingRecorded,
    FindingStarted,
    PlannedWalk,
    WalkParticipant,
    WalkRecorded,
)
from events.walk.state import IN_PROGRESS, NONE, Finding, WalkState, evolve_walk
from events.well_formed import (
    invalid_input,
    require_choice,
    require_id,
    require_not_after,
    require_text,
    require_unique,
)

STREAM_PREFIX = "walk-"
SAFETY_WALK = "safety_walk"
CATEGORIES = frozenset({"lighting", "vegetation", "vandalism", "littering", "traffic", "other"})
"""What a finding is about: belysning, vegetation, skadegörelse, nedskräpning, trafik, annat."""
GROUP_MAX = 200
DESCRIPTION_MAX = 2000
REASON_MAX = 2000
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _require_organisation(context: DecisionContext, org_id: str, path: FieldPath) -> None:
    if context.directory.kind_of(org_id) is None:
        raise NotFound(
            code="organisation_not_found",
            message="No organisation {organisation}.",
            params={"organisation": org_id},
            field_path=path,
        )


def _check_participants(
    participants: tuple[WalkParticipant, ...], context: DecisionContext
) -> None:
    for index, participant in enumerate(participants):
        path: FieldPath = ("participants", index)
        if (participant.organisation_id is None) == (participant.group is None):
            raise invalid_input(
                code="conflicting_fields",
                message="{field} names an organisation or a group, one of them.",
                path=path,
            )
        if participant.organisation_id is not None:
            _require_organisation(context, participant.organisation_id, (*path, "organisation_id"))
        if participant.group is not None:
            require_text(participant.group, (*path, "group"), max_length=GROUP_MAX)
        if participant.count is not None and participant.count < 1:
            raise invalid_input(
                code="quantity_not_positive",
                message="{field} must be at least 1, got {value}.",
                path=(*path, "count"),
                value=participant.count,
            )
    organisations = tuple(p.organisation_id for p in participants if p.organisation_id)
    require_unique(organisations, "participants")


def _check_route(route: tuple[str, ...], municipality_id: str, context: DecisionContext) -> None:
    if not route:
        raise invalid_input(
            code="invalid_input",
            message="{field} must name at least one place the walk visited.",
            path=("route",),
        )
    require_unique(route, "route")
    for index, place_id in enumerate(route):
        require_place_of(context, place_id, municipality_id, ("route", index), active=True)


def _check_plan(planned: PlannedWalk, municipality_id: str, context: DecisionContext) -> None:
    """The promise exists with the municipality a party, the plan is a safety walk of it, and
    the occurrence is one of the plan's that was not cancelled."""
    require_id(planned.promise_id, ("carries_out", "promise_id"))
    promise = context.linked.get(PROMISE_STREAM_PREFIX + planned.promise_id)
    if (
        not isinstance(promise, PromiseState)
        or promise.status == PROMISE_NONE
        or municipality_id not in promise.parties
    ):
        raise NotFound(
            code="promise_not_found",
            message="The municipality {municipality} is party to no promise {promise}.",
            params={"municipality": municipality_id, "promise": planned.promise_id},
            field_path=("carries_out", "promise_id"),
        )
    plan = promise.plan(planned.plan_id)
    if plan is None:
        raise NotFound(
            code="plan_not_found",
            message="No planned activity {plan}.",
            params={"plan": planned.plan_id},
            field_path=("carries_out", "plan_id"),
        )
    if plan.kind != SAFETY_WALK:
        raise RuleViolated(
            code="plan_not_a_safety_walk",
            message="The plan {plan} is not a plan of safety walks.",
            params={"plan": planned.plan_id},
            field_path=("carries_out", "plan_id"),
        )
    occurrence = plan.occurrence(planned.occurrence_id)
    if occurrence is None:
        raise NotFound(
            code="occurrence_not_found",
            message="The plan {plan} has no occurrence {occurrence}.",
            params={"plan": planned.plan_id, "occurrence": planned.occurrence_id},
            field_path=("carries_out", "occurrence_id"),
        )
    if occurrence.cancelled:
        raise RuleViolated(
            code="occurrence_cancelled",
            message="The occurrence {occurrence} was cancelled.",
            params={"occurrence": planned.occurrence_id},
            field_path=("carries_out", "occurrence_id"),
        )


def _decide_walk(command: RecordWalk, state: WalkState, context: DecisionContext) -> list[Event]:
    require_id(command.walk_id, "walk_id")
    if state.status != NONE:
        raise RuleViolated(
            code="walk_exists",
            message="The walk {walk} has already been recorded.",
            params={"walk": command.walk_id},
        )
    if context.directory.kind_of(command.municipality_id) != MUNICIPALITY:
        raise NotFound(
            code="municipality_not_found",
            message="No municipality {municipality}.",
            params={"municipality": command.municipality_id},
            field_path=("municipality_id",),
        )
    require_local_editor(
        context, command.actor, command.municipality_id, command.held_on, "record a safety walk"
    )
    require_not_after(command.held_on, command.day, "held_on")
    _require_organisation(context, command.organiser_id, ("organiser_id",))
    _check_participants(command.participants, context)
    _check_route(command.route, command.municipality_id, context)
    if command.carries_out is not None:
        _check_plan(command.carries_out, command.municipality_id, context)
    return [
        WalkRecorded(
            walk_id=command.walk_id,
            municipality_id=command.municipality_id,
            held_on=command.held_on,
            organiser_id=command.organiser_id,
            participants=command.participants,
            route=command.route,
            carries_out=command.carries_out,
        )
    ]


def _held(state: WalkState, walk_id: str) -> dt.date:
    """The day the walk was held; NotFound before it is recorded."""
    if state.status == NONE or state.held_on is None:
        raise NotFound(
            code="walk_not_found",
            message="No safety walk {walk} has been recorded.",
            params={"walk": walk_id},
        )
    return state.held_on


def _require_due(due_on: dt.date, held_on: dt.date) -> None:
    if due_on < held_on:
        raise RuleViolated(
            code="due_before_walk",
            message="The due date {due} is before the walk was held ({held}).",
            params={"due": due_on, "held": held_on},
            field_path=("due_on",),
        )


def _decide_finding(
    command: RecordFinding, state: WalkState, context: DecisionContext
) -> list[Event]:
    held_on = _held(state, command.walk_id)
    require_local_editor(
        context, command.actor, state.municipality_id, held_on, "record a finding of a walk"
    )
    require_id(command.finding_id, "finding_id")
    if state.finding(command.finding_id) is not None:
        raise RuleViolated(
            code="finding_exists",
            message="The walk already has a finding {finding}.",
            params={"finding": command.finding_id},
            field_path=("finding_id",),
        )
    if command.place_id not in state.route:
        raise RuleViolated(
            code="place_not_on_route",
            message="The walk did not visit the place {place}.",
            params={"place": command.place_id},
            field_path=("place_id",),
        )
    require_text(command.description, "description", max_length=DESCRIPTION_MAX)
    require_choice(command.category, CATEGORIES, "category")
    if command.photo_sha256 is not None and not _SHA256.fullmatch(command.photo_sha256):
        raise invalid_input(
            code="invalid_sha256",
            message="{field} must be a SHA-256 digest: 64 lower-case hexadecimal digits.",
            path=("photo_sha256",),
        )
    _require_organisation(context, command.owner_id, ("owner_id",))
    _require_due(command.due_on, held_on)
    return [
        FindingRecorded(
            finding_id=command.finding_id,
            place_id=command.place_id,
            description=command.description,
            category=command.category,
            owner_id=command.owner_id,
            due_on=command.due_on,
            photo_sha256=command.photo_sha256,
        )
    ]


def _finding(command: FindingCommand, state: WalkState) -> Finding:
    """The walk and its finding `finding_id` exist."""
    _held(state, command.walk_id)
    finding = state.finding(command.finding_id)
    if finding is None:
        raise NotFound(
            code="finding_not_found",
            message="The walk has no finding {finding}.",
            params={"finding": command.finding_id},
            field_path=("finding_id",),
        )
    return finding


def _require_owner(actor: Principal, finding: Finding, action: str) -> None:
    if actor.organisation_id != finding.owner_id:
        raise Forbidden(
            code="not_finding_owner",
            message=(
                "Only the organisation that owns the finding, {owner}, may {action}; "
                "{organisation} does not own it."
            ),
            params={
                "owner": finding.owner_id,
                "action": Term("action", action),
                "organisation": actor.organisation_id,
            },
        )
    require_any_role(actor, EDITORS, action)


def _require_open(finding: Finding) -> None:
    if finding.closed:
        raise RuleViolated(
            code="finding_closed",
            message="The finding {finding} is closed; it can no longer be changed.",
            params={"finding": finding.finding_id},
        )


def _decide_move(
    command: FindingCommand, state: WalkState, context: DecisionContext
) -> list[Event]:
    finding = _finding(command, state)
    day = command.day
    match command:
        case StartFinding():
            _require_owner(command.actor, finding, "start on a finding")
            _require_open(finding)
            if finding.status == IN_PROGRESS:
                raise RuleViolated(
                    code="wrong_status",
                    message="The finding {finding} is already in progress.",
                    params={"finding": finding.finding_id},
                )
            return [FindingStarted(finding_id=finding.finding_id, started_on=day)]
        case CompleteFinding():
            _require_owner(command.actor, finding, "close a finding")
            _require_open(finding)
            return [FindingCompleted(finding_id=finding.finding_id, completed_on=day)]
        case DeclineFinding():
            _require_owner(command.actor, finding, "close a finding")
            _require_open(finding)
            require_text(command.reason, "reason", max_length=REASON_MAX)
            return [
                FindingDeclined(
                    finding_id=finding.finding_id, declined_on=day, reason=command.reason
                )
            ]
        case ReassignFinding():
            return _decide_reassign(command, finding, state, context)
    raise unknown_command(command)


def _decide_reassign(
    command: ReassignFinding, finding: Finding, state: WalkState, context: DecisionContext
) -> list[Event]:
    held_on = state.held_on
    assert held_on is not None
    directory = context.directory
    if command.actor.organisation_id == finding.owner_id or may_change_places_of(
        directory, command.actor, state.municipality_id, held_on
    ):
        require_any_role(command.actor, EDITORS, "reassign a finding")
    else:
        _require_owner(command.actor, finding, "reassign a finding")  # refuses: neither
    _require_open(finding)
    _require_organisation(context, command.owner_id, ("owner_id",))
    due_on = finding.due_on if command.due_on is None else command.due_on
    _require_due(due_on, held_on)
    if command.owner_id == finding.owner_id and due_on == finding.due_on:
        raise RuleViolated(
            code="no_changes",
            message="The finding is already owned by {owner} and due on {due}.",
            params={"owner": finding.owner_id, "due": due_on},
        )
    if command.reason is not None:
        require_text(command.reason, "reason", max_length=REASON_MAX)
    return [
        FindingReassigned(
            finding_id=finding.finding_id,
            owner_id=command.owner_id,
            due_on=due_on,
            reassigned_on=command.day,
            reason=command.reason,
        )
    ]


def decide_walk(command: Command, state: WalkState, context: DecisionContext) -> list[Event]:
    """Decide any command on a walk stream."""
    match command:
        case RecordWalk():
            return _decide_walk(command, state, context)
        case RecordFinding():
            return _decide_finding(command, state, context)
        case FindingCommand():
            return _decide_move(command, state, context)
    raise unknown_command(command)


def _well_formed_id(value: str) -> bool:
    try:
        require_id(value, "id")
    except InvalidInput:
        return False
    return True


def walk_links(command: Command) -> tuple[str, ...]:
    """The places of a recorded walk's route and the promise whose plan it carries out.

    Only well-formed ids name a stream to read; `decide` refuses the others by their field."""
    if not isinstance(command, RecordWalk):
        return ()
    named = [PLACE_STREAM_PREFIX + p for p in dict.fromkeys(command.route) if _well_formed_id(p)]
    planned = command.carries_out
    if planned is not None and _well_formed_id(planned.promise_id):
        named.append(PROMISE_STREAM_PREFIX + planned.promise_id)
    return tuple(named)


def walk_stream(command: Command) -> str:
    """The stream a walk command addresses: "walk-<walk_id>"."""
    assert isinstance(command, WalkCommand)
    return STREAM_PREFIX + command.walk_id


WALK: Decider[WalkState] = Decider(
    name="walk",
    stream_prefix=STREAM_PREFIX,
    initial_state=WalkState(),
    decide=decide_walk,
    evolve=evolve_walk,
    command_types=(
        RecordWalk,
        RecordFinding,
        StartFinding,
        CompleteFinding,
        DeclineFinding,
        ReassignFinding,
    ),
    event_types=WALK_EVENTS,
    stream_of=walk_stream,
    links=walk_links,
)
