"""Drafting and editing a promise (medborgarlöfte): every edit command and its refusals."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from events.consequences import VOID_SIGNATURES, ConfirmationRequired
from events.messages import Command, Event, Forbidden, InvalidInput, NotFound, Refusal, RuleViolated
from events.promise.commands import (
    AddCommitment,
    AddFocusArea,
    DraftPromise,
    RecordPromiseInput,
    RegisterPlace,
    RemoveCommitment,
    RemoveFocusArea,
    RemovePlace,
    RemovePromiseInput,
    ReviseCommitment,
    RevisePromiseDetails,
)
from events.promise.content import FocusArea, Period, Place, PromiseInput, Target
from events.promise.decider import PROMISE
from events.promise.events import (
    CommitmentAdded,
    CommitmentRemoved,
    CommitmentRevised,
    FocusAreaAdded,
    FocusAreaRemoved,
    PlaceRegistered,
    PlaceRemoved,
    PromiseDetailsRevised,
    PromiseDrafted,
    PromiseInputRecorded,
    PromiseInputRemoved,
    PromiseReopened,
    PromiseSignaturesVoided,
)
from tests.unit.decider_world import (
    AUDITOR,
    C1,
    C2,
    CONTEXT,
    DETAILS,
    DRAFTED,
    HASH1,
    IN_FORCE,
    KOMMUN,
    KOMMUN_EDITOR,
    KOMMUN_PUBLISHER,
    LPO,
    LPO_EDITOR,
    OTHER_KOMMUN,
    OTHER_LPO,
    OUTSIDER,
    PARTIALLY_SIGNED,
    PARTIES,
    PARTNER,
    PROMISE_ID,
    PROPOSED,
    REGION,
    VIEWER,
    promise_meta,
)
from tests.unit.given_when_then import then_refused, when

INPUT = PromiseInput(input_id="in1", kind="survey", summary="Trygghetsenkät")
AREA2 = FocusArea(focus_area_id="fa2", title="Trafik")
PLACE2 = Place(place_id="pl2", name="Stationen", kind="station", municipality_id=KOMMUN)
WITH_INPUT: tuple[Event, ...] = (*DRAFTED, PromiseInputRecorded(input=INPUT))


def test_an_editor_of_a_party_drafts_a_promise() -> None:
    command = DraftPromise(**promise_meta(KOMMUN_EDITOR), parties=PARTIES, details=DETAILS)
    assert when(PROMISE, (), command, CONTEXT) == [
        PromiseDrafted(promise_id=PROMISE_ID, parties=PARTIES, details=DETAILS)
    ]


def test_a_promise_may_have_two_municipalities_and_a_partner() -> None:
    parties = (KOMMUN, OTHER_KOMMUN, LPO, PARTNER)
    command = DraftPromise(**promise_meta(LPO_EDITOR), parties=parties, details=DETAILS)
    assert when(PROMISE, (), command, CONTEXT)[0] == PromiseDrafted(
        promise_id=PROMISE_ID, parties=parties, details=DETAILS
    )


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        pytest.param(
            RevisePromiseDetails(**promise_meta(KOMMUN_EDITOR), details=replace(DETAILS, goal="G")),
            PromiseDetailsRevised(details=replace(DETAILS, goal="G")),
            id="the header is revised",
        ),
        pytest.param(
            RecordPromiseInput(**promise_meta(KOMMUN_EDITOR), input=INPUT),
            PromiseInputRecorded(input=INPUT),
            id="an input is recorded",
        ),
        pytest.param(
            AddFocusArea(**promise_meta(LPO_EDITOR), focus_area=AREA2),
            FocusAreaAdded(focus_area=AREA2),
            id="a focus area is added",
        ),
        pytest.param(
            RegisterPlace(**promise_meta(KOMMUN_EDITOR), place=PLACE2),
            PlaceRegistered(place=PLACE2),
            id="a place is registered",
        ),
        pytest.param(
            AddCommitment(
                **promise_meta(KOMMUN_EDITOR), commitment=replace(C1, commitment_id="c3")
            ),
            CommitmentAdded(commitment=replace(C1, commitment_id="c3")),
            id="a commitment is added",
        ),
        pytest.param(
            ReviseCommitment(**promise_meta(KOMMUN_EDITOR), commitment=replace(C1, text="Mer")),
            CommitmentRevised(commitment=replace(C1, text="Mer")),
            id="a commitment is revised",
        ),
        pytest.param(
            RemoveCommitment(**promise_meta(KOMMUN_EDITOR), commitment_id="c1", reason="ändrat"),
            CommitmentRemoved(commitment_id="c1", reason="ändrat"),
            id="a commitment is removed",
        ),
    ],
)
def test_an_editor_edits_a_draft(command: Command, expected: Event) -> None:
    assert when(PROMISE, DRAFTED, command, CONTEXT) == [expected]


def test_inputs_focus_areas_and_places_no_longer_used_are_removed() -> None:
    history = (
        *WITH_INPUT,
        FocusAreaAdded(focus_area=AREA2),
        PlaceRegistered(place=PLACE2),
    )
    for command, expected in (
        (
            RemovePromiseInput(**promise_meta(KOMMUN_EDITOR), input_id="in1"),
            PromiseInputRemoved(input_id="in1"),
        ),
        (
            RemoveFocusArea(**promise_meta(KOMMUN_EDITOR), focus_area_id="fa2"),
            FocusAreaRemoved(focus_area_id="fa2"),
        ),
        (RemovePlace(**promise_meta(KOMMUN_EDITOR), place_id="pl2"), PlaceRemoved(place_id="pl2")),
    ):
        events = when(PROMISE, history, command, CONTEXT)
        assert events == [expected]
        history = (*history, *events)
    working = PROMISE.fold(history).working
    assert working is not None
    assert working.content.inputs == ()
    assert [f.focus_area_id for f in working.content.focus_areas] == ["fa1"]


def test_editing_a_proposal_nobody_signed_needs_no_acknowledgement_and_opens_revision_two() -> None:
    command = RevisePromiseDetails(
        **promise_meta(KOMMUN_EDITOR), details=replace(DETAILS, goal="G")
    )
    events = when(PROMISE, PROPOSED, command, CONTEXT)
    assert [type(e) for e in events] == [PromiseReopened, PromiseDetailsRevised]
    assert events[0] == PromiseReopened(
        revision_no=1, new_revision_no=2, reason="edited: PromiseDetailsRevised"
    )
    state = PROMISE.fold((*PROPOSED, *events))
    assert state.status == "draft"
    assert state.working is not None and state.working.revision_no == 2
    assert state.working.content.details.goal == "G"


def test_editing_a_partly_signed_proposal_without_the_acknowledgement_is_refused() -> None:
    command = AddFocusArea(**promise_meta(LPO_EDITOR), focus_area=AREA2)
    refusal = then_refused(
        PROMISE, PARTIALLY_SIGNED, command, CONTEXT, ConfirmationRequired, "confirmation_required"
    )
    assert isinstance(refusal, ConfirmationRequired)
    (consequence,) = refusal.consequences
    assert (consequence.kind, consequence.organisation_id, consequence.revision_no) == (
        VOID_SIGNATURES,
        KOMMUN,
        1,
    )
    assert "Testkommun" in consequence.text() and "revision 1" in consequence.text()
    assert "VOID_SIGNATURES" in refusal.text()


def test_editing_a_partly_signed_proposal_with_acknowledgement_voids_and_opens_revision_2() -> None:
    command = AddFocusArea(
        **promise_meta(LPO_EDITOR), focus_area=AREA2, acknowledge=frozenset({VOID_SIGNATURES})
    )
    events = when(PROMISE, PARTIALLY_SIGNED, command, CONTEXT)
    assert events == [
        PromiseSignaturesVoided(
            revision_no=1, content_hash=HASH1, party_ids=(KOMMUN,), reason="edited: FocusAreaAdded"
        ),
        PromiseReopened(revision_no=1, new_revision_no=2, reason="edited: FocusAreaAdded"),
        FocusAreaAdded(focus_area=AREA2),
    ]
    state = PROMISE.fold((*PARTIALLY_SIGNED, *events))
    assert state.status == "draft"
    assert state.working is not None and state.working.revision_no == 2
    assert state.working.signatures == () and state.working.stage == "draft"
    assert [s.party_id for s in state.voided_signatures] == [KOMMUN]
    (reopened,) = state.past_revisions
    assert (reopened.revision_no, reopened.stage, reopened.content_hash) == (1, "reopened", HASH1)


def test_a_wrong_edit_of_a_partly_signed_proposal_is_refused_for_its_fault_first() -> None:
    command = RemovePlace(**promise_meta(KOMMUN_EDITOR), place_id="pl9")
    then_refused(PROMISE, PARTIALLY_SIGNED, command, CONTEXT, NotFound, "place_not_found")


def test_editing_a_draft_needs_no_acknowledgement() -> None:
    command = AddFocusArea(**promise_meta(LPO_EDITOR), focus_area=AREA2)
    assert when(PROMISE, DRAFTED, command, CONTEXT) == [FocusAreaAdded(focus_area=AREA2)]


def _draft(parties: tuple[str, ...]) -> DraftPromise:
    return DraftPromise(**promise_meta(KOMMUN_EDITOR), parties=parties, details=DETAILS)


TWO_AREAS = (LPO, OTHER_LPO, KOMMUN)
BAD_TARGET = replace(C2, target=Target(comparator="~", quantity=8, unit="insats"))
REFUSALS = [
    pytest.param(
        (),
        _draft((KOMMUN, LPO, KOMMUN)),
        InvalidInput,
        "duplicate_values",
        id="a party is listed once",
    ),
    pytest.param(
        (), _draft((KOMMUN,)), RuleViolated, "police_area_count", id="a promise needs a police area"
    ),
    pytest.param(
        (),
        _draft(TWO_AREAS),
        RuleViolated,
        "police_area_count",
        id="a promise has exactly one police area",
    ),
    pytest.param(
        (),
        DraftPromise(**promise_meta(LPO_EDITOR), parties=(LPO, PARTNER), details=DETAILS),
        RuleViolated,
        "no_municipality",
        id="a promise needs a municipality",
    ),
    pytest.param(
        (),
        _draft((KOMMUN, LPO, REGION)),
        RuleViolated,
        "invalid_party",
        id="a police region cannot be a party",
    ),
    pytest.param(
        (),
        _draft((KOMMUN, LPO, "org-none")),
        NotFound,
        "organisation_not_found",
        id="parties are registered organisations",
    ),
    pytest.param(
        (),
        DraftPromise(**promise_meta(OUTSIDER), parties=PARTIES, details=DETAILS),
        Forbidden,
        "not_a_party",
        id="an outsider cannot draft a promise for others",
    ),
    pytest.param(
        (),
        DraftPromise(**promise_meta(KOMMUN_PUBLISHER), parties=PARTIES, details=DETAILS),
        Forbidden,
        "missing_role",
        id="a publisher does not draft",
    ),
    pytest.param(
        (),
        DraftPromise(
            **promise_meta(KOMMUN_EDITOR), parties=PARTIES, details=replace(DETAILS, title=" ")
        ),
        InvalidInput,
        "blank_text",
        id="a promise has a title",
    ),
    pytest.param(
        (),
        DraftPromise(
            **promise_meta(KOMMUN_EDITOR),
            parties=PARTIES,
            details=replace(
                DETAILS, period=Period(valid_from=dt.date(2026, 2, 1), valid_to=dt.date(2026, 1, 1))
            ),
        ),
        InvalidInput,
        "period_reversed",
        id="a period does not end before it starts",
    ),
    pytest.param(
        DRAFTED, _draft(PARTIES), RuleViolated, "promise_exists", id="a promise is drafted once"
    ),
    pytest.param(
        (),
        RecordPromiseInput(**promise_meta(KOMMUN_EDITOR), input=INPUT),
        NotFound,
        "promise_not_found",
        id="an unknown promise cannot be edited",
    ),
    pytest.param(
        DRAFTED,
        RecordPromiseInput(**promise_meta(OUTSIDER), input=INPUT),
        NotFound,
        "promise_not_found",
        id="nobody from a non-party organisation edits: the draft is not found for them",
    ),
    pytest.param(
        DRAFTED,
        RecordPromiseInput(**promise_meta(AUDITOR), input=INPUT),
        Forbidden,
        "auditor_read_only",
        id="an auditor never edits",
    ),
    pytest.param(
        DRAFTED,
        RecordPromiseInput(**promise_meta(VIEWER), input=INPUT),
        Forbidden,
        "missing_role",
        id="a viewer never edits",
    ),
    pytest.param(
        DRAFTED,
        RecordPromiseInput(**promise_meta(KOMMUN_EDITOR), input=replace(INPUT, kind="rumour")),
        InvalidInput,
        "invalid_choice",
        id="input kinds come from a fixed list",
    ),
    pytest.param(
        DRAFTED,
        RemovePromiseInput(**promise_meta(KOMMUN_EDITOR), input_id="in9"),
        NotFound,
        "input_not_found",
        id="removing an unknown input is refused",
    ),
    pytest.param(
        DRAFTED,
        AddFocusArea(
            **promise_meta(KOMMUN_EDITOR), focus_area=FocusArea(focus_area_id="fa1", title="X")
        ),
        RuleViolated,
        "focus_area_exists",
        id="a focus area id is used once",
    ),
    pytest.param(
        DRAFTED,
        RemoveFocusArea(**promise_meta(KOMMUN_EDITOR), focus_area_id="fa9"),
        NotFound,
        "focus_area_not_found",
        id="removing an unknown focus area is refused",
    ),
    pytest.param(
        DRAFTED,
        RemoveFocusArea(**promise_meta(KOMMUN_EDITOR), focus_area_id="fa1"),
        RuleViolated,
        "focus_area_in_use",
        id="a focus area in use stays",
    ),
    pytest.param(
        DRAFTED,
        RegisterPlace(**promise_meta(KOMMUN_EDITOR), place=replace(PLACE2, place_id="pl1")),
        RuleViolated,
        "place_exists",
        id="a place id is used once",
    ),
    pytest.param(
        DRAFTED,
        RegisterPlace(**promise_meta(KOMMUN_EDITOR), place=replace(PLACE2, kind="castle")),
        InvalidInput,
        "invalid_choice",
        id="place kinds come from a fixed list",
    ),
    pytest.param(
        DRAFTED,
        RegisterPlace(**promise_meta(KOMMUN_EDITOR), place=replace(PLACE2, municipality_id=LPO)),
        NotFound,
        "municipality_not_found",
        id="a place lies in a municipality",
    ),
    pytest.param(
        DRAFTED,
        RemovePlace(**promise_meta(KOMMUN_EDITOR), place_id="pl9"),
        NotFound,
        "place_not_found",
        id="removing an unknown place is refused",
    ),
    pytest.param(
        DRAFTED,
        RemovePlace(**promise_meta(KOMMUN_EDITOR), place_id="pl1"),
        RuleViolated,
        "place_in_use",
        id="a place named by a commitment stays",
    ),
    pytest.param(
        DRAFTED,
        AddCommitment(**promise_meta(KOMMUN_EDITOR), commitment=C1),
        RuleViolated,
        "commitment_exists",
        id="a commitment id is used once",
    ),
    pytest.param(
        DRAFTED,
        AddCommitment(
            **promise_meta(KOMMUN_EDITOR),
            commitment=replace(C1, commitment_id="c9", focus_area_id="fa9"),
        ),
        NotFound,
        "focus_area_not_found",
        id="a commitment belongs to a known area",
    ),
    pytest.param(
        DRAFTED,
        AddCommitment(
            **promise_meta(KOMMUN_EDITOR),
            commitment=replace(C1, commitment_id="c9", place_ids=("pl9",)),
        ),
        NotFound,
        "place_not_found",
        id="a commitment names known places",
    ),
    pytest.param(
        DRAFTED,
        AddCommitment(
            **promise_meta(KOMMUN_EDITOR),
            commitment=replace(C1, commitment_id="c9", responsible_ids=("org-none",)),
        ),
        NotFound,
        "organisation_not_found",
        id="responsible organisations exist",
    ),
    pytest.param(
        DRAFTED,
        AddCommitment(
            **promise_meta(KOMMUN_EDITOR),
            commitment=replace(C1, commitment_id="c9", place_ids=("pl1", "pl1")),
        ),
        InvalidInput,
        "duplicate_values",
        id="a commitment names a place once",
    ),
    pytest.param(
        DRAFTED,
        ReviseCommitment(**promise_meta(KOMMUN_EDITOR), commitment=BAD_TARGET),
        InvalidInput,
        "invalid_choice",
        id="a target's comparator is >=, = or <=",
    ),
    pytest.param(
        DRAFTED,
        ReviseCommitment(
            **promise_meta(KOMMUN_EDITOR),
            commitment=replace(C2, target=Target(comparator=">=", quantity=-1, unit="insats")),
        ),
        InvalidInput,
        "negative_target",
        id="a target quantity is not negative",
    ),
    pytest.param(
        DRAFTED,
        ReviseCommitment(**promise_meta(KOMMUN_EDITOR), commitment=replace(C1, commitment_id="c9")),
        NotFound,
        "commitment_not_found",
        id="revising an unknown commitment is refused",
    ),
    pytest.param(
        DRAFTED,
        RemoveCommitment(**promise_meta(KOMMUN_EDITOR), commitment_id="c9", reason="x"),
        NotFound,
        "commitment_not_found",
        id="removing an unknown commitment is refused",
    ),
    pytest.param(
        IN_FORCE,
        RecordPromiseInput(**promise_meta(KOMMUN_EDITOR), input=INPUT),
        RuleViolated,
        "no_amendment_open",
        id="a promise in force changes only through an amendment",
    ),
]


@pytest.mark.parametrize(("given", "command", "kind", "code"), REFUSALS)
def test_drafting_refuses(
    given: tuple[Event, ...], command: Command, kind: type[Refusal], code: str
) -> None:
    then_refused(PROMISE, given, command, CONTEXT, kind, code)
