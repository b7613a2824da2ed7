"""Linking an indicator to the expected effect of a promise or an agreement, and unlinking it.

By an editor (or signatory) of a party of that promise or agreement, read through `links`;
the promise or agreement must have the indicator's municipality among its parties. A caller
who may not see a promise or agreement (no party, not published) is told it does not exist.
"""

from __future__ import annotations

from events.agreement.state import AgreementState
from events.context import DecisionContext
from events.directory.authority import require_party_member
from events.indicator.commands import LinkIndicator, UnlinkIndicator
from events.indicator.events import IndicatorLinked, IndicatorUnlinked
from events.indicator.state import IndicatorState
from events.messages import Event, InvalidInput, NotFound, RuleViolated
from events.promise.content import AGREEMENT_STREAM_PREFIX
from events.promise.decider import STREAM_PREFIX as PROMISE_STREAM_PREFIX
from events.promise.drafting import EDITORS
from events.promise.state import PromiseState
from events.well_formed import require_id

PROMISE = "promise"
AGREEMENT = "agreement"


def link_target(command: LinkIndicator | UnlinkIndicator) -> tuple[str, str]:
    """The kind and id of the promise or agreement a (un)link command names."""
    if (command.promise_id is None) == (command.agreement_id is None):
        raise InvalidInput(
            code="conflicting_fields",
            message="{field} names a promise or an agreement: exactly one of the two.",
            params={"field": "promise_id"},
            field_path=("promise_id",),
        )
    if command.promise_id is not None:
        require_id(command.promise_id, "promise_id")
        return PROMISE, command.promise_id
    assert command.agreement_id is not None
    require_id(command.agreement_id, "agreement_id")
    return AGREEMENT, command.agreement_id


def _target_parties(
    kind: str, target_id: str, context: DecisionContext, actor_org: str
) -> tuple[str, ...]:
    """The parties of the promise or agreement, as far as the actor may know it exists."""
    if kind == PROMISE:
        promise = context.linked.get(PROMISE_STREAM_PREFIX + target_id)
        if (
            isinstance(promise, PromiseState)
            and promise.status != "none"
            and (actor_org in promise.parties or bool(promise.publications))
        ):
            return promise.parties
        raise NotFound(
            code="promise_not_found",
            message="No such promise has been drafted.",
            field_path=("promise_id",),
        )
    agreement = context.linked.get(AGREEMENT_STREAM_PREFIX + target_id)
    if (
        isinstance(agreement, AgreementState)
        and agreement.status != "none"
        and (actor_org in agreement.parties or bool(agreement.publications))
    ):
        return agreement.parties
    raise NotFound(
        code="agreement_not_found",
        message="No such agreement has been drafted.",
        field_path=("agreement_id",),
    )


def decide_link(
    command: LinkIndicator | UnlinkIndicator, state: IndicatorState, context: DecisionContext
) -> list[Event]:
    """Decide LinkIndicator or UnlinkIndicator on a defined indicator."""
    kind, target_id = link_target(command)
    parties = _target_parties(kind, target_id, context, command.actor.organisation_id)
    require_party_member(command.actor, parties, EDITORS, "link an indicator")
    linked = state.linked_to(kind, target_id)
    if isinstance(command, UnlinkIndicator):
        if not linked:
            raise RuleViolated(
                code="indicator_not_linked",
                message="{target} does not link to the indicator.",
                params={"target": target_id},
            )
        return [IndicatorUnlinked(kind=kind, target_id=target_id)]
    if state.municipality_id not in parties:
        raise RuleViolated(
            code="indicator_of_other_municipality",
            message="The indicator is of {municipality}, which is no party of {target}.",
            params={"municipality": state.municipality_id, "target": target_id},
        )
    if linked:
        raise RuleViolated(
            code="indicator_already_linked",
            message="{target} already links to the indicator.",
            params={"target": target_id},
        )
    return [IndicatorLinked(kind=kind, target_id=target_id)]
