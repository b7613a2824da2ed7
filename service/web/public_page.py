"""The public follow-up page ("Följ med i hur det går"), rendered from the public view only.

Its fixed texts come from the gettext catalogues (schema/locale): Swedish unless the browser
prefers English (`Accept-Language`). msgids are English; `N_` marks texts in the tables below for
extraction (babel.cfg) and they are translated where they are shown.
"""

from __future__ import annotations

from html import escape
from typing import Any

import asyncpg
from babel.support import Translations
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from events.messages import InvalidInput
from events.promise.decider import STREAM_PREFIX as PROMISE_STREAM
from events.well_formed import require_id
from projections import serving
from schema.i18n.catalogue import DEFAULT_LANGUAGE, negotiate, translations

# The embed is framed by a municipality's own site, so it may load nothing from anywhere.
EMBED_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)
PAGE_CSP = EMBED_CSP + "; frame-ancestors 'none'"


# gettext's conventional name for "mark for extraction, translate later".
def N_(message: str) -> str:
    """Mark `message` for extraction; it is translated where it is shown."""
    return message


COLOUR_FILL = {"green": "#2e7d32", "yellow": "#f2b01e", "red": "#c62828", "grey": "#8a8a8a"}
STATUS_LABEL = {
    "met": N_("Met"),
    "partly": N_("Partly met"),
    "not_met": N_("Not met"),
    "no_target": N_("No measurable target"),
}
PROMISE_STATUS_LABEL = {
    "in_force": N_("In force"),
    "signed": N_("Signed"),
    "expired": N_("Ended"),
    "superseded": N_("Superseded"),
    "terminated": N_("Ended early"),
}
FOLLOW_UP_KIND = {"interim": N_("Interim report"), "final": N_("Final report")}
COMPARATOR_LABEL = {
    ">=": N_("at least"),
    "<=": N_("at most"),
    "==": N_("exactly"),
    "=": N_("exactly"),
}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;
background:#fff;line-height:1.5}
header.site{background:#16325c;color:#fff;padding:1rem 1.5rem}
header.site p{margin:0;font-size:.9rem;opacity:.9}
main{max-width:60rem;margin:0 auto;padding:1rem 1.5rem 3rem}
h1{font-size:1.8rem;margin:.5rem 0}h2{font-size:1.35rem;margin-top:2rem;
border-bottom:2px solid #e3e3e3}h3{font-size:1.1rem;margin-bottom:.25rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;
border-bottom:1px solid #e3e3e3;vertical-align:top}
.chart{width:100%;max-width:40rem;height:auto;display:block}
.numbers{margin:.25rem 0 1rem}.status{font-weight:600}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
footer{max-width:60rem;margin:0 auto;padding:1rem 1.5rem;color:#555;font-size:.85rem}
"""


class NotPublished(LookupError):
    """The promise is unknown or nothing of it was published."""


async def public_view(pool: asyncpg.Pool, promise_id: str) -> dict[str, Any]:
    """The promise's public view, or NotPublished."""
    try:
        # Any bytes may arrive in the path (a NUL, broken UTF-8, 8 KB); none of that can be a
        # promise id, and none of it should reach the database.
        require_id(promise_id, "promise_id")
    except InvalidInput as exc:
        raise NotPublished(promise_id) from exc
    public = await serving.public_view(pool, PROMISE_STREAM + promise_id)
    if not public:
        raise NotPublished(promise_id)
    return public


def text(value: object) -> str:
    """An escaped text value; None is empty."""
    return "" if value is None else escape(str(value))


def label(table: dict[str, str], key: str, t: Translations) -> str:
    """The translated label of `key` in one of the tables above (the key itself if unknown)."""
    return t.gettext(table[key]) if key in table else key


def period_text(period: dict[str, Any], t: Translations) -> str:
    """The period as citizens read it: label and dates when known."""
    named = period.get("label")
    start, end = period.get("valid_from"), period.get("valid_to")
    dates = f"{start or '…'} – {end or '…'}" if start or end else ""
    if named and dates:
        return f"{named} ({dates})"
    return str(named or dates or t.gettext("not given"))


def target_text(progress: dict[str, Any], t: Translations) -> str:
    """The target in words, e.g. "minst 8 insats"."""
    if progress.get("target") is None:
        return t.gettext("no measurable target")
    comparator = label(COMPARATOR_LABEL, progress.get("comparator") or "", t)
    unit = progress.get("unit") or ""
    return " ".join(p for p in (comparator, str(progress["target"]), unit) if p)


def bar_chart(progress: dict[str, Any], t: Translations) -> str:
    """One commitment's progress as an SVG bar of achieved against the target."""
    achieved = int(progress.get("achieved") or 0)
    target = progress.get("target")
    status = str(progress.get("status") or "no_target")
    fill = COLOUR_FILL.get(str(progress.get("colour")), COLOUR_FILL["grey"])
    width, height, track = 400, 40, 380
    # The scale fits both numbers so an overshoot stays visible; no target gives a full grey bar.
    scale = max(achieved, int(target)) if target is not None else max(achieved, 1)
    bar = round(track * achieved / scale) if scale else 0
    if target is None:
        bar = track
    bar = max(bar, 2)
    shown = label(STATUS_LABEL, status, t)
    described = (
        t.gettext("{achieved} of {target}: {status}").format(
            achieved=achieved, target=target_text(progress, t), status=shown
        )
        if target is not None
        else t.gettext("{achieved} recorded: {status}").format(achieved=achieved, status=shown)
    )
    parts = [
        f'<svg class="chart" role="img" aria-label="{text(described)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{text(described)}</title>",
        f'<rect class="track" x="10" y="8" width="{track}" height="24" rx="4" fill="#ececec"/>',
        f'<rect class="bar" data-status="{text(status)}" x="10" y="8" width="{bar}" '
        f'height="24" rx="4" fill="{fill}"/>',
    ]
    if target is not None and scale:
        mark = 10 + round(track * int(target) / scale)
        parts.append(
            f'<line class="target" x1="{mark}" y1="2" x2="{mark}" y2="38" '
            'stroke="#1b1b1b" stroke-width="3"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def commitment_section(
    commitment: dict[str, Any],
    progress: dict[str, Any] | None,
    focus_areas: dict[str, str],
    t: Translations,
) -> str:
    """One commitment: its text, chart and the numbers as text."""
    cid = str(commitment.get("commitment_id"))
    focus = focus_areas.get(str(commitment.get("focus_area_id")), "")
    lines = [f'<li class="commitment" id="c-{text(cid)}" data-commitment-id="{text(cid)}">']
    lines.append(f"<h3>{text(commitment.get('text'))}</h3>")
    if focus:
        focus_line = t.gettext("Focus area: {focus}").format(focus=text(focus))
        lines.append(f'<p class="focus">{focus_line}</p>')
    if progress is None:
        none_yet = text(t.gettext("No follow-up yet."))
        lines.append(f'<p class="numbers">{none_yet}</p></li>')
        return "".join(lines)
    status = str(progress.get("status") or "no_target")
    lines.append(bar_chart(progress, t))
    done, target, recorded, status_word = (
        text(t.gettext(m))
        for m in (N_("Done"), N_("Target"), N_("Activities recorded"), N_("Status"))
    )
    lines.append(
        '<p class="numbers">'
        f"{done}: "
        f'<span class="achieved">{text(progress.get("achieved"))}</span> · '
        f"{target}: "
        f'<span class="target">{text(target_text(progress, t))}</span> · '
        f"{recorded}: {text(progress.get('records'))} · "
        f"{status_word}: "
        f'<span class="status">{text(label(STATUS_LABEL, status, t))}</span></p>'
    )
    lines.append("</li>")
    return "".join(lines)


def _columns(t: Translations, *names: str) -> str:
    cells = "".join(f'<th scope="col">{text(t.gettext(name))}</th>' for name in names)
    return f"<thead><tr>{cells}</tr></thead>"


def signatures_section(signatures: list[dict[str, Any]], t: Translations) -> str:
    """Who signed for each party, and when."""
    heading = text(t.gettext("Signatures"))
    heading = f'<section id="underskrifter"><h2>{heading}</h2>'
    if not signatures:
        none = text(t.gettext("No signatures."))
        return f"{heading}<p>{none}</p></section>"
    undated = t.gettext("date not given")
    rows = "".join(
        "<tr>"
        f"<td>{text(s.get('party_id'))}</td>"
        f"<td>{text(s.get('role_title') or s.get('person_id'))}</td>"
        f"<td>{text(s.get('signed_on') or undated)}</td>"
        "</tr>"
        for s in signatures
    )
    columns = _columns(t, N_("Party"), N_("Signed by"), N_("Date"))
    return f"{heading}<table>{columns}<tbody>{rows}</tbody></table></section>"


def follow_ups_section(
    follow_ups: list[dict[str, Any]], commitments: dict[str, str], t: Translations
) -> str:
    """The published follow-up reports with their assessments."""
    heading = text(t.gettext("Follow-ups"))
    heading = f'<section id="uppfoljningar"><h2>{heading}</h2>'
    if not follow_ups:
        none_yet = t.gettext("No follow-up has been published yet.")
        return f"{heading}<p>{text(none_yet)}</p></section>"
    parts = [heading]
    columns = _columns(t, N_("Commitment"), N_("Assessment"), N_("Done"), N_("Comment"))
    for report in follow_ups:
        kind = label(FOLLOW_UP_KIND, str(report.get("kind")), t)
        parts.append(
            f'<article class="follow-up"><h3>{text(kind)}: '
            f"{text(report.get('covers_from'))} – {text(report.get('covers_to'))}</h3>"
        )
        parts.append(f"<table>{columns}<tbody>")
        for a in report.get("assessments") or []:
            cid = str(a.get("commitment_id"))
            status = str(a.get("status"))
            achieved = a.get("achieved")
            parts.append(
                "<tr>"
                f"<td>{text(commitments.get(cid, cid))}</td>"
                f"<td>{text(label(STATUS_LABEL, status, t))}</td>"
                f"<td>{text('–' if achieved is None else achieved)}</td>"
                f"<td>{text(a.get('comment'))}</td>"
                "</tr>"
            )
        parts.append("</tbody></table></article>")
    parts.append("</section>")
    return "".join(parts)


def promise_body(public: dict[str, Any], t: Translations) -> str:
    """The page content shared by the full page and the embed."""
    revision = public.get("revision") or {}
    content = revision.get("content") or {}
    details = content.get("details") or {}
    period = details.get("period") or {}
    focus_list = content.get("focus_areas") or []
    focus_areas = {str(f.get("focus_area_id")): str(f.get("title")) for f in focus_list}
    commitments = content.get("commitments") or []
    progress = {str(p.get("commitment_id")): p for p in public.get("progress") or []}
    status = str(public.get("status"))
    period_word, parties_word, status_word = (
        text(t.gettext(m)) for m in (N_("Period"), N_("Parties"), N_("Status"))
    )
    parts = [
        f"<h1>{text(details.get('title'))}</h1>",
        '<dl class="facts">',
        f"<dt>{period_word}</dt><dd>{text(period_text(period, t))}</dd>",
        f"<dt>{parties_word}</dt><dd>{text(', '.join(content.get('parties') or []))}</dd>",
        f"<dt>{status_word}</dt><dd>{text(label(PROMISE_STATUS_LABEL, status, t))}</dd>",
        "</dl>",
    ]
    for key, heading in (
        ("problem_picture", N_("Problem picture")),
        ("goal", N_("Goal")),
        ("expected_effect", N_("Expected effect")),
    ):
        if details.get(key):
            parts.append(f"<h2>{text(t.gettext(heading))}</h2><p>{text(details[key])}</p>")
    if focus_list:
        areas = text(t.gettext("Focus areas"))
        parts.append(f'<section id="fokusomraden"><h2>{areas}</h2><ul>')
        for f in focus_list:
            description = f.get("description")
            parts.append(
                f"<li><strong>{text(f.get('title'))}</strong>"
                + (f" – {text(description)}" if description else "")
                + "</li>"
            )
        parts.append("</ul></section>")
    going = text(t.gettext("Commitments and how it is going"))
    parts.append(f'<section id="ataganden"><h2>{going}</h2><ol class="commitments">')
    for commitment in commitments:
        cid = str(commitment.get("commitment_id"))
        parts.append(commitment_section(commitment, progress.get(cid), focus_areas, t))
    parts.append("</ol></section>")
    parts.append(signatures_section(list(revision.get("signatures") or []), t))
    texts = {str(c.get("commitment_id")): str(c.get("text")) for c in commitments}
    parts.append(follow_ups_section(list(public.get("follow_ups") or []), texts, t))
    return "".join(parts)


def document(title: str, body: str, *, chrome: bool, language: str = DEFAULT_LANGUAGE) -> str:
    """A whole HTML document in `language`; the embed leaves out the site header and footer."""
    t = translations(language)
    head = (
        f'<!DOCTYPE html><html lang="{text(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{text(title)}</title><style>{CSS}</style></head><body>"
    )
    if not chrome:
        return f"{head}<main>{body}</main></body></html>"
    sources = t.gettext(
        "The figures come from the published citizen promises and their follow-ups. Open data:"
    )
    promise, going = text(t.gettext("Citizen promise")), text(t.gettext("Follow how it is going"))
    return (
        f'{head}<header class="site"><p>{promise}</p>'
        f"<strong>{going}</strong></header>"
        f"<main>{body}</main>"
        f'<footer>{text(sources)} <a href="/open-data/promises.csv">CSV</a>, '
        '<a href="/open-data/promises.json">JSON</a>.</footer></body></html>'
    )


def _headers(chrome: bool, language: str) -> dict[str, str]:
    # The words follow Accept-Language, so a shared cache keeps one copy per language.
    return {
        "content-security-policy": PAGE_CSP if chrome else EMBED_CSP,
        "content-language": language,
        "vary": "Accept-Language",
    }


def not_found(*, chrome: bool, language: str = DEFAULT_LANGUAGE) -> HTMLResponse:
    """The 404 page: unknown and unpublished promises look the same."""
    t = translations(language)
    heading = t.gettext("Page not found")
    explained = t.gettext("There is no published citizen promise at this address.")
    body = f"<h1>{text(heading)}</h1><p>{text(explained)}</p>"
    return HTMLResponse(
        document(heading, body, chrome=chrome, language=language),
        status_code=404,
        headers=_headers(chrome, language),
    )


def language_of(request: Request) -> str:
    """The page's language: Swedish unless the browser prefers English."""
    return negotiate(request.headers.get("accept-language"))


async def render(request: Request, *, chrome: bool) -> Response:
    """The page or its embed for the promise in the path."""
    language = language_of(request)
    promise_id = request.path_params["promise_id"]
    try:
        public = await public_view(request.state.services.pool, promise_id)
    except NotPublished:
        return not_found(chrome=chrome, language=language)
    t = translations(language)
    details = ((public.get("revision") or {}).get("content") or {}).get("details") or {}
    title = t.gettext("{title} – Follow how it is going").format(
        title=details.get("title") or promise_id
    )
    return HTMLResponse(
        document(title, promise_body(public, t), chrome=chrome, language=language),
        headers={**_headers(chrome, language), "x-content-type-options": "nosniff"},
    )


async def index(request: Request) -> Response:
    """`GET /p/`: every published promise, linking to its page."""
    language = language_of(request)
    t = translations(language)
    items = []
    for _key, public in await serving.public_views(request.state.services.pool):
        details = ((public.get("revision") or {}).get("content") or {}).get("details") or {}
        promise_id = str(public.get("promise_id"))
        period = text(period_text(details.get("period") or {}, t))
        items.append(
            f'<li><a href="/p/{text(promise_id)}">{text(details.get("title") or promise_id)}'
            f"</a> ({period})</li>"
        )
    none = t.gettext("No citizen promise is published.")
    heading = text(t.gettext("Citizen promises"))
    body = f"<h1>{heading}</h1>" + (
        f"<ul>{''.join(items)}</ul>" if items else f"<p>{text(none)}</p>"
    )
    title = t.gettext("Citizen promises – Follow how it is going")
    return HTMLResponse(
        document(title, body, chrome=True, language=language),
        headers=_headers(True, language),
    )


async def missing(request: Request) -> Response:
    """Any other path under /p/ (a slash in the id, say): the same 404 page."""
    chrome = not request.scope["path"].endswith("/embed")
    return not_found(chrome=chrome, language=language_of(request))


async def page(request: Request) -> Response:
    """`GET /p/{promise_id}`: the public follow-up page."""
    return await render(request, chrome=True)


async def embed(request: Request) -> Response:
    """`GET /p/{promise_id}/embed`: the same content for an iframe on a municipality's site."""
    return await render(request, chrome=False)


def routes() -> list[BaseRoute]:
    """The public page routes."""
    return [
        Route("/p/", index, methods=["GET"]),
        Route("/p/{promise_id}", page, methods=["GET"]),
        Route("/p/{promise_id}/embed", embed, methods=["GET"]),
        Route("/p/{rest:path}", missing, methods=["GET"]),
    ]
