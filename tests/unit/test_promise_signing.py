"""Proposing, signing, entering into force and amending a promise: commands and refusals."""

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
    Principal,
    Refusal,
    RuleViolated,
)
from events.promise.commands import (
    AddCommitment,
    EnterPromiseIntoForce,
    ProposePromise,
    ReopenPromise,
    SignPromise,
    StartPromiseAmendment,
)
from events.promise.decider import PROMISE
from events.promise.events import (
    CommitmentAdded,
    PromiseAmended,
    PromiseAmendmentStarted,
    PromiseDetailsRevised,
    PromiseDrafted,
    PromiseEnteredIntoForce,
    PromiseProposedForSigning,
    PromiseReopened,
    PromiseSignaturesVoided,
    PromiseSigned,
)
from tests.unit.decider_world import (
    AT,
    C1,
    CHIEF,
    CONTEXT,
    DETAILS,
    DRAFTED,
    FUTURE_DETAILS,
    HASH1,
    IN_FORCE,
    KOMMUN,
    KOMMUN_EDITOR,
    KOMMUN_SIGNED,
    KOMMUN_SIGNER,
    KSO,
    LPO,
    LPO_EDITOR,
    LPO_SIGNED,
    LPO_SIGNER,
    OTHER_CHIEF,
    OTHER_LPO,
    PARTIALLY_SIGNED,
    PARTIES,
    PROMISE_ID,
    PROPOSED,
    TODAY,
    VALID_FROM,
    principal,
    promise_meta,
    working_hash,
)
from tests.unit.given_when_then import then_refused, when


def _sign(
    actor: Principal,
    party: str,
    *,
    revision: int = 1,
    digest: str = HASH1,
    signed_on: dt.date | None = None,
) -> SignPromise:
    return SignPromise(
        **promise_meta(actor),
        revision_no=revision,
        content_hash=digest,
        party_id=party,
        signed_on=signed_on,
    )


def test_proposing_freezes_the_working_revision_under_its_content_hash() -> None:
    events = when(PROMISE, DRAFTED, ProposePromise(**promise_meta(LPO_EDITOR)), CONTEXT)
    assert events == [PromiseProposedForSigning(revision_no=1, content_hash=HASH1)]
    assert HASH1.startswith("sha256:") and len(HASH1) == 7 + 64
    assert PROMISE.fold((*DRAFTED, *events)).status == "proposed"


def test_the_content_hash_changes_with_the_content() -> None:
    edited = (*DRAFTED, PromiseDetailsRevised(details=replace(DETAILS, title="Annan titel")))
    assert working_hash(edited) != HASH1


def test_a_municipal_signatory_with_a_mandate_signs_for_the_municipality() -> None:
    events = when(PROMISE, PROPOSED, _sign(KOMMUN_SIGNER, KOMMUN), CONTEXT)
    assert events == [
        PromiseSigned(
            revision_no=1,
            content_hash=HASH1,
            party_id=KOMMUN,
            person_id=KSO,
            role_title="kommunstyrelsens ordförande",
            signed_on=TODAY,
        )
    ]
    assert PROMISE.fold((*PROPOSED, *events)).status == "partially_signed"


def test_the_last_signature_puts_the_promise_in_force_when_its_period_has_begun() -> None:
    events = when(PROMISE, PARTIALLY_SIGNED, _sign(LPO_SIGNER, LPO), CONTEXT)
    assert events == [
        PromiseSigned(
            revision_no=1, content_hash=HASH1, party_id=LPO, person_id=CHIEF, signed_on=TODAY
        ),
        PromiseEnteredIntoForce(revision_no=1, content_hash=HASH1, valid_from=VALID_FROM),
    ]
    state = PROMISE.fold((*PARTIALLY_SIGNED, *events))
    assert state.status == "in_force"
    assert state.in_force is not None and state.in_force.fully_signed()


