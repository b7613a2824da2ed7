"""Activity records per commitment and per organisation, read from the promise documents.

Activity records are already folded into each promise document by the promise projection (the
same fold that computes progress), so they are read from there rather than copied into a table
of their own: a record and the progress that counts it can never disagree, and there is no
second projection to rebuild. Records keep their position in the promise's activity list, which
only grows, so (promise key, position) is a stable cursor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from events.promise.decider import STREAM_PREFIX as PROMISE_STREAM
from projections import serving


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityRow:
    """One activity record of a promise, with its place in the promise's list."""

    promise_key: str
    position: int
    record_id: str
    commitment_id: str
    revision_no: int
    occurred_on: dt.date
    place_ids: tuple[str, ...]
    performed_by: tuple[str, ...]
    quantity: int
    summary: str
    voided: bool

    @property
    def promise_id(self) -> str:
        """The promise id without the stream prefix."""
        return self.promise_key.removeprefix(PROMISE_STREAM)


def _row(key: str, position: int, rec: dict[str, Any]) -> ActivityRow:
    return ActivityRow(
        promise_key=key,
        position=position,
        record_id=rec["record_id"],
        commitment_id=rec["commitment_id"],
        revision_no=int(rec["revision_no"]),
        occurred_on=dt.date.fromisoformat(rec["occurred_on"]),
        place_ids=tuple(rec.get("place_ids") or ()),
        performed_by=tuple(rec.get("performed_by") or ()),
        quantity=int(rec["quantity"]),
        summary=rec["summary"],
        voided=bool(rec.get("voided", False)),
    )


async def activities(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    promise_key: str | None,
    commitment_id: str | None,
    performed_by: str | None,
    member_of: frozenset[str] | None,
    after: tuple[str, int] | None,
    limit: int,
) -> Sequence[ActivityRow]:
    """Serving activity records in (promise, position) order after a cursor.

    `member_of` keeps only promises one of those organisations is party to; None keeps every
    promise.
    """
    rows = await serving.promise_activities(
        conn,
        promise_key=promise_key,
        commitment_id=commitment_id,
        performed_by=performed_by,
        member_of=member_of,
        after=after if after is not None else ("", 0),
        limit=limit,
    )
    return [_row(key, position, rec) for key, position, rec in rows]
