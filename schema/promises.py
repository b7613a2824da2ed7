"""Promise queries (medborgarlöften): detail, lists, progress, time travel and the inbox.

Members of a party organisation see their promises in every state; everybody else, anonymous
callers included, sees only the public view: what was published to citizens.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import AsyncGenerator, Iterable, Mapping
from typing import Annotated, Any, ClassVar

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from events.codec import from_plain, to_plain
from events.messages import NotFound as Missing
from events.promise.content import Period
from events.promise.decider import STREAM_PREFIX as PROMISE_STREAM
from events.promise.rhythm import DUE_SOON, OVERDUE, due_status
from events.promise.state import FollowUpReport, Plan, PromiseState, ScheduledFollowUp
from projections.activities import attach
from projections.progress import Pace, Progress, pace, progress
from projections.progress import PeriodProgress as StoredPeriod
from projections.promises import NAME as PROMISE_PROJECTION
from projections.walks import NAME as WALK_PROJECTION
from schema import errors, time_travel
from schema.access import member_organisation, read_scope, sees_parties
from schema.consistency import read_after
from schema.context import Context
from schema.errors import ClientError
from schema.evidence import Evidence, evidence_of
from schema.indicators import FollowUpIndicators, IndicatorTrend, follow_up_trends, linked_trends
from schema.pagination import First, PageInfo, key_after, page_info, page_size
from schema.refusals import message
from schema.situation import ActionPlan, plans_naming
from schema.time_travel import AsOfRefused


@dataclasses.dataclass(frozen=True, slots=True)
class DocumentSource:
    """Where a Promise's `document` comes from: a stored document, whose activity records are
    read from their rows only when the field is asked for, or a whole one (time travel)."""

    doc: dict[str, Any]
    records_of: str | None
    """The promise whose records the stored `doc` lacks; None when `doc` is whole."""
    part: str | None = None
    """The part of the document shown (None: all of it)."""

    async def whole(self, ctx: Context) -> JSON:
        doc = self.doc
        if self.records_of is not None:
            doc = attach(doc, await ctx.reader.promise_records(self.records_of))
        return JSON(doc if self.part is None else doc[self.part])


@strawberry.type(description="Progress of one commitment (åtagande) against its target.")
class CommitmentProgress:
    commitment_id: str
    text: str
    target: int | None = strawberry.field(
        description="The target over the whole period: for a target per year or per month, its "
        "quantity times the sub-periods (see periods)."
    )
    comparator: str | None
    unit: str | None
    achieved: int = strawberry.field(
        description="The quantities of the standing records that count towards the commitment "
        "(its own, and those that link it with alsoCountsFor)."
    )
    records: int
    status: str = strawberry.field(
        description="met, partly, not_met or no_target; for a target per sub-period, met only "
        "when every sub-period is met"
    )
    colour: str = strawberry.field(description="green, yellow, red or grey")
    per: str = strawberry.field(
        default="period",
        description="What the target's quantity is per: period, year, month or occurrence.",
    )
    periods: list[PeriodProgress] = strawberry.field(
        default_factory=list,
        description="For a target per year or per month: each year (or month) of the period, "
        "counted from its first day, with its own target, count and status; else empty.",
    )
    planned: int = strawberry.field(
        default=0,
        description="Occurrences of the activities planned for the commitment, not cancelled.",
    )
    planned_performed: int = strawberry.field(
        default=0, description="Of those, the ones a standing activity record performed."
    )
    promise_period: strawberry.Private[Period] = dataclasses.field(default_factory=Period)

    @strawberry.field(
        description="Takt on `on` (default today): what was due by then — the target (of the "
        "year or month holding that day, for a target per year or month) times the share of "
        "its days begun, rounded down — against what is done. on_track when done reaches it, "
        "behind from half of it, at_risk below; for 'at most n', on_track while within n. "
        "no_target without a numeric target; not_assessable when the period has no dates."
    )
    def pace(self, info: Info[Context, None], on: dt.date | None = None) -> CommitmentPace:
        found = self.pace_on(on or info.context.today())
        return CommitmentPace(status=found.status, expected=found.expected, achieved=found.achieved)

    def pace_on(self, day: dt.date) -> Pace:
        """The takt on `day` (projections.progress.pace)."""
        row = Progress(
            commitment_id=self.commitment_id,
            text=self.text,
            target=self.target,
            comparator=self.comparator,
            unit=self.unit,
            achieved=self.achieved,
            records=self.records,
            status=self.status,
            colour=self.colour,
            per=self.per,
            periods=tuple(
                StoredPeriod(
                    label=p.label,
                    starts_on=p.starts_on,
                    ends_on=p.ends_on,
                    target=p.target,
                    achieved=p.achieved,
                    records=p.records,
                    status=p.status,
                    colour=p.colour,
                )
                for p in self.periods
            ),
        )
        return pace(row, self.promise_period, day)


@strawberry.type(description="A commitment's takt on a day (see CommitmentProgress.pace).")
class CommitmentPace:
    status: str = strawberry.field(
        description="on_track, behind, at_risk, no_target or not_assessable"
    )
    expected: int | None = strawberry.field(description="What was due by the day.")
    achieved: int = strawberry.field(description="What counts by now (in that year or month).")


@strawberry.type(
    description="A follow-up the parties planned (uppföljningsplan): met once a published "
    "follow-up of its kind covers its period; else upcoming, due_soon (within 30 days of its due "
    "day) or overdue."
)
class PlannedFollowUp:
    due_id: str
    kind: str = strawberry.field(description="interim or final")
    covers_from: dt.date
    covers_to: dt.date
    due_on: dt.date
    status: str = strawberry.field(description="upcoming, due_soon, overdue or met")
    met_by: str | None = strawberry.field(description="The published follow-up that met it.")


@strawberry.type(description="One occurrence of a planned activity.")
class PlanOccurrence:
    occurrence_id: str
    starts_on: dt.date
    ends_on: dt.date = strawberry.field(description="The same as startsOn for a single day.")
    status: str = strawberry.field(description="planned, moved, cancelled or performed")
    record_id: str | None = strawberry.field(description="The record that performed it.")
    reason: str | None = strawberry.field(description="Why it was last moved or cancelled.")


@strawberry.type(
    description="A planned activity (planerad insats) for one or more commitments, with its "
    "occurrences."
)
class ActivityPlan:
    plan_id: str
    commitment_ids: list[str]
    title: str
    place_ids: list[str]
    responsible_ids: list[str]
    partner_ids: list[str]
    kind: str = strawberry.field(
        description="activity (insats) or safety_walk (trygghetsvandring)."
    )
    occurrences: list[PlanOccurrence]


def public_plans_of(items: Iterable[Mapping[str, Any]]) -> list[ActivityPlan]:
    """The planned activities of a public view (projections.promises.public_plan)."""
    return [
        ActivityPlan(
            plan_id=item["plan_id"],
            commitment_ids=list(item["commitment_ids"]),
            title=item["title"],
            place_ids=list(item["place_ids"]),
            responsible_ids=list(item["responsible_ids"]),
            partner_ids=list(item["partner_ids"]),
            kind=item["kind"],
            occurrences=[
                PlanOccurrence(
                    occurrence_id=o["occurrence_id"],
                    starts_on=_day(o["starts_on"]),
                    ends_on=_day(o["ends_on"]),
                    status=o["status"],
                    record_id=None,
                    reason=None,
                )
                for o in item["occurrences"]
            ],
        )
        for item in items
    ]


def _day(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def plans_of(state: Mapping[str, Any]) -> list[ActivityPlan]:
    """The planned activities of a stored promise state."""
    plans = []
    for item in state.get("plans", ()):
        plan = from_plain(Plan, item)
        plans.append(
            ActivityPlan(
                plan_id=plan.plan_id,
                commitment_ids=list(plan.commitment_ids),
                title=plan.title,
                place_ids=list(plan.place_ids),
                responsible_ids=list(plan.responsible_ids),
                partner_ids=list(plan.partner_ids),
                kind=plan.kind,
                occurrences=[
                    PlanOccurrence(
                        occurrence_id=o.occurrence_id,
                        starts_on=o.starts_on,
                        ends_on=o.ends_on,
                        status=o.status,
                        record_id=o.record_id,
                        reason=o.reason,
                    )
                    for o in plan.occurrences
                ],
            )
        )
    return plans


def planned_follow_ups(state: Mapping[str, Any], day: dt.date) -> list[PlannedFollowUp]:
    """The planned follow-ups of a stored promise state, where each stands on `day`."""
    follow_ups = tuple(from_plain(FollowUpReport, f) for f in state.get("follow_ups", ()))
    planned = []
    for item in state.get("follow_up_schedule", ()):
        due = from_plain(ScheduledFollowUp, item)
        standing = due_status(due, follow_ups, day)
        planned.append(
            PlannedFollowUp(
                due_id=due.due_id,
                kind=due.kind,
                covers_from=due.covers_from,
                covers_to=due.covers_to,
                due_on=due.due_on,
                status=standing.status,
                met_by=standing.met_by,
            )
        )
    return planned


@strawberry.type(description="Progress of a commitment within one year or month of the period.")
class PeriodProgress:
    label: str = strawberry.field(
        description='"2023", "2023-05", or "from–to" when not a calendar year or month'
    )
    starts_on: dt.date
    ends_on: dt.date
    target: int
    achieved: int
    records: int
    status: str = strawberry.field(description="met, partly or not_met")
    colour: str = strawberry.field(description="green, yellow or red")


@strawberry.type(
    description="A party's signature on the revision shown: given here by a registered "
    "signatory (recordedFromDocument false), or recorded afterwards from a document that shows "
    "a signature made on paper (recordedFromDocument true, with its evidence)."
)
class PromiseSignature:
    party_id: str
    recorded_from_document: bool
    person_id: str | None = strawberry.field(
        description="The registered signatory who signed here; null for a recorded signature."
    )
    signatory_name: str | None = strawberry.field(
        description="The signatory as the document names them (recorded signatures)."
    )
    signatory_title: str | None
    signed_on: dt.date | None = strawberry.field(
        description="The day it was signed; null when the source gives no date."
    )
    recorded_by: str | None = strawberry.field(
        description="Who recorded a signature from a document (person id or subject)."
    )
    evidence: Evidence | None


@strawberry.type(description="Where and when the revision was communicated to citizens.")
class PromisePublication:
    revision_no: int
    channel: str
    url: str | None
    published_on: dt.date | None = strawberry.field(
        description="The day it was published; null when the source gives no date."
    )
    recorded_from_document: bool
    evidence: Evidence | None


def signatures_of(revision: Mapping[str, Any] | None) -> list[PromiseSignature]:
    """The typed signatures of a stored revision."""
    return [
        PromiseSignature(
            party_id=s["party_id"],
            recorded_from_document=s.get("recorded_from_document", False),
            person_id=s.get("person_id"),
            signatory_name=s.get("signatory_name"),
            signatory_title=s.get("signatory_title") or s.get("role_title"),
            signed_on=_date(s.get("signed_on")),
            recorded_by=s.get("recorded_by"),
            evidence=evidence_of(s.get("evidence")),
        )
        for s in (revision or {}).get("signatures", [])
    ]


def publications_of(items: list[dict[str, Any]]) -> list[PromisePublication]:
    """The typed publications of a stored promise."""
    return [
        PromisePublication(
            revision_no=p["revision_no"],
            channel=p["channel"],
            url=p.get("url"),
            published_on=_date(p.get("published_on")),
            recorded_from_document=p.get("recorded_from_document", False),
            evidence=evidence_of(p.get("evidence")),
        )
        for p in items
    ]


@strawberry.type(description="A medborgarlöfte as the caller may see it.")
class Promise:
    id: strawberry.ID
    status: str
    parties: list[str]
    title: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    period_label: str | None
    public_only: bool = strawberry.field(
        description="True when the caller sees only what was published to citizens."
    )
    progress: list[CommitmentProgress]
    revision_no: int | None = strawberry.field(
        description="The revision shown: the one in force (or asked for with inForceOn), else "
        "the working revision for a party's members."
    )
    in_force_from: dt.date | None = strawberry.field(
        description="The first day the revision shown was in force."
    )
    in_force_until: dt.date | None = strawberry.field(
        description="The last day the revision shown was in force, once it ended."
    )
    source: strawberry.Private[DocumentSource]
    shown_revision: strawberry.Private[Mapping[str, Any] | None]
    """The stored revision shown, typed only when its signatures are asked for."""
    shown_publications: strawberry.Private[list[dict[str, Any]]]
    """The stored publications shown, typed only when asked for."""

    @strawberry.field(description="The signatures of the revision shown.")
    def signatures(self) -> list[PromiseSignature]:
        return signatures_of(self.shown_revision)

    @strawberry.field
    def publications(self) -> list[PromisePublication]:
        return publications_of(self.shown_publications)

    @strawberry.field(
        description="The full read-model document: revisions (content, content hash, "
        "signatures), activity records, follow-ups, publications."
    )
    async def document(self, info: Info[Context, None]) -> JSON:
        return await self.source.whole(info.context)

    @strawberry.field(
        description="The adopted åtgärdsplaner whose latest adopted version names this promise "
        "as one implementing it."
    )
    async def action_plans(self, info: Info[Context, None]) -> list[ActionPlan]:
        return await plans_naming(info.context, "promise", str(self.id))

    @strawberry.field(
        description="The follow-ups the parties planned, each with where it stands on `on` "
        "(default today); for a party's members, empty for everybody else."
    )
    def follow_up_schedule(
        self, info: Info[Context, None], on: dt.date | None = None
    ) -> list[PlannedFollowUp]:
        return self.planned_on(on or info.context.today())

    @strawberry.field(
        description="The activities planned for its commitments, with their occurrences, in "
        "the order planned: for a party's members all of it; for everybody else, once the "
        "promise is published, without the records and the reasons (people may be named in a "
        "reason). `first` (default: all) and `after` (the planId a page ended with) page them."
    )
    def plans(self, first: int | None = None, after: str | None = None) -> list[ActivityPlan]:
        source = self.source
        if source.part == "public":
            plans = public_plans_of(source.doc["public"].get("plans") or ())
        elif self.public_only or source.part is not None or "state" not in source.doc:
            return []
        else:
            plans = plans_of(source.doc["state"])
        if after is not None:
            ids = [p.plan_id for p in plans]
            if after not in ids:
                raise ClientError(f"no plan {after} to continue after")
            plans = plans[ids.index(after) + 1 :]
        return plans if first is None else plans[: page_size(first)]

    @strawberry.field(
        description="The indicators the promise links its expected effect to, each from its "
        "baseline to its latest value by `on` (default today) with the trend."
    )
    async def indicators(
        self, info: Info[Context, None], on: dt.date | None = None
    ) -> list[IndicatorTrend]:
        day = on or info.context.today()
        return await linked_trends(info.context, "promise", str(self.id), day)

    @strawberry.field(
        description="The promise's follow-ups the caller sees (a party's members: every one; "
        "everybody else: the published), each with the linked indicators as of the last day "
        "it covers."
    )
    async def follow_up_indicators(self, info: Info[Context, None]) -> list[FollowUpIndicators]:
        doc = self.source.doc
        part = doc.get(self.source.part) if self.source.part is not None else doc.get("state")
        reports = (part or {}).get("follow_ups") or []
        return await follow_up_trends(info.context, str(self.id), reports)

    def planned_on(self, day: dt.date) -> list[PlannedFollowUp]:
        """The planned follow-ups where they stand on `day` (none for a public view)."""
        state = self.source.doc.get("state")
        if self.public_only or self.source.part is not None or state is None:
            return []
        return planned_follow_ups(state, day)


@strawberry.type
class PromisePage:
    promises: list[Promise]
    page_info: PageInfo


@strawberry.type(description="Something that waits for the caller's organisation.")
class InboxItem:
    promise_id: strawberry.ID = strawberry.field(
        description="The promise the item is about. For finding_overdue: the promise whose "
        "planned safety walk the walk carried out, or the walk's id when it carried out no "
        "plan (then equal to `walkId`)."
    )
    title: str | None
    action: str = strawberry.field(
        description="sign_revision, approve_follow_up, publish_promise, publish_follow_up, "
        "follow_up_due (a planned follow-up due within 30 days), follow_up_overdue, or "
        "finding_overdue (a safety walk's finding the caller's organisation owns, still open "
        "after its due date)"
    )
    detail: str | None
    walk_id: strawberry.ID | None = strawberry.field(
        default=None, description="The safety walk of a finding_overdue item, else null."
    )
    finding_id: strawberry.ID | None = strawberry.field(
        default=None, description="The finding of a finding_overdue item, else null."
    )


def _details(state: dict[str, Any]) -> dict[str, Any]:
    revision = state.get("working") or state.get("in_force") or {}
    content = revision.get("content") or {}
    details: dict[str, Any] = content.get("details") or {}
    return details


def _date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _progress(
    items: list[dict[str, Any]], period: Period | None = None
) -> list[CommitmentProgress]:
    """The typed progress rows of a document, each knowing the promise's period (its pace)."""
    shown = period or Period()
    return [_commitment_progress(item, shown) for item in items]


