"""The organisation directory decider: every command and every refusal."""

from __future__ import annotations

import datetime as dt

import pytest

from events.directory.decider import (
    DIRECTORY,
    AssignRole,
    EndPoliceAreaLink,
    EndRole,
    GrantSigningMandate,
    LinkPoliceAreaToMunicipality,
    RegisterMunicipality,
    RegisterPartner,
    RegisterPerson,
    RegisterPoliceArea,
    RegisterPoliceRegion,
    RevokeSigningMandate,
)
from events.directory.events import (
    MunicipalityRegistered,
    PartnerRegistered,
    PersonRegistered,
    PoliceAreaMunicipalityLinked,
    PoliceAreaMunicipalityLinkEnded,
    PoliceAreaRegistered,
    PoliceRegionRegistered,
    RoleAssigned,
    RoleEnded,
    SigningMandateGranted,
    SigningMandateRevoked,
)
from events.messages import Command, Event, Forbidden, InvalidInput, NotFound, Refusal, RuleViolated
from events.promise.commands import ProposePromise
from tests.unit.decider_world import (
    CHIEF,
    CONTEXT,
    DIRECTORY_HISTORY,
    KOMMUN,
    KSO,
    LPO,
    REGION,
    SERVICE,
    TODAY,
    meta,
    principal,
)
from tests.unit.given_when_then import then_refused, when

KOMMUN_ADMIN = principal(KOMMUN, "org_admin", person="person-admin")
LPO_ADMIN = principal(LPO, "org_admin")
H = DIRECTORY_HISTORY


def test_a_service_registers_a_municipality_with_its_kommunkod() -> None:
    command = RegisterMunicipality(
        **meta(SERVICE), org_id="org-arjeplog", name="Arjeplogs kommun", kommunkod="2506"
    )
    assert when(DIRECTORY, H, command, CONTEXT) == [
        MunicipalityRegistered(org_id="org-arjeplog", name="Arjeplogs kommun", kommunkod="2506")
    ]


def test_a_municipality_may_be_registered_without_a_kommunkod() -> None:
    command = RegisterMunicipality(**meta(SERVICE), org_id="org-x", name="Okänd kommun")
    assert when(DIRECTORY, (), command, CONTEXT) == [
        MunicipalityRegistered(org_id="org-x", name="Okänd kommun")
    ]


def test_a_police_region_area_and_partner_are_registered_with_sorted_aliases() -> None:
    region = RegisterPoliceRegion(**meta(SERVICE), org_id="org-nord", name="Polisregion Nord")
    assert when(DIRECTORY, (), region, CONTEXT) == [
        PoliceRegionRegistered(org_id="org-nord", name="Polisregion Nord")
    ]
    area = RegisterPoliceArea(
        **meta(SERVICE),
        org_id="org-lpo-j",
        name="LPO Järfälla",
        region_id=REGION,
        aliases=("Järfälla/Upplands-Bro", "Järfälla"),
    )
    assert when(DIRECTORY, H, area, CONTEXT) == [
        PoliceAreaRegistered(
            org_id="org-lpo-j",
            name="LPO Järfälla",
            region_id=REGION,
            aliases=("Järfälla", "Järfälla/Upplands-Bro"),
        )
    ]
    partner = RegisterPartner(
        **meta(SERVICE), org_id="org-rtj", name="Räddningstjänst", partner_kind="rescue_service"
    )
    assert when(DIRECTORY, H, partner, CONTEXT) == [
        PartnerRegistered(org_id="org-rtj", name="Räddningstjänst", partner_kind="rescue_service")
    ]


def test_one_police_area_serves_several_municipalities_for_a_period() -> None:
    history = (
        *H,
        MunicipalityRegistered(org_id="org-k2", name="K2"),
        PoliceAreaMunicipalityLinked(link_id="l2", police_area_id=LPO, municipality_id="org-k2"),
    )
    state = DIRECTORY.fold(history)
    assert state.served_municipalities(LPO, TODAY) == (KOMMUN, "org-k2")
    command = LinkPoliceAreaToMunicipality(
        **meta(SERVICE),
        link_id="l3",
        police_area_id=LPO,
        municipality_id="org-other-kommun",
        valid_from=dt.date(2024, 1, 1),
        valid_to=dt.date(2024, 12, 31),
    )
    events = when(DIRECTORY, history, command, CONTEXT)
    assert events == [
        PoliceAreaMunicipalityLinked(
            link_id="l3",
            police_area_id=LPO,
            municipality_id="org-other-kommun",
            valid_from=dt.date(2024, 1, 1),
            valid_to=dt.date(2024, 12, 31),
        )
    ]
    assert "org-other-kommun" not in DIRECTORY.fold((*history, *events)).served_municipalities(
        LPO, TODAY
    )


