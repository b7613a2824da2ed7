"""Events of the organisation directory (organisationskatalog), stream "directory"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from events.messages import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class MunicipalityRegistered(Event):
    """A kommun entered the directory; `kommunkod` is the 4-digit SCB code when known."""

    org_id: str
    name: str
    kommunkod: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PoliceRegionRegistered(Event):
    """A polisregion entered the directory."""

    org_id: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PoliceAreaRegistered(Event):
    """A lokalpolisområde entered the directory under its region."""

    org_id: str
    name: str
    region_id: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerRegistered(Event):
    """A partner (räddningstjänst, bostadsföretag, förening) entered the directory."""

    org_id: str
    name: str
    partner_kind: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PoliceAreaMunicipalityLinked(Event):
    """A police area serves a municipality from `valid_from` to `valid_to` (unknown = open)."""

    link_id: str
    police_area_id: str
    municipality_id: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PoliceAreaMunicipalityLinkEnded(Event):
    """A police area stopped serving a municipality."""

    link_id: str
    ended_on: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonRegistered(Event):
    """A person (name only, never a personnummer) entered the directory."""

    PERSONAL_FIELDS: ClassVar[frozenset[str]] = frozenset({"name"})

    person_id: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleAssigned(Event):
    """A person holds a titled role at an organisation, e.g. "kommunstyrelsens ordförande"."""

    assignment_id: str
    person_id: str
    org_id: str
    title: str
    role: str
    party_label: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleEnded(Event):
    """A role assignment ended."""

    assignment_id: str
    ended_on: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class SigningMandateGranted(Event):
    """The org_admin let a person sign for the organisation (firmateckning) for a period."""

    mandate_id: str
    person_id: str
    org_id: str
    granted_by: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SigningMandateRevoked(Event):
    """A signing mandate was revoked from a date on."""

    mandate_id: str
    revoked_on: dt.date
    revoked_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicContact:
    """How citizens reach an organisation: the contact points it publishes (växel, e-post,
    webbplats), and where they were taken from."""

    phone: str | None = None
    email: str | None = None
    web: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicContactSet(Event):
    """An organisation's public contact points were set (replacing earlier ones)."""

    org_id: str
    contact: PublicContact


DIRECTORY_EVENTS: tuple[type[Event], ...] = (
    MunicipalityRegistered,
    PoliceRegionRegistered,
    PoliceAreaRegistered,
    PartnerRegistered,
    PoliceAreaMunicipalityLinked,
    PoliceAreaMunicipalityLinkEnded,
    PersonRegistered,
    RoleAssigned,
    RoleEnded,
    SigningMandateGranted,
    SigningMandateRevoked,
    PublicContactSet,
)
