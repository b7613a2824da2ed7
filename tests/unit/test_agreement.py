"""The agreement decider (samverkansöverenskommelse): every command and every refusal."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from events.agreement import (
    AGREEMENT,
    AgreementContent,
    AgreementDrafted,
    AgreementEnded,
    AgreementExtended,
    AgreementProposed,
    AgreementRevised,
    AgreementSignaturesVoided,
    AgreementSigned,
    DraftAgreement,
    EndAgreement,
    ExtendAgreement,
    ProposeAgreement,
    ReviseAgreement,
    SignAgreement,
)
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
from events.promise.content import FocusArea, Period, content_hash
from tests.unit.decider_world import (
    CHIEF,
    CONTEXT,
    KOMMUN,
    KOMMUN_EDITOR,
    KOMMUN_SIGNER,
    KSO,
    LPO,
    LPO_EDITOR,
    LPO_SIGNER,
    OUTSIDER,
    PARTIES,
    TODAY,
    meta,
)
from tests.unit.given_when_then import then_refused, when

CONTENT = AgreementContent(
    parties=PARTIES,
    title="Samverkansöverenskommelse",
    goal="Brottsligheten ska minska och tryggheten ska öka.",
    period=Period(valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2027, 12, 31)),
    focus_areas=(FocusArea(focus_area_id="fa1", title="Våld"),),
)
HASH = content_hash(CONTENT)
DRAFTED: tuple[Event, ...] = (AgreementDrafted(agreement_id="a1", content=CONTENT),)
PROPOSED: tuple[Event, ...] = (*DRAFTED, AgreementProposed(revision_no=1, content_hash=HASH))
HALF: tuple[Event, ...] = (
    *PROPOSED,
    AgreementSigned(
        revision_no=1,
        content_hash=HASH,
        party_id=KOMMUN,
        person_id=KSO,
        signed_on=TODAY,
        role_title="kommunstyrelsens ordförande",
    ),
)
SIGNED: tuple[Event, ...] = (
    *HALF,
    AgreementSigned(
        revision_no=1, content_hash=HASH, party_id=LPO, person_id=CHIEF, signed_on=TODAY
    ),
)


def m(actor: Principal) -> dict[str, Any]:
    return {**meta(actor), "agreement_id": "a1"}


def _sign(actor: Principal, party: str, digest: str = HASH) -> SignAgreement:
    return SignAgreement(**m(actor), revision_no=1, content_hash=digest, party_id=party)


def test_an_editor_drafts_an_agreement_with_goal_period_and_focus_areas() -> None:
    command = DraftAgreement(**m(KOMMUN_EDITOR), content=CONTENT)
    assert when(AGREEMENT, (), command, CONTEXT) == list(DRAFTED)


def test_proposing_freezes_the_agreement_under_a_content_hash() -> None:
    command = ProposeAgreement(**m(LPO_EDITOR))
    assert when(AGREEMENT, DRAFTED, command, CONTEXT) == [PROPOSED[-1]]


def test_each_party_signs_and_the_agreement_is_signed_when_all_have() -> None:
    assert when(AGREEMENT, PROPOSED, _sign(KOMMUN_SIGNER, KOMMUN), CONTEXT) == [HALF[-1]]
    assert AGREEMENT.fold(HALF).status == "partially_signed"
    assert when(AGREEMENT, HALF, _sign(LPO_SIGNER, LPO), CONTEXT) == [SIGNED[-1]]
    assert AGREEMENT.fold(SIGNED).status == "signed"


def test_editing_a_partly_signed_agreement_without_the_acknowledgement_is_refused() -> None:
    command = ReviseAgreement(**m(KOMMUN_EDITOR), content=replace(CONTENT, goal="Ökad trygghet"))
    refusal = then_refused(
        AGREEMENT, HALF, command, CONTEXT, ConfirmationRequired, "confirmation_required"
    )
    assert isinstance(refusal, ConfirmationRequired)
    assert [(c.kind, c.organisation_id, c.revision_no) for c in refusal.consequences] == [
        (VOID_SIGNATURES, KOMMUN, 1)
    ]


def test_editing_a_partly_signed_agreement_with_the_acknowledgement_voids_its_signatures() -> None:
    new = replace(CONTENT, goal="Ökad trygghet")
    command = ReviseAgreement(
        **m(KOMMUN_EDITOR), content=new, acknowledge=frozenset({VOID_SIGNATURES})
    )
    events = when(AGREEMENT, HALF, command, CONTEXT)
    assert events == [
        AgreementSignaturesVoided(
            revision_no=1, content_hash=HASH, party_ids=(KOMMUN,), reason="the agreement was edited"
        ),
        AgreementRevised(content=new),
    ]
    state = AGREEMENT.fold((*HALF, *events))
    assert state.status == "draft" and state.signed_by == ()


def test_a_signed_agreement_is_extended_and_ended() -> None:
    extend = ExtendAgreement(
        **m(KOMMUN_SIGNER), new_valid_to=dt.date(2028, 12, 31), reason="revidering pågår"
    )
    extended = when(AGREEMENT, SIGNED, extend, CONTEXT)
    assert extended == [
        AgreementExtended(new_valid_to=dt.date(2028, 12, 31), reason="revidering pågår")
    ]
    state = AGREEMENT.fold((*SIGNED, *extended))
    assert state.content is not None and state.content.period.valid_to == dt.date(2028, 12, 31)
    end = EndAgreement(**m(LPO_SIGNER), reason="ny överenskommelse")
    assert when(AGREEMENT, SIGNED, end, CONTEXT) == [
        AgreementEnded(ended_on=TODAY, reason="ny överenskommelse")
    ]


def _extend(to: dt.date, actor: Principal = KOMMUN_SIGNER) -> ExtendAgreement:
    return ExtendAgreement(**m(actor), new_valid_to=to, reason="x")


REFUSALS = [
    pytest.param(
        (),
        DraftAgreement(**m(OUTSIDER), content=CONTENT),
        Forbidden,
        "not_a_party",
        id="a non-party organisation cannot draft an agreement",
    ),
    pytest.param(
        (),
        DraftAgreement(**m(KOMMUN_EDITOR), content=replace(CONTENT, parties=(KOMMUN,))),
        RuleViolated,
        "police_area_count",
        id="an agreement needs the police area",
    ),
    pytest.param(
        (),
        DraftAgreement(**m(KOMMUN_EDITOR), content=replace(CONTENT, title="")),
        InvalidInput,
        "blank_text",
        id="an agreement has a title",
    ),
    pytest.param(
        DRAFTED,
        DraftAgreement(**m(KOMMUN_EDITOR), content=CONTENT),
        RuleViolated,
        "agreement_exists",
        id="an agreement is drafted once",
    ),
    pytest.param(
        (),
        ProposeAgreement(**m(KOMMUN_EDITOR)),
        NotFound,
        "agreement_not_found",
        id="an unknown agreement is not proposed",
    ),
    pytest.param(
        PROPOSED,
        ProposeAgreement(**m(KOMMUN_EDITOR)),
        RuleViolated,
        "wrong_status",
        id="a proposed agreement is not proposed again",
    ),
    pytest.param(
        DRAFTED,
        ReviseAgreement(**m(KOMMUN_EDITOR), content=replace(CONTENT, parties=(LPO, KOMMUN))),
        RuleViolated,
        "parties_fixed",
        id="the parties of an agreement are fixed",
    ),
    pytest.param(
        SIGNED,
        ReviseAgreement(**m(KOMMUN_EDITOR), content=CONTENT),
        RuleViolated,
        "wrong_status",
        id="a signed agreement is extended, not edited",
    ),
    pytest.param(
        DRAFTED,
        _sign(KOMMUN_SIGNER, KOMMUN),
        RuleViolated,
        "wrong_status",
        id="a draft agreement is not signed",
    ),
    pytest.param(
        PROPOSED,
        _sign(KOMMUN_SIGNER, KOMMUN, "sha256:0"),
        RuleViolated,
        "stale_revision",
        id="an agreement signature names the proposed hash",
    ),
    pytest.param(
        PROPOSED,
        _sign(LPO_SIGNER, KOMMUN),
        Forbidden,
        "not_own_party",
        id="a police signatory cannot sign the agreement for the municipality",
    ),
    pytest.param(
        PROPOSED,
        _sign(KOMMUN_EDITOR, KOMMUN),
        Forbidden,
        "missing_role",
        id="an editor does not sign an agreement",
    ),
    pytest.param(
        HALF,
        _sign(KOMMUN_SIGNER, KOMMUN),
        RuleViolated,
        "already_signed",
        id="a party signs an agreement once",
    ),
    pytest.param(
        PROPOSED,
        _extend(dt.date(2029, 1, 1)),
        RuleViolated,
        "wrong_status",
        id="only a signed agreement is extended",
    ),
    pytest.param(
        SIGNED,
        _extend(dt.date(2027, 6, 30)),
        RuleViolated,
        "not_an_extension",
        id="an extension moves the end later",
    ),
    pytest.param(
        SIGNED,
        _extend(dt.date(2029, 1, 1), KOMMUN_EDITOR),
        Forbidden,
        "missing_role",
        id="an editor does not extend an agreement",
    ),
    pytest.param(
        HALF,
        EndAgreement(**m(KOMMUN_SIGNER), reason="x"),
        RuleViolated,
        "wrong_status",
        id="an unsigned agreement is not ended",
    ),
]


@pytest.mark.parametrize(("given", "command", "kind", "code"), REFUSALS)
def test_the_agreement_refuses(
    given: tuple[Event, ...], command: Command, kind: type[Refusal], code: str
) -> None:
    then_refused(AGREEMENT, given, command, CONTEXT, kind, code)
