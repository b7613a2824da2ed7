"""Who may see a stream, and who operates the platform: the read rule and its gates in the
deciders (a command on what the actor may not see is refused exactly as on what does not exist)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from events import access
from events.agreement import AGREEMENT, AgreementContent, DraftAgreement, ProposeAgreement
from events.decider import Decider
from events.directory.decider import (
    DIRECTORY,
    AssignRole,
    LinkPoliceAreaToMunicipality,
    RegisterMunicipality,
    RevokeSigningMandate,
)
from events.messages import Command, Event, Forbidden, NotFound, Principal, Refusal
from events.promise.commands import (
    AddCommitment,
    DraftPromise,
    ProposePromise,
    PublishPromise,
    RecordActivity,
    SignPromise,
    WithdrawPromise,
)
from events.promise.decider import PROMISE
from events.promise.events import PromisePublished
from tests.unit.decider_world import (
    C1,
    CONTEXT,
    DETAILS,
    DIRECTORY_HISTORY,
    DRAFTED,
    HASH1,
    IN_FORCE,
    KOMMUN,
    KSO,
    LPO,
    OTHER_KOMMUN,
    PARTIES,
    SERVICE,
    TODAY,
    meta,
    principal,
    promise_meta,
)
from tests.unit.given_when_then import when

OUTSIDER = principal(OTHER_KOMMUN, "editor", "signatory", "publisher", person=KSO)
UNMAPPED = principal(KOMMUN)
PUBLISHED: tuple[Event, ...] = (
    *IN_FORCE,
    PromisePublished(revision_no=1, channel="webb", published_on=TODAY),
)


def refusal(decider: Decider[Any], given: tuple[Event, ...], command: Command) -> Refusal:
    with pytest.raises(Refusal) as caught:
        when(decider, given, command, CONTEXT)
    return caught.value


def shape(refused: Refusal) -> tuple[type[Refusal], str, str]:
    """What the caller learns from a refusal: its kind, code and English text."""
    return type(refused), refused.code, str(refused)


def _promise_commands(actor: Principal) -> list[Command]:
    return [
        PublishPromise(**promise_meta(actor), channel="webb"),
        ProposePromise(**promise_meta(actor)),
        WithdrawPromise(**promise_meta(actor), reason="nej"),
        AddCommitment(**promise_meta(actor), commitment=replace(C1, commitment_id="cx")),
        SignPromise(**promise_meta(actor), revision_no=1, content_hash=HASH1, party_id=KOMMUN),
        RecordActivity(
            **promise_meta(actor),
            record_id="r9",
            commitment_id="c1",
            occurred_on=TODAY,
            performed_by=(actor.organisation_id,),
            summary="x",
        ),
    ]


@pytest.mark.parametrize("history", [DRAFTED, IN_FORCE], ids=["draft", "in force, unpublished"])
@pytest.mark.parametrize("actor", [OUTSIDER, UNMAPPED], ids=["non-party", "party, no role"])
def test_a_command_on_a_promise_the_actor_cannot_see_is_refused_as_on_a_missing_one(
    history: tuple[Event, ...], actor: Principal
) -> None:
    for command in _promise_commands(actor):
        hidden = refusal(PROMISE, history, command)
        missing = refusal(PROMISE, (), command)
        assert shape(hidden) == shape(missing), command
        assert (type(hidden), hidden.code) == (NotFound, "promise_not_found")


def test_the_gate_tells_nothing_about_an_invisible_promise_before_a_version_conflict() -> None:
    for command in _promise_commands(OUTSIDER):
        with pytest.raises(NotFound) as hidden:
            PROMISE.gate(command, PROMISE.fold(DRAFTED))
        with pytest.raises(NotFound) as missing:
            PROMISE.gate(command, PROMISE.fold(()))
        assert shape(hidden.value) == shape(missing.value)


def test_a_party_passes_the_gate_and_a_draft_needs_none() -> None:
    editor = principal(KOMMUN, "editor")
    PROMISE.gate(ProposePromise(**promise_meta(editor)), PROMISE.fold(DRAFTED))
    draft = DraftPromise(**promise_meta(editor), parties=PARTIES, details=DETAILS)
    PROMISE.gate(draft, PROMISE.fold(()))
    assert when(PROMISE, (), draft, CONTEXT) == [DRAFTED[0]]


def test_a_non_party_learns_it_is_not_a_party_only_of_a_published_promise() -> None:
    refused = refusal(PROMISE, PUBLISHED, PublishPromise(**promise_meta(OUTSIDER), channel="x"))
    assert (type(refused), refused.code) == (Forbidden, "not_a_party")


def test_a_party_member_without_a_role_is_refused_for_its_role_on_a_published_promise() -> None:
    refused = refusal(PROMISE, PUBLISHED, PublishPromise(**promise_meta(UNMAPPED), channel="x"))
    assert (type(refused), refused.code) == (Forbidden, "missing_role")


def test_an_oversight_auditor_sees_a_draft_and_is_told_it_may_change_nothing() -> None:
    overseer = replace(principal("org-revision", "auditor"), oversight="all")
    refused = refusal(PROMISE, DRAFTED, ProposePromise(**promise_meta(overseer)))
    assert isinstance(refused, Forbidden)


AGREEMENT_CONTENT = AgreementContent(parties=PARTIES, title="SÖK")
AGREEMENT_DRAFTED = when(
    AGREEMENT,
    (),
    DraftAgreement(
        **meta(principal(KOMMUN, "editor")), agreement_id="a1", content=AGREEMENT_CONTENT
    ),
    CONTEXT,
)


def test_a_command_on_an_agreement_the_actor_cannot_see_is_refused_as_on_a_missing_one() -> None:
    command = ProposeAgreement(**meta(principal(OTHER_KOMMUN, "editor")), agreement_id="a1")
    hidden = refusal(AGREEMENT, tuple(AGREEMENT_DRAFTED), command)
    missing = refusal(AGREEMENT, (), command)
    assert shape(hidden) == shape(missing)
    assert (type(hidden), hidden.code) == (NotFound, "agreement_not_found")


OPERATOR = SERVICE  # decider_world's service is the named platform operator
UNNAMED_SERVICE = replace(SERVICE, platform_operator=False)
OTHER_SERVICE = principal(KOMMUN, "service")


@pytest.mark.parametrize(
    "command",
    [
        RegisterMunicipality(**meta(UNNAMED_SERVICE), org_id="org-y", name="Y kommun"),
        RegisterMunicipality(**meta(OTHER_SERVICE), org_id="org-y", name="Y kommun"),
        LinkPoliceAreaToMunicipality(
            **meta(OTHER_SERVICE), link_id="l9", police_area_id=LPO, municipality_id=OTHER_KOMMUN
        ),
    ],
    ids=["the platform's service, not named", "a municipality's service", "a link"],
)
def test_a_service_not_named_platform_operator_registers_nothing(command: Command) -> None:
    refused = refusal(DIRECTORY, DIRECTORY_HISTORY, command)
    assert (type(refused), refused.code) == (Forbidden, "not_platform_operator")


def test_the_platform_operator_registers_an_organisation() -> None:
    command = RegisterMunicipality(**meta(OPERATOR), org_id="org-y", name="Y kommun")
    assert when(DIRECTORY, DIRECTORY_HISTORY, command, CONTEXT)


def test_the_operator_flag_without_the_service_role_registers_nothing() -> None:
    flagged = replace(principal("samverkan", "viewer"), platform_operator=True)
    command = RegisterMunicipality(**meta(flagged), org_id="org-y", name="Y kommun")
    assert isinstance(refusal(DIRECTORY, DIRECTORY_HISTORY, command), Forbidden)


def test_a_service_of_one_organisation_cannot_assign_roles_at_another() -> None:
    command = AssignRole(
        **meta(OTHER_SERVICE),
        assignment_id="r9",
        person_id=KSO,
        org_id=LPO,
        title="lokalpolisområdeschef",
        role="signatory",
    )
    refused = refusal(DIRECTORY, DIRECTORY_HISTORY, command)
    assert (type(refused), refused.code) == (Forbidden, "not_org_admin")
    assert when(DIRECTORY, DIRECTORY_HISTORY, replace(command, actor=OPERATOR), CONTEXT)


def test_revoking_a_mandate_of_an_organisation_the_actor_cannot_see_is_as_revoking_none() -> None:
    admin = principal(LPO, "org_admin")
    hidden = RevokeSigningMandate(**meta(admin), mandate_id="m1", revoked_on=TODAY)
    missing = replace(hidden, mandate_id="m9")
    refused = refusal(DIRECTORY, DIRECTORY_HISTORY, hidden)
    assert (type(refused), refused.code) == (NotFound, "mandate_not_found")
    assert str(refused).replace("m1", "m9") == str(refusal(DIRECTORY, DIRECTORY_HISTORY, missing))


def test_only_roles_that_read_make_a_member_and_an_unmapped_token_holds_none() -> None:
    assert not access.reads_as_member(None)
    assert not access.reads_as_member(UNMAPPED)
    for role in access.READ_ROLES:
        assert access.sees_organisation(principal(KOMMUN, role), KOMMUN), role
    assert access.readable_organisations(UNMAPPED) == frozenset()
    assert not access.sees_any(UNMAPPED, PARTIES)


def test_an_auditor_reads_its_own_organisation_unless_the_registry_widens_its_scope() -> None:
    auditor = principal(KOMMUN, "auditor")
    assert access.readable_organisations(auditor) == frozenset({KOMMUN})
    assert not access.sees_organisation(auditor, OTHER_KOMMUN)
    listed = replace(auditor, oversight=frozenset({OTHER_KOMMUN}))
    assert access.readable_organisations(listed) == frozenset({KOMMUN, OTHER_KOMMUN})
    assert access.sees_organisation(listed, OTHER_KOMMUN) and not access.sees_organisation(
        listed, LPO
    )
    assert access.readable_organisations(replace(auditor, oversight="all")) == "all"


def test_an_oversight_scope_widens_nothing_for_a_role_other_than_auditor() -> None:
    viewer = replace(principal(KOMMUN, "viewer"), oversight="all")
    assert access.readable_organisations(viewer) == frozenset({KOMMUN})
    assert not access.sees_organisation(viewer, OTHER_KOMMUN)


def test_an_ordinary_principal_is_recorded_as_before_and_grants_are_recorded_when_held() -> None:
    plain = principal(KOMMUN, "editor")
    assert set(plain.as_record()) == {
        "issuer",
        "subject",
        "organisation_id",
        "roles",
        "person_id",
        "client_id",
    }
    granted = replace(
        principal("org-revision", "auditor"), oversight=frozenset({LPO, KOMMUN})
    ).as_record()
    assert granted["oversight"] == sorted({LPO, KOMMUN})
    assert replace(plain, oversight="all").as_record()["oversight"] == "all"
    assert OPERATOR.as_record()["platform_operator"] is True
