"""The public face (/p/): the published list, promise pages and their embed, agreement pages
and a page per municipality, rendered from the published views only.

Texts the pages write themselves come from the gettext catalogues (schema/locale): Swedish
unless the browser prefers English (`Accept-Language`). Organisation names come from the
directory. Every page carries an `ETag` and `Last-Modified` from the log positions it is made
of and answers a conditional GET with 304 (service/web/public/freshness.py). Anything unknown
or unpublished is the same 404 page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from events.agreement import STREAM_PREFIX as AGREEMENT_STREAM
from events.indicator import PROMISE
from events.messages import InvalidInput
from events.promise.decider import STREAM_PREFIX as PROMISE_STREAM
from events.well_formed import require_id
from projections import indicators, serving, walks
from projections.directory import KEY as DIRECTORY_KEY
from projections.directory import NAME as DIRECTORY
from projections.promises import NAME as PROMISES
from projections.serving import DocumentMark
from schema.i18n.catalogue import DEFAULT_LANGUAGE, translations
from service.web.languages import language_for
from service.web.public import (
    agreement_view,
    freshness,
    listing,
    promise_view,
    templates,
    walk_view,
)
from service.web.public.indicator_view import indicator_views
from service.web.public.present import COLOUR_FILL, N_, Directory, Words

__all__ = ["COLOUR_FILL", "EMBED_CSP", "N_", "PAGE_CSP", "document", "not_found", "routes", "text"]

# The pages load their own styles (and the embed its own script) and nothing from elsewhere.
EMBED_CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'"
)
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
ASSET_CSP = "default-src 'none'; frame-ancestors 'none'"
CACHE = "public, no-cache"
"""Any cache may keep a page but must ask again (cheaply: a conditional GET) before using it."""
HOME = "Europe/Stockholm"
"""Whose calendar "today" is on: a page says "kvar före 31 december" until that day ends."""


def text(value: object) -> str:
    """An escaped text value; None is empty."""
    return "" if value is None else str(Markup.escape(str(value)))


def words_for(language: str) -> Words:
    """The page's words in `language`."""
    return Words(language=language, catalogue=translations(language))


def document(title: str, body: str, *, chrome: bool, language: str = DEFAULT_LANGUAGE) -> str:
    """A whole page around ready HTML `body` in `language`; the embed leaves out the site
    header and footer."""
    return templates.render(
        "base.html", words_for(language), embed=not chrome, title=title, body=Markup(body)
    )


def _headers(chrome: bool, language: str) -> dict[str, str]:
    # The words follow Accept-Language, so a shared cache keeps one copy per language.
    return {
        "content-security-policy": PAGE_CSP if chrome else EMBED_CSP,
        "content-language": language,
        "vary": "Accept-Language",
    }


def not_found(*, chrome: bool, language: str = DEFAULT_LANGUAGE) -> HTMLResponse:
    """The 404 page: unknown and unpublished things look the same."""
    words = words_for(language)
    heading = words(N_("Page not found"))
    explained = words(N_("Nothing published is at this address."))
    page = templates.render(
        "message.html", words, embed=not chrome, title=heading, heading=heading, text=explained
    )
    return HTMLResponse(page, status_code=404, headers=_headers(chrome, language))


def language_of(request: Request) -> str:
    """The page's language: Swedish unless the browser prefers English."""
    return language_for(request.headers.get("accept-language"))


def pool_of(request: Request) -> asyncpg.Pool:
    """The primary pool the pages read from."""
    pool: asyncpg.Pool = request.state.services.pool
    return pool


def versions_of(request: Request) -> freshness.Versions:
    """The pages' kept versions (lifespan state)."""
    versions: freshness.Versions = request.state.services.page_versions
    return versions


def today() -> dt.date:
    """The day it is where the promises are kept."""
    return dt.datetime.now(ZoneInfo(HOME)).date()


def valid_id(value: str) -> bool:
    """True when `value` could be an id: any bytes may arrive in a path (a NUL, broken
    UTF-8, 8 KB), and none of that should reach the database."""
    try:
        require_id(value, "id")
    except InvalidInput:
        return False
    return True


def _fresh_headers(
    tag: str, updated: dt.datetime | None, *, chrome: bool, language: str
) -> dict[str, str]:
    headers = {**_headers(chrome, language), "etag": tag, "cache-control": CACHE}
    if updated is not None:
        headers["last-modified"] = freshness.http_date(updated)
    return headers


