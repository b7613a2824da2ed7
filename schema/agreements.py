"""Agreement queries (samverkansöverenskommelser): one agreement, and lists in pages.

The same rules as for promises: members of a party see an agreement in every state with all
it holds; everybody else, anonymous callers included, sees an agreement only once every party
signed it and it was published, and then only its public view. An agreement the caller may not
see is null, the same answer as for an id nobody used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import strawberry
from strawberry.types import Info

from events.agreement import STREAM_PREFIX as AGREEMENT_STREAM
from events.indicator import AGREEMENT as AGREEMENT_LINK
from events.promise.decider import STREAM_PREFIX as PROMISE_STREAM
from projections.agreements import NAME as AGREEMENT_PROJECTION
from schema.access import read_scope, sees_parties
from schema.consistency import read_after
from schema.context import Context
from schema.evidence import Evidence, evidence_of
from schema.indicators import IndicatorTrend, linked_trends
from schema.pagination import First, PageInfo, key_after, page_info, page_size
from schema.situation import ActionPlan, plans_naming

MAX_LINKED_PROMISES = 100
"""Promises listed under one agreement (an agreement runs a few years: a handful of promises)."""


@strawberry.type(description="A prioritised area (prioriterat område) of an agreement.")
class AgreementFocusArea:
    focus_area_id: str
    title: str
    description: str | None


@strawberry.type(
    description="One party's signature. `recordedFromDocument` tells a signature given on "
    "paper and recorded afterwards from its evidence from one given here by a registered "
    "signatory (`personId`)."
)
class AgreementSignature:
    party_id: str
    person_id: str | None = strawberry.field(
        description="The registered signatory who signed here; null for a recorded signature."
    )
    signatory_name: str | None = strawberry.field(
        description="The signatory as the document names them (null when it names nobody)."
    )
    signatory_title: str | None
    signed_on: dt.date | None = strawberry.field(description="Null when the date is unknown.")
    recorded_from_document: bool
    recorded_by: str | None = strawberry.field(
        description="Who recorded it (parties only; null in the public view)."
    )
    evidence: Evidence | None


@strawberry.type(description="Where and when the signed agreement was made public.")
class AgreementPublication:
    channel: str
    url: str | None
    published_on: dt.date | None = strawberry.field(description="Null when the source has none.")
    recorded_from_document: bool
    evidence: Evidence | None


@strawberry.type(description="An extension (förlängning) of the agreement's period.")
class AgreementExtension:
    previous_valid_to: dt.date | None
    new_valid_to: dt.date
    reason: str
    decision_ref: str | None


@strawberry.type(description="A samverkansöverenskommelse as the caller may see it.")
class Agreement:
    id: strawberry.ID
    status: str = strawberry.field(
        description="draft, proposed, partially_signed, signed (every party signed), expired "
        "(its period ended) or ended."
    )
    in_force: bool = strawberry.field(
        description="Signed by every party and today lies within its period."
    )
    parties: list[str]
    title: str
    goal: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    period_label: str | None
    focus_areas: list[AgreementFocusArea]
    revision_no: int
    content_hash: str | None
    signatures: list[AgreementSignature]
    publications: list[AgreementPublication]
    extensions: list[AgreementExtension]
    expired_on: dt.date | None
    ended_on: dt.date | None
    public_only: bool = strawberry.field(
        description="True when the caller sees only what was published to citizens."
    )

    @strawberry.field(
        description="The promises that name this agreement as theirs, as far as you may see "
        "them (by their published revision, unless you read a party)."
    )
    async def promise_ids(self, info: Info[Context, None]) -> list[strawberry.ID]:
        ctx = info.context
        member_of, everything = read_scope(ctx)
        keys = await ctx.reader.agreement_promises(
            agreement_id=str(self.id),
            member_of=member_of,
            everything=everything,
            limit=MAX_LINKED_PROMISES,
        )
        return [strawberry.ID(key.removeprefix(PROMISE_STREAM)) for key in keys]

    @strawberry.field(
        description="The adopted åtgärdsplaner whose latest adopted version names this "
        "agreement as the one implementing it."
    )
    async def action_plans(self, info: Info[Context, None]) -> list[ActionPlan]:
        return await plans_naming(info.context, "agreement", str(self.id))

    @strawberry.field(
        description="The indicators the agreement links its expected effect to, each from its "
        "baseline to its latest value by `on` (default today) with the trend; for a party's "
        "members, empty for everybody else."
    )
    async def indicators(
        self, info: Info[Context, None], on: dt.date | None = None
    ) -> list[IndicatorTrend]:
        if self.public_only:
            return []
        day = on or info.context.today()
        return await linked_trends(info.context, AGREEMENT_LINK, str(self.id), day)


@strawberry.type
class AgreementPage:
    agreements: list[Agreement]
    page_info: PageInfo


def _date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _signature(plain: Mapping[str, Any], public_only: bool) -> AgreementSignature:
    return AgreementSignature(
        party_id=plain["party_id"],
        person_id=plain.get("person_id"),
        signatory_name=plain.get("signatory_name"),
        signatory_title=plain.get("signatory_title"),
        signed_on=_date(plain.get("signed_on")),
        recorded_from_document=bool(plain.get("recorded_from_document")),
        recorded_by=None if public_only else plain.get("recorded_by"),
        evidence=evidence_of(plain.get("evidence")),
    )


def _publication(plain: Mapping[str, Any]) -> AgreementPublication:
    return AgreementPublication(
        channel=plain["channel"],
        url=plain.get("url"),
        published_on=_date(plain.get("published_on")),
        recorded_from_document=bool(plain.get("recorded_from_document")),
        evidence=evidence_of(plain.get("evidence")),
    )


def _extension(plain: Mapping[str, Any]) -> AgreementExtension:
    new_valid_to = _date(plain["new_valid_to"])
    assert new_valid_to is not None
    return AgreementExtension(
        previous_valid_to=_date(plain.get("previous_valid_to")),
        new_valid_to=new_valid_to,
        reason=plain["reason"],
        decision_ref=plain.get("decision_ref"),
    )


def agreement_of(source: Mapping[str, Any], *, public_only: bool, today: dt.date) -> Agreement:
    """The agreement from its stored state or public view (both have the same keys)."""
    content = source["content"]
    period = content.get("period") or {}
    valid_from, valid_to = _date(period.get("valid_from")), _date(period.get("valid_to"))
    in_force = (
        source["status"] == "signed"
        and (valid_from is None or valid_from <= today)
        and (valid_to is None or today <= valid_to)
    )
    return Agreement(
        id=strawberry.ID(source["agreement_id"]),
        status=source["status"],
        in_force=in_force,
        parties=list(content["parties"]),
        title=content["title"],
        goal=content.get("goal"),
        valid_from=valid_from,
        valid_to=valid_to,
        period_label=period.get("label"),
        focus_areas=[
            AgreementFocusArea(
                focus_area_id=area["focus_area_id"],
                title=area["title"],
                description=area.get("description"),
            )
            for area in content.get("focus_areas") or []
        ],
        revision_no=int(source.get("revision_no") or 0),
        content_hash=source.get("content_hash"),
        signatures=[_signature(s, public_only) for s in source.get("signatures") or []],
        publications=[_publication(p) for p in source.get("publications") or []],
        extensions=[_extension(e) for e in source.get("extensions") or []],
        expired_on=_date(source.get("expired_on")),
        ended_on=_date(source.get("ended_on")),
        public_only=public_only,
    )


def visible(ctx: Context, doc: Mapping[str, Any]) -> Agreement | None:
    """The agreement as this caller may see it, or None."""
    today = ctx.today()
    state = doc["state"]
    parties = (state.get("content") or {}).get("parties") or []
    if state.get("content") is not None and sees_parties(ctx, parties):
        return agreement_of(state, public_only=False, today=today)
    public = doc.get("public")
    return None if public is None else agreement_of(public, public_only=True, today=today)


@strawberry.type
class AgreementQuery:
    @strawberry.field(
        description="One agreement, or null when there is none you may see (parties see every "
        "state; others only a signed and published agreement)."
    )
    async def agreement(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        consistency_token: str | None = None,
    ) -> Agreement | None:
        ctx = info.context
        await read_after(ctx, consistency_token)
        doc = await ctx.reader.document(AGREEMENT_PROJECTION, AGREEMENT_STREAM + str(id))
        return None if doc is None else visible(ctx, doc)

    @strawberry.field(
        description="Agreements the caller may see, filtered, in pages; `activeOn` keeps those "
        "whose period covers that day."
    )
    async def agreements(
        self,
        info: Info[Context, None],
        organisation: str | None = None,
        status: list[str] | None = None,
        title: str | None = None,
        active_on: dt.date | None = None,
        first: First = None,
        after: str | None = None,
        consistency_token: str | None = None,
    ) -> AgreementPage:
        ctx = info.context
        await read_after(ctx, consistency_token)
        limit = page_size(first)
        start = key_after(after)
        member_of, everything = read_scope(ctx)
        rows = await ctx.reader.agreement_documents(
            organisation=organisation,
            status=status,
            title=title,
            after=start,
            limit=limit + 1,
            member_of=member_of,
            everything=everything,
            active_on=active_on,
        )
        page = rows[:limit]
        seen = [a for _key, doc in page if (a := visible(ctx, doc)) is not None]
        return AgreementPage(agreements=seen, page_info=page_info(rows, limit))
