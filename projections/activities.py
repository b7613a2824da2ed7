"""Activity records (genomförda insatser) in rows of their own, beside the promise documents.

The promise projection folds a promise's activity records into its state, as the decider does,
and counts them into progress; but it stores them here, one row each (table
`activity_records`), not inside the promise document. Recording one activity then writes one
row and a document whose size does not grow with the records, instead of rewriting every record
the promise holds. The document is written in the same transaction as its rows, so a record and
the progress that counts it never disagree.

A record keeps its position in the promise's list (1 for the first reported), which only grows:
(promise key, position) is a stable cursor, and a correction or a void rewrites its row in
place. `attach` puts the records back into a stored document, giving the whole document as a
fold of the log gives it (time travel, the `document` field of the API).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from events.frozen import replace
from events.promise.decider import STREAM_PREFIX as PROMISE_STREAM
from events.promise.state import ActivityRecord, PromiseState

STORED_WITHOUT: tuple[str, ...] = ("state", "activities")
"""The path of the records in a promise document, left out of the stored document."""

Change = tuple[str, tuple[ActivityRecord, ...] | None, tuple[ActivityRecord, ...]]
"""(promise key, the records its rows hold — None when unknown —, the records it must hold)."""

LOAD = """
SELECT k.key, a.record_id, a.commitment_id, a.revision_no, a.occurred_on, a.place_ids,
       a.performed_by, a.quantity, a.summary, a.voided, a.also_counts_for
FROM unnest($3::text[]) AS k(key)
CROSS JOIN LATERAL (
  SELECT * FROM activity_records r
  WHERE r.projection = $1 AND r.version = $2 AND r.key = k.key
  ORDER BY r.position) a"""
"""The records of some promises, each promise's in position order. One index range per key
(the lateral join), whatever the planner believes of the table: right after a rebuild wrote a
million rows, before they are analysed, `key = ANY(…)` was planned as a filter over them all."""

_FROM_JOINED = """
INSERT INTO activity_records (projection, version, key, position, record_id, commitment_id,
                              revision_no, occurred_on, place_ids, performed_by, quantity,
                              summary, voided, also_counts_for)
SELECT $1, $2, u.key, u.position, u.record_id, u.commitment_id, u.revision_no, u.occurred_on,
       coalesce(string_to_array(nullif(u.places, ''), ','), '{}'),
       coalesce(string_to_array(nullif(u.performers, ''), ','), '{}'),
       u.quantity, u.summary, u.voided,
       coalesce(string_to_array(nullif(u.links, ''), ','), '{}')