@dataclass(frozen=True, slots=True)
class Asked:
    """A page request's key among the kept versions, where the projections stood before any
    of its documents was read, and the day."""

    page: tuple[str, ...]
    stand: str
    day: dt.date


async def kept(
    request: Request, page: tuple[str, ...], *, chrome: bool, language: str
) -> tuple[Response | None, Asked]:
    """The page's kept version when it is current: a 304 when the client holds it, else its
    kept body (no document read, nothing rendered); else None and what `answer` needs to keep
    the version it makes. `page` names the page apart from its language and embedding."""
    pool, versions = pool_of(request), versions_of(request)
    asked = Asked(
        page=(*page, language, "page" if chrome else "embed"),
        stand=await versions.standing(pool),
        day=today(),
    )
    known = versions.current(asked.page, asked.stand, asked.day)
    if known is None:
        known = await _current_by_marks(versions.known(asked.page), pool, asked)
    if known is None:
        return None, asked
    headers = _fresh_headers(known.tag, known.modified, chrome=chrome, language=language)
    if freshness.not_modified(request, known.tag, known.modified):
        return Response(status_code=304, headers=headers), asked
    body = versions.body(known.tag, str(request.base_url))
    if body is not None:
        return HTMLResponse(body, headers=headers), asked
    return None, asked


async def _current_by_marks(
    known: freshness.Known | None, pool: asyncpg.Pool, asked: Asked
) -> freshness.Known | None:
    """`known` when it has marks and they all stand (one read of its documents' marks)."""
    if known is None or known.marks is None or known.today != asked.day:
        return None
    if not known.marks.projections_stand(freshness.parse_standing(asked.stand)):
        return None
    now = await serving.document_marks(pool, [key for key, _ in known.marks.documents])
    return known if known.marks.documents_stand(now) else None


async def answer(
    request: Request,
    asked: Asked,
    db: asyncpg.Connection,
    *,
    kind: str,
    positions: Iterable[int],
    chrome: bool,
    language: str,
    build: Callable[[dt.datetime | None], str],
    count: int | None = None,
    marks: freshness.Marks | None = None,
) -> Response:
    """The page built by `build(updated)`, or 304 when the client's copy is current; the
    page's version is the log `positions` it is made of (and, for a list, how many items
    it has), kept for the next conditional GET, and the body made for that version is sent
    again, not built, while the version stands."""
    at = list(positions)
    newest = max(at, default=-1)
    updated = await serving.log_time(db, newest) if newest >= 0 else None
    versions = at if count is None else [*at, count]
    tag = freshness.etag(kind, versions, language=language, embed=not chrome, today=asked.day)
    versions_of(request).keep(
        asked.page, freshness.Known(asked.stand, asked.day, tag, updated, marks)
    )
    headers = _fresh_headers(tag, updated, chrome=chrome, language=language)
    if freshness.not_modified(request, tag, updated):
        return Response(status_code=304, headers=headers)
    base = str(request.base_url)
    body = versions_of(request).body(tag, base)
    if body is None:
        body = build(updated).encode()
        versions_of(request).keep_body(tag, base, body)
    return HTMLResponse(body, headers=headers)


async def directory_of(db: asyncpg.Connection) -> tuple[int, Directory]:
    """The directory's log index and its names."""
    index, organisations, people = await serving.public_directory(db)
    return index, Directory.of(organisations, people)


