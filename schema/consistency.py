"""Read-your-writes: consistency tokens, and the bounded wait a query makes for one.

A mutation answers with a token naming the events it appended; a query given that token waits
(bounded) until those events are sequenced and every projection it reads has applied them.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence

from schema.context import Context
from schema.errors import ClientError

CONSISTENCY_WAIT_S = 5.0


def consistency_token(event_ids: Sequence[uuid.UUID]) -> str:
    """An opaque token naming the events a client wants to read back."""
    raw = ",".join(str(e) for e in event_ids)
    return base64.urlsafe_b64encode(raw.encode()).decode()


def token_event_ids(token: str) -> list[uuid.UUID]:
    """The event ids inside a consistency token; ValueError when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(token.encode()).decode()
        return [uuid.UUID(part) for part in raw.split(",") if part]
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("malformed consistency token") from exc


async def read_after(ctx: Context, token: str | None) -> None:
    """Wait (bounded) until the projections include the writes named by `token`."""
    if token is None:
        return
    try:
        event_ids = token_event_ids(token)
    except ValueError as exc:
        raise ClientError(str(exc)) from None
    if not event_ids:  # an accepted command that appended nothing gets "": nothing to wait for
        return
    position = await ctx.reader.position_of(event_ids, CONSISTENCY_WAIT_S)
    if position is None or not await ctx.reader.wait_for(position, CONSISTENCY_WAIT_S):
        raise ClientError("the write is not readable yet; retry the query")
