"""The folded organisation directory and the questions decisions ask of it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeVar

from events.directory.events import (
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
from events.frozen import replace
from events.messages import Event

MUNICIPALITY = "municipality"
POLICE_REGION = "police_region"
T = TypeVar("T")
POLICE_AREA = "police_area"
PARTNER = "partner"
KINDS = (MUNICIPALITY, POLICE_REGION, POLICE_AREA, PARTNER)
"""Every kind of organisation in the directory."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Organisation:
    """An organisation: kommun, polisregion, lokalpolisområde or partner."""

    org_id: str
    kind: str
    name: str
    aliases: tuple[str, ...] = ()
    kommunkod: str | None = None
    parent_id: str | None = None
    partner_kind: str | None = None
    public_contact: PublicContact | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AreaLink:
    """A police area serving a municipality for a period."""

    link_id: str
    police_area_id: str
    municipality_id: str
    valid_from: dt.date | None
    valid_to: dt.date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    """A person known to the directory."""

    person_id: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleRecord:
    """A time-bounded role of a person at an organisation."""

    assignment_id: str
    person_id: str
    org_id: str
    title: str
    role: str
    party_label: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Mandate:
    """A signing mandate (rätt att underteckna) for one organisation."""

    mandate_id: str
    person_id: str
    org_id: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    revoked_on: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        """True when the mandate is valid on `day` (an unknown bound is open)."""
        if self.valid_from is not None and day < self.valid_from:
            return False
        if self.valid_to is not None and day > self.valid_to:
            return False
        return self.revoked_on is None or day < self.revoked_on


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectoryState:
    """Everything registered so far, in registration order."""

    organisations: tuple[Organisation, ...] = ()
    links: tuple[AreaLink, ...] = ()
    people: tuple[Person, ...] = ()
    roles: tuple[RoleRecord, ...] = ()
    mandates: tuple[Mandate, ...] = ()

    def organisation(self, org_id: str) -> Organisation | None:
        """The organisation with `org_id`, if registered."""
        return next((o for o in self.organisations if o.org_id == org_id), None)

    def kind_of(self, org_id: str) -> str | None:
        """The kind of `org_id`, or None when unknown."""
        org = self.organisation(org_id)
        return None if org is None else org.kind

    def person(self, person_id: str) -> Person | None:
        """The person with `person_id`, if registered."""
        return next((p for p in self.people if p.person_id == person_id), None)

    def link(self, link_id: str) -> AreaLink | None:
        """The police-area link with `link_id`, if any."""
        return next((k for k in self.links if k.link_id == link_id), None)

    def role(self, assignment_id: str) -> RoleRecord | None:
        """The role assignment with `assignment_id`, if any."""
        return next((r for r in self.roles if r.assignment_id == assignment_id), None)

    def mandate(self, mandate_id: str) -> Mandate | None:
        """The signing mandate with `mandate_id`, if any."""
        return next((m for m in self.mandates if m.mandate_id == mandate_id), None)

    def has_mandate(self, person_id: str, org_id: str, day: dt.date) -> bool:
        """True when `person_id` may sign for `org_id` on `day`."""
        return any(
            m.person_id == person_id and m.org_id == org_id and m.covers(day) for m in self.mandates
        )

    def served_municipalities(self, police_area_id: str, day: dt.date) -> tuple[str, ...]:
        """Municipalities served by a police area on `day`."""
        return tuple(
            k.municipality_id
            for k in self.links
            if k.police_area_id == police_area_id
            and (k.valid_from is None or k.valid_from <= day)
            and (k.valid_to is None or day <= k.valid_to)
        )


def _replace_where(items: tuple[T, ...], match: object, new: T) -> tuple[T, ...]:
    return tuple(new if item is match else item for item in items)


def evolve_directory(state: DirectoryState, event: Event) -> DirectoryState:
    """Fold one directory event into the state."""
    match event:
        case PublicContactSet():
            organisations = tuple(
                replace(o, public_contact=event.contact) if o.org_id == event.org_id else o
                for o in state.organisations
            )
            return replace(state, organisations=organisations)
        case MunicipalityRegistered():
            org = Organisation(
                org_id=event.org_id,
                kind=MUNICIPALITY,
                name=event.name,
                aliases=event.aliases,
                kommunkod=event.kommunkod,
            )
            return replace(state, organisations=(*state.organisations, org))
        case PoliceRegionRegistered():
            org = Organisation(
                org_id=event.org_id, kind=POLICE_REGION, name=event.name, aliases=event.aliases
            )
            return replace(state, organisations=(*state.organisations, org))
        case PoliceAreaRegistered():
            org = Organisation(
                org_id=event.org_id,
                kind=POLICE_AREA,
                name=event.name,
                aliases=event.aliases,
                parent_id=event.region_id,
            )
            return replace(state, organisations=(*state.organisations, org))
        case PartnerRegistered():
            org = Organisation(
                org_id=event.org_id,
                kind=PARTNER,
                name=event.name,
                aliases=event.aliases,
                partner_kind=event.partner_kind,
            )
            return replace(state, organisations=(*state.organisations, org))
        case PoliceAreaMunicipalityLinked():
            link = AreaLink(
                link_id=event.link_id,
                police_area_id=event.police_area_id,
                municipality_id=event.municipality_id,
                valid_from=event.valid_from,
                valid_to=event.valid_to,
            )
            return replace(state, links=(*state.links, link))
        case PoliceAreaMunicipalityLinkEnded():
            old = state.link(event.link_id)
            if old is None:
                return state
            return replace(
                state, links=_replace_where(state.links, old, replace(old, valid_to=event.ended_on))
            )
        case PersonRegistered():
            person = Person(person_id=event.person_id, name=event.name)
            return replace(state, people=(*state.people, person))
        case RoleAssigned():
            role = RoleRecord(
                assignment_id=event.assignment_id,
                person_id=event.person_id,
                org_id=event.org_id,
                title=event.title,
                role=event.role,
                party_label=event.party_label,
                valid_from=event.valid_from,
                valid_to=event.valid_to,
            )
            return replace(state, roles=(*state.roles, role))
        case RoleEnded():
            old_role = state.role(event.assignment_id)
            if old_role is None:
                return state
            ended = replace(old_role, valid_to=event.ended_on)
            return replace(state, roles=_replace_where(state.roles, old_role, ended))
        case SigningMandateGranted():
            mandate = Mandate(
                mandate_id=event.mandate_id,
                person_id=event.person_id,
                org_id=event.org_id,
                valid_from=event.valid_from,
                valid_to=event.valid_to,
            )
            return replace(state, mandates=(*state.mandates, mandate))
        case SigningMandateRevoked():
            old_mandate = state.mandate(event.mandate_id)
            if old_mandate is None:
                return state
            revoked = replace(old_mandate, revoked_on=event.revoked_on)
            return replace(state, mandates=_replace_where(state.mandates, old_mandate, revoked))
        case _:
            return state
