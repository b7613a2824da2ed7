"""Organisation directory queries: organisations, area ↔ municipality links, people, mandates.

Organisations and links are public reference data: citizens need to know which police area
serves their municipality. People and their roles are shown to signed-in callers only, since
the parties need to know whom they work with but an open directory of officials serves nobody.
Signing mandates are shown only to those who read the organisation they are for: its members
and the auditors of an oversight body whose scope covers it (schema.access).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.types import Info

from projections.directory import KEY as DIRECTORY_KEY
from projections.directory import NAME as DIRECTORY_PROJECTION
from schema.access import reads_as_member, sees_organisation
from schema.context import Context


@strawberry.type(description="A police area serving a municipality for a period.")
class AreaLink:
    link_id: str
    police_area_id: str
    municipality_id: str
    valid_from: dt.date | None
    valid_to: dt.date | None


@strawberry.type(description="A person's time-bounded role at an organisation.")
class PersonRole:
    assignment_id: str
    person_id: str
    name: str | None
    title: str
    role: str
    party_label: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None


@strawberry.type(description="A signing mandate (rätt att underteckna) for the organisation.")
class SigningMandate:
    mandate_id: str
    person_id: str
    name: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    revoked_on: dt.date | None


@strawberry.type(description="A kommun, polisregion, lokalpolisområde or partner organisation.")
class Organisation:
    id: strawberry.ID
    kind: str = strawberry.field(description="municipality, police_region, police_area or partner")
    name: str
    aliases: list[str]
    kommunkod: str | None
    parent_id: str | None = strawberry.field(description="The police region of a police area.")
    partner_kind: str | None
    links: list[AreaLink] = strawberry.field(
        description="Police area ↔ municipality links this organisation is part of."
    )
    people: list[PersonRole] = strawberry.field(
        description="Roles of people at this organisation; empty for anonymous callers."
    )
    mandates: list[SigningMandate] = strawberry.field(
        description="Signing mandates; empty unless the caller is a member or an auditor."
    )

    @strawberry.field(description="The organisation above this one (a police area's region).")
    async def parent(self, info: Info[Context, None]) -> Organisation | None:
        if self.parent_id is None:
            return None
        state = await _directory(info.context)
        for org in state.get("organisations", []):
            if org["org_id"] == self.parent_id:
                return organisation_view(info.context, state, org)
        return None


def _date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def organisation_view(ctx: Context, state: dict[str, Any], org: dict[str, Any]) -> Organisation:
    """One organisation as this caller may see it."""
    org_id = org["org_id"]
    names = {p["person_id"]: p["name"] for p in state.get("people", [])}
    signed_in = reads_as_member(ctx)
    sees_mandates = sees_organisation(ctx, org_id)
    return Organisation(
        id=strawberry.ID(org_id),
        kind=org["kind"],
        name=org["name"],
        aliases=list(org.get("aliases") or ()),
        kommunkod=org.get("kommunkod"),
        parent_id=org.get("parent_id"),
        partner_kind=org.get("partner_kind"),
        links=[
            AreaLink(
                link_id=k["link_id"],
                police_area_id=k["police_area_id"],
                municipality_id=k["municipality_id"],
                valid_from=_date(k.get("valid_from")),
                valid_to=_date(k.get("valid_to")),
            )
            for k in state.get("links", [])
            if org_id in (k["police_area_id"], k["municipality_id"])
        ],
        people=[
            PersonRole(
                assignment_id=r["assignment_id"],
                person_id=r["person_id"],
                name=names.get(r["person_id"]),
                title=r["title"],
                role=r["role"],
                party_label=r.get("party_label"),
                valid_from=_date(r.get("valid_from")),
                valid_to=_date(r.get("valid_to")),
            )
            for r in state.get("roles", [])
            if signed_in and r["org_id"] == org_id
        ],
        mandates=[
            SigningMandate(
                mandate_id=m["mandate_id"],
                person_id=m["person_id"],
                name=names.get(m["person_id"]),
                valid_from=_date(m.get("valid_from")),
                valid_to=_date(m.get("valid_to")),
                revoked_on=_date(m.get("revoked_on")),
            )
            for m in state.get("mandates", [])
            if sees_mandates and m["org_id"] == org_id
        ],
    )


async def _directory(ctx: Context) -> dict[str, Any]:
    # Through the request's DataLoader: a list of organisations with their parents reads the
    # directory document once per request, however many fields ask for it.
    doc = await ctx.documents.load((DIRECTORY_PROJECTION, DIRECTORY_KEY))
    if doc is None:
        return {}
    state: dict[str, Any] = doc["state"]
    return state


@strawberry.type
class OrganisationQuery:
    @strawberry.field(description="Registered organisations in registration order, by kind.")
    async def organisations(
        self, info: Info[Context, None], kind: str | None = None
    ) -> list[Organisation]:
        ctx = info.context
        state = await _directory(ctx)
        return [
            organisation_view(ctx, state, org)
            for org in state.get("organisations", [])
            if kind is None or org["kind"] == kind
        ]

    @strawberry.field(description="One organisation of the directory.")
    async def organisation(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> Organisation | None:
        ctx = info.context
        state = await _directory(ctx)
        for org in state.get("organisations", []):
            if org["org_id"] == str(id):
                return organisation_view(ctx, state, org)
        return None