def test_a_link_is_ended() -> None:
    command = EndPoliceAreaLink(**meta(SERVICE), link_id="l1", ended_on=TODAY)
    events = when(DIRECTORY, H, command, CONTEXT)
    assert events == [PoliceAreaMunicipalityLinkEnded(link_id="l1", ended_on=TODAY)]
    state = DIRECTORY.fold((*H, *events))
    assert state.served_municipalities(LPO, TODAY + dt.timedelta(days=1)) == ()


def test_people_are_registered_and_given_titled_roles_that_end() -> None:
    register = RegisterPerson(**meta(KOMMUN_ADMIN), person_id="person-new", name="Ny Person")
    assert when(DIRECTORY, H, register, CONTEXT) == [
        PersonRegistered(person_id="person-new", name="Ny Person")
    ]
    assign = AssignRole(
        **meta(KOMMUN_ADMIN),
        assignment_id="r9",
        person_id=KSO,
        org_id=KOMMUN,
        title="kommunalråd",
        role="signatory",
        party_label="M",
        valid_from=dt.date(2026, 1, 1),
    )
    assert when(DIRECTORY, H, assign, CONTEXT) == [
        RoleAssigned(
            assignment_id="r9",
            person_id=KSO,
            org_id=KOMMUN,
            title="kommunalråd",
            role="signatory",
            party_label="M",
            valid_from=dt.date(2026, 1, 1),
        )
    ]
    end = EndRole(**meta(KOMMUN_ADMIN), assignment_id="r1", ended_on=TODAY)
    events = when(DIRECTORY, H, end, CONTEXT)
    assert events == [RoleEnded(assignment_id="r1", ended_on=TODAY)]
    role = DIRECTORY.fold((*H, *events)).role("r1")
    assert role is not None and role.valid_to == TODAY


def test_an_org_admin_grants_and_revokes_a_signing_mandate() -> None:
    grant = GrantSigningMandate(
        **meta(KOMMUN_ADMIN),
        mandate_id="m9",
        person_id=CHIEF,
        org_id=KOMMUN,
        valid_from=dt.date(2026, 1, 1),
    )
    granted = when(DIRECTORY, H, grant, CONTEXT)
    assert granted == [
        SigningMandateGranted(
            mandate_id="m9",
            person_id=CHIEF,
            org_id=KOMMUN,
            granted_by="person-admin",
            valid_from=dt.date(2026, 1, 1),
        )
    ]
    state = DIRECTORY.fold((*H, *granted))
    assert state.has_mandate(CHIEF, KOMMUN, TODAY)
    assert not state.has_mandate(CHIEF, KOMMUN, dt.date(2025, 12, 31))
    revoke = RevokeSigningMandate(**meta(KOMMUN_ADMIN), mandate_id="m9", revoked_on=TODAY)
    revoked = when(DIRECTORY, (*H, *granted), revoke, CONTEXT)
    assert revoked == [
        SigningMandateRevoked(mandate_id="m9", revoked_on=TODAY, revoked_by="person-admin")
    ]
    after = DIRECTORY.fold((*H, *granted, *revoked))
    assert not after.has_mandate(CHIEF, KOMMUN, TODAY)
    assert after.has_mandate(CHIEF, KOMMUN, TODAY - dt.timedelta(days=1))