def test_a_signature_may_give_an_earlier_signing_date() -> None:
    earlier = TODAY - dt.timedelta(days=3)
    events = when(PROMISE, PROPOSED, _sign(KOMMUN_SIGNER, KOMMUN, signed_on=earlier), CONTEXT)
    assert isinstance(events[0], PromiseSigned) and events[0].signed_on == earlier


def test_a_live_signature_without_a_date_carries_the_signing_date() -> None:
    (signed,) = when(PROMISE, PROPOSED, _sign(KOMMUN_SIGNER, KOMMUN), CONTEXT)
    assert isinstance(signed, PromiseSigned) and signed.signed_on == TODAY
    working = PROMISE.fold((*PROPOSED, signed)).working
    assert working is not None and [s.signed_on for s in working.signatures] == [TODAY]


def test_a_signature_whose_date_the_source_does_not_give_is_recorded_without_one() -> None:
    command = replace(_sign(KOMMUN_SIGNER, KOMMUN), date_unknown=True)
    (signed,) = when(PROMISE, PROPOSED, command, CONTEXT)
    assert isinstance(signed, PromiseSigned) and signed.signed_on is None


FUTURE: tuple[Event, ...] = (
    PromiseDrafted(promise_id=PROMISE_ID, parties=PARTIES, details=FUTURE_DETAILS),
    *DRAFTED[1:],
)
FUTURE_HASH = working_hash(FUTURE)
FUTURE_SIGNED: tuple[Event, ...] = (
    *FUTURE,
    PromiseProposedForSigning(revision_no=1, content_hash=FUTURE_HASH),
    replace(KOMMUN_SIGNED, content_hash=FUTURE_HASH),
    replace(LPO_SIGNED, content_hash=FUTURE_HASH),
)


def test_a_fully_signed_promise_waits_as_signed_until_its_period_begins() -> None:
    state = PROMISE.fold(FUTURE_SIGNED)
    assert state.status == "signed"
    then_refused(
        PROMISE,
        FUTURE_SIGNED,
        EnterPromiseIntoForce(**promise_meta(KOMMUN_EDITOR)),
        CONTEXT,
        RuleViolated,
        "period_not_begun",
    )
    later = dt.datetime(2027, 1, 1, 8, tzinfo=dt.UTC)
    events = when(
        PROMISE, FUTURE_SIGNED, EnterPromiseIntoForce(**promise_meta(KOMMUN_EDITOR, later)), CONTEXT
    )
    assert events == [
        PromiseEnteredIntoForce(
            revision_no=1, content_hash=FUTURE_HASH, valid_from=dt.date(2027, 1, 1)
        )
    ]


def test_reopening_a_partly_signed_revision_with_the_acknowledgement_voids_the_signatures() -> None:
    command = ReopenPromise(
        **promise_meta(LPO_EDITOR), reason="ny fakta", acknowledge=frozenset({VOID_SIGNATURES})
    )
    events = when(PROMISE, PARTIALLY_SIGNED, command, CONTEXT)
    assert events == [
        PromiseSignaturesVoided(
            revision_no=1, content_hash=HASH1, party_ids=(KOMMUN,), reason="ny fakta"
        ),
        PromiseReopened(revision_no=1, new_revision_no=2, reason="ny fakta"),
    ]


def test_reopening_a_partly_signed_revision_without_the_acknowledgement_is_refused() -> None:
    command = ReopenPromise(**promise_meta(LPO_EDITOR), reason="ny fakta")
    refusal = then_refused(
        PROMISE, PARTIALLY_SIGNED, command, CONTEXT, ConfirmationRequired, "confirmation_required"
    )
    assert isinstance(refusal, ConfirmationRequired)
    assert [(c.kind, c.organisation_id) for c in refusal.consequences] == [
        (VOID_SIGNATURES, KOMMUN)
    ]


AMENDING: tuple[Event, ...] = (
    *IN_FORCE,
    PromiseAmendmentStarted(revision_no=2, reason="nya behov"),
    CommitmentAdded(commitment=replace(C1, commitment_id="c3", text="Nattvandring")),
)
HASH2 = working_hash(AMENDING)
AMENDMENT_PROPOSED: tuple[Event, ...] = (
    *AMENDING,
    PromiseProposedForSigning(revision_no=2, content_hash=HASH2),
)


