"""The public follow-up page ("Följ med i hur det går"), rendered from the public view only."""

from __future__ import annotations

from html import escape
from typing import Any

import asyncpg
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from events.messages import InvalidInput
from events.promise.decider import STREAM_PREFIX as PROMISE_STREAM
from events.well_formed import require_id
from projections import serving

# The embed is framed by a municipality's own site, so it may load nothing from anywhere.
EMBED_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)
PAGE_CSP = EMBED_CSP + "; frame-ancestors 'none'"

COLOUR_FILL = {"green": "#2e7d32", "yellow": "#f2b01e", "red": "#c62828", "grey": "#8a8a8a"}
STATUS_LABEL = {
    "met": "Uppfyllt",
    "partly": "Delvis uppfyllt",
    "not_met": "Ej uppfyllt",
    "no_target": "Inget mätbart mål",
}
PROMISE_STATUS_LABEL = {
    "in_force": "Gällande",
    "signed": "Undertecknat",
    "expired": "Avslutat",
    "superseded": "Ersatt",
    "terminated": "Avslutat i förtid",
}
FOLLOW_UP_KIND = {"interim": "Delrapport", "final": "Slutrapport"}
COMPARATOR_LABEL = {">=": "minst", "<=": "högst", "==": "exakt", "=": "exakt"}

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


def period_text(period: dict[str, Any]) -> str:
    """The period as citizens read it: label and dates when known."""
    label = period.get("label")
    start, end = period.get("valid_from"), period.get("valid_to")
    dates = f"{start or '…'} – {end or '…'}" if start or end else ""
    if label and dates:
        return f"{label} ({dates})"
    return str(label or dates or "ej angiven")


def target_text(progress: dict[str, Any]) -> str:
    """The target in words, e.g. "minst 8 insats"."""
    if progress.get("target") is None:
        return "inget mätbart mål"
    comparator = COMPARATOR_LABEL.get(progress.get("comparator") or "", "")
    unit = progress.get("unit") or ""
    return " ".join(p for p in (comparator, str(progress["target"]), unit) if p)


def bar_chart(progress: dict[str, Any]) -> str:
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
    label = (
        f"{achieved} av {target_text(progress)}: {STATUS_LABEL.get(status, status)}"
        if target is not None
        else f"{achieved} registrerade: {STATUS_LABEL.get(status, status)}"
    )
    parts = [
        f'<svg class="chart" role="img" aria-label="{text(label)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{text(label)}</title>",
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
    commitment: dict[str, Any], progress: dict[str, Any] | None, focus_areas: dict[str, str]
) -> str:
    """One commitment: its text, chart and the numbers as text."""
    cid = str(commitment.get("commitment_id"))
    focus = focus_areas.get(str(commitment.get("focus_area_id")), "")
    lines = [f'<li class="commitment" id="c-{text(cid)}" data-commitment-id="{text(cid)}">']
    lines.append(f"<h3>{text(commitment.get('text'))}</h3>")
    if focus:
        lines.append(f'<p class="focus">Fokusområde: {text(focus)}</p>')
    if progress is None:
        lines.append('<p class="numbers">Ingen uppföljning ännu.</p></li>')
        return "".join(lines)
    status = str(progress.get("status") or "no_target")
    lines.append(bar_chart(progress))
    lines.append(
        '<p class="numbers">'
        f'Utfört: <span class="achieved">{text(progress.get("achieved"))}</span> · '
        f'Mål: <span class="target">{text(target_text(progress))}</span> · '
        f"Registrerade insatser: {text(progress.get('records'))} · "
        f'Status: <span class="status">{text(STATUS_LABEL.get(status, status))}</span></p>'
    )
    lines.append("</li>")
    return "".join(lines)


def signatures_section(signatures: list[dict[str, Any]]) -> str:
    """Who signed for each party, and when."""
    if not signatures:
        return (
            '<section id="underskrifter"><h2>Underskrifter</h2><p>Inga underskrifter.</p></section>'
        )
    rows = "".join(
        "<tr>"
        f"<td>{text(s.get('party_id'))}</td>"
        f"<td>{text(s.get('role_title') or s.get('person_id'))}</td>"
        f"<td>{text(s.get('signed_on') or 'datum ej angivet')}</td>"
        "</tr>"
        for s in signatures
    )
    return (
        '<section id="underskrifter"><h2>Underskrifter</h2><table>'
        '<thead><tr><th scope="col">Part</th><th scope="col">Undertecknat av</th>'
        f'<th scope="col">Datum</th></tr></thead><tbody>{rows}</tbody></table></section>'
    )


def follow_ups_section(follow_ups: list[dict[str, Any]], commitments: dict[str, str]) -> str:
    """The published follow-up reports with their assessments."""
    if not follow_ups:
        return (
            '<section id="uppfoljningar"><h2>Uppföljningar</h2>'
            "<p>Ingen uppföljning har publicerats ännu.</p></section>"
        )
    parts = ['<section id="uppfoljningar"><h2>Uppföljningar</h2>']
    for report in follow_ups:
        kind = FOLLOW_UP_KIND.get(str(report.get("kind")), str(report.get("kind")))
        parts.append(
            f'<article class="follow-up"><h3>{text(kind)}: '
            f"{text(report.get('covers_from'))} – {text(report.get('covers_to'))}</h3>"
        )
        parts.append(
            '<table><thead><tr><th scope="col">Åtagande</th><th scope="col">Bedömning</th>'
            '<th scope="col">Utfört</th><th scope="col">Kommentar</th></tr></thead><tbody>'
        )
        for a in report.get("assessments") or []:
            cid = str(a.get("commitment_id"))
            status = str(a.get("status"))
            achieved = a.get("achieved")
            parts.append(
                "<tr>"
                f"<td>{text(commitments.get(cid, cid))}</td>"
                f"<td>{text(STATUS_LABEL.get(status, status))}</td>"
                f"<td>{text('–' if achieved is None else achieved)}</td>"
                f"<td>{text(a.get('comment'))}</td>"
                "</tr>"
            )
        parts.append("</tbody></table></article>")
    parts.append("</section>")
    return "".join(parts)