def _commitment_progress(item: Mapping[str, Any], shown: Period) -> CommitmentProgress:
    """One stored (or folded) progress row, typed. Named field by field, as the other stored
    parts are: a document's keys come from its JSON, and matching them to keyword parameters
    costs three times as much."""
    periods = item.get("periods")
    return CommitmentProgress(
        commitment_id=item["commitment_id"],
        text=item["text"],
        target=item["target"],
        comparator=item["comparator"],
        unit=item["unit"],
        achieved=item["achieved"],
        records=item["records"],
        status=item["status"],
        colour=item["colour"],
        per=item.get("per", "period"),
        periods=[_period(p) for p in periods] if periods else [],
        planned=item.get("planned", 0),
        planned_performed=item.get("planned_performed", 0),
        promise_period=shown,
    )


def _period_of(period: Mapping[str, Any]) -> Period:
    """A stored period's dates."""
    return Period(
        valid_from=_date(period.get("valid_from")), valid_to=_date(period.get("valid_to"))
    )


def _period(item: dict[str, Any]) -> PeriodProgress:
    """A sub-period's progress from a stored document (dates as text) or a fold (dates)."""
    starts, ends = item["starts_on"], item["ends_on"]
    return PeriodProgress(
        **{
            **item,
            "starts_on": starts if isinstance(starts, dt.date) else dt.date.fromisoformat(starts),
            "ends_on": ends if isinstance(ends, dt.date) else dt.date.fromisoformat(ends),
        }
    )


