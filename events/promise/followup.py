"""Follow-ups (uppföljning): drafted for a period, each commitment assessed, approved, published."""

from __future__ import annotations

from events.context import DecisionContext
from events.directory.authority import require_party_member, require_signing_mandate
from events.messages import Command, Event, InvalidInput, NotFound, RuleViolated, unknown_command
from events.promise.commands import (
    ApproveFollowUp,
    AssessCommitment,
    DraftFollowUp,
    PublishFollowUp,
)
from events.promise.drafting import EDITORS, require_status
from events.promise.events import (
    CommitmentAssessed,
    FollowUpApproved,
    FollowUpPublished,
    FollowUpReportDrafted,
)
from events.promise.state import EXPIRED, IN_FORCE, TERMINATED, FollowUpReport, PromiseState
from events.well_formed import (
    require_choice,
    require_id,
    require_not_after,
    require_ordered,
    require_text,
)

KINDS = frozenset({"interim", "final"})
STATUSES = frozenset({"met", "partly", "not_met", "no_target"})
_FOLLOWED_UP = frozenset({IN_FORCE, EXPIRED, TERMINATED})


def _report(state: PromiseState, report_id: str) -> FollowUpReport:
    report = state.follow_up(report_id)
    if report is None:
        raise NotFound(
            code="follow_up_not_found",
            message="No follow-up {report}.",
            params={"report": report_id},
        )
    return report


def decide_follow_up(
    command: Command, state: PromiseState, context: DecisionContext
) -> list[Event]:
    """Decide DraftFollowUp, AssessCommitment, ApproveFollowUp or PublishFollowUp."""
    actor = command.actor
    require_status(state, _FOLLOWED_UP, "follow up")
    revision = state.in_force
    assert revision is not None  # every status in _FOLLOWED_UP has passed through InForce
    commitments = revision.content.commitments
    match command:
        case DraftFollowUp():
            require_party_member(actor, state.parties, EDITORS, "draft a follow-up")
            require_id(command.report_id, "report_id")
            if state.follow_up(command.report_id) is not None:
                raise RuleViolated(
                    code="follow_up_exists",
                    message="The follow-up {report} already exists.",
                    params={"report": command.report_id},
                )
            require_choice(command.kind, KINDS, "kind")
            require_ordered(command.covers_from, command.covers_to, "covers_to")
            return [
                FollowUpReportDrafted(
                    report_id=command.report_id,
                    kind=command.kind,
                    covers_from=command.covers_from,
                    covers_to=command.covers_to,
                )
            ]
        case AssessCommitment():
            require_party_member(actor, state.parties, EDITORS, "assess a commitment")
            report = _report(state, command.report_id)
            if report.approved_by:
                raise RuleViolated(
                    code="follow_up_frozen",
                    message="Approval has begun; the assessments can no longer change.",
                )
            commitment = revision.content.commitment(command.commitment_id)
            if commitment is None:
                raise NotFound(
                    code="commitment_not_found",
                    message="{commitment} is not a commitment in force.",
                    params={"commitment": command.commitment_id},
                )
            require_choice(command.status, STATUSES, "status")
            if command.achieved is not None and command.achieved < 0:
                raise InvalidInput(
                    code="negative_achieved",
                    message="Achieved cannot be negative.",
                    field_path=("achieved",),
                )
            if commitment.target is not None and (
                command.achieved is None or command.status == "no_target"
            ):
                raise RuleViolated(
                    code="target_needs_quantity",
                    message="A commitment with a target needs the achieved quantity and a status.",
                )
            if command.comment is not None:
                require_text(command.comment, "comment")
            return [
                CommitmentAssessed(
                    report_id=report.report_id,
                    commitment_id=command.commitment_id,
                    status=command.status,
                    achieved=command.achieved,
                    comment=command.comment,
                )
            ]
        case ApproveFollowUp():
            report = _report(state, command.report_id)
            day = command.day
            require_party_member(actor, state.parties, frozenset({"signatory"}), "approve")
            person_id = require_signing_mandate(
                context.directory, actor, actor.organisation_id, day, "approve a follow-up"
            )
            missing = sorted({c.commitment_id for c in commitments} - report.assessed())
            if missing:
                raise RuleViolated(
                    code="follow_up_incomplete",
                    message="Every commitment must be assessed; missing {missing}.",
                    params={"missing": ", ".join(missing)},
                )
            if actor.organisation_id in report.approved_by:
                raise RuleViolated(code="already_approved", message="Your party already approved.")
            return [
                FollowUpApproved(
                    report_id=report.report_id,
                    party_id=actor.organisation_id,
                    person_id=person_id,
                    approved_on=day,
                )
            ]
        case PublishFollowUp():
            require_party_member(actor, state.parties, frozenset({"publisher"}), "publish")
            report = _report(state, command.report_id)
            if set(report.approved_by) < set(state.parties):
                raise RuleViolated(
                    code="follow_up_not_approved",
                    message="Every party must approve the follow-up before it is published.",
                )
            if report.published:
                raise RuleViolated(code="already_published", message="Already published.")
            require_text(command.channel, "channel", max_length=200)
            published_on = command.published_on or command.day
            require_not_after(published_on, command.day, "published_on")
            return [
                FollowUpPublished(
                    report_id=report.report_id,
                    channel=command.channel,
                    published_on=published_on,
                    url=command.url,
                )
            ]
    raise unknown_command(command)
