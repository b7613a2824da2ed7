"""Surveys (trygghetsenkät, NTU, own count) and indicators: one of each, lists in pages, and
an indicator's trend from its baseline to its latest value.

Who reads what:
* A survey's raw results are read by the members of its parties (the municipality, and the
  police area that recorded it with the municipality); for everybody else a survey does not
  exist (null, left out of lists).
* An indicator, its baseline and its values are read by the members of its municipality, and
  by everybody once a published promise links to it (what a published promise says it moves
  is public). Among its links, callers who are not members see the published promises only.
  A promise shows the indicators it links to to whoever sees the promise (schema.promises).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import strawberry
from strawberry.types import Info

from events.codec import from_plain
from events.indicator import PROMISE, IndicatorState, period_end
from events.indicator import STREAM_PREFIX as INDICATOR_STREAM
from events.promise.decider import STREAM_PREFIX as PROMISE_STREAM
from events.survey import STREAM_PREFIX as SURVEY_STREAM
from projections.indicators import MAX_LINKED
from projections.indicators import NAME as INDICATOR_PROJECTION
from projections.promises import NAME as PROMISE_PROJECTION
from projections.surveys import NAME as SURVEY_PROJECTION
from schema.access import read_scope, sees_parties
from schema.consistency import read_after
from schema.context import Context
from schema.pagination import First, PageInfo, key_after, page_info, page_size


@strawberry.type(
    description="One result of a survey: a question, for one place or the whole "
    "municipality, as a share in percent (decimal text), a count, or both."
)
class SurveyResult:
    question_id: str
    question: str
    place_id: str | None = strawberry.field(
        description="The shared place the result is for; null: the whole municipality."
    )
    share: str | None = strawberry.field(description="Percent, 0–100, as decimal text.")
    count: int | None
    answered: int | None = strawberry.field(description="How many answered the question.")


@strawberry.type(description="A survey or measurement (trygghetsenkät, NTU, own count).")
class Survey:
    id: strawberry.ID
    municipality_id: str
    police_area_id: str | None
    kind: str = strawberry.field(description="trygghetsenkat, ntu or own_count.")
    title: str
    conducted_from: dt.date
    conducted_to: dt.date
    method: str
    asked: int
    respondents: int
    results: list[SurveyResult]
    corrections: list[str] = strawberry.field(
        description="Why its numbers were corrected, oldest first."
    )


@strawberry.type
class SurveyPage:
    surveys: list[Survey]
    page_info: PageInfo


@strawberry.type(description="Where a value comes from: a survey result or a stated source.")
class IndicatorValueSource:
    survey_id: str | None
    question_id: str | None
    place_id: str | None
    stated: str | None


@strawberry.type(description="An indicator's value for one period, with its source.")
class IndicatorValue:
    period: str = strawberry.field(description='A year ("2024") or a day ("2024-03-15").')
    period_ends_on: dt.date = strawberry.field(
        description="The last day of the period: the value stands as of that day."
    )
    value: str = strawberry.field(description="Decimal text, in the indicator's unit.")
    source: IndicatorValueSource


@strawberry.type(description="A promise or agreement whose expected effect the indicator follows.")
class IndicatorLink:
    kind: str = strawberry.field(description="promise or agreement.")
    id: str


@strawberry.type(
    description="An indicator from its baseline to its latest value by a day, with the trend "
    "(better, unchanged, worse or not_assessable; the rule is in the README)."
)
class IndicatorTrend:
    indicator_id: strawberry.ID
    name: str
    unit: str
    direction: str | None
    target: str | None
    as_of: dt.date
    baseline: IndicatorValue | None
    latest: IndicatorValue | None = strawberry.field(
        description="The latest value after the baseline whose period ended by `asOf`."
    )
    trend: str


@strawberry.type(description="An indicator (indikator) of a municipality.")
class Indicator:
    id: strawberry.ID
    municipality_id: str
    name: str
    unit: str = strawberry.field(description="percent, count, per_1000 or per_100000.")
    direction: str | None = strawberry.field(description="decrease, increase or null.")
    target: str | None
    tolerance: str | None = strawberry.field(
        description="A change within it from the baseline counts as unchanged."
    )
    periodicity: str = strawberry.field(description="year or day.")
    first_period: str
    last_period: str
    baseline: IndicatorValue | None
    values: list[IndicatorValue] = strawberry.field(description="In period order.")
    links: list[IndicatorLink]
    state: strawberry.Private[IndicatorState]

    @strawberry.field(description="Baseline → latest value by `on` (default today) and trend.")
    def trend(self, info: Info[Context, None], on: dt.date | None = None) -> IndicatorTrend:
        return trend_of(self.state, on or info.context.today())


@strawberry.type
class IndicatorPage:
    indicators: list[Indicator]
    page_info: PageInfo


def survey_of(state: Mapping[str, Any]) -> Survey:
    """The survey from its stored state."""
    return Survey(
        id=strawberry.ID(state["survey_id"]),
        municipality_id=state["municipality_id"],
        police_area_id=state.get("police_area_id"),
        kind=state["kind"],
        title=state["title"],
        conducted_from=dt.date.fromisoformat(state["conducted_from"]),
        conducted_to=dt.date.fromisoformat(state["conducted_to"]),
        method=state["method"],
        asked=state["asked"],
        respondents=state["respondents"],
        results=[
            SurveyResult(
                question_id=r["question_id"],
                question=r["question"],
                place_id=r.get("place_id"),
                share=r.get("share"),
                count=r.get("count"),
                answered=r.get("answered"),
            )
            for r in state.get("results") or []
        ],
        corrections=list(state.get("corrections") or []),
    )


def survey_parties(state: Mapping[str, Any]) -> list[str]:
    """The parties of a stored survey: its municipality and its police area, if any."""
    area = state.get("police_area_id")
    return [state["municipality_id"], *([area] if area else [])]


def _value(value: Any) -> IndicatorValue | None:
    if value is None:
        return None
    source = value.source
    return IndicatorValue(
        period=value.period,
        period_ends_on=period_end(value.period),
        value=value.value,
        source=IndicatorValueSource(
            survey_id=source.survey_id,
            question_id=source.question_id,
            place_id=source.place_id,
            stated=source.stated,
        ),
    )


def indicator_state(doc: Mapping[str, Any]) -> IndicatorState:
    """The indicator's state from its stored document."""
    state: IndicatorState = from_plain(IndicatorState, doc["state"])
    return state