def member_view(key: str, doc: dict[str, Any], stored: bool = True) -> Promise:
    """The whole document, for callers who read a party (schema.access); `stored` when `doc`
    was read from the read model (its activity records are in rows of their own)."""
    state = doc["state"]
    details = _details(state)
    period = details.get("period") or {}
    revision = state.get("in_force") or state.get("working")
    return Promise(
        revision_no=None if revision is None else revision["revision_no"],
        shown_revision=revision,
        shown_publications=state.get("publications", []),
        in_force_from=_date((revision or {}).get("in_force_from")),
        in_force_until=_date((revision or {}).get("in_force_until")),
        id=strawberry.ID(state["promise_id"]),
        status=state["status"],
        parties=list(state["parties"]),
        title=details.get("title"),
        valid_from=_date(period.get("valid_from")),
        valid_to=_date(period.get("valid_to")),
        period_label=period.get("label"),
        public_only=False,
        progress=_progress(doc.get("progress", []), _period_of(period)),
        source=DocumentSource(doc, key if stored else None),
    )


def public_view(key: str, doc: dict[str, Any], stored: bool = True) -> Promise | None:
    """Only what was published, or None."""
    public = doc.get("public")
    if public is None:
        return None
    revision = public["revision"]
    details = revision["content"]["details"]
    period = details.get("period") or {}
    return Promise(
        revision_no=revision["revision_no"],
        shown_revision=revision,
        shown_publications=public.get("publications", []),
        in_force_from=_date(revision.get("in_force_from")),
        in_force_until=_date(revision.get("in_force_until")),
        id=strawberry.ID(public["promise_id"]),
        status=public["status"],
        parties=list(public["revision"]["content"]["parties"]),
        title=details.get("title"),
        valid_from=_date(period.get("valid_from")),
        valid_to=_date(period.get("valid_to")),
        period_label=period.get("label"),
        public_only=True,
        progress=_progress(public.get("progress", []), _period_of(period)),
        source=DocumentSource(doc, key if stored else None, "public"),
    )