REVOKED: tuple[Event, ...] = (
    *H,
    SigningMandateRevoked(mandate_id="m1", revoked_on=TODAY, revoked_by="x"),
)
ENDED: tuple[Event, ...] = (
    *H,
    RoleEnded(assignment_id="r1", ended_on=TODAY),
    PoliceAreaMunicipalityLinkEnded(link_id="l1", ended_on=TODAY),
)
EDITOR = principal(KOMMUN, "editor")
REFUSALS = [
    pytest.param(
        H,
        RegisterMunicipality(**meta(EDITOR), org_id="org-y", name="Y"),
        Forbidden,
        "missing_role",
        id="only the service role registers organisations",
    ),
    pytest.param(
        H,
        RegisterMunicipality(**meta(principal("x", "service", "auditor")), org_id="y", name="Y"),
        Forbidden,
        "auditor_read_only",
        id="an auditor never changes anything",
    ),
    pytest.param(
        H,
        RegisterMunicipality(**meta(SERVICE), org_id="org-y", name="Y", kommunkod="139"),
        InvalidInput,
        "invalid_kommunkod",
        id="a kommunkod has four digits",
    ),
    pytest.param(
        H,
        RegisterMunicipality(**meta(SERVICE), org_id="org-y", name="Y", kommunkod="0139"),
        RuleViolated,
        "kommunkod_taken",
        id="a kommunkod belongs to one municipality",
    ),
    pytest.param(
        H,
        RegisterMunicipality(**meta(SERVICE), org_id=KOMMUN, name="Y"),
        RuleViolated,
        "organisation_exists",
        id="an organisation id is registered once",
    ),
    pytest.param(
        H,
        RegisterMunicipality(**meta(SERVICE), org_id="Bad Id", name="Y"),
        InvalidInput,
        "invalid_id",
        id="ids are lower case identifiers",
    ),
    pytest.param(
        H,
        RegisterPoliceRegion(**meta(SERVICE), org_id="org-y", name="  "),
        InvalidInput,
        "blank_text",
        id="names are not blank",
    ),
    pytest.param(
        H,
        RegisterPoliceArea(**meta(SERVICE), org_id="org-y", name="Y", region_id="org-none"),
        NotFound,
        "organisation_not_found",
        id="a police area needs a registered region",
    ),
    pytest.param(
        H,
        RegisterPoliceArea(**meta(SERVICE), org_id="org-y", name="Y", region_id=KOMMUN),
        RuleViolated,
        "wrong_organisation_kind",
        id="a police area's parent is a police region",
    ),
    pytest.param(
        H,
        RegisterPartner(**meta(SERVICE), org_id="org-y", name="Y", partner_kind="bank"),
        InvalidInput,
        "invalid_choice",
        id="partner kinds come from a fixed list",
    ),
    pytest.param(
        H,
        LinkPoliceAreaToMunicipality(
            **meta(SERVICE), link_id="l9", police_area_id=KOMMUN, municipality_id=KOMMUN
        ),
        RuleViolated,
        "wrong_organisation_kind",
        id="only a police area serves municipalities",
    ),
    pytest.param(
        H,
        LinkPoliceAreaToMunicipality(
            **meta(SERVICE), link_id="l1", police_area_id=LPO, municipality_id=KOMMUN
        ),
        RuleViolated,
        "link_exists",
        id="a link id is used once",
    ),
    pytest.param(
        H,
        LinkPoliceAreaToMunicipality(
            **meta(SERVICE),
            link_id="l9",
            police_area_id=LPO,
            municipality_id=KOMMUN,
            valid_from=dt.date(2026, 2, 1),
            valid_to=dt.date(2026, 1, 1),
        ),
        InvalidInput,
        "period_reversed",
        id="a link does not end before it starts",
    ),
    pytest.param(
        H,
        EndPoliceAreaLink(**meta(SERVICE), link_id="l9", ended_on=TODAY),
        NotFound,
        "link_not_found",
        id="ending an unknown link is refused",
    ),
    pytest.param(
        ENDED,
        EndPoliceAreaLink(**meta(SERVICE), link_id="l1", ended_on=TODAY),
        RuleViolated,
        "link_already_ended",
        id="a link ends once",
    ),
    pytest.param(
        H,
        RegisterPerson(**meta(EDITOR), person_id="person-y", name="Y"),
        Forbidden,
        "missing_role",
        id="an editor cannot register people",
    ),
    pytest.param(
        H,
        RegisterPerson(**meta(SERVICE), person_id=KSO, name="Y"),
        RuleViolated,
        "person_exists",
        id="a person id is registered once",
    ),
    pytest.param(
        H,
        AssignRole(
            **meta(LPO_ADMIN),
            assignment_id="r9",
            person_id=KSO,
            org_id=KOMMUN,
            title="t",
            role="editor",
        ),
        Forbidden,
        "not_org_admin",
        id="an org admin assigns roles only in their own organisation",
    ),
    pytest.param(
        H,
        AssignRole(
            **meta(KOMMUN_ADMIN),
            assignment_id="r1",
            person_id=KSO,
            org_id=KOMMUN,
            title="t",
            role="editor",
        ),
        RuleViolated,
        "role_exists",
        id="an assignment id is used once",
    ),
    pytest.param(
        H,
        AssignRole(
            **meta(KOMMUN_ADMIN),
            assignment_id="r9",
            person_id="person-none",
            org_id=KOMMUN,
            title="t",
            role="editor",
        ),
        NotFound,
        "person_not_found",
        id="roles go to registered people",
    ),
    pytest.param(
        H,
        AssignRole(
            **meta(KOMMUN_ADMIN),
            assignment_id="r9",
            person_id=KSO,
            org_id=KOMMUN,
            title="t",
            role="king",
        ),
        InvalidInput,
        "invalid_choice",
        id="the internal role is one of the known roles",
    ),
    pytest.param(
        H,
        EndRole(**meta(KOMMUN_ADMIN), assignment_id="r9", ended_on=TODAY),
        NotFound,
        "role_not_found",
        id="ending an unknown role is refused",
    ),
    pytest.param(
        ENDED,
        EndRole(**meta(KOMMUN_ADMIN), assignment_id="r1", ended_on=TODAY),
        RuleViolated,
        "role_already_ended",
        id="a role ends once",
    ),
    pytest.param(
        H,
        GrantSigningMandate(**meta(SERVICE), mandate_id="m9", person_id=KSO, org_id=KOMMUN),
        Forbidden,
        "not_org_admin",
        id="not even the service role grants signing mandates",
    ),
    pytest.param(
        H,
        GrantSigningMandate(**meta(LPO_ADMIN), mandate_id="m9", person_id=CHIEF, org_id=KOMMUN),
        Forbidden,
        "not_org_admin",
        id="the police org admin cannot grant a mandate for the municipality",
    ),
    pytest.param(
        H,
        GrantSigningMandate(**meta(KOMMUN_ADMIN), mandate_id="m1", person_id=KSO, org_id=KOMMUN),
        RuleViolated,
        "mandate_exists",
        id="a mandate id is used once",
    ),
    pytest.param(
        H,
        GrantSigningMandate(
            **meta(KOMMUN_ADMIN), mandate_id="m9", person_id="person-none", org_id=KOMMUN
        ),
        NotFound,
        "person_not_found",
        id="mandates go to registered people",
    ),
    pytest.param(
        H,
        GrantSigningMandate(**meta(KOMMUN_ADMIN), mandate_id="m9", person_id=KSO, org_id="org-no"),
        NotFound,
        "organisation_not_found",
        id="mandates are for registered organisations",
    ),
    pytest.param(
        H,
        RevokeSigningMandate(**meta(KOMMUN_ADMIN), mandate_id="m9", revoked_on=TODAY),
        NotFound,
        "mandate_not_found",
        id="revoking an unknown mandate is refused",
    ),
    pytest.param(
        H,
        RevokeSigningMandate(
            **meta(principal(KOMMUN, "editor")), mandate_id="m1", revoked_on=TODAY
        ),
        Forbidden,
        "not_org_admin",
        id="only the organisation's own org admin revokes",
    ),
    pytest.param(
        H,
        RevokeSigningMandate(**meta(LPO_ADMIN), mandate_id="m1", revoked_on=TODAY),
        NotFound,
        "mandate_not_found",
        id="another organisation's admin is told its mandate does not exist",
    ),
    pytest.param(
        REVOKED,
        RevokeSigningMandate(**meta(KOMMUN_ADMIN), mandate_id="m1", revoked_on=TODAY),
        RuleViolated,
        "mandate_revoked",
        id="a mandate is revoked once",
    ),
]


@pytest.mark.parametrize(("given", "command", "kind", "code"), REFUSALS)
def test_the_directory_refuses(
    given: tuple[Event, ...], command: Command, kind: type[Refusal], code: str
) -> None:
    then_refused(DIRECTORY, given, command, CONTEXT, kind, code)


def test_a_command_of_another_aggregate_is_refused_as_unknown() -> None:
    command = ProposePromise(**meta(SERVICE), promise_id="p1")
    then_refused(DIRECTORY, H, command, CONTEXT, InvalidInput, "unknown_command")


def test_an_overlong_name_is_refused() -> None:
    command = RegisterPoliceRegion(**meta(SERVICE), org_id="org-y", name="x" * 201)
    then_refused(DIRECTORY, H, command, CONTEXT, InvalidInput, "text_too_long")