def trend_of(state: IndicatorState, day: dt.date) -> IndicatorTrend:
    """The indicator from its baseline to its latest value by `day`, with the trend."""
    return IndicatorTrend(
        indicator_id=strawberry.ID(state.indicator_id),
        name=state.name,
        unit=state.unit,
        direction=state.direction,
        target=state.target,
        as_of=day,
        baseline=_value(state.baseline),
        latest=_value(state.latest_on(day)),
        trend=state.trend_on(day),
    )


def indicator_of(state: IndicatorState, shown_links: Sequence[tuple[str, str]]) -> Indicator:
    """The indicator with the links the caller may see."""
    return Indicator(
        id=strawberry.ID(state.indicator_id),
        municipality_id=state.municipality_id,
        name=state.name,
        unit=state.unit,
        direction=state.direction,
        target=state.target,
        tolerance=state.tolerance,
        periodicity=state.periodicity,
        first_period=state.first_period,
        last_period=state.last_period,
        baseline=_value(state.baseline),
        values=[v for v in map(_value, state.values) if v is not None],
        links=[IndicatorLink(kind=kind, id=target) for kind, target in shown_links],
        state=state,
    )


async def published_promises(ctx: Context, state: IndicatorState) -> list[str]:
    """The promises linking to the indicator that are published (have a public view)."""
    ids = [link.target_id for link in state.links if link.kind == PROMISE]
    docs = await ctx.documents.load_many([(PROMISE_PROJECTION, PROMISE_STREAM + i) for i in ids])
    return [i for i, doc in zip(ids, docs, strict=True) if doc is not None and doc.get("public")]


async def visible_indicator(ctx: Context, doc: Mapping[str, Any]) -> Indicator | None:
    """The indicator as the caller may see it, or None (the module's rule)."""
    state = indicator_state(doc)
    if sees_parties(ctx, (state.municipality_id,)):
        return indicator_of(state, [(link.kind, link.target_id) for link in state.links])
    published = await published_promises(ctx, state)
    if not published:
        return None
    return indicator_of(state, [(PROMISE, p) for p in published])


async def linked_trends(
    ctx: Context, kind: str, target_id: str, day: dt.date
) -> list[IndicatorTrend]:
    """The indicators a promise or agreement links to, each by `day`, in id order (the caller
    sees the promise or agreement; what it links to is shown with it)."""
    rows = await ctx.reader.indicator_documents(
        municipality=None, linked_kind=kind, linked_id=target_id, after=None, limit=MAX_LINKED
    )
    return [trend_of(indicator_state(doc), day) for _key, doc in rows]


