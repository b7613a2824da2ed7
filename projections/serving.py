"""Reads of what the projections serve: each projection's documents at its serving version.

A projection may hold several versions of its documents (the serving one, and one being
rebuilt); a read sees only the version `projection_state` marks serving. Every read of the
documents table outside the projection runner is here, one query beside the one function that
runs it, so the web layer and the GraphQL reader never write the join themselves.

Each function takes a connection or a pool: the caller decides where it reads (the primary or
a replica) and retries on the primary when a replica fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import asyncpg

from projections.activities import ActivityRow, plain_record, row_of
from projections.agreements import NAME as AGREEMENT_PROJECTION
from projections.directory import KEY as DIRECTORY_KEY
from projections.directory import NAME as DIRECTORY
from projections.promises import NAME as PROMISES

SERVING_DOCUMENT = """
SELECT d.log_index, d.doc, p.version FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1 AND d.key = $2"""


async def serving_document(
    conn: asyncpg.Connection | asyncpg.Pool, projection: str, key: str
) -> tuple[int, dict[str, Any]] | None:
    """One serving document with the log index it was last changed at; None when absent."""
    found = await marked_document(conn, projection, key)
    return None if found is None else (found[0][1], found[1])


DocumentMark = tuple[int, int]
"""A serving document's version and the log index it was last changed at: two reads of it
that find the same mark found the same document (it changes only with an event of its stream,
an erasure included, which moves its log index, or with a new serving version)."""


async def marked_document(
    conn: asyncpg.Connection | asyncpg.Pool, projection: str, key: str
) -> tuple[DocumentMark, dict[str, Any]] | None:
    """One serving document with its mark; None when absent."""
    row = await conn.fetchrow(SERVING_DOCUMENT, projection, key)
    return None if row is None else ((int(row[2]), int(row[0])), row[1])


DOCUMENT_MARK = """
SELECT p.version, d.log_index FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1 AND d.key = $2"""

_BY_KEYS = """
FROM documents d
JOIN unnest($1::text[], $2::text[]) AS k(projection, key)
  ON k.projection = d.projection AND k.key = d.key
JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'"""
"""The serving documents of (projection, key) pairs given as two arrays."""

DOCUMENT_MARKS = "SELECT d.projection, d.key, p.version, d.log_index" + _BY_KEYS


async def document_marks(
    conn: asyncpg.Connection | asyncpg.Pool, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], DocumentMark]:
    """The marks of the serving documents of (projection, key) pairs that exist, in one read
    (one key, the commonest ask, by its own statement: its plan is the same for every key)."""
    if len(keys) == 1:
        ((projection, key),) = keys
        row = await conn.fetchrow(DOCUMENT_MARK, projection, key)
        return {} if row is None else {(projection, key): (int(row[0]), int(row[1]))}
    rows = await conn.fetch(DOCUMENT_MARKS, [k[0] for k in keys], [k[1] for k in keys])
    return {(r[0], r[1]): (int(r[2]), int(r[3])) for r in rows}


SERVING_DOCUMENTS = "SELECT d.projection, d.key, d.doc" + _BY_KEYS


async def serving_documents(
    conn: asyncpg.Connection | asyncpg.Pool, keys: Sequence[tuple[str, str]]
) -> list[dict[str, Any] | None]:
    """Serving documents for (projection, key) pairs in one query, in the order asked."""
    rows = await conn.fetch(SERVING_DOCUMENTS, [k[0] for k in keys], [k[1] for k in keys])
    found = {(r[0], r[1]): r[2] for r in rows}
    return [found.get(k) for k in keys]


