"""Publish, withdraw, terminate, expire, close, archive and supersede a promise; refusals."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from events.consequences import VOID_SIGNATURES, ConfirmationRequired
from events.messages import (
    Command,
    Event,
    Forbidden,
    InvalidInput,
    NotFound,
    Refusal,
    RuleViolated,
)
from events.promise.commands import (
    ArchivePromise,
    ClosePromise,
    ExpirePromise,
    PublishPromise,
    SupersedePromise,
    TerminatePromise,
    WithdrawPromise,
)
from events.promise.decider import PROMISE
from events.promise.events import (
    FollowUpPublished,
    FollowUpReportDrafted,
    PromiseArchived,
    PromiseClosed,
    PromiseExpired,
    PromisePublished,
    PromiseSuperseded,
    PromiseTerminated,
    PromiseWithdrawn,
)
from tests.unit.decider_world import (
    CONTEXT,
    DRAFTED,
    IN_FORCE,
    KOMMUN,
    KOMMUN_EDITOR,
    KOMMUN_PUBLISHER,
    KOMMUN_SIGNER,
    LPO_EDITOR,
    OUTSIDER,
    PARTIALLY_SIGNED,
    PROMISE_ID,
    PROPOSED,
    TODAY,
    promise_meta,
)
from tests.unit.given_when_then import then_refused, when

AFTER = dt.datetime(2027, 1, 15, tzinfo=dt.UTC)
EXPIRED: tuple[Event, ...] = (*IN_FORCE, PromiseExpired(expired_on=AFTER.date()))
FINAL_DRAFTED: tuple[Event, ...] = (
    *EXPIRED,
    FollowUpReportDrafted(
        report_id="final",
        kind="final",
        covers_from=dt.date(2026, 1, 1),
        covers_to=dt.date(2026, 12, 31),
    ),
)
FINAL_PUBLISHED: tuple[Event, ...] = (
    *FINAL_DRAFTED,
    FollowUpPublished(report_id="final", channel="webb", published_on=AFTER.date()),
)
CLOSED: tuple[Event, ...] = (
    *FINAL_PUBLISHED,
    PromiseClosed(closed_on=AFTER.date(), final_report_id="final"),
)


def test_a_publisher_publishes_the_revision_in_force() -> None:
    command = PublishPromise(
        **promise_meta(KOMMUN_PUBLISHER), channel="polisen.se", url="https://polisen.se/x"
    )
    assert when(PROMISE, IN_FORCE, command, CONTEXT) == [
        PromisePublished(
            revision_no=1, channel="polisen.se", published_on=TODAY, url="https://polisen.se/x"
        )
    ]


@pytest.mark.parametrize("given", [DRAFTED, PROPOSED])
def test_a_promise_not_yet_in_force_is_withdrawn(given: tuple[Event, ...]) -> None:
    command = WithdrawPromise(**promise_meta(LPO_EDITOR), reason="ersätts av nytt förslag")
    events = when(PROMISE, given, command, CONTEXT)
    assert events == [PromiseWithdrawn(reason="ersätts av nytt förslag")]
    assert PROMISE.fold((*given, *events)).status == "withdrawn"


def test_withdrawing_a_partly_signed_promise_needs_the_acknowledgement_of_the_voiding() -> None:
    command = WithdrawPromise(**promise_meta(LPO_EDITOR), reason="ersätts av nytt förslag")
    refusal = then_refused(
        PROMISE, PARTIALLY_SIGNED, command, CONTEXT, ConfirmationRequired, "confirmation_required"
    )
    assert isinstance(refusal, ConfirmationRequired)
    assert [(c.kind, c.organisation_id, c.revision_no) for c in refusal.consequences] == [
        (VOID_SIGNATURES, KOMMUN, 1)
    ]
    acknowledged = replace(command, acknowledge=frozenset({VOID_SIGNATURES}))
    events = when(PROMISE, PARTIALLY_SIGNED, acknowledged, CONTEXT)
    assert events == [PromiseWithdrawn(reason="ersätts av nytt förslag")]


def test_a_signatory_terminates_a_promise_in_force_by_decision() -> None:
    command = TerminatePromise(
        **promise_meta(KOMMUN_SIGNER), reason="styrgruppsbeslut", decision_ref="KS 2026/12"
    )
    assert when(PROMISE, IN_FORCE, command, CONTEXT) == [
        PromiseTerminated(terminated_on=TODAY, reason="styrgruppsbeslut", decision_ref="KS 2026/12")
    ]


def test_a_promise_expires_dated_the_day_after_its_period_not_the_day_the_command_ran() -> None:
    events = when(PROMISE, IN_FORCE, ExpirePromise(**promise_meta(LPO_EDITOR, AFTER)), CONTEXT)
    assert events == [PromiseExpired(expired_on=dt.date(2027, 1, 1), recorded_on=AFTER.date())]


def test_a_promise_closes_after_a_published_final_follow_up_and_is_then_archived() -> None:
    close = ClosePromise(**promise_meta(KOMMUN_EDITOR, AFTER), final_report_id="final")
    closed = when(PROMISE, FINAL_PUBLISHED, close, CONTEXT)
    assert closed == [PromiseClosed(closed_on=AFTER.date(), final_report_id="final")]
    archive = ArchivePromise(**promise_meta(KOMMUN_EDITOR, AFTER))
    assert when(PROMISE, CLOSED, archive, CONTEXT) == [PromiseArchived(archived_on=AFTER.date())]
    assert PROMISE.fold((*CLOSED, PromiseArchived(archived_on=AFTER.date()))).status == "archived"


@pytest.mark.parametrize("given", [IN_FORCE, EXPIRED])
def test_a_new_promise_supersedes_one_in_force_or_expired(given: tuple[Event, ...]) -> None:
    command = SupersedePromise(**promise_meta(KOMMUN_SIGNER), successor_id="p2")
    events = when(PROMISE, given, command, CONTEXT)
    assert events == [PromiseSuperseded(successor_id="p2")]
    state = PROMISE.fold((*given, *events))
    assert state.status == "superseded" and state.successor_id == "p2"


def _close(report: str = "final") -> ClosePromise:
    return ClosePromise(**promise_meta(KOMMUN_EDITOR, AFTER), final_report_id=report)


REFUSALS = [
    pytest.param(
        PROPOSED,
        PublishPromise(**promise_meta(KOMMUN_PUBLISHER), channel="webb"),
        RuleViolated,
        "wrong_status",
        id="an unsigned promise is not published",
    ),
    pytest.param(
        IN_FORCE,
        PublishPromise(**promise_meta(KOMMUN_EDITOR), channel="webb"),
        Forbidden,
        "missing_role",
        id="only a publisher publishes a promise",
    ),
    pytest.param(
        IN_FORCE,
        PublishPromise(**promise_meta(OUTSIDER), channel="webb"),
        NotFound,
        "promise_not_found",
        id="a non-party publisher does not publish an unpublished promise it cannot see",
    ),
    pytest.param(
        IN_FORCE,
        PublishPromise(**promise_meta(KOMMUN_PUBLISHER), channel=""),
        InvalidInput,
        "blank_text",
        id="a publication names its channel",
    ),
    pytest.param(
        IN_FORCE,
        WithdrawPromise(**promise_meta(KOMMUN_EDITOR), reason="x"),
        RuleViolated,
        "wrong_status",
        id="a promise in force is terminated, not withdrawn",
    ),
    pytest.param(
        PROPOSED,
        TerminatePromise(**promise_meta(KOMMUN_SIGNER), reason="x"),
        RuleViolated,
        "wrong_status",
        id="only a promise in force is terminated",
    ),
    pytest.param(
        IN_FORCE,
        TerminatePromise(**promise_meta(KOMMUN_EDITOR), reason="x"),
        Forbidden,
        "missing_role",
        id="an editor does not terminate",
    ),
    pytest.param(
        IN_FORCE,
        ExpirePromise(**promise_meta(KOMMUN_EDITOR)),
        RuleViolated,
        "period_not_over",
        id="a promise does not expire inside its period",
    ),
    pytest.param(
        EXPIRED,
        ExpirePromise(**promise_meta(KOMMUN_EDITOR, AFTER)),
        RuleViolated,
        "wrong_status",
        id="a promise expires once",
    ),
    pytest.param(
        IN_FORCE, _close(), RuleViolated, "wrong_status", id="a promise in force is not closed"
    ),
    pytest.param(
        EXPIRED,
        _close(),
        RuleViolated,
        "final_follow_up_missing",
        id="closing needs a final follow-up",
    ),
    pytest.param(
        FINAL_DRAFTED,
        _close(),
        RuleViolated,
        "final_follow_up_missing",
        id="closing needs the final follow-up to be published",
    ),
    pytest.param(
        FINAL_PUBLISHED,
        ArchivePromise(**promise_meta(KOMMUN_EDITOR, AFTER)),
        RuleViolated,
        "wrong_status",
        id="only a closed promise is archived",
    ),
    pytest.param(
        PROPOSED,
        SupersedePromise(**promise_meta(KOMMUN_SIGNER), successor_id="p2"),
        RuleViolated,
        "wrong_status",
        id="a draft is not superseded",
    ),
    pytest.param(
        IN_FORCE,
        SupersedePromise(**promise_meta(KOMMUN_SIGNER), successor_id=PROMISE_ID),
        RuleViolated,
        "self_successor",
        id="a promise does not supersede itself",
    ),
]


@pytest.mark.parametrize(("given", "command", "kind", "code"), REFUSALS)
def test_the_lifecycle_refuses(
    given: tuple[Event, ...], command: Command, kind: type[Refusal], code: str
) -> None:
    then_refused(PROMISE, given, command, CONTEXT, kind, code)
