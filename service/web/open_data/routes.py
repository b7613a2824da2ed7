"""The open-data routes: each file as CSV, Swedish-Excel CSV and JSON, and an index.

`/open-data/{name}.csv` is RFC 4180 (comma, UTF-8 with BOM), `/open-data/{name}.excel.csv`
the variant Swedish Excel opens by double-click (`;`, UTF-8 with BOM, decimal comma, Swedish
headings), `/open-data/{name}.json` the same rows as JSON. Separate addresses rather than a
query parameter, so each download keeps its own file name and its own cached copy.

Every file answers with an ETag made from the log positions of what it is read from (each
document carries the log index it last changed at: the published promises and agreements, and
the directory for the names) and `Last-Modified` from when the log took the newest of them,
and `304 Not Modified` to a request that already holds that copy (`If-None-Match`, or without
it `If-Modified-Since`), as the public pages do; a write that changes none of them (a draft,
another stream) keeps the tag. The positions are read
before the documents: a change landing between the two reads then gives new content under the
old tag, which the next request replaces, never old content under a new tag that would be kept.
A file's tag is kept (`freshness.Versions`) with where the serving projections stood before
its positions were read, so while they stand there a conditional GET makes one query, on
`projection_state`, and reads no document.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from events.messages import HOME
from service.web.open_data import sources
from service.web.open_data.spreadsheet import COMMA, EXCEL, Dialect, to_csv
from service.web.open_data.tables import TABLES, Table
from service.web.public import freshness

PREFIX = "/open-data/"

INDEX_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""The public pages' policy: nothing is loaded from anywhere, and no site may frame it."""

SHARED = {"access-control-allow-origin": "*", "cache-control": "public, no-cache"}
"""Anyone's script may read open data; a cache asks again each time (a 304 is cheap)."""

Handler = Callable[[Request], Awaitable[Response]]


def file_name(table: Table, kind: str) -> str:
    """The file's name for one of its variants: csv, excel or json."""
    return f"{table.name}.excel.csv" if kind == "excel" else f"{table.name}.{kind}"


def _body(table: Table, kind: str, data: sources.Sources) -> Response:
    rows = list(table.rows(data))
    name = file_name(table, kind)
    if kind == "json":
        content = {
            "name": table.name,
            "description": table.description,
            "fields": [c.key for c in table.columns],
            "rows": rows,
        }
        return JSONResponse(content, headers={"content-disposition": f'inline; filename="{name}"'})
    dialect: Dialect = EXCEL if kind == "excel" else COMMA
    return Response(
        to_csv(table.columns, rows, dialect),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


def serve(table: Table, kind: str) -> Handler:
    """The handler of one variant of one file."""
    name = file_name(table, kind)

    async def handler(request: Request) -> Response:
        services = request.state.services
        versions: freshness.Versions = services.page_versions
        stand = await versions.standing(services.pool)
        day = dt.datetime.now(HOME).date()
        known = versions.current(name, stand, day)
        if known is None:
            found = await sources.positions(services.pool)
            etag = sources.etag_of(found, name)
            modified = await sources.last_modified(services.pool, found)
            known = freshness.Known(stand, day, etag, modified)
            versions.keep(name, known)
        headers = {**SHARED, "etag": known.tag}
        if known.modified is not None:
            headers["last-modified"] = freshness.http_date(known.modified)
        if freshness.not_modified(request, known.tag, known.modified):
            return Response(status_code=304, headers=headers)
        data = await sources.load(services.pool, services.settings.base_url)
        response = _body(table, kind, data)
        response.headers.update(headers)
        return response

    handler.__doc__ = f"`GET {PREFIX}{name}`."
    return handler


KINDS = (("csv", "CSV"), ("excel", "Excel (semikolon)"), ("json", "JSON"))


def index_html() -> str:
    """The index page: every file with what it holds and links to its three variants."""
    items = []
    for table in TABLES:
        links = " · ".join(
            f'<a href="{PREFIX}{escape(file_name(table, kind))}">{escape(shown)}</a>'
            for kind, shown in KINDS
        )
        items.append(
            f"<li><h2>{escape(table.name)}</h2><p>{escape(table.description)}</p>"
            f"<p>{links}</p></li>"
        )
    return (
        '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Öppna data – medborgarlöften och samverkansöverenskommelser</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:0 auto;"
        "padding:1rem 1.5rem;line-height:1.5;color:#1b1b1b}h2{font-size:1.15rem;"
        "margin-bottom:.25rem}ul{padding-left:1.25rem}a{color:#16325c}</style></head><body>"
        "<main><h1>Öppna data</h1>"
        "<p>Det som är publicerat om medborgarlöften och samverkansöverenskommelser, samma "
        "uppgifter och siffror som på de publika sidorna. Varje fil finns i tre former: "
        "CSV med komma (UTF-8), CSV för Excel med svenska inställningar (semikolon, "
        "decimalkomma, svenska kolumnrubriker) och JSON.</p>"
        f"<ul>{''.join(items)}</ul></main></body></html>"
    )


async def index(request: Request) -> Response:
    """`GET /open-data/`: the files, what they hold, and their addresses."""
    return HTMLResponse(
        index_html(),
        headers={
            "content-security-policy": INDEX_CSP,
            "content-language": "sv",
            "x-content-type-options": "nosniff",
        },
    )


async def index_json(request: Request) -> Response:
    """`GET /open-data/index.json`: the same list for programs."""
    files = [
        {
            "name": table.name,
            "description": table.description,
            "fields": [c.key for c in table.columns],
            **{kind: PREFIX + file_name(table, kind) for kind, _shown in KINDS},
        }
        for table in TABLES
    ]
    return JSONResponse({"files": files}, headers={"access-control-allow-origin": "*"})


def routes() -> list[BaseRoute]:
    """The open-data routes."""
    found: list[BaseRoute] = [
        Route(PREFIX, index, methods=["GET"]),
        Route(PREFIX + "index.json", index_json, methods=["GET"]),
    ]
    for table in TABLES:
        for kind, _shown in KINDS:
            found.append(
                Route(PREFIX + file_name(table, kind), serve(table, kind), methods=["GET"])
            )
    return found
