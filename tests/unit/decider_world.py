"""A small directory and promise histories shared by the decider tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from events.context import DecisionContext
from events.directory.decider import DIRECTORY
from events.directory.events import (
    MunicipalityRegistered,
    PartnerRegistered,
    PersonRegistered,
    PoliceAreaMunicipalityLinked,
    PoliceAreaRegistered,
    PoliceRegionRegistered,
    RoleAssigned,
    SigningMandateGranted,
)
from events.directory.state import DirectoryState
from events.messages import Event, Principal
from events.promise.content import (
    Commitment,
    FocusArea,
    Period,
    Place,
    PromiseDetails,
    Target,
    content_hash,
)
from events.promise.decider import PROMISE
from events.promise.events import (
    CommitmentAdded,
    FocusAreaAdded,
    PlaceRegistered,
    PromiseDrafted,
    PromiseEnteredIntoForce,
    PromiseProposedForSigning,
    PromiseSigned,
)

AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
TODAY = AT.date()
KOMMUN = "org-kommun"
OTHER_KOMMUN = "org-other-kommun"
LPO = "org-lpo"
OTHER_LPO = "org-other-lpo"
REGION = "org-region"
PARTNER = "org-partner"
KSO = "person-kso"
CHIEF = "person-chief"
OTHER_CHIEF = "person-other-chief"
PROMISE_ID = "p1"
PARTIES = (KOMMUN, LPO)
VALID_FROM = dt.date(2026, 1, 1)
PERIOD = Period(valid_from=VALID_FROM, valid_to=dt.date(2026, 12, 31), label="2026")

DIRECTORY_HISTORY: tuple[Event, ...] = (
    PoliceRegionRegistered(org_id=REGION, name="Polisregion Test"),
    PoliceAreaRegistered(org_id=LPO, name="LPO Test", region_id=REGION),
    PoliceAreaRegistered(org_id=OTHER_LPO, name="LPO Annan", region_id=REGION),
    MunicipalityRegistered(org_id=KOMMUN, name="Testkommun", kommunkod="0139"),
    MunicipalityRegistered(org_id=OTHER_KOMMUN, name="Annan kommun", kommunkod="0123"),
    PartnerRegistered(org_id=PARTNER, name="Fryshuset", partner_kind="association"),
    PoliceAreaMunicipalityLinked(link_id="l1", police_area_id=LPO, municipality_id=KOMMUN),
    PersonRegistered(person_id=KSO, name="Kim Ordförande"),
    PersonRegistered(person_id=CHIEF, name="Lo Chef"),
    PersonRegistered(person_id=OTHER_CHIEF, name="Al Annan"),
    RoleAssigned(
        assignment_id="r1",
        person_id=KSO,
        org_id=KOMMUN,
        title="kommunstyrelsens ordförande",
        role="signatory",
    ),
    SigningMandateGranted(
        mandate_id="m1", person_id=KSO, org_id=KOMMUN, granted_by="admin", valid_from=None
    ),
    SigningMandateGranted(
        mandate_id="m2",
        person_id=CHIEF,
        org_id=LPO,
        granted_by="admin",
        valid_from=dt.date(2025, 1, 1),
        valid_to=dt.date(2027, 12, 31),
    ),
    SigningMandateGranted(mandate_id="m3", person_id=OTHER_CHIEF, org_id=OTHER_LPO, granted_by="a"),
)
DIRECTORY_STATE: DirectoryState = DIRECTORY.fold(DIRECTORY_HISTORY)
CONTEXT = DecisionContext(directory=DIRECTORY_STATE)


def principal(org: str, *roles: str, person: str | None = None) -> Principal:
    """A principal of `org` holding `roles`."""
    return Principal(
        issuer="test",
        subject=person or f"{org}-{'-'.join(roles) or 'anon'}",
        organisation_id=org,
        roles=frozenset(roles),
        person_id=person,
    )


# The platform's service principal, named platform operator (as the registry names one): only
# it registers organisations.
SERVICE = replace(principal("samverkan", "service"), platform_operator=True)
KOMMUN_EDITOR = principal(KOMMUN, "editor")
LPO_EDITOR = principal(LPO, "editor")
KOMMUN_SIGNER = principal(KOMMUN, "signatory", person=KSO)
LPO_SIGNER = principal(LPO, "signatory", person=CHIEF)
KOMMUN_PUBLISHER = principal(KOMMUN, "publisher")
AUDITOR = principal(KOMMUN, "auditor")
VIEWER = principal(KOMMUN, "viewer")
OUTSIDER = principal(OTHER_KOMMUN, "editor", "signatory", "publisher")


def meta(actor: Principal, at: dt.datetime = AT) -> dict[str, Any]:
    """The common command fields."""
    return {"command_id": "c-1", "actor": actor, "at": at}


def promise_meta(actor: Principal, at: dt.datetime = AT) -> dict[str, Any]:
    """Common command fields for the test promise."""
    return {**meta(actor, at), "promise_id": PROMISE_ID}


C1 = Commitment(
    commitment_id="c1",
    text="Ökad närvaro",
    focus_area_id="fa1",
    responsible_ids=(LPO,),
    place_ids=("pl1",),
)
C2 = Commitment(
    commitment_id="c2",
    text="Minst åtta gemensamma insatser",
    focus_area_id="fa1",
    responsible_ids=PARTIES,
    partner_ids=(PARTNER,),
    place_ids=("pl1",),
    target=Target(comparator=">=", quantity=8, unit="insats"),
    pre_planned=True,
)
DETAILS = PromiseDetails(title="Tryggare centrum", period=PERIOD)
DRAFTED: tuple[Event, ...] = (
    PromiseDrafted(promise_id=PROMISE_ID, parties=PARTIES, details=DETAILS),
    FocusAreaAdded(focus_area=FocusArea(focus_area_id="fa1", title="Trygg miljö")),
    PlaceRegistered(place=Place(place_id="pl1", name="Centrum", kind="centrum")),
    CommitmentAdded(commitment=C1),
    CommitmentAdded(commitment=C2),
)


def working_hash(history: tuple[Event, ...]) -> str:
    """The content hash the working revision would get if proposed now."""
    working = PROMISE.fold(history).working
    assert working is not None
    return content_hash(working.content)


HASH1 = working_hash(DRAFTED)
PROPOSED: tuple[Event, ...] = (
    *DRAFTED,
    PromiseProposedForSigning(revision_no=1, content_hash=HASH1),
)
KOMMUN_SIGNED = PromiseSigned(
    revision_no=1, content_hash=HASH1, party_id=KOMMUN, person_id=KSO, signed_on=TODAY
)
LPO_SIGNED = PromiseSigned(
    revision_no=1, content_hash=HASH1, party_id=LPO, person_id=CHIEF, signed_on=TODAY
)
PARTIALLY_SIGNED: tuple[Event, ...] = (*PROPOSED, KOMMUN_SIGNED)
IN_FORCE: tuple[Event, ...] = (
    *PARTIALLY_SIGNED,
    LPO_SIGNED,
    PromiseEnteredIntoForce(revision_no=1, content_hash=HASH1, valid_from=VALID_FROM),
)
FUTURE_DETAILS = replace(
    DETAILS, period=Period(valid_from=dt.date(2027, 1, 1), valid_to=dt.date(2027, 12, 31))
)
