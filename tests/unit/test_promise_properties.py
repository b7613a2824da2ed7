"""Properties of the promise decider over random command sequences (hypothesis)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from events.catalogue import deciders
from events.consequences import VOID_SIGNATURES
from events.messages import Command, Event, Principal, Refusal
from events.promise.commands import (
    AddCommitment,
    AddFocusArea,
    DraftPromise,
    EnterPromiseIntoForce,
    ExpirePromise,
    ProposePromise,
    RecordActivity,
    RemoveCommitment,
    ReopenPromise,
    RevisePromiseDetails,
    SignPromise,
    StartPromiseAmendment,
    TerminatePromise,
    VoidActivityRecord,
    WithdrawPromise,
)
from events.promise.content import FocusArea, content_hash
from events.promise.decider import PROMISE
from events.promise.events import ActivityPerformed, PromiseSignaturesVoided
from events.promise.revision import COLLECTING, STAGE_WITHDRAWN
from events.promise.state import IN_FORCE, PromiseState
from tests.unit.decider_world import (
    C1,
    C2,
    CONTEXT,
    DETAILS,
    KOMMUN,
    KOMMUN_EDITOR,
    KOMMUN_SIGNER,
    LPO,
    LPO_EDITOR,
    LPO_SIGNER,
    OUTSIDER,
    PARTIES,
    principal,
    promise_meta,
)

START = dt.datetime(2025, 12, 1, 9, tzinfo=dt.UTC)
ACTIONS = (
    "draft",
    "details",
    "area",
    "commitment",
    "remove",
    "propose",
    "sign",
    "sign_wrong",
    "reopen",
    "enter",
    "amend",
    "record",
    "void",
    "expire",
    "terminate",
    "withdraw",
)
# Signing and proposing are listed twice so that random runs often reach InForce.
WEIGHTED = (*ACTIONS, "propose", "sign", "sign", "record")
PREFIX = [("draft", 0, 0), ("area", 0, 0), ("commitment", 0, 0), ("commitment", 1, 0)]
STEPS = st.lists(
    st.tuples(st.sampled_from(WEIGHTED), st.integers(0, 3), st.integers(0, 30)),
    max_size=40,
).map(lambda steps: PREFIX + steps)
SIGNERS = (KOMMUN_SIGNER, LPO_SIGNER)
EDITORS = (KOMMUN_EDITOR, LPO_EDITOR)


def _command(action: str, n: int, at: dt.datetime, state: PromiseState) -> Command | None:
    meta: dict[str, Any] = promise_meta(EDITORS[n % 2], at)
    # Half the edits acknowledge that they may void signatures; the others must not void any.
    meta["acknowledge"] = frozenset({VOID_SIGNATURES}) if n >= 2 else frozenset()
    working, in_force = state.working, state.in_force
    match action:
        case "draft":
            return DraftPromise(**meta, parties=PARTIES, details=DETAILS)
        case "details":
            return RevisePromiseDetails(**meta, details=replace(DETAILS, goal=f"Mål {n}"))
        case "area":
            return AddFocusArea(**meta, focus_area=FocusArea(focus_area_id="fa1", title="Trygg"))
        case "commitment":
            base = (C1, C2)[n % 2]
            fresh = replace(base, commitment_id=f"c{n}", place_ids=())
            return AddCommitment(**meta, commitment=fresh)
        case "remove":
            return RemoveCommitment(**meta, commitment_id=f"c{n}", reason="struken")
        case "propose":
            return ProposePromise(**meta)
        case "sign" | "sign_wrong":
            if working is None or working.content_hash is None:
                return None
            signer: Principal = SIGNERS[n % 2]
            party = signer.organisation_id
            if action == "sign_wrong":
                # Wrong party, stale hash, an editor, or an outsider: all must be refused.
                signer, party = (
                    (signer, PARTIES[(n + 1) % 2]),
                    (signer, party),
                    (EDITORS[n % 2], party),
                    (OUTSIDER, party),
                )[n]
            digest = working.content_hash if action == "sign" or n != 1 else "sha256:stale"
            return SignPromise(
                **promise_meta(signer, at),
                revision_no=working.revision_no,
                content_hash=digest,
                party_id=party,
            )
        case "reopen":
            return ReopenPromise(**meta, reason="ändring")
        case "enter":
            return EnterPromiseIntoForce(**meta)
        case "amend":
            return StartPromiseAmendment(**promise_meta(SIGNERS[n % 2], at), reason="nya behov")
        case "record":
            commitment = f"c{n}" if in_force is None or n % 2 else _any_commitment(state)
            return RecordActivity(
                **promise_meta(LPO_EDITOR, at),
                record_id=f"a{len(state.activities)}",
                commitment_id=commitment,
                occurred_on=(at - dt.timedelta(days=n * 20)).date(),
                performed_by=(LPO,),
                summary="Insats",
            )
        case "void":
            return VoidActivityRecord(
                **promise_meta(LPO_EDITOR, at), record_id=f"a{n}", reason="dubblett"
            )
        case "expire":
            return ExpirePromise(**meta)
        case "terminate":
            return TerminatePromise(**promise_meta(SIGNERS[n % 2], at), reason="beslut")
        case "withdraw":
            return WithdrawPromise(**meta, reason="dras tillbaka")
    return None


def _any_commitment(state: PromiseState) -> str:
    assert state.in_force is not None
    commitments = state.in_force.content.commitments
    return commitments[0].commitment_id if commitments else "c-none"


def _check_invariants(
    command: Command, before: PromiseState, events: list[Event], after: PromiseState
) -> None:
    if any(isinstance(e, PromiseSignaturesVoided) for e in events):
        assert VOID_SIGNATURES in command.acknowledge
    if after.status == IN_FORCE or after.in_force is not None:
        revision = after.in_force
        assert revision is not None
        assert revision.content_hash == content_hash(revision.content)
        assert {s.party_id for s in revision.signatures} == set(after.parties)
        for signature in revision.signatures:
            assert signature.revision_no == revision.revision_no
            assert signature.content_hash == revision.content_hash
    working = after.working
    if working is not None:
        if working.signatures:
            assert working.stage in {*COLLECTING, STAGE_WITHDRAWN}
            assert working.content_hash == content_hash(working.content)
        for signature in working.signatures:
            assert signature.content_hash == working.content_hash
            assert signature.revision_no == working.revision_no
    for event in events:
        if isinstance(event, ActivityPerformed):
            assert before.in_force is not None
            assert before.in_force.revision_no == event.revision_no
            assert before.in_force.content.commitment(event.commitment_id) is not None


def _run(steps: list[tuple[str, int, int]]) -> tuple[PromiseState, list[Event]]:
    state, log, at = PROMISE.initial_state, [], START
    for action, n, days in steps:
        at += dt.timedelta(days=days)
        command = _command(action, n, at, state)
        if command is None:
            continue
        try:
            events = PROMISE.decide(command, state, CONTEXT)
        except Refusal:
            continue
        if action == "sign_wrong":
            raise AssertionError(f"a wrong signature was accepted: {command}")
        new = state
        for event in events:
            new = PROMISE.evolve(new, event)
        _check_invariants(command, state, events, new)
        state = new
        log.extend(events)
    return state, log


@settings(max_examples=300, deadline=None)
@given(STEPS)
def test_random_command_sequences_keep_the_signing_and_recording_rules(
    steps: list[tuple[str, int, int]],
) -> None:
    state, log = _run(steps)
    assert PROMISE.fold(log) == state


HAPPY = [
    ("draft", 0, 0),
    ("area", 0, 0),
    ("commitment", 0, 0),
    ("commitment", 1, 0),
    ("propose", 0, 0),
    ("sign", 0, 0),
    ("sign", 1, 40),
    ("record", 0, 10),
    ("amend", 0, 0),
    ("commitment", 2, 0),
    ("propose", 1, 0),
    ("sign", 1, 0),
    ("sign", 0, 0),
    ("record", 0, 5),
]


def test_the_scripted_path_reaches_force_and_an_amendment() -> None:
    state, log = _run(HAPPY)
    assert state.status == IN_FORCE
    assert state.in_force is not None and state.in_force.revision_no == 2
    assert sum(isinstance(e, ActivityPerformed) for e in log) == 2


@settings(max_examples=100, deadline=None)
@given(STEPS)
def test_folding_the_same_events_twice_gives_equal_state(
    steps: list[tuple[str, int, int]],
) -> None:
    _, log = _run(steps)
    assert PROMISE.fold(log) == PROMISE.fold(list(log))


@settings(max_examples=100, deadline=None)
@given(data=st.data(), steps=STEPS)
def test_evolve_accepts_every_event_type_in_any_state(
    data: st.DataObject, steps: list[tuple[str, int, int]]
) -> None:
    state, _ = _run(steps)
    for decider in deciders():
        start = state if decider is PROMISE else decider.initial_state
        for event_type in decider.event_types:
            event = data.draw(st.from_type(event_type))
            decider.evolve(start, event)
            decider.evolve(decider.initial_state, event)


def test_an_outsider_principal_is_distinct_from_the_parties() -> None:
    assert OUTSIDER.organisation_id not in PARTIES
    assert principal(KOMMUN).roles == frozenset()