def in_force_view(ctx: Context, doc: dict[str, Any], day: dt.date) -> Promise | None:
    """The revision that was in force on `day` (business time), as the caller may see it:
    a party's members see any, everybody else only a revision that was published."""
    state = from_plain(PromiseState, doc["state"])
    revision = state.in_force_on(day)
    if revision is None:
        return None
    member = sees_parties(ctx, state.parties)
    published = [p for p in state.publications if p.revision_no == revision.revision_no]
    if not member and not published:
        return None
    plain = to_plain(revision)
    assert isinstance(plain, dict)
    details = revision.content.details
    shown = dataclasses.replace(state, in_force=revision, working=None)
    return Promise(
        id=strawberry.ID(state.promise_id),
        status=state.status,
        parties=list(state.parties),
        title=details.title,
        valid_from=details.period.valid_from,
        valid_to=details.period.valid_to,
        period_label=details.period.label,
        public_only=not member,
        progress=_progress([dataclasses.asdict(p) for p in progress(shown)], details.period),
        revision_no=revision.revision_no,
        shown_revision=plain,
        shown_publications=_plain_list(published),
        in_force_from=revision.in_force_from,
        in_force_until=revision.in_force_until,
        source=DocumentSource({"revision": plain}, None),
    )


def _plain_list(items: list[Any]) -> list[dict[str, Any]]:
    plain = to_plain(tuple(items))
    assert isinstance(plain, list)
    return plain


