"""Activity records (genomförda aktiviteter) per commitment and per organisation, in pages.

Records are internal working data of the parties: those who read a party to the promise as a
member (schema.access: its members, and the auditors of an oversight body covering it) see them.
Citizens see achieved counts through published progress.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from events.messages import Forbidden as Refusal
from events.promise.decider import STREAM_PREFIX as PROMISE_STREAM
from projections.activities import ActivityRow
from schema.access import can_read_history, readable_organisations
from schema.context import Context
from schema.errors import ClientError, Forbidden
from schema.pagination import First, PageInfo, decode_cursor, encode_cursor, page_size
from schema.refusals import forbidden_result


@strawberry.type(description="One recorded activity against a commitment (åtagande).")
class ActivityRecord:
    promise_id: strawberry.ID
    record_id: str
    commitment_id: str
    revision_no: int
    occurred_on: dt.date
    place_ids: list[str]
    performed_by: list[str]
    quantity: int
    summary: str
    voided: bool = strawberry.field(description="Voided records do not count toward progress.")
    also_counts_for: list[str] = strawberry.field(
        default_factory=list,
        description="Further commitments of the revision in force this record counts towards "
        "besides its own (one activity, several counts; each link explicit).",
    )


@strawberry.type
class ActivityPage:
    activities: list[ActivityRecord]
    page_info: PageInfo


ActivitiesResult = Annotated[ActivityPage | Forbidden, strawberry.union("ActivitiesResult")]


def _cursor(row: ActivityRow) -> str:
    return encode_cursor(f"{row.position}:{row.promise_key}")


def _position(cursor: str | None) -> tuple[str, int] | None:
    """The (promise key, position) inside a cursor; ClientError when it is not ours."""
    try:
        value = decode_cursor(cursor)
        if value is None:
            return None
        position, _, key = value.partition(":")
        return key, int(position)
    except ValueError:
        raise ClientError("malformed cursor") from None


def _record(row: ActivityRow) -> ActivityRecord:
    return ActivityRecord(
        promise_id=strawberry.ID(row.promise_id),
        record_id=row.record_id,
        commitment_id=row.commitment_id,
        revision_no=row.revision_no,
        occurred_on=row.occurred_on,
        place_ids=list(row.place_ids),
        performed_by=list(row.performed_by),
        quantity=row.quantity,
        summary=row.summary,
        voided=row.voided,
        also_counts_for=list(row.also_counts_for),
    )


@strawberry.type
class ActivityQuery:
    @strawberry.field(
        description="Activity records of the promises the caller reads as a member (its "
        "organisation's; for an oversight body's auditors those in its scope), optionally of "
        "one promise, one commitment, or performed by one organisation; in pages."
    )
    async def activities(
        self,
        info: Info[Context, None],
        promise_id: strawberry.ID | None = None,
        commitment_id: str | None = None,
        organisation: str | None = None,
        first: First = None,
        after: str | None = None,
    ) -> ActivitiesResult:
        ctx = info.context
        readable = readable_organisations(ctx)
        if not readable:
            refused = Refusal(code="forbidden", message="Sign in to read activity records.")
            return forbidden_result(refused, ctx.language)
        key = None if promise_id is None else PROMISE_STREAM + str(promise_id)
        # One answer for a promise the caller may not read and for one that does not exist.
        if key is not None and not await can_read_history(ctx, key):
            refused = Refusal(
                code="forbidden", message="Your organisation is not party to this promise."
            )
            return forbidden_result(refused, ctx.language)
        limit = page_size(first)
        rows = await ctx.reader.activities(
            promise_key=key,
            commitment_id=commitment_id,
            performed_by=organisation,
            member_of=None if readable == "all" else readable,
            after=_position(after),
            limit=limit + 1,
        )
        page = rows[:limit]
        return ActivityPage(
            activities=[_record(r) for r in page],
            page_info=PageInfo(
                end_cursor=_cursor(page[-1]) if page else None, has_next_page=len(rows) > limit
            ),
        )
