"""Open data: published promises and their progress as CSV and JSON, one row per commitment."""

from __future__ import annotations

import csv
import io
from typing import Any

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from projections import serving

FIELDS = (
    "promise_id",
    "title",
    "parties",
    "period_label",
    "valid_from",
    "valid_to",
    "promise_status",
    "commitment_id",
    "commitment_text",
    "focus_area",
    "target_comparator",
    "target_quantity",
    "target_unit",
    "achieved",
    "records",
    "status",
    "colour",
)


async def rows(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    """One row per commitment of every published promise, in promise and commitment order."""
    result: list[dict[str, Any]] = []
    for _key, public in await serving.public_views(pool):
        result.extend(promise_rows(public))
    return result


def promise_rows(public: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of one promise's public view."""
    content = (public.get("revision") or {}).get("content") or {}
    details = content.get("details") or {}
    period = details.get("period") or {}
    focus = {str(f.get("focus_area_id")): f.get("title") for f in content.get("focus_areas") or []}
    progress = {str(p.get("commitment_id")): p for p in public.get("progress") or []}
    out = []
    for commitment in content.get("commitments") or []:
        cid = str(commitment.get("commitment_id"))
        target = commitment.get("target") or {}
        p = progress.get(cid) or {}
        out.append(
            {
                "promise_id": public.get("promise_id"),
                "title": details.get("title"),
                "parties": list(content.get("parties") or []),
                "period_label": period.get("label"),
                "valid_from": period.get("valid_from"),
                "valid_to": period.get("valid_to"),
                "promise_status": public.get("status"),
                "commitment_id": cid,
                "commitment_text": commitment.get("text"),
                "focus_area": focus.get(str(commitment.get("focus_area_id"))),
                "target_comparator": target.get("comparator"),
                "target_quantity": target.get("quantity"),
                "target_unit": target.get("unit"),
                "achieved": p.get("achieved"),
                "records": p.get("records"),
                "status": p.get("status"),
                "colour": p.get("colour"),
            }
        )
    return out


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, CSV injection)."""


def csv_cell(value: Any) -> Any:
    """One cell: parties joined with ';', None empty, formula-like text prefixed with a quote.

    The quote makes a spreadsheet show the text instead of running it; numbers stay numbers.
    """
    if value is None:
        return ""
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def to_csv(data: list[dict[str, Any]]) -> str:
    """CSV with a header row; every text cell quoted, numbers bare (see `csv_cell`)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=FIELDS, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC
    )
    writer.writeheader()
    for row in data:
        writer.writerow({k: csv_cell(v) for k, v in row.items()})
    return buffer.getvalue()


async def promises_csv(request: Request) -> Response:
    """`GET /open-data/promises.csv`."""
    body = to_csv(await rows(request.state.services.pool))
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": 'inline; filename="promises.csv"',
            "access-control-allow-origin": "*",
        },
    )


async def promises_json(request: Request) -> Response:
    """`GET /open-data/promises.json`."""
    data = await rows(request.state.services.pool)
    return JSONResponse(
        {"fields": list(FIELDS), "rows": data},
        headers={"access-control-allow-origin": "*"},
    )


def routes() -> list[BaseRoute]:
    """The open-data routes."""
    return [
        Route("/open-data/promises.csv", promises_csv, methods=["GET"]),
        Route("/open-data/promises.json", promises_json, methods=["GET"]),
    ]