def not_in_force(ctx: Context, day: dt.date) -> errors.NotFound:
    """The answer when no revision the caller may see was in force on `day`."""
    refused = Missing(
        code="not_in_force_on",
        message="No revision of the promise was in force on {day}.",
        params={"day": day},
    )
    return errors.NotFound(message=message(refused, ctx.language), code=refused.code)


def visible(ctx: Context, key: str, doc: dict[str, Any], stored: bool = True) -> Promise | None:
    """The promise as this caller may see it (`stored`: see member_view); `doc` may hold only
    the public view (the reader leaves the rest out for a caller who is not a party)."""
    state = doc.get("state")
    if state is not None and sees_parties(ctx, state["parties"]):
        return member_view(key, doc, stored)
    return public_view(key, doc, stored)


PromiseAtResult = Annotated[
    Promise | errors.NotYetExisting | errors.NotFound | errors.InvalidInput,
    strawberry.union("PromiseAtResult"),
]


async def _promise_at(
    ctx: Context,
    id: strawberry.ID,
    as_of: int | None,
    as_of_time: dt.datetime | None,
    consistency_token: str | None,
    in_force_on: dt.date | None = None,
) -> Promise | errors.NotYetExisting | errors.NotFound | errors.InvalidInput:
    """The promise as the caller sees it at the position asked for, or why not; with
    `in_force_on`, the revision that was in force on that day."""
    await read_after(ctx, consistency_token)
    key = PROMISE_STREAM + str(id)
    at = await time_travel.position(ctx, as_of, as_of_time)
    if isinstance(at, errors.InvalidInput):
        return at
    if at is None:
        doc = await ctx.reader.document(PROMISE_PROJECTION, key)
    elif at == time_travel.BEFORE_THE_LOG:
        doc = None
    else:
        doc = await ctx.reader.fold_as_of(PROMISE_PROJECTION, key, at)
    promise = None if doc is None else visible(ctx, key, doc, stored=at is None)
    if promise is not None and doc is not None and in_force_on is not None:
        if at is None:  # progress counts the records, kept beside the stored document
            doc = attach(doc, await ctx.reader.promise_records(key))
        return in_force_view(ctx, doc, in_force_on) or not_in_force(ctx, in_force_on)
    if promise is not None:
        return promise
    if at is None:
        return time_travel.not_found(ctx)
    return await time_travel.why_unseen(ctx, key, at)


