"""Organisation directory commands and decisions: organisations, links, people, roles, mandates."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from events.access import operates_platform, require_platform_operator, sees_organisation
from events.context import DecisionContext
from events.decider import Decider
from events.directory.authority import require_any_role
from events.directory.events import (
    DIRECTORY_EVENTS,
    MunicipalityRegistered,
    PartnerRegistered,
    PersonRegistered,
    PoliceAreaMunicipalityLinked,
    PoliceAreaMunicipalityLinkEnded,
    PoliceAreaRegistered,
    PoliceRegionRegistered,
    PublicContact,
    PublicContactSet,
    RoleAssigned,
    RoleEnded,
    SigningMandateGranted,
    SigningMandateRevoked,
)
from events.directory.state import (
    MUNICIPALITY,
    POLICE_AREA,
    POLICE_REGION,
    DirectoryState,
    evolve_directory,
)
from events.messages import (
    ROLES,
    Command,
    Event,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleViolated,
    Term,
    unknown_command,
)
from events.well_formed import require_choice, require_id, require_ordered, require_text

DIRECTORY_STREAM = "directory"
PARTNER_KINDS = frozenset({"rescue_service", "housing_company", "association", "other"})
_KOMMUNKOD = re.compile(r"^[0-9]{4}$")
_SERVICE = frozenset({"service"})


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterMunicipality(Command):
    """Register a kommun."""

    org_id: str
    name: str
    kommunkod: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterPoliceRegion(Command):
    """Register a polisregion."""

    org_id: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterPoliceArea(Command):
    """Register a lokalpolisområde under its region."""

    org_id: str
    name: str
    region_id: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterPartner(Command):
    """Register a partner organisation."""

    org_id: str
    name: str
    partner_kind: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkPoliceAreaToMunicipality(Command):
    """Record that a police area serves a municipality."""

    link_id: str
    police_area_id: str
    municipality_id: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EndPoliceAreaLink(Command):
    """End a police area ↔ municipality link."""

    link_id: str
    ended_on: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterPerson(Command):
    """Register a person by name."""

    person_id: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AssignRole(Command):
    """Give a person a titled role at an organisation."""

    assignment_id: str
    person_id: str
    org_id: str
    title: str
    role: str
    party_label: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EndRole(Command):
    """End a role assignment."""

    assignment_id: str
    ended_on: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class GrantSigningMandate(Command):
    """Let a person sign for the organisation (only that organisation's org_admin)."""

    mandate_id: str
    person_id: str
    org_id: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RevokeSigningMandate(Command):
    """Revoke a signing mandate from a date on."""

    mandate_id: str
    revoked_on: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class SetPublicContact(Command):
    """Set the contact points an organisation publishes for citizens (its org_admin, or the
    platform operator entering what the organisation's own pages state)."""

    org_id: str
    contact: PublicContact


def _decide_contact(command: SetPublicContact, state: DirectoryState) -> list[Event]:
    actor = command.actor
    if not operates_platform(actor):
        require_any_role(actor, frozenset({"org_admin"}), "set contact points")
        if actor.organisation_id != command.org_id:
            raise Forbidden(
                code="not_own_organisation",
                message="Only an org_admin of {organisation} may change its contact points.",
                params={"organisation": command.org_id},
            )
    _require_org(state, command.org_id, None, "org_id")
    contact = command.contact
    for name in ("phone", "email", "web", "source"):
        value = getattr(contact, name)
        if value is not None:
            require_text(value, ("contact", name), max_length=300)
    if contact.web is not None and not contact.web.startswith(("https://", "http://")):
        raise InvalidInput(
            code="invalid_url",
            message="{field} must be an http or https address, got {value!r}.",
            params={"field": "contact.web", "value": contact.web},
            field_path=("contact", "web"),
        )
    return [PublicContactSet(org_id=command.org_id, contact=contact)]


def _require_new_org(state: DirectoryState, org_id: str, name: str) -> None:
    require_id(org_id, "org_id")
    require_text(name, "name", max_length=200)
    if state.organisation(org_id) is not None:
        raise RuleViolated(
            code="organisation_exists",
            message="{organisation} is already registered.",
            params={"organisation": org_id},
        )


def _require_aliases(aliases: tuple[str, ...]) -> tuple[str, ...]:
    for position, alias in enumerate(aliases):
        require_text(alias, ("aliases", position), max_length=200)
    return tuple(sorted(set(aliases)))


def _require_org(state: DirectoryState, org_id: str, kind: str | None, field: str) -> None:
    org = state.organisation(org_id)
    if org is None:
        raise NotFound(
            code="organisation_not_found",
            message="No organisation {organisation}.",
            params={"organisation": org_id},
        )
    if kind is not None and org.kind != kind:
        raise RuleViolated(
            code="wrong_organisation_kind",
            message="{field} must name a {kind}; {organisation} is a {actual}.",
            params={
                "field": field,
                "kind": Term("organisation_kind", kind),
                "organisation": org_id,
                "actual": Term("organisation_kind", org.kind),
            },
            field_path=(field,),
        )


def _require_org_admin_of(actor_org: str, roles: frozenset[str], org_id: str) -> None:
    if "org_admin" not in roles or actor_org != org_id:
        raise Forbidden(
            code="not_org_admin",
            message="Only an org_admin of {organisation} may change its signing mandates.",
            params={"organisation": org_id},
        )


def _decide_registration(command: Command, state: DirectoryState) -> list[Event]:
    require_any_role(command.actor, _SERVICE, "register organisations")
    require_platform_operator(command.actor)
    match command:
        case RegisterMunicipality():
            _require_new_org(state, command.org_id, command.name)
            if command.kommunkod is not None and not _KOMMUNKOD.match(command.kommunkod):
                raise InvalidInput(
                    code="invalid_kommunkod",
                    message="A kommunkod has four digits, got {value!r}.",
                    params={"value": command.kommunkod},
                    field_path=("kommunkod",),
                )
            if command.kommunkod is not None and any(
                o.kommunkod == command.kommunkod for o in state.organisations
            ):
                raise RuleViolated(
                    code="kommunkod_taken",
                    message="Kommunkod {kommunkod} is already registered.",
                    params={"kommunkod": command.kommunkod},
                )
            return [
                MunicipalityRegistered(
                    org_id=command.org_id,
                    name=command.name,
                    kommunkod=command.kommunkod,
                    aliases=_require_aliases(command.aliases),
                )
            ]
        case RegisterPoliceRegion():
            _require_new_org(state, command.org_id, command.name)
            return [
                PoliceRegionRegistered(
                    org_id=command.org_id,
                    name=command.name,
                    aliases=_require_aliases(command.aliases),
                )
            ]
        case RegisterPoliceArea():
            _require_new_org(state, command.org_id, command.name)
            _require_org(state, command.region_id, POLICE_REGION, "region_id")
            return [
                PoliceAreaRegistered(
                    org_id=command.org_id,
                    name=command.name,
                    region_id=command.region_id,
                    aliases=_require_aliases(command.aliases),
                )
            ]
        case RegisterPartner():
            _require_new_org(state, command.org_id, command.name)
            require_choice(command.partner_kind, PARTNER_KINDS, "partner_kind")
            return [
                PartnerRegistered(
                    org_id=command.org_id,
                    name=command.name,
                    partner_kind=command.partner_kind,
                    aliases=_require_aliases(command.aliases),
                )
            ]
        case LinkPoliceAreaToMunicipality():
            require_id(command.link_id, "link_id")
            if state.link(command.link_id) is not None:
                raise RuleViolated(
                    code="link_exists",
                    message="The link {link} already exists.",
                    params={"link": command.link_id},
                )
            _require_org(state, command.police_area_id, POLICE_AREA, "police_area_id")
            _require_org(state, command.municipality_id, MUNICIPALITY, "municipality_id")
            require_ordered(command.valid_from, command.valid_to, "valid_to")
            return [
                PoliceAreaMunicipalityLinked(
                    link_id=command.link_id,
                    police_area_id=command.police_area_id,
                    municipality_id=command.municipality_id,
                    valid_from=command.valid_from,
                    valid_to=command.valid_to,
                )
            ]
        case EndPoliceAreaLink():
            link = state.link(command.link_id)
            if link is None:
                raise NotFound(
                    code="link_not_found",
                    message="No link {link}.",
                    params={"link": command.link_id},
                )
            require_ordered(link.valid_from, command.ended_on, "ended_on")
            if link.valid_to is not None and link.valid_to <= command.ended_on:
                raise RuleViolated(code="link_already_ended", message="The link already ended.")
            return [
                PoliceAreaMunicipalityLinkEnded(link_id=link.link_id, ended_on=command.ended_on)
            ]
    raise unknown_command(command)


def _decide_people(command: Command, state: DirectoryState) -> list[Event]:
    actor = command.actor
    match command:
        case RegisterPerson():
            require_any_role(actor, frozenset({"service", "org_admin"}), "register people")
            require_id(command.person_id, "person_id")
            require_text(command.name, "name", max_length=200)
            if state.person(command.person_id) is not None:
                raise RuleViolated(
                    code="person_exists",
                    message="The person {person} already exists.",
                    params={"person": command.person_id},
                )
            return [PersonRegistered(person_id=command.person_id, name=command.name)]
        case AssignRole():
            if not operates_platform(actor):
                _require_org_admin_of(actor.organisation_id, actor.roles, command.org_id)
            require_id(command.assignment_id, "assignment_id")
            if state.role(command.assignment_id) is not None:
                raise RuleViolated(
                    code="role_exists",
                    message="The role assignment {assignment} already exists.",
                    params={"assignment": command.assignment_id},
                )
            if state.person(command.person_id) is None:
                raise NotFound(
                    code="person_not_found",
                    message="No person {person}.",
                    params={"person": command.person_id},
                )
            _require_org(state, command.org_id, None, "org_id")
            require_text(command.title, "title", max_length=200)
            require_choice(command.role, ROLES, "role")
            require_ordered(command.valid_from, command.valid_to, "valid_to")
            return [
                RoleAssigned(
                    assignment_id=command.assignment_id,
                    person_id=command.person_id,
                    org_id=command.org_id,
                    title=command.title,
                    role=command.role,
                    party_label=command.party_label,
                    valid_from=command.valid_from,
                    valid_to=command.valid_to,
                )
            ]
        case EndRole():
            role = state.role(command.assignment_id)
            if role is None:
                raise NotFound(
                    code="role_not_found",
                    message="No role assignment {assignment}.",
                    params={"assignment": command.assignment_id},
                )
            if not operates_platform(actor):
                _require_org_admin_of(actor.organisation_id, actor.roles, role.org_id)
            if role.valid_to is not None and role.valid_to <= command.ended_on:
                raise RuleViolated(code="role_already_ended", message="The role already ended.")
            require_ordered(role.valid_from, command.ended_on, "ended_on")
            return [RoleEnded(assignment_id=role.assignment_id, ended_on=command.ended_on)]
    return _decide_mandates(command, state)


def _decide_mandates(command: Command, state: DirectoryState) -> list[Event]:
    actor = command.actor
    match command:
        case GrantSigningMandate():
            _require_org(state, command.org_id, None, "org_id")
            _require_org_admin_of(actor.organisation_id, actor.roles, command.org_id)
            require_id(command.mandate_id, "mandate_id")
            if state.mandate(command.mandate_id) is not None:
                raise RuleViolated(
                    code="mandate_exists",
                    message="The signing mandate {mandate} already exists.",
                    params={"mandate": command.mandate_id},
                )
            if state.person(command.person_id) is None:
                raise NotFound(
                    code="person_not_found",
                    message="No person {person}.",
                    params={"person": command.person_id},
                )
            require_ordered(command.valid_from, command.valid_to, "valid_to")
            return [
                SigningMandateGranted(
                    mandate_id=command.mandate_id,
                    person_id=command.person_id,
                    org_id=command.org_id,
                    granted_by=actor.person_id or actor.subject,
                    valid_from=command.valid_from,
                    valid_to=command.valid_to,
                )
            ]
        case RevokeSigningMandate():
            mandate = state.mandate(command.mandate_id)
            # A mandate the actor may not see is refused as one that does not exist.
            if mandate is None or not sees_organisation(actor, mandate.org_id):
                raise NotFound(
                    code="mandate_not_found",
                    message="No signing mandate {mandate}.",
                    params={"mandate": command.mandate_id},
                )
            _require_org_admin_of(actor.organisation_id, actor.roles, mandate.org_id)
            if mandate.revoked_on is not None:
                raise RuleViolated(
                    code="mandate_revoked", message="The mandate is already revoked."
                )
            return [
                SigningMandateRevoked(
                    mandate_id=mandate.mandate_id,
                    revoked_on=command.revoked_on,
                    revoked_by=actor.person_id or actor.subject,
                )
            ]
    raise unknown_command(command)


_REGISTRATION = (
    RegisterMunicipality,
    RegisterPoliceRegion,
    RegisterPoliceArea,
    RegisterPartner,
    LinkPoliceAreaToMunicipality,
    EndPoliceAreaLink,
)
DIRECTORY_COMMANDS: tuple[type[Command], ...] = (
    *_REGISTRATION,
    RegisterPerson,
    AssignRole,
    EndRole,
    GrantSigningMandate,
    RevokeSigningMandate,
    SetPublicContact,
)


def decide_directory(
    command: Command, state: DirectoryState, context: DecisionContext
) -> list[Event]:
    """Decide a directory command; the directory is its own context, so `context` is unused."""
    if isinstance(command, _REGISTRATION):
        return _decide_registration(command, state)
    if isinstance(command, SetPublicContact):
        return _decide_contact(command, state)
    return _decide_people(command, state)


DIRECTORY: Decider[DirectoryState] = Decider(
    name="directory",
    stream_prefix=DIRECTORY_STREAM,
    initial_state=DirectoryState(),
    decide=decide_directory,
    evolve=evolve_directory,
    command_types=DIRECTORY_COMMANDS,
    event_types=DIRECTORY_EVENTS,
    stream_of=lambda command: DIRECTORY_STREAM,
)