_LISTED = """
FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1
  AND ($2::text IS NULL OR $2 = ANY (d.organisations))
  AND ($3::text[] IS NULL OR d.status = ANY ($3))
  AND ($4::text IS NULL OR d.title ILIKE '%' || $4 || '%')
  AND ($5::text IS NULL OR d.key > $5)
  AND ($6 OR d.organisations && $7::text[] OR d.published)
  AND ($9::date IS NULL OR ((d.valid_from IS NULL OR d.valid_from <= $9)
                            AND (d.valid_to IS NULL OR d.valid_to >= $9)
                            AND (d.valid_from IS NOT NULL OR d.valid_to IS NOT NULL)))
ORDER BY d.key
LIMIT $8"""
"""The documents a list shows, in key order: $1 projection; filters $2 organisation, $3
statuses, $4 title, $5 after (key), $9 active on (day); $6 everything, $7 the organisations
whose unpublished documents the caller reads; $8 limit."""

PROMISE_DOCUMENTS = (
    """
SELECT d.key,
       CASE WHEN $6 OR d.organisations && $7::text[] THEN d.doc
            ELSE jsonb_build_object('public', d.doc -> 'public') END"""
    + _LISTED
)


async def promise_documents(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    organisation: str | None,
    status: Sequence[str] | None,
    title: str | None,
    after: str | None,
    limit: int,
    member_of: frozenset[str],
    everything: bool,
    active_on: dt.date | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """Serving promise documents in key order after `after`: all of them when `everything`,
    else those an organisation in `member_of` is party to and the published ones;
    `organisation`, `status`, `title` (a substring, any case) and `active_on` (a day the period
    covers) filter. Of a published promise the caller reads only as the public does, only the
    public view is read (`{"public": …}`): the rest is neither sent nor decoded."""
    rows = await conn.fetch(
        PROMISE_DOCUMENTS,
        PROMISES,
        organisation,
        list(status) if status else None,
        title,
        after,
        everything,
        sorted(member_of),
        limit,
        active_on,
    )
    return [(r[0], r[1]) for r in rows]


AWAITING = """
SELECT d.key, d.doc FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1 AND $2 = ANY (d.organisations)
  AND (d.attention_from IS NULL OR d.attention_from <= $3)
ORDER BY d.key"""


async def awaiting(
    conn: asyncpg.Connection | asyncpg.Pool, projection: str, organisation: str, day: dt.date
) -> list[tuple[str, dict[str, Any]]]:
    """The serving documents of `projection` that `organisation` is party to and that may ask
    something of a party on `day` (their `attention_from` has come, or they were written
    before it was kept), in key order: every document whose inbox items `day` can hold, and
    no others of the many that ask nothing."""
    return [(r[0], r[1]) for r in await conn.fetch(AWAITING, projection, organisation, day)]


PUBLIC_RECORDS = """
jsonb_set(d.doc -> 'public', '{activities}', coalesce((
  SELECT jsonb_agg(jsonb_build_object(
           'record_id', a.record_id, 'commitment_id', a.commitment_id,
           'also_counts_for', to_jsonb(a.also_counts_for),
           'occurred_on', a.occurred_on, 'place_ids', to_jsonb(a.place_ids),
           'quantity', a.quantity)
         ORDER BY a.occurred_on, a.record_id COLLATE "C")
  FROM activity_records a
  WHERE a.projection = d.projection AND a.version = d.version AND a.key = d.key
    AND NOT a.voided), '[]'))"""
"""A promise's public view with its standing activity records, oldest first, as
`projections.activities.public_records` gives them."""

PUBLIC_VIEW = f"""
SELECT {PUBLIC_RECORDS} FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1 AND d.key = $2 AND d.published"""


async def public_view(conn: asyncpg.Connection | asyncpg.Pool, key: str) -> dict[str, Any] | None:
    """The public view of the promise stream `key`; None when unknown or unpublished."""
    public: dict[str, Any] | None = await conn.fetchval(PUBLIC_VIEW, PROMISES, key)
    return public


PUBLIC_VIEWS = f"""
SELECT d.key, {PUBLIC_RECORDS} FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1 AND d.published
ORDER BY d.key"""


async def public_views(conn: asyncpg.Connection | asyncpg.Pool) -> list[tuple[str, dict[str, Any]]]:
    """Every published promise's public view, in key order."""
    return [(r[0], r[1]) for r in await conn.fetch(PUBLIC_VIEWS, PROMISES)]


ACTIVITY_COLUMNS = """a.key, a.position, a.record_id, a.commitment_id, a.revision_no,
       a.occurred_on, a.place_ids, a.performed_by, a.quantity, a.summary, a.voided,
       a.also_counts_for"""

SERVING_VERSION = (
    "(SELECT version FROM projection_state WHERE projection = $1 AND status = 'serving')"
)
"""The serving version of projection $1, as a value: with it every activity-record read is an
index range on (projection, version, key), whatever the planner believes of the table."""

ACTIVITIES_WHERE = f"""
SELECT {ACTIVITY_COLUMNS}
FROM activity_records a
JOIN documents d ON d.projection = a.projection AND d.version = a.version AND d.key = a.key
WHERE a.projection = $1 AND a.version = {SERVING_VERSION} AND {{promise}}
  AND ($3::text IS NULL OR a.commitment_id = $3 OR $3 = ANY (a.also_counts_for))
  AND ($4::text IS NULL OR $4 = ANY (a.performed_by))
  AND ($5::text[] IS NULL OR d.organisations && $5)
  AND (a.key, a.position) > ($6::text, $7::integer)
ORDER BY a.key, a.position
LIMIT $8"""

PROMISE_ACTIVITIES = ACTIVITIES_WHERE.format(promise="$2::text IS NULL")
ONE_PROMISE_ACTIVITIES = ACTIVITIES_WHERE.format(promise="a.key = $2")
"""PROMISE_ACTIVITIES of one promise: its key in the index range, not in a filter."""


async def promise_activities(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    promise_key: str | None,
    commitment_id: str | None,
    performed_by: str | None,
    member_of: frozenset[str] | None,
    after: tuple[str, int] | None,
    limit: int,
) -> list[ActivityRow]:
    """The serving promises' activity records in (key, position) order after `after` (None:
    from the start); each filter is skipped when None, and `member_of` keeps the promises one
    of those organisations is party to."""
    start = after if after is not None else ("", 0)
    rows = await conn.fetch(
        PROMISE_ACTIVITIES if promise_key is None else ONE_PROMISE_ACTIVITIES,
        PROMISES,
        promise_key,
        commitment_id,
        performed_by,
        None if member_of is None else sorted(member_of),
        start[0],
        start[1],
        limit,
    )
    return [row_of(r) for r in rows]


PROMISE_RECORDS = f"""
SELECT {ACTIVITY_COLUMNS}
FROM activity_records a
WHERE a.projection = $1 AND a.version = {SERVING_VERSION} AND a.key = $2
ORDER BY a.position"""


async def promise_records(
    conn: asyncpg.Connection | asyncpg.Pool, key: str
) -> list[dict[str, Any]]:
    """Every activity record of the serving promise `key`, as its state holds them (plain, in
    position order): what `projections.activities.attach` puts back into its document."""
    return [plain_record(row_of(r)) for r in await conn.fetch(PROMISE_RECORDS, PROMISES, key)]


STREAM_PARTIES = """
SELECT coalesce(array_agg(DISTINCT o), '{}')
FROM (
  SELECT unnest(organisations) AS o FROM streams WHERE stream_id = $1
  UNION
  SELECT unnest(d.organisations) FROM documents d JOIN projection_state p
    ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
  WHERE d.key = $1
) parties"""


async def stream_parties(conn: asyncpg.Connection | asyncpg.Pool, stream_id: str) -> frozenset[str]:
    """Organisations party to a stream: its writers', and its serving documents' parties."""
    return frozenset(await conn.fetchval(STREAM_PARTIES, stream_id))


SERVING_CHECKPOINT = """
SELECT coalesce(min(checkpoint), -1) FROM projection_state
WHERE status = 'serving' AND projection = ANY($1)"""


async def serving_checkpoint(
    conn: asyncpg.Connection | asyncpg.Pool, projections: Sequence[str]
) -> int:
    """The last log index every one of `projections` has applied in its serving version
    (-1 when none of them serves yet)."""
    return int(await conn.fetchval(SERVING_CHECKPOINT, list(projections)))


AGREEMENT_DOCUMENTS = "SELECT d.key, d.doc" + _LISTED
"""Agreements are listed with the very filters, visibility and order of promises."""


async def agreement_documents(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    organisation: str | None,
    status: Sequence[str] | None,
    title: str | None,
    after: str | None,
    limit: int,
    member_of: frozenset[str],
    everything: bool,
    active_on: dt.date | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """Serving agreement documents in key order after `after`: all of them when `everything`,
    else those an organisation in `member_of` is party to and the published ones; filtered
    like `promise_documents`."""
    rows = await conn.fetch(
        AGREEMENT_DOCUMENTS,
        "agreements",
        organisation,
        list(status) if status else None,
        title,
        after,
        everything,
        sorted(member_of),
        limit,
        active_on,
    )
    return [(r[0], r[1]) for r in rows]


PUBLIC_VIEWS_OF = """
SELECT d.key, d.doc->'public' FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1 AND d.published
ORDER BY d.key"""


async def public_views_of(
    conn: asyncpg.Connection | asyncpg.Pool, projection: str
) -> list[tuple[str, dict[str, Any]]]:
    """Every public view of `projection`'s serving documents (published promises,
    agreements …), in key order; empty while the projection does not serve."""
    return [(r[0], r[1]) for r in await conn.fetch(PUBLIC_VIEWS_OF, projection)]


PUBLISHED_POSITIONS = """
SELECT d.projection, d.version, count(*), max(d.log_index) FROM documents d
JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = ANY($1) AND (d.published OR d.key = ANY($2))
GROUP BY d.projection, d.version
ORDER BY d.projection"""


async def published_positions(
    conn: asyncpg.Connection | asyncpg.Pool, projections: Sequence[str], keys: Sequence[str]
) -> tuple[tuple[str, int, int, int], ...]:
    """(projection, serving version, how many, newest log index) of the published documents
    of `projections` and the documents named in `keys` (the directory): it changes whenever
    one of them changes, appears or goes, and only then (for an ETag)."""
    rows = await conn.fetch(PUBLISHED_POSITIONS, list(projections), list(keys))
    return tuple((str(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows)


# The public pages (/p/) read what was published, with the log index each document was last
# changed at: that index (and the directory's, since the pages show organisation names) is the
# page's version, sent as its ETag.
AGREEMENTS = AGREEMENT_PROJECTION
PUBLISHED_KINDS = (PROMISES, AGREEMENTS)

PUBLISHED_DOCUMENT = f"""
SELECT d.log_index,
       CASE WHEN d.projection = '{PROMISES}' THEN {PUBLIC_RECORDS} ELSE d.doc->'public' END
FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1 AND d.key = $2 AND d.published"""


async def published_document(
    conn: asyncpg.Connection | asyncpg.Pool, projection: str, key: str
) -> tuple[int, dict[str, Any]] | None:
    """(log index, public view) of one published document; None when unknown or
    unpublished."""
    row = await conn.fetchrow(PUBLISHED_DOCUMENT, projection, key)
    return None if row is None else (int(row[0]), row[1])


PUBLISHED_DOCUMENTS = """
SELECT d.projection, d.key, d.log_index,
       (d.doc->'public') - 'activities' - 'progress' - 'follow_ups'
FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = ANY($1) AND d.published
  AND ($2::text IS NULL OR $2 = ANY (d.organisations))
ORDER BY d.projection, d.key"""


async def published_documents(
    conn: asyncpg.Connection | asyncpg.Pool, *, organisation: str | None = None
) -> list[tuple[str, str, int, dict[str, Any]]]:
    """(projection, key, log index, public view) of every published promise and agreement,
    or only those `organisation` is party to; a list needs no promise's activity records,
    progress or follow-ups, so they are left out."""
    rows = await conn.fetch(PUBLISHED_DOCUMENTS, list(PUBLISHED_KINDS), organisation)
    return [(r[0], r[1], int(r[2]), r[3]) for r in rows]


PUBLIC_DIRECTORY = """
SELECT d.log_index, d.doc->'state'->'organisations', d.doc->'state'->'people'
FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1 AND d.key = $2"""


async def public_directory(
    conn: asyncpg.Connection | asyncpg.Pool,
) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    """(log index, organisations, people) of the directory, for the names the public pages
    show; (-1, [], []) before it exists. Only names reach a page: a signatory's name beside
    a signature, an organisation's name and public contact point."""
    row = await conn.fetchrow(PUBLIC_DIRECTORY, DIRECTORY, DIRECTORY_KEY)
    if row is None:
        return -1, [], []
    return int(row[0]), list(row[1] or []), list(row[2] or [])


LOG_TIME = "SELECT sequenced_at FROM log WHERE log_index = $1"


async def log_time(conn: asyncpg.Connection | asyncpg.Pool, log_index: int) -> dt.datetime | None:
    """When the log took position `log_index` (None for a position it does not hold)."""
    at: dt.datetime | None = await conn.fetchval(LOG_TIME, log_index)
    return at


ENDED_PERIODS = """
SELECT d.key, d.valid_to FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1 AND d.status = $2 AND d.valid_to < $3 AND d.key > $4
ORDER BY d.key
LIMIT $5"""


async def ended_periods(
    conn: asyncpg.Connection | asyncpg.Pool,
    projection: str,
    status: str,
    today: dt.date,
    after: str,
    limit: int,
) -> list[tuple[str, dt.date]]:
    """(key, valid_to) of `projection`'s serving documents in `status` whose period ended
    before `today`, in key order after `after`: what the expiry job moves to expired."""
    rows = await conn.fetch(ENDED_PERIODS, projection, status, today, after, limit)
    return [(r[0], r[1]) for r in rows]


AGREEMENT_PROMISES = """
SELECT d.key FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1
  AND ((($3 OR d.organisations && $4::text[])
        AND $2 IN (d.doc #>> '{state,in_force,content,details,agreement_id}',
                   d.doc #>> '{state,working,content,details,agreement_id}'))
       OR d.doc #>> '{public,revision,content,details,agreement_id}' = $2)
ORDER BY d.key
LIMIT $5"""


async def agreement_promises(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    agreement_id: str,
    member_of: frozenset[str],
    everything: bool,
    limit: int,
) -> list[str]:
    """Keys of the serving promise documents that name agreement `agreement_id`: by their
    revision in force or being worked on for a party's members (all when `everything`), by
    their published revision for everybody else."""
    rows = await conn.fetch(
        AGREEMENT_PROMISES, PROMISES, agreement_id, everything, sorted(member_of), limit
    )
    return [r[0] for r in rows]


AREA_PROMISE_DOCUMENTS = """
SELECT d.key, d.doc FROM documents d JOIN projection_state p
  ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving'
WHERE d.projection = $1
  AND d.organisations && $2::text[]
  AND d.organisations && $3::text[]
  AND ($4 OR d.organisations && $5::text[] OR d.published)
ORDER BY d.key
LIMIT $6"""


async def area_promise_documents(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    police_areas: Sequence[str],
    municipalities: Sequence[str],
    member_of: frozenset[str],
    everything: bool,
    limit: int,
) -> list[tuple[str, dict[str, Any]]]:
    """Serving promise documents, in key order, to which one of `police_areas` and one of
    `municipalities` are party (a police area's or region's overview, in one query): all of
    them when `everything`, else those an organisation in `member_of` is party to and the
    published ones, as `promise_documents` filters."""
    rows = await conn.fetch(
        AREA_PROMISE_DOCUMENTS,
        PROMISES,
        sorted(police_areas),
        sorted(municipalities),
        everything,
        sorted(member_of),
        limit,
    )
    return [(r[0], r[1]) for r in rows]
