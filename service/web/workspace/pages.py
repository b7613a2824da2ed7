"""The workspace's templates (service/web/templates/app), headers and static files.

The Jinja2 environment is set up as the public pages' (autoescape, an unknown name is an
error) and rendered through Starlette's `Jinja2Templates`; the words come from the public
pages' gettext helpers, in the request's language (Swedish unless the browser prefers English).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.templating import Jinja2Templates

from service.identity.sessions import LiveSession
from service.web.languages import language_for
from service.web.public.present import N_
from service.web.public.templates import STATIC, WEB
from service.web.public_page import PAGE_CSP, language_of, words_for

HTMX_VERSION = "2.0.11"
"""The vendored htmx (service/web/static/app/README.md says how to update it)."""
ASSET_PATH = "/app/static/"
ASSETS = {
    "app.css": "text/css; charset=utf-8",
    "htmx.min.js": "text/javascript; charset=utf-8",
    "proof.js": "text/javascript; charset=utf-8",
}
"""The static files the workspace loads, with their media types: nothing else is served."""
CSP = (
    PAGE_CSP.replace("form-action 'none'", "form-action 'self'")
    + "; script-src 'self'; connect-src 'self'"
)
"""The public pages' policy, with forms posting to this origin and htmx's script and requests
from this origin only (no inline script or style)."""


@functools.cache
def templates() -> Jinja2Templates:
    """The workspace's templates, one environment per process."""
    environment = jinja2.Environment(
        # The public templates after the workspace's own: a preview renders the public page's
        # macros (commitments.html) as citizens will see them.
        loader=jinja2.FileSystemLoader([WEB / "templates" / "app", WEB / "templates" / "public"]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=environment)


@functools.cache
def asset(name: str) -> str:
    """The path of a static file, versioned by its bytes so a changed file is fetched afresh
    (the files are cached for a year)."""
    return f"{ASSET_PATH}{name}?v={hashlib.sha256(asset_bytes(name)).hexdigest()[:12]}"


@functools.cache
def asset_bytes(name: str) -> bytes:
    """The bytes of a static file named in ASSETS."""
    return (STATIC / "app" / name).read_bytes()


def page_headers(language: str) -> dict[str, str]:
    """Every workspace page's headers: its policy and language, and never kept by a cache
    (a page shows what one person may see)."""
    return {
        "content-security-policy": CSP,
        "content-language": language,
        "cache-control": "no-store",
        "vary": "Accept-Language, Cookie",
    }


def page(request: Request, template: str, *, status_code: int = 200, **values: Any) -> Response:
    """A whole workspace page from `template`, in the request's language."""
    language = language_of(request)
    context: Mapping[str, Any] = {
        "_": words_for(language),
        "language": language,
        "asset": asset,
        "csrf_token": "",
        "person": None,
        **values,
    }
    return templates().TemplateResponse(
        request, template, dict(context), status_code=status_code, headers=page_headers(language)
    )


def form_page(
    request: Request,
    session: LiveSession,
    template: str,
    *,
    status_code: int = 200,
    **values: Any,
) -> Response:
    """A page of `session`'s person holding forms: `page`, with the person and the session's
    CSRF token every form carries."""
    return page(
        request,
        template,
        status_code=status_code,
        person=session.principal,
        csrf_token=session.csrf,
        **values,
    )


def static(request: Request) -> Response:
    """A static file of the workspace, or 404 for any other name."""
    name = request.path_params["name"]
    if name not in ASSETS:
        return Response(status_code=404, headers={"content-security-policy": CSP})
    return Response(
        asset_bytes(name),
        media_type=ASSETS[name],
        headers={
            "cache-control": "public, max-age=31536000, immutable",
            "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
        },
    )


ERRORS = {
    404: (N_("Page not found"), N_("There is no page at this address.")),
    405: (N_("Page not found"), N_("There is no page at this address.")),
    503: (
        N_("Temporarily unavailable"),
        N_("The workspace cannot reach its data right now. Nothing was lost; try again shortly."),
    ),
}
"""The workspace's error pages with their own words (any other status: ERROR_OTHER)."""
ERROR_OTHER = (
    N_("Something went wrong"),
    N_("The page cannot be shown. Nothing you sent was saved unless a receipt said so."),
)


def error_page(
    path: str,
    status: int,
    message: str = "",
    *,
    headers: Mapping[str, str] | None = None,
    accept_language: str | None = None,
) -> Response:
    """The workspace's page for an error no handler answered itself (an unknown address, an
    outage, a defect), in the asked language; the shape of service.web.errors.error_for."""
    language = language_for(accept_language)
    words = words_for(language)
    heading, text = ERRORS.get(status, ERROR_OTHER)
    body = (
        templates()
        .env.get_template("message.html")
        .render(
            _=words,
            language=language,
            asset=asset,
            csrf_token="",
            person=None,
            heading=words(heading),
            text=words(text),
        )
    )
    return HTMLResponse(
        body, status_code=status, headers={**dict(headers or {}), **page_headers(language)}
    )