def test_a_signatory_starts_an_amendment_as_revision_two_while_one_stays_in_force() -> None:
    command = StartPromiseAmendment(**promise_meta(KOMMUN_SIGNER), reason="nya behov")
    events = when(PROMISE, IN_FORCE, command, CONTEXT)
    assert events == [PromiseAmendmentStarted(revision_no=2, reason="nya behov")]
    state = PROMISE.fold(AMENDMENT_PROPOSED)
    assert state.status == "in_force"
    assert state.in_force is not None and state.in_force.revision_no == 1
    assert state.working is not None and state.working.revision_no == 2


def test_an_amendment_takes_force_only_when_every_party_signed_it_again() -> None:
    first = when(
        PROMISE, AMENDMENT_PROPOSED, _sign(LPO_SIGNER, LPO, revision=2, digest=HASH2), CONTEXT
    )
    assert len(first) == 1
    half = (*AMENDMENT_PROPOSED, *first)
    in_force = PROMISE.fold(half).in_force
    assert in_force is not None and in_force.revision_no == 1
    second = when(PROMISE, half, _sign(KOMMUN_SIGNER, KOMMUN, revision=2, digest=HASH2), CONTEXT)
    assert second[1] == PromiseAmended(revision_no=2, content_hash=HASH2, in_force_from=AT.date())
    state = PROMISE.fold((*half, *second))
    assert state.in_force is not None and state.in_force.revision_no == 2
    assert state.in_force.content.commitment("c3") is not None
    assert state.working is None


def test_an_amendment_that_changes_nothing_cannot_be_proposed() -> None:
    unchanged = (*IN_FORCE, PromiseAmendmentStarted(revision_no=2, reason="x"))
    then_refused(
        PROMISE,
        unchanged,
        ProposePromise(**promise_meta(KOMMUN_EDITOR)),
        CONTEXT,
        RuleViolated,
        "no_changes",
    )