FROM """
"""The rows of one version from rows as `_joined` makes them (the id lists joined with commas)."""

INCOMING_COLUMNS = (
    "key",
    "position",
    "record_id",
    "commitment_id",
    "revision_no",
    "occurred_on",
    "places",
    "performers",
    "quantity",
    "summary",
    "voided",
    "links",
)
"""A row as `_joined` makes it: the id lists joined with commas (UPSERT's arrays and
INCOMING's columns, in this order)."""

UPSERT = (
    _FROM_JOINED
    + f"""unnest($3::text[], $4::integer[], $5::text[], $6::text[], $7::integer[],
            $8::date[], $9::text[], $10::text[], $11::bigint[], $12::text[], $13::boolean[],
            $14::text[])
     AS u({", ".join(INCOMING_COLUMNS)})
ON CONFLICT (projection, version, key, position) DO UPDATE SET
    record_id = excluded.record_id, commitment_id = excluded.commitment_id,
    revision_no = excluded.revision_no, occurred_on = excluded.occurred_on,
    place_ids = excluded.place_ids, performed_by = excluded.performed_by,
    quantity = excluded.quantity, summary = excluded.summary, voided = excluded.voided,
    also_counts_for = excluded.also_counts_for"""
)

INCOMING = """
CREATE TEMPORARY TABLE activity_records_incoming (
    key text, position integer, record_id text, commitment_id text, revision_no integer,
    occurred_on date, places text, performers text, quantity bigint, summary text,
    voided boolean, links text
)"""
"""Where many new rows are copied to first, in the writing transaction, the id lists joined as
for UPSERT: asyncpg encodes a Python tuple as a text[] at several times the cost of the rest of
the row, which made the copy of a rebuild's rows a fifth of its time in Python."""

FROM_INCOMING = _FROM_JOINED + "activity_records_incoming u"

TRIM = """
DELETE FROM activity_records a USING unnest($3::text[], $4::integer[]) AS t(key, keep)
WHERE a.projection = $1 AND a.version = $2 AND a.key = t.key AND a.position > t.keep"""

DROP = "DELETE FROM activity_records WHERE projection = $1 AND version = $2"

COPY_AT_LEAST = 2000
"""New rows written by COPY (through INCOMING) rather than an upsert from this many (a
rebuild's flushes): COPY costs the server about half as much per row but a few more messages
per call."""

WRITE_CHUNK = 20_000
"""Rows per upsert statement (a rebuild's flush writes up to a million)."""


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
    also_counts_for: tuple[str, ...] = ()

    @property
    def promise_id(self) -> str:
        """The promise id without the stream prefix."""
        return self.promise_key.removeprefix(PROMISE_STREAM)


class ActivityRecords:
    """The promise projection's activity rows: what its state keeps out of the document."""

    stored_without: tuple[str, ...] = STORED_WITHOUT

    def items(self, state: PromiseState) -> tuple[ActivityRecord, ...]:
        """The records the rows of this state hold."""
        return state.activities

    def with_items(self, state: PromiseState, items: tuple[ActivityRecord, ...]) -> PromiseState:
        """A stored state (read without its records) with its records back."""
        return replace(state, activities=items)

    def attach(self, doc: dict[str, Any], items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """The whole document from a stored one and its records (plain, in position order)."""
        return attach(doc, items)

    async def load(
        self, conn: asyncpg.Connection, projection: str, version: int, keys: list[str]
    ) -> dict[str, tuple[ActivityRecord, ...]]:
        """The records of `keys` as their rows hold them (keys with none are left out)."""
        found: dict[str, list[ActivityRecord]] = {}
        intern = sys.intern
        for r in await conn.fetch(LOAD, projection, version, keys):
            found.setdefault(r[0], []).append(
                ActivityRecord(
                    record_id=r[1],
                    commitment_id=intern(r[2]),
                    revision_no=r[3],
                    occurred_on=r[4],
                    place_ids=tuple(intern(p) for p in r[5]),
                    performed_by=tuple(intern(o) for o in r[6]),
                    quantity=r[7],
                    summary=r[8],
                    voided=r[9],
                    also_counts_for=tuple(intern(c) for c in r[10]),
                )
            )
        return {key: tuple(records) for key, records in found.items()}

    async def write(
        self, conn: asyncpg.Connection, projection: str, version: int, changes: Sequence[Change]
    ) -> None:
        """Bring the rows of each changed promise to its records: a record not in `before` (by
        identity: the fold keeps every record it does not change) is written, rows past the
        new end are deleted; `before` None rewrites them all. The rows of promises that had
        none (a rebuild writes almost only those) go in by COPY when there are many."""
        changed: tuple[list[Any], ...] = tuple([] for _ in INCOMING_COLUMNS)
        fresh: list[tuple[Any, ...]] = []
        trim_keys, trim_keep = [], []
        for key, before, after in changes:
            if not before:  # no rows yet, or (None) all deleted first
                if before is None:
                    trim_keys.append(key)
                    trim_keep.append(0)
                fresh.extend(_joined(key, i + 1, r) for i, r in enumerate(after))
                continue
            if len(after) < len(before):
                trim_keys.append(key)
                trim_keep.append(len(after))
            for i, record in enumerate(after):
                if i < len(before) and before[i] is record:
                    continue
                _upsert_into(changed, _joined(key, i + 1, record))
        if trim_keys:
            await conn.execute(TRIM, projection, version, trim_keys, trim_keep)
        if len(fresh) >= COPY_AT_LEAST:
            await _copy(conn, projection, version, fresh)
        else:
            for values in fresh:
                _upsert_into(changed, values)
        total = len(changed[0])
        for start in range(0, total, WRITE_CHUNK):
            chunk = [column[start : start + WRITE_CHUNK] for column in changed]
            await conn.execute(UPSERT, projection, version, *chunk)

    async def drop(self, conn: asyncpg.Connection, projection: str, version: int) -> None:
        """Delete a replaced version's rows."""
        await conn.execute(DROP, projection, version)


def row_of(r: Sequence[Any]) -> ActivityRow:
    """An ActivityRow from (key, position, record_id, …, voided, also_counts_for) as the
    table's columns."""
    return ActivityRow(
        promise_key=r[0],
        position=r[1],
        record_id=r[2],
        commitment_id=r[3],
        revision_no=r[4],
        occurred_on=r[5],
        place_ids=tuple(r[6]),
        performed_by=tuple(r[7]),
        quantity=r[8],
        summary=r[9],
        voided=r[10],
        also_counts_for=tuple(r[11]),
    )


def _joined(key: str, position: int, a: ActivityRecord) -> tuple[Any, ...]:
    """A record's row as UPSERT and INCOMING take it (INCOMING_COLUMNS order): the id lists
    joined with commas (no id holds one; events.well_formed)."""
    return (
        key,
        position,
        a.record_id,
        a.commitment_id,
        a.revision_no,
        a.occurred_on,
        ",".join(a.place_ids),
        ",".join(a.performed_by),
        a.quantity,
        a.summary,
        a.voided,
        ",".join(a.also_counts_for),
    )


async def _copy(
    conn: asyncpg.Connection, projection: str, version: int, rows: list[tuple[Any, ...]]
) -> None:
    """Insert new rows (`_joined`) by COPY into INCOMING and one INSERT from it, in the
    transaction under way or one of their own (a failure rolls the table back with it)."""
    async with contextlib.AsyncExitStack() as stack:
        if not conn.is_in_transaction():
            await stack.enter_async_context(conn.transaction())
        await conn.execute(INCOMING)
        await conn.copy_records_to_table(
            "activity_records_incoming", records=rows, columns=INCOMING_COLUMNS
        )
        await conn.execute(FROM_INCOMING, projection, version)
        await conn.execute("DROP TABLE activity_records_incoming")


def _upsert_into(columns: tuple[list[Any], ...], row: tuple[Any, ...]) -> None:
    """Add a row (`_joined`) to UPSERT's arrays."""
    for column, value in zip(columns, row, strict=True):
        column.append(value)


def plain_record(row: ActivityRow) -> dict[str, Any]:
    """A record as the codec writes it in a promise's state."""
    return {
        "record_id": row.record_id,
        "commitment_id": row.commitment_id,
        "revision_no": row.revision_no,
        "occurred_on": row.occurred_on.isoformat(),
        "place_ids": list(row.place_ids),
        "performed_by": list(row.performed_by),
        "quantity": row.quantity,
        "summary": row.summary,
        "voided": row.voided,
        "also_counts_for": list(row.also_counts_for),
    }


def public_records(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What was done where, as citizens may see it: date, commitments, places and quantity of
    each standing record, oldest first — never its summary or who reported it."""
    standing = sorted(
        (r for r in records if not r.get("voided")),
        key=lambda r: (r["occurred_on"], r["record_id"]),
    )
    return [
        {
            "record_id": r["record_id"],
            "commitment_id": r["commitment_id"],
            "also_counts_for": list(r.get("also_counts_for", ())),
            "occurred_on": r["occurred_on"],
            "place_ids": list(r["place_ids"]),
            "quantity": r["quantity"],
        }
        for r in standing
    ]


def attach(doc: dict[str, Any], records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A stored promise document with its activity records (plain, in position order) back in
    the state and, the standing ones, in the public view."""
    whole = dict(doc)
    if "state" in doc:  # (a public reader's document holds only the public view)
        whole["state"] = {**doc["state"], "activities": list(records)}
    if "public" in doc:
        whole["public"] = {**doc["public"], "activities": public_records(records)}
    return whole
