"""Follow-ups (uppföljning): drafted, assessed, approved by each party, published; refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from events.messages import (
    Command,
    Event,
    Forbidden,
    InvalidInput,
    NotFound,
    Principal,
    Refusal,
    RuleViolated,
)
from events.promise.commands import (
    ApproveFollowUp,
    AssessCommitment,
    DraftFollowUp,
    PublishFollowUp,
)
from events.promise.decider import PROMISE
from events.promise.events import (
    CommitmentAssessed,
    FollowUpApproved,
    FollowUpPublished,
    FollowUpReportDrafted,
)
from tests.unit.decider_world import (
    CHIEF,
    CONTEXT,
    IN_FORCE,
    KOMMUN,
    KOMMUN_EDITOR,
    KOMMUN_PUBLISHER,
    KOMMUN_SIGNER,
    KSO,
    LPO,
    LPO_EDITOR,
    LPO_SIGNER,
    OUTSIDER,
    PROPOSED,
    TODAY,
    principal,
    promise_meta,
)
from tests.unit.given_when_then import then_refused, when

FROM, TO = dt.date(2026, 1, 1), dt.date(2026, 2, 28)
DRAFTED_REPORT: tuple[Event, ...] = (
    *IN_FORCE,
    FollowUpReportDrafted(report_id="f1", kind="interim", covers_from=FROM, covers_to=TO),
)
HALF_ASSESSED: tuple[Event, ...] = (
    *DRAFTED_REPORT,
    CommitmentAssessed(report_id="f1", commitment_id="c1", status="met", comment="Närvaro ökad"),
)
ASSESSED: tuple[Event, ...] = (
    *HALF_ASSESSED,
    CommitmentAssessed(report_id="f1", commitment_id="c2", status="partly", achieved=5),
)
ONE_APPROVAL = FollowUpApproved(report_id="f1", party_id=KOMMUN, person_id=KSO, approved_on=TODAY)
HALF_APPROVED: tuple[Event, ...] = (*ASSESSED, ONE_APPROVAL)
APPROVED: tuple[Event, ...] = (
    *HALF_APPROVED,
    FollowUpApproved(report_id="f1", party_id=LPO, person_id=CHIEF, approved_on=TODAY),
)
PUBLISHED: tuple[Event, ...] = (
    *APPROVED,
    FollowUpPublished(report_id="f1", channel="kommunens webb", published_on=TODAY),
)


def _assess(
    *,
    commitment_id: str = "c2",
    status: str = "met",
    achieved: int | None = None,
    comment: str | None = None,
) -> AssessCommitment:
    return AssessCommitment(
        **promise_meta(KOMMUN_EDITOR),
        report_id="f1",
        commitment_id=commitment_id,
        status=status,
        achieved=achieved,
        comment=comment,
    )


def test_an_editor_drafts_a_follow_up_for_a_period() -> None:
    command = DraftFollowUp(
        **promise_meta(LPO_EDITOR), report_id="f1", kind="interim", covers_from=FROM, covers_to=TO
    )
    assert when(PROMISE, IN_FORCE, command, CONTEXT) == [DRAFTED_REPORT[-1]]


def test_each_commitment_is_assessed_with_achieved_status_and_comment() -> None:
    events = when(PROMISE, DRAFTED_REPORT, _assess(achieved=9, comment="Nio insatser"), CONTEXT)
    assert events == [
        CommitmentAssessed(
            report_id="f1", commitment_id="c2", status="met", achieved=9, comment="Nio insatser"
        )
    ]


def test_a_signatory_of_each_party_approves_for_their_own_party() -> None:
    first = when(
        PROMISE, ASSESSED, ApproveFollowUp(**promise_meta(KOMMUN_SIGNER), report_id="f1"), CONTEXT
    )
    assert first == [ONE_APPROVAL]
    second = when(
        PROMISE, HALF_APPROVED, ApproveFollowUp(**promise_meta(LPO_SIGNER), report_id="f1"), CONTEXT
    )
    assert second == [APPROVED[-1]]


def test_a_publisher_publishes_an_approved_follow_up() -> None:
    command = PublishFollowUp(
        **promise_meta(KOMMUN_PUBLISHER), report_id="f1", channel="kommunens webb"
    )
    assert when(PROMISE, APPROVED, command, CONTEXT) == [PUBLISHED[-1]]
    report = PROMISE.fold(PUBLISHED).follow_up("f1")
    assert report is not None and report.published


def _draft(*, report_id: str = "f2", kind: str = "final", covers_to: dt.date = TO) -> DraftFollowUp:
    return DraftFollowUp(
        **promise_meta(KOMMUN_EDITOR),
        report_id=report_id,
        kind=kind,
        covers_from=FROM,
        covers_to=covers_to,
    )


def _approve(actor: Principal = KOMMUN_SIGNER) -> ApproveFollowUp:
    return ApproveFollowUp(**promise_meta(actor), report_id="f1")


def _publish(actor: Principal = KOMMUN_PUBLISHER) -> PublishFollowUp:
    return PublishFollowUp(
        **promise_meta(actor),
        report_id="f1",
        channel="webb",
    )


REFUSALS = [
    pytest.param(
        PROPOSED,
        _draft(),
        RuleViolated,
        "wrong_status",
        id="a promise not yet in force is not followed up",
    ),
    pytest.param(
        IN_FORCE,
        _draft(kind="weekly"),
        InvalidInput,
        "invalid_choice",
        id="a follow-up is interim or final",
    ),
    pytest.param(
        IN_FORCE,
        _draft(covers_to=dt.date(2025, 1, 1)),
        InvalidInput,
        "period_reversed",
        id="a follow-up period does not end before it starts",
    ),
    pytest.param(
        DRAFTED_REPORT,
        _draft(report_id="f1"),
        RuleViolated,
        "follow_up_exists",
        id="a report id is used once",
    ),
    pytest.param(
        IN_FORCE,
        DraftFollowUp(
            **promise_meta(OUTSIDER), report_id="f2", kind="final", covers_from=FROM, covers_to=TO
        ),
        NotFound,
        "promise_not_found",
        id="a non-party organisation does not follow up: the promise is not found for it",
    ),
    pytest.param(
        IN_FORCE,
        _assess(achieved=1),
        NotFound,
        "follow_up_not_found",
        id="assessing in an unknown report is refused",
    ),
    pytest.param(
        DRAFTED_REPORT,
        _assess(commitment_id="c9", achieved=1),
        NotFound,
        "commitment_not_found",
        id="only commitments in force are assessed",
    ),
    pytest.param(
        DRAFTED_REPORT,
        _assess(status="great", achieved=1),
        InvalidInput,
        "invalid_choice",
        id="status is met, partly, not met or no target",
    ),
    pytest.param(
        DRAFTED_REPORT,
        _assess(achieved=-1),
        InvalidInput,
        "negative_achieved",
        id="achieved is not negative",
    ),
    pytest.param(
        DRAFTED_REPORT,
        _assess(),
        RuleViolated,
        "target_needs_quantity",
        id="a commitment with a target is assessed with the achieved quantity",
    ),
    pytest.param(
        DRAFTED_REPORT,
        _assess(status="no_target", achieved=3),
        RuleViolated,
        "target_needs_quantity",
        id="a commitment with a target is not no target",
    ),
    pytest.param(
        HALF_APPROVED,
        _assess(achieved=9),
        RuleViolated,
        "follow_up_frozen",
        id="assessments freeze once approval began",
    ),
    pytest.param(
        HALF_ASSESSED,
        _approve(),
        RuleViolated,
        "follow_up_incomplete",
        id="a follow-up must cover every commitment before approval",
    ),
    pytest.param(
        ASSESSED,
        _approve(KOMMUN_EDITOR),
        Forbidden,
        "missing_role",
        id="an editor does not approve",
    ),
    pytest.param(
        ASSESSED,
        _approve(principal(KOMMUN, "signatory", person=CHIEF)),
        Forbidden,
        "no_signing_mandate",
        id="approval needs a mandate of one's own party",
    ),
    pytest.param(
        HALF_APPROVED, _approve(), RuleViolated, "already_approved", id="a party approves once"
    ),
    pytest.param(
        HALF_APPROVED,
        _publish(),
        RuleViolated,
        "follow_up_not_approved",
        id="a follow-up is published only when every party approved",
    ),
    pytest.param(
        APPROVED,
        _publish(KOMMUN_EDITOR),
        Forbidden,
        "missing_role",
        id="only a publisher publishes a follow-up",
    ),
    pytest.param(
        PUBLISHED, _publish(), RuleViolated, "already_published", id="a follow-up is published once"
    ),
]


@pytest.mark.parametrize(("given", "command", "kind", "code"), REFUSALS)
def test_follow_up_refuses(
    given: tuple[Event, ...], command: Command, kind: type[Refusal], code: str
) -> None:
    then_refused(PROMISE, given, command, CONTEXT, kind, code)