@strawberry.type
class PromiseQuery:
    @strawberry.field(
        description="One promise, or null; `asOf` (a log index below `logSize`) or `asOfTime` "
        "travels back in time, and any other `asOf` is an error (code as_of_out_of_range). "
        "`promiseAt` answers the same with a reason instead of null. `inForceOn` (business "
        "time) answers with the revision that was in force on that day, or null."
    )
    async def promise(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        as_of: int | None = None,
        as_of_time: dt.datetime | None = None,
        consistency_token: str | None = None,
        in_force_on: dt.date | None = None,
    ) -> Promise | None:
        found = await _promise_at(
            info.context, id, as_of, as_of_time, consistency_token, in_force_on
        )
        if isinstance(found, errors.InvalidInput):
            raise AsOfRefused(found)
        return found if isinstance(found, Promise) else None

    @strawberry.field(
        description="One promise as it stands now, or stood at a log index (`asOf`, from 0 to "
        "`logSize` - 1) or moment (`asOfTime`): the Promise, or InvalidInput (a position "
        "outside the log; field asOf), NotYetExisting (before the promise existed, as far as "
        "you may see it) or NotFound (no such promise, or none you may see; code "
        "not_in_force_on when `inForceOn` names a day no revision you may see was in force)."
    )
    async def promise_at(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        as_of: int | None = None,
        as_of_time: dt.datetime | None = None,
        consistency_token: str | None = None,
        in_force_on: dt.date | None = None,
    ) -> PromiseAtResult:
        return await _promise_at(
            info.context, id, as_of, as_of_time, consistency_token, in_force_on
        )

    @strawberry.field(description="Promises the caller may see, filtered, in pages.")
    async def promises(
        self,
        info: Info[Context, None],
        organisation: str | None = None,
        status: list[str] | None = None,
        title: str | None = None,
        active_on: dt.date | None = None,
        first: First = None,
        after: str | None = None,
        consistency_token: str | None = None,
    ) -> PromisePage:
        ctx = info.context
        await read_after(ctx, consistency_token)
        limit = page_size(first)
        start = key_after(after)
        member_of, everything = read_scope(ctx)
        rows = await ctx.reader.promise_documents(
            organisation=organisation,
            status=status,
            title=title,
            after=start,
            limit=limit + 1,
            member_of=member_of,
            everything=everything,
            active_on=active_on,
        )
        seen = [p for key, doc in rows[:limit] if (p := visible(ctx, key, doc)) is not None]
        return PromisePage(promises=seen, page_info=page_info(rows, limit))

    @strawberry.field(
        description="What waits for the caller's organisation to act, on `on` (default today): "
        "signatures, approvals, publications, planned follow-ups due soon or overdue, and "
        "overdue findings of safety walks it owns."
    )
    async def inbox(self, info: Info[Context, None], on: dt.date | None = None) -> list[InboxItem]:
        ctx = info.context
        day = on or ctx.today()
        org = member_organisation(ctx)
        if org is None:
            return []
        items = []
        for key, doc in await ctx.reader.awaiting(PROMISE_PROJECTION, org, day):
            items.extend(inbox_items(org, key, doc, day))
        for _key, doc in await ctx.reader.awaiting(WALK_PROJECTION, org, day):
            items.extend(overdue_findings(org, doc, day))
        return items


