"""Revision numbers and stage labels: a reopen opens revision n+1, stages follow the lifecycle,
and streams written before either still fold as they did."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest

from events.catalogue import event_registry
from events.consequences import VOID_SIGNATURES
from events.messages import Event, RuleViolated
from events.promise.commands import ProposePromise, ReopenPromise, SignPromise
from events.promise.content import FocusArea
from events.promise.decider import PROMISE
from events.promise.events import (
    CommitmentAdded,
    FocusAreaAdded,
    PromiseAmended,
    PromiseAmendmentStarted,
    PromiseEnteredIntoForce,
    PromiseExpired,
    PromiseProposedForSigning,
    PromiseReopened,
    PromiseSignaturesVoided,
    PromiseSigned,
    PromiseSuperseded,
    PromiseTerminated,
    PromiseWithdrawn,
)
from tests.unit.decider_world import (
    C1,
    CONTEXT,
    HASH1,
    IN_FORCE,
    KOMMUN,
    KOMMUN_EDITOR,
    KOMMUN_SIGNED,
    LPO,
    LPO_SIGNED,
    LPO_SIGNER,
    PARTIALLY_SIGNED,
    PROPOSED,
    promise_meta,
    working_hash,
)
from tests.unit.given_when_then import then_refused, when

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ACKNOWLEDGED = frozenset({VOID_SIGNATURES})
AREA2 = FocusArea(focus_area_id="fa2", title="Trafik")

REOPENED: tuple[Event, ...] = (
    *PARTIALLY_SIGNED,
    PromiseSignaturesVoided(revision_no=1, content_hash=HASH1, party_ids=(KOMMUN,), reason="x"),
    PromiseReopened(revision_no=1, new_revision_no=2, reason="x"),
    FocusAreaAdded(focus_area=AREA2),
)
HASH2 = working_hash(REOPENED)
REPROPOSED: tuple[Event, ...] = (
    *REOPENED,
    PromiseProposedForSigning(revision_no=2, content_hash=HASH2),
)


def test_a_reopened_proposal_is_proposed_again_as_revision_two_under_its_own_hash() -> None:
    events = when(PROMISE, REOPENED, ProposePromise(**promise_meta(KOMMUN_EDITOR)), CONTEXT)
    assert events == [PromiseProposedForSigning(revision_no=2, content_hash=HASH2)]
    assert HASH2 != HASH1
    state = PROMISE.fold(REPROPOSED)
    assert state.working is not None and (state.working.revision_no, state.working.stage) == (
        2,
        "proposed",
    )
    assert [(r.revision_no, r.stage, r.content_hash) for r in state.past_revisions] == [
        (1, "reopened", HASH1)
    ]


def test_a_refusal_after_a_reopen_names_distinct_revision_numbers() -> None:
    stale = SignPromise(**promise_meta(LPO_SIGNER), revision_no=1, content_hash=HASH1, party_id=LPO)
    refusal = then_refused(PROMISE, REPROPOSED, stale, CONTEXT, RuleViolated, "stale_revision")
    assert "You signed revision 1, but revision 2 with hash" in refusal.text()
    assert HASH2 in refusal.text()


def test_a_signature_on_the_new_revision_names_its_number_and_hash() -> None:
    sign = SignPromise(**promise_meta(LPO_SIGNER), revision_no=2, content_hash=HASH2, party_id=LPO)
    (signed,) = when(PROMISE, REPROPOSED, sign, CONTEXT)
    assert isinstance(signed, PromiseSigned)
    assert (signed.revision_no, signed.content_hash) == (2, HASH2)


def test_the_revision_in_force_is_labelled_in_force() -> None:
    state = PROMISE.fold(IN_FORCE)
    assert state.in_force is not None and state.in_force.stage == "in_force"


def test_a_fully_signed_revision_waiting_for_its_period_is_labelled_signed() -> None:
    state = PROMISE.fold((*PARTIALLY_SIGNED, LPO_SIGNED))
    assert state.status == "signed"
    assert state.working is not None and state.working.stage == "signed"


AMENDMENT_IN_FORCE: tuple[Event, ...] = (
    *IN_FORCE,
    PromiseAmendmentStarted(revision_no=2, reason="nya behov"),
    CommitmentAdded(commitment=replace(C1, commitment_id="c3")),
    PromiseProposedForSigning(revision_no=2, content_hash="sha256:two"),
    PromiseAmended(revision_no=2, content_hash="sha256:two"),
)


def test_an_amendment_in_force_labels_the_revision_it_replaced_superseded() -> None:
    state = PROMISE.fold(AMENDMENT_IN_FORCE)
    assert state.in_force is not None
    assert (state.in_force.revision_no, state.in_force.stage) == (2, "in_force")
    assert [(r.revision_no, r.stage) for r in state.past_revisions] == [(1, "superseded")]


@pytest.mark.parametrize(
    ("end", "stage"),
    [
        (PromiseExpired(expired_on=dt.date(2027, 1, 1)), "expired"),
        (PromiseTerminated(terminated_on=dt.date(2026, 6, 1), reason="beslut"), "terminated"),
        (PromiseSuperseded(successor_id="p2"), "superseded"),
    ],
)
def test_the_revision_that_was_in_force_is_labelled_by_how_the_promise_ended(
    end: Event, stage: str
) -> None:
    state = PROMISE.fold((*IN_FORCE, end))
    assert state.in_force is not None and state.in_force.stage == stage


def test_a_withdrawn_proposal_is_labelled_withdrawn() -> None:
    state = PROMISE.fold((*PROPOSED, PromiseWithdrawn(reason="nytt förslag")))
    assert state.working is not None and state.working.stage == "withdrawn"


def test_a_reopened_amendment_becomes_the_next_number_while_the_one_in_force_stays() -> None:
    amending = (
        *IN_FORCE,
        PromiseAmendmentStarted(revision_no=2, reason="nya behov"),
        CommitmentAdded(commitment=replace(C1, commitment_id="c3")),
    )
    proposed = (
        *amending,
        PromiseProposedForSigning(revision_no=2, content_hash=working_hash(amending)),
    )
    command = ReopenPromise(**promise_meta(KOMMUN_EDITOR), reason="fel", acknowledge=ACKNOWLEDGED)
    events = when(PROMISE, proposed, command, CONTEXT)
    assert events == [PromiseReopened(revision_no=2, new_revision_no=3, reason="fel")]
    state = PROMISE.fold((*proposed, *events))
    assert state.in_force is not None and state.in_force.revision_no == 1
    assert state.working is not None and state.working.revision_no == 3


def test_a_stored_version_one_reopen_decodes_keeping_its_revision_number() -> None:
    stored = json.loads((FIXTURES / "promise_reopened_v1.json").read_text(encoding="utf-8"))
    event = event_registry().decode(stored["type"], stored["schema_version"], stored["data"])
    assert event == PromiseReopened(revision_no=1, new_revision_no=1, reason="ny fakta")


def test_an_old_stream_reopened_under_the_same_number_folds_as_it_did() -> None:
    # Written before reopening opened revision n+1: revision 1 went back to Draft, was edited,
    # proposed again as revision 1 under a new hash, signed by both and entered into force.
    reopened = (
        *PARTIALLY_SIGNED,
        PromiseSignaturesVoided(revision_no=1, content_hash=HASH1, party_ids=(KOMMUN,), reason="x"),
        PromiseReopened(revision_no=1, new_revision_no=1, reason="x"),
        FocusAreaAdded(focus_area=AREA2),
    )
    digest = working_hash(reopened)
    history = (
        *reopened,
        PromiseProposedForSigning(revision_no=1, content_hash=digest),
        replace(KOMMUN_SIGNED, content_hash=digest),
        replace(LPO_SIGNED, content_hash=digest),
        PromiseEnteredIntoForce(revision_no=1, content_hash=digest, valid_from=dt.date(2026, 1, 1)),
    )
    state = PROMISE.fold(history)
    assert state.status == "in_force" and state.past_revisions == ()
    revision = state.in_force
    assert revision is not None
    assert (revision.revision_no, revision.content_hash, revision.stage) == (1, digest, "in_force")
    assert {(s.revision_no, s.content_hash) for s in revision.signatures} == {(1, digest)}
    assert [s.party_id for s in state.voided_signatures] == [KOMMUN]
