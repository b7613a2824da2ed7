"""Audit queries: the log head and each stream's history (who did what, when, from where)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from events.agreement import STREAM_PREFIX as AGREEMENT_STREAM
from events.messages import Forbidden as Refusal
from events.messages import InvalidInput as Invalid
from events.promise.decider import STREAM_PREFIX as PROMISE_STREAM
from schema.access import can_read_history
from schema.context import Context
from schema.errors import Forbidden, InvalidInput
from schema.pagination import PAGE_CAP, First, PageInfo, page_size
from schema.refusals import forbidden_result, message


@strawberry.type(description="One change to a stream, as the audit history records it.")
class HistoryEntry:
    log_index: int
    event_id: strawberry.ID
    stream_id: str
    stream_version: int
    type: str
    actor_issuer: str | None
    actor_subject: str | None
    organisation_id: str | None
    roles: list[str]
    client_id: str | None
    occurred_at: dt.datetime
    recorded_at: dt.datetime


@strawberry.type
class HistoryPage:
    entries: list[HistoryEntry]
    page_info: PageInfo


HistoryResult = Annotated[HistoryPage | Forbidden | InvalidInput, strawberry.union("HistoryResult")]

STREAM_ID_DEPRECATION = (
    "Use promiseId or agreementId (the id the thing has everywhere else). Only the directory's "
    'history still needs streamId: "directory".'
)


def _stream(
    promise_id: str | None, agreement_id: str | None, stream_id: str | None, language: str
) -> str | InvalidInput:
    """The stream the arguments name, or why they name none (exactly one must be given)."""
    named = [
        (field, prefix + value)
        for field, prefix, value in (
            ("promiseId", PROMISE_STREAM, promise_id),
            ("agreementId", AGREEMENT_STREAM, agreement_id),
            ("streamId", "", stream_id),
        )
        if value is not None
    ]
    if len(named) == 1:
        return named[0][1]
    refused = Invalid(
        code="one_stream_argument",
        message="Name exactly one of promiseId, agreementId and streamId.",
    )
    field = [named[1][0]] if named else []
    return InvalidInput(message=message(refused, language), code=refused.code, field=field)


@strawberry.type
class AuditQuery:
    @strawberry.field(description="How many events are in the log (the next log index).")
    async def log_size(self, info: Info[Context, None]) -> int:
        return await info.context.reader.log_head()

    @strawberry.field(
        description="The history of one promise or agreement, oldest first, paged by version."
    )
    async def history(
        self,
        info: Info[Context, None],
        promise_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="A promise's id, as `promise(id:)` takes it."),
        ] = None,
        agreement_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="An agreement's id.")
        ] = None,
        stream_id: Annotated[
            str | None, strawberry.argument(deprecation_reason=STREAM_ID_DEPRECATION)
        ] = None,
        first: First = None,
        after_version: int = 0,
    ) -> HistoryResult:
        ctx = info.context
        named = _stream(promise_id, agreement_id, stream_id, ctx.language)
        if isinstance(named, InvalidInput):
            return named
        stream_id = named
        if not await can_read_history(ctx, stream_id):
            refused = Refusal(code="forbidden", message="You may not read this stream's history.")
            return forbidden_result(refused, ctx.language)
        limit = page_size(first)
        rows = await ctx.reader.stream_history(stream_id, after_version, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        entries = [
            HistoryEntry(
                log_index=r.log_index,
                event_id=strawberry.ID(str(r.event_id)),
                stream_id=r.stream_id,
                stream_version=r.stream_version,
                type=r.type,
                actor_issuer=r.actor_issuer,
                actor_subject=r.actor_subject,
                organisation_id=r.organisation_id,
                roles=list(r.roles),
                client_id=r.client_id,
                occurred_at=r.occurred_at,
                recorded_at=r.recorded_at,
            )
            for r in rows
        ]
        end = str(rows[-1].stream_version) if rows else None
        assert limit <= PAGE_CAP
        return HistoryPage(entries=entries, page_info=PageInfo(end_cursor=end, has_next_page=more))
