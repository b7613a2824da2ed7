"""A promise that names its agreement (samverkansöverenskommelse) rests on one that exists."""

from __future__ import annotations

from dataclasses import replace

from events.agreement import AGREEMENT, AgreementContent, AgreementDrafted
from events.context import DecisionContext
from events.messages import NotFound, RuleViolated
from events.promise.commands import DraftPromise, RevisePromiseDetails
from events.promise.decider import PROMISE
from events.promise.events import PromiseDetailsRevised, PromiseDrafted
from tests.unit.decider_world import (
    CONTEXT,
    DETAILS,
    DRAFTED,
    KOMMUN,
    KOMMUN_EDITOR,
    LPO,
    OTHER_LPO,
    PARTIES,
    promise_meta,
)
from tests.unit.given_when_then import then_refused, when

STREAM = "agreement-sok-1"


def _context(parties: tuple[str, ...] | None) -> DecisionContext:
    if parties is None:
        return replace(CONTEXT, linked={STREAM: AGREEMENT.initial_state})
    drafted = AgreementDrafted(
        agreement_id="sok-1", content=AgreementContent(parties=parties, title="SÖK")
    )
    return replace(CONTEXT, linked={STREAM: AGREEMENT.fold([drafted])})


def _draft() -> DraftPromise:
    return DraftPromise(
        **promise_meta(KOMMUN_EDITOR),
        parties=PARTIES,
        details=replace(DETAILS, agreement_id="sok-1"),
    )


def test_the_dispatcher_is_asked_for_the_agreement_a_promise_names() -> None:
    assert PROMISE.links(_draft()) == (STREAM,)
    assert PROMISE.links(replace(_draft(), details=DETAILS)) == ()


def test_a_promise_drafts_under_an_agreement_of_its_parties() -> None:
    events = when(PROMISE, (), _draft(), _context((KOMMUN, LPO)))
    assert isinstance(events[0], PromiseDrafted)
    assert events[0].details.agreement_id == "sok-1"


def test_an_agreement_that_does_not_exist_is_refused_naming_the_field() -> None:
    refusal = then_refused(PROMISE, (), _draft(), _context(None), NotFound, "agreement_not_found")
    assert refusal.field_path == ("details", "agreement_id")


def test_an_agreement_of_other_parties_is_refused() -> None:
    refusal = then_refused(
        PROMISE,
        (),
        _draft(),
        _context((KOMMUN, OTHER_LPO)),
        RuleViolated,
        "agreement_parties_differ",
    )
    assert refusal.field_path == ("details", "agreement_id")


def test_revising_the_header_checks_the_agreement_too() -> None:
    command = RevisePromiseDetails(
        **promise_meta(KOMMUN_EDITOR), details=replace(DETAILS, agreement_id="sok-1")
    )
    then_refused(PROMISE, DRAFTED, command, _context(None), NotFound, "agreement_not_found")
    assert isinstance(when(PROMISE, DRAFTED, command, _context(PARTIES))[0], PromiseDetailsRevised)