@strawberry.type(
    description="A follow-up (uppföljning) with the indicators its promise links to, "
    "each from its baseline to its latest value by the last day the follow-up covers."
)
class FollowUpIndicators:
    report_id: str
    kind: str
    covers_from: dt.date
    covers_to: dt.date
    published: bool
    indicators: list[IndicatorTrend]


async def follow_up_trends(
    ctx: Context, promise_id: str, reports: Sequence[Mapping[str, Any]]
) -> list[FollowUpIndicators]:
    """Each follow-up of a promise (stored plain) with its linked indicators as of its end."""
    if not reports:
        return []
    rows = await ctx.reader.indicator_documents(
        municipality=None, linked_kind=PROMISE, linked_id=promise_id, after=None, limit=MAX_LINKED
    )
    states = [indicator_state(doc) for _key, doc in rows]
    shown = []
    for report in reports:
        covers_to = dt.date.fromisoformat(report["covers_to"])
        shown.append(
            FollowUpIndicators(
                report_id=report["report_id"],
                kind=report["kind"],
                covers_from=dt.date.fromisoformat(report["covers_from"]),
                covers_to=covers_to,
                published=bool(report.get("published")),
                indicators=[trend_of(state, covers_to) for state in states],
            )
        )
    return shown


@strawberry.type
class IndicatorQuery:
    @strawberry.field(
        description="One survey with its results, for its parties' members; null "
        "for everybody else and when none."
    )
    async def survey(
        self, info: Info[Context, None], id: strawberry.ID, consistency_token: str | None = None
    ) -> Survey | None:
        ctx = info.context
        await read_after(ctx, consistency_token)
        doc = await ctx.reader.document(SURVEY_PROJECTION, SURVEY_STREAM + str(id))
        if doc is None or not sees_parties(ctx, survey_parties(doc["state"])):
            return None
        return survey_of(doc["state"])

    @strawberry.field(
        description="The surveys the caller's organisation is party to, by id, in "
        "pages; `organisation` keeps one party's."
    )
    async def surveys(
        self,
        info: Info[Context, None],
        organisation: str | None = None,
        first: First = None,
        after: str | None = None,
        consistency_token: str | None = None,
    ) -> SurveyPage:
        ctx = info.context
        await read_after(ctx, consistency_token)
        limit = page_size(first)
        member_of, everything = read_scope(ctx)
        rows = await ctx.reader.survey_documents(
            organisation=organisation,
            member_of=member_of,
            everything=everything,
            after=key_after(after),
            limit=limit + 1,
        )
        page = rows[:limit]
        return SurveyPage(
            surveys=[survey_of(doc["state"]) for _key, doc in page],
            page_info=page_info(rows, limit),
        )

    @strawberry.field(
        description="One indicator with its baseline, values and links, or null "
        "when none or not visible to the caller."
    )
    async def indicator(
        self, info: Info[Context, None], id: strawberry.ID, consistency_token: str | None = None
    ) -> Indicator | None:
        ctx = info.context
        await read_after(ctx, consistency_token)
        doc = await ctx.reader.document(INDICATOR_PROJECTION, INDICATOR_STREAM + str(id))
        return None if doc is None else await visible_indicator(ctx, doc)

    @strawberry.field(
        description="Indicators the caller may see, by id, in pages; "
        "`municipalityId` keeps one municipality's. A page leaves out what the caller may not "
        "see, so it may hold fewer than `first`."
    )
    async def indicators(
        self,
        info: Info[Context, None],
        municipality_id: str | None = None,
        first: First = None,
        after: str | None = None,
        consistency_token: str | None = None,
    ) -> IndicatorPage:
        ctx = info.context
        await read_after(ctx, consistency_token)
        limit = page_size(first)
        rows = await ctx.reader.indicator_documents(
            municipality=municipality_id,
            linked_kind=None,
            linked_id=None,
            after=key_after(after),
            limit=limit + 1,
        )
        page = rows[:limit]
        # Together, so the request's loader reads the linked promises in one batch.
        shown = await asyncio.gather(*(visible_indicator(ctx, doc) for _key, doc in page))
        seen = [i for i in shown if i is not None]
        return IndicatorPage(indicators=seen, page_info=page_info(rows, limit))
