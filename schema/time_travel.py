"""Time travel: which log position `asOf`/`asOfTime` name, and what a caller sees there.

A position is a log index: 0 up to (not including) `logSize`. Anything else is nonsense and
InvalidInput on `asOf`. A moment before the first event names the position before the log (-1).
Before a promise existed, as far as the caller may see it, the answer is NotYetExisting with
the first position at which it does; a promise the caller may not see at all is NotFound, at
every position, so neither answer tells anyone that an invisible promise exists.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from events.messages import InvalidInput as Invalid
from events.messages import NotFound as Missing
from events.promise.state import PromiseState
from projections.promises import NAME as PROMISE_PROJECTION
from projections.promises import is_public
from schema import errors
from schema.access import sees_parties
from schema.context import Context
from schema.refusals import message

BEFORE_THE_LOG = -1
"""The position of a moment before the first event was recorded."""


class AsOfRefused(errors.ClientError):
    """A nonsense `asOf` on a field that answers null or a Promise: a GraphQL error instead."""

    extensions: dict[str, Any]

    def __init__(self, refused: errors.InvalidInput) -> None:
        super().__init__(refused.message)
        self.extensions = {"code": refused.code, "field": refused.field}


async def position(
    ctx: Context, as_of: int | None, as_of_time: dt.datetime | None
) -> int | errors.InvalidInput | None:
    """The log index asked for (None: now), or InvalidInput when it is no position in the log."""
    if as_of is not None and as_of_time is not None:
        return _invalid(
            ctx,
            Invalid(
                code="conflicting_fields",
                message="Give asOf (a log index) or asOfTime, not both.",
                field_path=("asOfTime",),
            ),
        )
    if as_of_time is not None:
        found = await ctx.reader.log_index_at(as_of_time)
        return BEFORE_THE_LOG if found is None else found
    if as_of is None:
        return None
    size = await ctx.reader.log_head()
    if not 0 <= as_of < size:
        return _invalid(
            ctx,
            Invalid(
                code="as_of_out_of_range",
                message="asOf is a log index from 0 to {last}; {as_of} is none.",
                params={"last": size - 1, "as_of": as_of},
                field_path=("asOf",),
            ),
        )
    return as_of


def _invalid(ctx: Context, refused: Invalid) -> errors.InvalidInput:
    return errors.InvalidInput(
        message=message(refused, ctx.language),
        code=refused.code,
        field=[str(segment) for segment in refused.field_path],
    )


def can_see(ctx: Context, state: PromiseState) -> bool:
    """True when the caller sees this state of a promise (as a party's reader, or published)."""
    return state.status != "none" and (sees_parties(ctx, state.parties) or is_public(state))


async def why_unseen(ctx: Context, key: str, at: int) -> errors.NotYetExisting | errors.NotFound:
    """Why the caller sees no promise `key` at position `at`: not yet, or not at all."""
    first = await ctx.reader.first_log_index(
        PROMISE_PROJECTION, key, lambda state: can_see(ctx, state)
    )
    if first is not None and first > at:
        refused = Missing(
            code="not_yet_existing",
            message="The promise did not exist yet at log index {as_of}; it does from {first}.",
            params={"as_of": at, "first": first},
        )
        return errors.NotYetExisting(
            message=message(refused, ctx.language), code=refused.code, first_log_index=first
        )
    return not_found(ctx)


def not_found(ctx: Context) -> errors.NotFound:
    """The one answer for a promise nobody drafted and one the caller may not see."""
    refused = Missing(code="promise_not_found", message="No such promise has been drafted.")
    return errors.NotFound(message=message(refused, ctx.language), code=refused.code)
