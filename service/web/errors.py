"""Typed error answers, shaped for the route that gives them.

`/graphql` answers GraphQL-shaped (`{"errors": [{"message", "extensions": {"code"}}]}`) so
GraphQL clients read every refusal the same way; the citizens' pages under `/p/` answer a small
HTML page; every other route answers `{"error": code, "error_description": message}`, the
shape the login routes and RFC 6750 already use.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from schema.i18n.catalogue import DEFAULT_LANGUAGE, negotiate, translations
from service.web import public_page

GRAPHQL_PATH = "/graphql"
PAGE_PREFIX = "/p/"

CODES: Mapping[int, str] = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    503: "UNAVAILABLE",
}
"""The typed code of each status this service refuses with (GraphQL spelling)."""

N_ = public_page.N_
_PAGE_TITLES: Mapping[int, tuple[str, str]] = {
    503: (
        N_("Temporarily unavailable"),
        N_("The service cannot read the figures right now. Try again."),
    ),
}
"""The citizens' error pages with their own words (404's is public_page.not_found)."""
_OTHER = (N_("Something went wrong"), N_("The page cannot be shown."))


def code_for(status: int) -> str:
    """The typed code for an HTTP status (BAD_REQUEST for a 4xx without its own)."""
    return CODES.get(status, "BAD_REQUEST" if status < 500 else "INTERNAL")


def graphql_error(
    status: int,
    message: str,
    *,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A GraphQL-shaped error answer; `extra` adds top-level fields (RFC 6750's `error`)."""
    error = {"message": message, "extensions": {"code": code or code_for(status)}}
    body: dict[str, object] = {"errors": [error], **(extra or {})}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def json_error(
    status: int, message: str, *, code: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A small typed JSON error for the routes that are not GraphQL."""
    body = {"error": (code or code_for(status)).lower(), "error_description": message}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def page_error(
    status: int,
    *,
    embed: bool,
    headers: Mapping[str, str] | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> Response:
    """The citizens' error page in `language` (404 and 503 have their own words)."""
    if status == 404:
        return public_page.not_found(chrome=not embed, language=language)
    words = translations(language)
    title, text = (words.gettext(m) for m in _PAGE_TITLES.get(status, _OTHER))
    body = f"<h1>{public_page.text(title)}</h1><p>{public_page.text(text)}</p>"
    return HTMLResponse(
        public_page.document(title, body, chrome=not embed, language=language),
        status_code=status,
        headers={
            **dict(headers or {}),
            "content-security-policy": public_page.EMBED_CSP if embed else public_page.PAGE_CSP,
        },
    )


def error_for(
    path: str,
    status: int,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
    accept_language: str | None = None,
) -> Response:
    """The error answer in the shape of the route at `path` (a page in the asked language)."""
    if path == GRAPHQL_PATH:
        return graphql_error(status, message, headers=headers)
    if path.startswith(PAGE_PREFIX):
        embed, language = path.endswith("/embed"), negotiate(accept_language)
        return page_error(status, embed=embed, headers=headers, language=language)
    return json_error(status, message, headers=headers)


async def http_exception(request: Request, exc: Exception) -> Response:
    """The app's handler for Starlette's HTTPException (unknown route, wrong method)."""
    assert isinstance(exc, HTTPException)
    return error_for(
        request.scope["path"],
        exc.status_code,
        exc.detail,
        headers=exc.headers,
        accept_language=request.headers.get("accept-language"),
    )
