"""A public page's version: `ETag` and `Last-Modified` from the log, and conditional GETs.

A page is made of documents (a promise, an agreement, the published list) and the directory
(the names it shows); each document carries the log index it last changed at. The page's
version is those indices, with what else changes its bytes: the language (the page answers
`Accept-Language`), whether it is the embed, the day (a page says "kvar före" until the period
ends and "saknades" after), and a digest of the templates, styles and catalogues, so a new
release does not answer 304 with an old page. `Last-Modified` is when the log took the newest
of those positions.

The version names the page's bytes, so the body made for it is kept too (within a byte
budget) and sent again while the version stands, without rendering it anew.

Answering a conditional GET needs only the version, not the page: `Versions` keeps, per page,
the last version made and where the serving projections stood before its documents were read
(each one's version and `changed_at`, the log index of the last batch that wrote any of its
rows). Documents change only in such a batch (or with a new serving version), so while every
serving projection stands where it stood, the page's version is the one kept, and a 304 — or
the kept body — costs one read of `projection_state`. A promise page keeps finer `Marks` too:
its own documents (the promise, the directory, its agreement) by their marks, and the lists it
shows (walks, indicators) by their projections; while those stand, whatever else changed, its
version stands for one more read, of its documents' marks.
Concurrent requests share that read (service.web.group_read): each waits for a read that starts
after it arrived, so none is answered from a position older than its own arrival.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import asyncpg
from starlette.requests import Request

from projections.serving import DocumentMark
from schema.i18n.catalogue import LANGUAGES, po_path
from service.web.byte_budget import ByteBudget
from service.web.group_read import GroupRead

WEB = Path(__file__).resolve().parent.parent


@functools.cache
def release_digest() -> str:
    """A short digest of everything besides the data that shapes a page's bytes."""
    digest = hashlib.sha256()
    files = sorted(
        [
            *(WEB / "templates" / "public").glob("*.html"),
            *(path for path in (WEB / "static").glob("*") if path.is_file()),
            *(WEB / "public").glob("*.py"),
            WEB / "public_page.py",
            *(po_path(language) for language in LANGUAGES),
        ]
    )
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def etag(kind: str, positions: Iterable[int], *, language: str, embed: bool, today: dt.date) -> str:
    """The strong ETag of one page at these log positions."""
    marks = ".".join(str(p) for p in positions)
    view = "embed" if embed else "page"
    return f'"{kind}-{view}-{language}-{marks}-{today:%Y%m%d}-{release_digest()}"'


@functools.lru_cache(maxsize=1024)
def http_date(at: dt.datetime) -> str:
    """An HTTP date (RFC 9110 IMF-fixdate) for `at` (kept: every 304 of a page sends the same
    one)."""
    return format_datetime(at.astimezone(dt.UTC).replace(microsecond=0), usegmt=True)


def not_modified(request: Request, tag: str, modified: dt.datetime | None) -> bool:
    """True when the client's copy is current: `If-None-Match` names `tag` (weak comparison,
    as RFC 9110 asks for GET), or, without `If-None-Match`, `If-Modified-Since` is not
    older than `modified`."""
    match = request.headers.get("if-none-match")
    if match is not None:
        wanted = tag.removeprefix("W/")
        offered = [t.strip().removeprefix("W/") for t in match.split(",")]
        return "*" in offered or wanted in offered
    since = request.headers.get("if-modified-since")
    if since is None or modified is None:
        return False
    try:
        client = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if client.tzinfo is None:
        return False
    return modified.replace(microsecond=0) <= client


STANDING = """
SELECT coalesce(string_agg(projection || ':' || version || ':' || changed_at, ','
                           ORDER BY projection, version), '')
FROM projection_state WHERE status = 'serving'"""


async def standing(conn: asyncpg.Connection | asyncpg.Pool) -> str:
    """Where every serving projection stands (its version and where its rows last changed:
    migration 0015), as one string: it changes whenever any served document may have
    changed, and not with the events its projections write nothing for."""
    found: str = await conn.fetchval(STANDING)
    return found


def parse_standing(found: str) -> dict[str, str]:
    """`STANDING` ("projection:version:changed_at,…") as projection → its mark."""
    stand: dict[str, str] = {}
    for part in found.split(",") if found else ():
        projection, _, mark = part.partition(":")
        stand[projection] = mark
    return stand


@dataclass(frozen=True, slots=True)
class Marks:
    """What a page was made from, finer than the whole standing: whole projections (their
    marks in the standing: version and where it last changed) and single documents (their
    serving version and log index; None: there was none). The page stands while all do."""

    projections: tuple[tuple[str, str], ...]
    documents: tuple[tuple[tuple[str, str], DocumentMark | None], ...]

    def projections_stand(self, stand: Mapping[str, str]) -> bool:
        return all(stand.get(projection) == mark for projection, mark in self.projections)

    def documents_stand(self, now: Mapping[tuple[str, str], DocumentMark]) -> bool:
        """Whether each document is where it was (`now`: the marks of those that exist)."""
        return all(now.get(key) == mark for key, mark in self.documents)


@dataclass(frozen=True, slots=True)
class Known:
    """A page's version as made when the serving projections stood at `stand` on `today`
    (and, when it has them, the finer `marks` it can be followed by)."""

    stand: str
    today: dt.date
    tag: str
    modified: dt.datetime | None
    marks: Marks | None = None


VERSIONS_KEPT = 4096
"""Pages whose last version is kept; beyond it the oldest entry goes."""

BODIES_KEPT_BYTES = 32 * 2**20
"""Bytes of page bodies kept to be sent again; beyond it the least recently sent go."""


class Versions:
    """The last version made of each page (bounded), to answer a conditional GET without
    reading or rendering its documents."""

    def __init__(self, limit: int = VERSIONS_KEPT, body_bytes: int = BODIES_KEPT_BYTES) -> None:
        self._known: dict[Hashable, Known] = {}
        self._limit = limit
        self._standing: GroupRead[str] = GroupRead(standing)
        self._bodies: ByteBudget[tuple[str, str], bytes] = ByteBudget(
            body_bytes, lambda _key, body: len(body)
        )

    async def standing(self, pool: asyncpg.Pool) -> str:
        """Where every serving projection stands, read after this call began (one read
        shared by concurrent callers)."""
        return await self._standing.read(pool)

    def current(self, page: Hashable, stand: str, today: dt.date) -> Known | None:
        """The page's kept version, if it was made at `stand` on `today`."""
        known = self._known.get(page)
        if known is None or known.stand != stand or known.today != today:
            return None
        return known

    def known(self, page: Hashable) -> Known | None:
        """The page's kept version, current or not."""
        return self._known.get(page)

    def keep(self, page: Hashable, known: Known) -> None:
        """Keep `known` as the page's version."""
        self._known.pop(page, None)
        if len(self._known) >= self._limit:
            del self._known[next(iter(self._known))]
        self._known[page] = known

    def __len__(self) -> int:
        return len(self._known)

    def body(self, tag: str, base: str) -> bytes | None:
        """The body made for the strong ETag `tag` with links under `base`, when kept: the
        tag names everything a page's bytes are made of (its documents' log positions, the
        language, the day, the release), so the same tag is the same page."""
        return self._bodies.get((tag, base))

    def keep_body(self, tag: str, base: str, body: bytes) -> None:
        """Keep `body` as the page of `tag` under `base`, within the byte budget."""
        self._bodies.put((tag, base), body)

    @property
    def body_bytes(self) -> int:
        """Bytes of bodies kept now."""
        return self._bodies.kept_bytes