def promise_body(public: dict[str, Any]) -> str:
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
    parts = [
        f"<h1>{text(details.get('title'))}</h1>",
        '<dl class="facts">',
        f"<dt>Period</dt><dd>{text(period_text(period))}</dd>",
        f"<dt>Parter</dt><dd>{text(', '.join(content.get('parties') or []))}</dd>",
        f"<dt>Status</dt><dd>{text(PROMISE_STATUS_LABEL.get(status, status))}</dd>",
        "</dl>",
    ]
    for key, label in (
        ("problem_picture", "Problembild"),
        ("goal", "Mål"),
        ("expected_effect", "Förväntad effekt"),
    ):
        if details.get(key):
            parts.append(f"<h2>{label}</h2><p>{text(details[key])}</p>")
    if focus_list:
        parts.append('<section id="fokusomraden"><h2>Fokusområden</h2><ul>')
        for f in focus_list:
            description = f.get("description")
            parts.append(
                f"<li><strong>{text(f.get('title'))}</strong>"
                + (f" – {text(description)}" if description else "")
                + "</li>"
            )
        parts.append("</ul></section>")
    parts.append(
        '<section id="ataganden"><h2>Åtaganden och hur det går</h2><ol class="commitments">'
    )
    for commitment in commitments:
        cid = str(commitment.get("commitment_id"))
        parts.append(commitment_section(commitment, progress.get(cid), focus_areas))
    parts.append("</ol></section>")
    parts.append(signatures_section(list(revision.get("signatures") or [])))
    texts = {str(c.get("commitment_id")): str(c.get("text")) for c in commitments}
    parts.append(follow_ups_section(list(public.get("follow_ups") or []), texts))
    return "".join(parts)


def document(title: str, body: str, *, chrome: bool) -> str:
    """A whole HTML document; the embed leaves out the site header and footer."""
    head = (
        '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{text(title)}</title><style>{CSS}</style></head><body>"
    )
    if not chrome:
        return f"{head}<main>{body}</main></body></html>"
    return (
        f'{head}<header class="site"><p>Medborgarlöfte</p>'
        "<strong>Följ med i hur det går</strong></header>"
        f"<main>{body}</main>"
        "<footer>Uppgifterna kommer från de publicerade medborgarlöftena och "
        'uppföljningarna. Öppna data: <a href="/open-data/promises.csv">CSV</a>, '
        '<a href="/open-data/promises.json">JSON</a>.</footer></body></html>'
    )


def not_found(*, chrome: bool) -> HTMLResponse:
    """The 404 page: unknown and unpublished promises look the same."""
    body = (
        "<h1>Sidan finns inte</h1><p>Det finns inget publicerat medborgarlöfte med den adressen."
        "</p>"
    )
    return HTMLResponse(
        document("Sidan finns inte", body, chrome=chrome),
        status_code=404,
        headers={"content-security-policy": PAGE_CSP if chrome else EMBED_CSP},
    )


async def render(request: Request, *, chrome: bool) -> Response:
    """The page or its embed for the promise in the path."""
    promise_id = request.path_params["promise_id"]
    try:
        public = await public_view(request.state.services.pool, promise_id)
    except NotPublished:
        return not_found(chrome=chrome)
    details = ((public.get("revision") or {}).get("content") or {}).get("details") or {}
    title = f"{details.get('title') or promise_id} – Följ med i hur det går"
    return HTMLResponse(
        document(title, promise_body(public), chrome=chrome),
        headers={
            "content-security-policy": PAGE_CSP if chrome else EMBED_CSP,
            "x-content-type-options": "nosniff",
        },
    )


async def index(request: Request) -> Response:
    """`GET /p/`: every published promise, linking to its page."""
    items = []
    for _key, public in await serving.public_views(request.state.services.pool):
        details = ((public.get("revision") or {}).get("content") or {}).get("details") or {}
        promise_id = str(public.get("promise_id"))
        period = text(period_text(details.get("period") or {}))
        items.append(
            f'<li><a href="/p/{text(promise_id)}">{text(details.get("title") or promise_id)}'
            f"</a> ({period})</li>"
        )
    body = "<h1>Medborgarlöften</h1>" + (
        f"<ul>{''.join(items)}</ul>" if items else "<p>Inget medborgarlöfte är publicerat.</p>"
    )
    return HTMLResponse(
        document("Medborgarlöften – Följ med i hur det går", body, chrome=True),
        headers={"content-security-policy": PAGE_CSP},
    )


async def missing(request: Request) -> Response:
    """Any other path under /p/ (a slash in the id, say): the same 404 page."""
    return not_found(chrome=not request.scope["path"].endswith("/embed"))


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