async def promise_response(request: Request, *, chrome: bool) -> Response:
    """A promise page or its embed."""
    language = language_of(request)
    promise_id = request.path_params["promise_id"]
    if not valid_id(promise_id):
        return not_found(chrome=chrome, language=language)
    early, asked = await kept(request, ("promise", promise_id), chrome=chrome, language=language)
    if early is not None:
        return early
    async with pool_of(request).acquire() as db:
        found = await serving.published_document(db, PROMISES, PROMISE_STREAM + promise_id)
        if found is None:
            return not_found(chrome=chrome, language=language)
        log_index, public = found
        directory_index, directory = await directory_of(db)
        agreements, agreement_index = await published_agreement(db, public)
        held = await walks.public_walks(db, promise=promise_id)
        linked = await indicators.linked_indicators(db, PROMISE, promise_id)
        words = words_for(language)
        documents = [
            ((PROMISES, PROMISE_STREAM + promise_id), log_index),
            ((DIRECTORY, DIRECTORY_KEY), directory_index),
        ]
        if (agreement_key := _agreement_key(public)) is not None:
            documents.append(((serving.AGREEMENTS, agreement_key), agreement_index))

        def build(updated: dt.datetime | None) -> str:
            source = promise_view.PromiseInput(
                public=public,
                activities=list(public.get("activities") or []),
                directory=directory,
                today=today(),
                updated=updated,
                agreement_ids=agreements,
            )
            page = promise_view.promise_page(source, words)
            title = words(N_("{title} – Follow how it is going"), title=page.title)
            base = str(request.base_url).rstrip("/")
            return templates.render(
                "promise.html" if chrome else "embed.html",
                words,
                embed=not chrome,
                title=title,
                page=page,
                page_url=f"{base}/p/{promise_id}",
                embed_url=f"{base}/p/{promise_id}/embed",
                suggested_height=page.embed_height,
                walks=walk_view.walks_section(held, words),
                indicators=indicator_views((doc for doc, _ in linked), today(), words),
            )

        return await answer(
            request,
            asked,
            db,
            kind="promise",
            positions=(
                log_index,
                directory_index,
                agreement_index,
                max((w.log_index for w in held), default=-1),
                *(i for _, i in linked),
            ),
            chrome=chrome,
            language=language,
            build=build,
            marks=_marks(asked, (walks.NAME, indicators.NAME), documents),
        )


def _marks(
    asked: Asked, projections: Iterable[str], documents: Iterable[tuple[tuple[str, str], int]]
) -> freshness.Marks | None:
    """A page's marks: the `projections` it listed from, as they stood when it was asked, and
    the `documents` it read one by one with the log index each was read at (-1: none, or not
    published), under the serving version of their projection as it stood then. A document
    read from a version switched in since reads as changed when its marks are next looked
    at, as does an unpublished one that exists: either is made again, never sent stale."""
    projections = tuple(projections)
    stand = freshness.parse_standing(asked.stand)
    if any(p not in stand for p in projections):
        return None
    found: list[tuple[tuple[str, str], DocumentMark | None]] = []
    for (projection, key), index in documents:
        if projection not in stand:
            return None
        version = int(stand[projection].partition(":")[0])
        found.append(((projection, key), None if index < 0 else (version, index)))
    return freshness.Marks(
        projections=tuple((p, stand[p]) for p in projections), documents=tuple(found)
    )


async def published_agreement(
    db: asyncpg.Connection | asyncpg.Pool, public: dict[str, Any]
) -> tuple[frozenset[str], int]:
    """The promise's agreement id when that agreement is published (else empty: a link to an
    agreement page that would answer 404 is no link), and the log index it was read at (-1
    when not published), which is part of the promise page's version."""
    key = _agreement_key(public)
    if key is None:
        return frozenset(), -1
    found = await serving.published_document(db, serving.AGREEMENTS, key)
    if found is None:
        return frozenset(), -1
    return frozenset({key.removeprefix(AGREEMENT_STREAM)}), found[0]


def _agreement_key(public: dict[str, Any]) -> str | None:
    """The stream of the agreement a promise's public view names, if it names a valid id."""
    details = ((public.get("revision") or {}).get("content") or {}).get("details") or {}
    agreement_id = details.get("agreement_id")
    if not agreement_id or not valid_id(str(agreement_id)):
        return None
    return AGREEMENT_STREAM + str(agreement_id)


async def page(request: Request) -> Response:
    """`GET /p/{promise_id}`: the promise's public page."""
    return await promise_response(request, chrome=True)


async def embed(request: Request) -> Response:
    """`GET /p/{promise_id}/embed`: progress first, for an iframe on a municipality's site."""
    return await promise_response(request, chrome=False)


async def agreement(request: Request) -> Response:
    """`GET /p/overenskommelse/{agreement_id}`: a published cooperation agreement."""
    language = language_of(request)
    agreement_id = request.path_params["agreement_id"]
    if not valid_id(agreement_id):
        return not_found(chrome=True, language=language)
    early, asked = await kept(request, ("agreement", agreement_id), chrome=True, language=language)
    if early is not None:
        return early
    async with pool_of(request).acquire() as db:
        key = AGREEMENT_STREAM + agreement_id
        found = await serving.published_document(db, serving.AGREEMENTS, key)
        if found is None:
            return not_found(chrome=True, language=language)
        log_index, public = found
        directory_index, directory = await directory_of(db)
        under = []
        positions = [log_index, directory_index]
        for projection, _key, index, view in await serving.published_documents(db):
            content = (view.get("revision") or {}).get("content") or {}
            details = content.get("details") or {}
            if projection == PROMISES and details.get("agreement_id") == agreement_id:
                under.append((str(view.get("promise_id")), str(details.get("title"))))
                positions.append(index)
        words = words_for(language)

        def build(updated: dt.datetime | None) -> str:
            shown = agreement_view.agreement_page(
                agreement_id, public, directory, under, updated, today(), words
            )
            title = words(N_("{title} – Follow how it is going"), title=shown.title)
            return templates.render("agreement.html", words, title=title, page=shown)

        return await answer(
            request,
            asked,
            db,
            kind="agreement",
            positions=positions,
            chrome=True,
            language=language,
            build=build,
        )