LPO_ON_KOMMUN = principal(LPO, "signatory", person=CHIEF)
NO_MANDATE = principal(KOMMUN, "signatory", person="person-nobody")
NO_PERSON = principal(KOMMUN, "signatory")
OTHER_SIGNER = principal(OTHER_LPO, "signatory", person=OTHER_CHIEF)
LATE = dt.datetime(2028, 1, 2, tzinfo=dt.UTC)
REFUSALS = [
    pytest.param(
        PROPOSED,
        ProposePromise(**promise_meta(KOMMUN_EDITOR)),
        RuleViolated,
        "already_proposed",
        id="a proposed revision is not proposed again",
    ),
    pytest.param(
        (DRAFTED[0],),
        ProposePromise(**promise_meta(KOMMUN_EDITOR)),
        RuleViolated,
        "empty_promise",
        id="an empty promise is not proposed",
    ),
    pytest.param(
        DRAFTED,
        _sign(KOMMUN_SIGNER, KOMMUN),
        RuleViolated,
        "not_proposed",
        id="a draft cannot be signed",
    ),
    pytest.param(
        PROPOSED,
        _sign(KOMMUN_SIGNER, KOMMUN, digest="sha256:0"),
        RuleViolated,
        "stale_revision",
        id="a signature must name the proposed hash",
    ),
    pytest.param(
        PROPOSED,
        _sign(KOMMUN_SIGNER, KOMMUN, revision=2),
        RuleViolated,
        "stale_revision",
        id="a signature must name the proposed revision",
    ),
    pytest.param(
        PROPOSED,
        _sign(LPO_ON_KOMMUN, KOMMUN),
        Forbidden,
        "not_own_party",
        id="a police signatory cannot sign for the municipality",
    ),
    pytest.param(
        PROPOSED,
        _sign(KOMMUN_SIGNER, LPO),
        Forbidden,
        "not_own_party",
        id="a municipal signatory cannot sign for the police",
    ),
    pytest.param(
        PROPOSED,
        _sign(OTHER_SIGNER, OTHER_LPO),
        NotFound,
        "promise_not_found",
        id="a signatory of a non-party organisation cannot sign: the promise is not found",
    ),
    pytest.param(
        PROPOSED,
        _sign(KOMMUN_EDITOR, KOMMUN),
        Forbidden,
        "missing_role",
        id="an editor cannot sign",
    ),
    pytest.param(
        PROPOSED,
        _sign(NO_MANDATE, KOMMUN),
        Forbidden,
        "no_signing_mandate",
        id="a signatory without a mandate cannot sign",
    ),
    pytest.param(
        PROPOSED,
        _sign(NO_PERSON, KOMMUN),
        Forbidden,
        "no_signing_mandate",
        id="a signature needs a known person",
    ),
    pytest.param(
        PROPOSED,
        SignPromise(
            **promise_meta(LPO_SIGNER, LATE), revision_no=1, content_hash=HASH1, party_id=LPO
        ),
        Forbidden,
        "no_signing_mandate",
        id="a mandate is valid only in its period",
    ),
    pytest.param(
        PROPOSED,
        _sign(KOMMUN_SIGNER, KOMMUN, signed_on=TODAY + dt.timedelta(days=1)),
        InvalidInput,
        "date_in_future",
        id="a signing date is not in the future",
    ),
    pytest.param(
        PROPOSED,
        replace(_sign(KOMMUN_SIGNER, KOMMUN, signed_on=TODAY), date_unknown=True),
        InvalidInput,
        "conflicting_fields",
        id="a signature has a date or an unknown date, not both",
    ),
    pytest.param(
        PARTIALLY_SIGNED,
        _sign(KOMMUN_SIGNER, KOMMUN),
        RuleViolated,
        "already_signed",
        id="one signature per party and revision",
    ),
    pytest.param(
        PARTIALLY_SIGNED,
        EnterPromiseIntoForce(**promise_meta(KOMMUN_EDITOR)),
        RuleViolated,
        "wrong_status",
        id="a partly signed promise is not put in force",
    ),
    pytest.param(
        FUTURE_SIGNED,
        AddCommitment(**promise_meta(KOMMUN_EDITOR), commitment=replace(C1, commitment_id="c9")),
        RuleViolated,
        "revision_signed",
        id="a fully signed revision is not edited",
    ),
    pytest.param(
        DRAFTED,
        ReopenPromise(**promise_meta(KOMMUN_EDITOR), reason="x"),
        RuleViolated,
        "not_proposed",
        id="a draft is not reopened",
    ),
    pytest.param(
        PROPOSED,
        StartPromiseAmendment(**promise_meta(KOMMUN_SIGNER), reason="x"),
        RuleViolated,
        "wrong_status",
        id="only a promise in force is amended",
    ),
    pytest.param(
        IN_FORCE,
        StartPromiseAmendment(**promise_meta(KOMMUN_EDITOR), reason="x"),
        Forbidden,
        "missing_role",
        id="an editor does not decide an amendment",
    ),
    pytest.param(
        AMENDING,
        StartPromiseAmendment(**promise_meta(KOMMUN_SIGNER), reason="x"),
        RuleViolated,
        "amendment_open",
        id="one amendment at a time",
    ),
    pytest.param(
        IN_FORCE,
        StartPromiseAmendment(**promise_meta(KOMMUN_SIGNER), reason=""),
        InvalidInput,
        "blank_text",
        id="an amendment gives a reason",
    ),
    pytest.param(
        (),
        ProposePromise(**promise_meta(KOMMUN_EDITOR)),
        NotFound,
        "promise_not_found",
        id="an unknown promise is not proposed",
    ),
]


@pytest.mark.parametrize(("given", "command", "kind", "code"), REFUSALS)
def test_signing_refuses(
    given: tuple[Event, ...], command: Command, kind: type[Refusal], code: str
) -> None:
    then_refused(PROMISE, given, command, CONTEXT, kind, code)