SUBSCRIPTION_POLL_S = 0.1
SUBSCRIPTION_MAX_S = 3600.0


class SubscriptionEnded(ClientError):
    """The connection's token expired or its session ended: nothing more is pushed."""

    extensions: ClassVar[dict[str, str]] = {"code": "UNAUTHENTICATED"}


async def still_authorised(ctx: Context) -> None:
    """Refresh the caller before a push; `SubscriptionEnded` once the grant ended."""
    if ctx.reauthorise is None:
        return
    principal = await ctx.reauthorise()
    if principal is None:
        raise SubscriptionEnded("the token has expired or the session has ended")
    ctx.principal = principal


@strawberry.type
class PromiseSubscription:
    @strawberry.subscription(description="The promise each time its read model changes.")
    async def promise_changed(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> AsyncGenerator[Promise, None]:
        ctx = info.context
        key = PROMISE_STREAM + str(id)
        seen: int | None = None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SUBSCRIPTION_MAX_S
        while loop.time() < deadline:
            found = await ctx.reader.document_at(PROMISE_PROJECTION, key)
            if found is not None and found[0] != seen:
                seen = found[0]
                # Who may see what is decided per push, with the caller as they are now.
                await still_authorised(ctx)
                promise = visible(ctx, key, found[1])
                if promise is not None:
                    yield promise
            await asyncio.sleep(SUBSCRIPTION_POLL_S)


def inbox_items(org: str, key: str, doc: dict[str, Any], day: dt.date) -> list[InboxItem]:
    """What one promise asks of `org` on `day`: a signature, an approval, a publication, a
    planned follow-up due soon or overdue."""
    state = doc["state"]
    title = _details(state).get("title")
    found = []
    working = state.get("working")
    if working and working.get("stage") == "proposed":
        signed = {s["party_id"] for s in working.get("signatures", [])}
        if org not in signed:
            found.append(
                InboxItem(
                    promise_id=strawberry.ID(state["promise_id"]),
                    title=title,
                    action="sign_revision",
                    detail=f"revision {working['revision_no']}",
                )
            )
    for report in state.get("follow_ups", []):
        if not report["published"] and org not in report["approved_by"]:
            found.append(
                InboxItem(
                    promise_id=strawberry.ID(state["promise_id"]),
                    title=title,
                    action="approve_follow_up",
                    detail=report["report_id"],
                )
            )
        elif not report["published"] and set(report["approved_by"]) >= set(state["parties"]):
            found.append(
                InboxItem(
                    promise_id=strawberry.ID(state["promise_id"]),
                    title=title,
                    action="publish_follow_up",
                    detail=report["report_id"],
                )
            )
    in_force = state.get("in_force")
    if in_force and not any(
        p["revision_no"] == in_force["revision_no"] for p in state.get("publications", [])
    ):
        found.append(
            InboxItem(
                promise_id=strawberry.ID(state["promise_id"]),
                title=title,
                action="publish_promise",
                detail=f"revision {in_force['revision_no']}",
            )
        )
    for planned in planned_follow_ups(state, day):
        if planned.status in (DUE_SOON, OVERDUE):
            found.append(
                InboxItem(
                    promise_id=strawberry.ID(state["promise_id"]),
                    title=title,
                    action="follow_up_due" if planned.status == DUE_SOON else "follow_up_overdue",
                    detail=f"{planned.due_id}: {planned.kind} {planned.covers_from}–"
                    f"{planned.covers_to}, due {planned.due_on}",
                )
            )
    return found


def overdue_findings(org: str, doc: dict[str, Any], day: dt.date) -> list[InboxItem]:
    """The findings of one walk that `org` owns and that are still open after their due date."""
    state = doc["state"]
    walk_id = strawberry.ID(state["walk_id"])
    planned = state.get("carries_out")
    promise_id = walk_id if planned is None else strawberry.ID(planned["promise_id"])
    return [
        InboxItem(
            promise_id=promise_id,
            title=None,
            action="finding_overdue",
            detail=f"{f['finding_id']}: {f['description']}, due {f['due_on']}",
            walk_id=walk_id,
            finding_id=strawberry.ID(f["finding_id"]),
        )
        for f in state.get("findings") or []
        if f["owner_id"] == org
        and f["status"] not in ("done", "wont_fix")
        and day > dt.date.fromisoformat(f["due_on"])
    ]