async def index(request: Request) -> Response:
    """`GET /p/`: everything published, grouped by municipality and police area."""
    language = language_of(request)
    early, asked = await kept(request, ("index",), chrome=True, language=language)
    if early is not None:
        return early
    async with pool_of(request).acquire() as db:
        documents = await serving.published_documents(db)
        directory_index, directory = await directory_of(db)
        words = words_for(language)

        def build(updated: dt.datetime | None) -> str:
            items = [listing.listed_item(p, k, view, words) for p, k, _i, view in documents]
            title = words(N_("Citizen promises and cooperation agreements"))
            return templates.render(
                "index.html", words, title=title, groups=listing.grouped(items, directory)
            )

        return await answer(
            request,
            asked,
            db,
            kind="index",
            positions=(max((d[2] for d in documents), default=-1), directory_index),
            count=len(documents),
            chrome=True,
            language=language,
            build=build,
        )


async def municipality(request: Request) -> Response:
    """`GET /p/kommun/{code}`: a municipality's promises and agreements over the years; the
    code is its kommunkod or its name as a slug."""
    language = language_of(request)
    code = str(request.path_params["code"])[:100]
    early, asked = await kept(request, ("municipality", code), chrome=True, language=language)
    if early is not None:
        return early
    async with pool_of(request).acquire() as db:
        directory_index, directory = await directory_of(db)
        org_id = directory.municipality(code)
        if org_id is None:
            return not_found(chrome=True, language=language)
        documents = await serving.published_documents(db, organisation=org_id)
        held = await walks.public_walks(db, municipality=org_id)
        words = words_for(language)
        name = directory.name(org_id)
        newest = max((d[2] for d in documents), default=-1)

        def build(updated: dt.datetime | None) -> str:
            items = [listing.listed_item(p, k, view, words) for p, k, _i, view in documents]
            ordered = sorted(items, key=lambda i: (i.newest, i.title), reverse=True)
            contact = directory.contact(org_id)
            return templates.render(
                "municipality.html",
                words,
                title=name,
                name=name,
                items=ordered,
                contacts=() if contact is None else (contact,),
                walks=walk_view.walks_section(held, words),
            )

        return await answer(
            request,
            asked,
            db,
            kind="municipality",
            positions=(newest, directory_index, max((w.log_index for w in held), default=-1)),
            count=len(documents),
            chrome=True,
            language=language,
            build=build,
        )


async def asset_file(request: Request) -> Response:
    """`GET /p/assets/{name}`: the pages' style sheet and the embed's script."""
    name = request.path_params["name"]
    if name not in templates.ASSETS:
        return not_found(chrome=True, language=language_of(request))
    return Response(
        templates.asset_bytes(name),
        media_type=templates.ASSETS[name],
        headers={
            "cache-control": "public, max-age=86400",
            "content-security-policy": ASSET_CSP,
        },
    )


async def missing(request: Request) -> Response:
    """Any other path under /p/ (a slash in the id, say): the same 404 page."""
    chrome = not request.scope["path"].endswith("/embed")
    return not_found(chrome=chrome, language=language_of(request))


def routes() -> list[BaseRoute]:
    """The public page routes."""
    return [
        Route("/p/", index, methods=["GET"]),
        Route("/p/assets/{name}", asset_file, methods=["GET"]),
        Route("/p/{promise_id}", page, methods=["GET"]),
        Route("/p/{promise_id}/embed", embed, methods=["GET"]),
        Route("/p/overenskommelse/{agreement_id}", agreement, methods=["GET"]),
        Route("/p/kommun/{code}", municipality, methods=["GET"]),
        Route("/p/{rest:path}", missing, methods=["GET"]),
    ]
