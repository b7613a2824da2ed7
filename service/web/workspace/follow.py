"""Följ upp: draft a follow-up (uppföljning) of a promise in force, assess each commitment,
approve it for one's own party, preview the public page and publish it to citizens.

Every page reads the promise through GraphQL and every form sends the generated mutation
(draftFollowUp, assessCommitment, approveFollowUp, publishFollowUp) as the session's
principal; what may be done is the API's to say, and a refusal is shown as it answers it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from service.identity.sessions import LiveSession
from service.web.public.present import N_, TRACK_FILL, TRACK_STROKE, Words
from service.web.public_page import language_of, today, valid_id, words_for
from service.web.workspace import follow_view, pages, views
from service.web.workspace.core import Workspace, redirect_after
from service.web.workspace.follow_view import Report, Row
from service.web.workspace.forms import one, values_of

FOLLOW = """
query Follow($id: ID!) {
  promise(id: $id) {
    id title status parties periodLabel validFrom validTo publicOnly
    progress {
      commitmentId text target unit comparator achieved records status colour per
      planned plannedPerformed
      pace { status expected achieved }
    }
    followUpSchedule { dueId kind coversFrom coversTo dueOn status metBy }
    document
  }
  organisations { id name kind kommunkod }
}
"""
DRAFT_FIELDS = {"kind": "kind", "coversFrom": "covers_from", "coversTo": "covers_to"}
PUBLISH_FIELDS = {"channel": "channel", "url": "url"}
ASSESS_INPUTS = ("status", "achieved", "comment")
"""The assessment's inputs with a field of their own in a commitment's form."""
AT_ACHIEVED = frozenset({"target_needs_quantity"})
"""Refusals naming no input that are about the achieved quantity: shown at that field."""
BASE = "/app/loften/{promise_id}/uppfoljning"


def routes(ws: Workspace) -> list[BaseRoute]:
    """The follow-up pages of a promise."""
    handlers = FollowUps(ws)
    base = "/loften/{promise_id}/uppfoljning"
    return [
        Route(base + "/ny", handlers.new, methods=["GET", "POST"]),
        Route(base + "/{report_id}", handlers.report, methods=["GET"]),
        Route(base + "/{report_id}/bedomning", handlers.assess, methods=["POST"]),
        Route(base + "/{report_id}/godkann", handlers.approve, methods=["POST"]),
        Route(base + "/{report_id}/publicera", handlers.publish, methods=["GET", "POST"]),
    ]


@dataclass(slots=True, kw_only=True)
class DraftForm:
    """The new follow-up's values, as rendered or as posted."""

    command_id: str
    due: str = ""
    kind: str = ""
    covers_from: str = ""
    covers_to: str = ""

    @classmethod
    def posted(cls, form: dict[str, list[str]]) -> DraftForm:
        """The values a post carries."""
        return values_of(cls, form)


@dataclass(slots=True, kw_only=True)
class AssessForm:
    """One commitment's assessment form, as rendered or as posted."""

    command_id: str
    commitment: str = ""
    status: str = ""
    achieved: str = ""
    comment: str = ""

    @classmethod
    def posted(cls, form: dict[str, list[str]]) -> AssessForm:
        """The values a post carries."""
        return values_of(cls, form)


@dataclass(slots=True, kw_only=True)
class PublishForm:
    """The publication's values, as rendered or as posted."""

    command_id: str
    channel: str = ""
    url: str = ""

    @classmethod
    def posted(cls, form: dict[str, list[str]]) -> PublishForm:
        """The values a post carries."""
        return values_of(cls, form)


def dates_well_formed(values: DraftForm, words: Words) -> list[views.FieldError]:
    """What the draft form needs before anything goes to the API: its command id and two days
    (the rules about them are the API's)."""
    errors = [] if values.command_id else [views.incomplete(words)]
    for name, value in (("covers_from", values.covers_from), ("covers_to", values.covers_to)):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            errors.append(
                views.FieldError(message=words(N_("Enter the day as year-month-day.")), field=name)
            )
    return errors


class FollowUps:
    """The follow-up pages' handlers."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    async def _data(
        self, request: Request, session: LiveSession, promise_id: str
    ) -> dict[str, Any] | None:
        if not valid_id(promise_id):
            return None
        await self.ws.graph.after_write(request, session.principal)
        data = await self.ws.graph.run(request, session.principal, FOLLOW, {"id": promise_id})
        return data if data["promise"] is not None else None

    def _report_missing(self, request: Request) -> Response:
        return self.ws.missing(
            request,
            N_("Follow-up not found"),
            N_("There is no follow-up at this address that you may see."),
        )

    async def _opened(
        self, request: Request, *, post: bool
    ) -> tuple[LiveSession, dict[str, list[str]], dict[str, Any]] | Response:
        """The session, the posted form (empty for a GET) and the promise's data; else the
        page to answer instead (login, refused form, not found)."""
        session = await self.ws.session(request)
        if isinstance(session, Response):
            return session
        form: dict[str, list[str]] = {}
        if post:
            posted = await self.ws.posted(request, session)
            if isinstance(posted, Response):
                return posted
            form = posted
        data = await self._data(request, session, request.path_params["promise_id"])
        if data is None:
            return self.ws.not_found(request)
        return session, form, data

    def _report_of(self, request: Request, data: dict[str, Any]) -> Report | None:
        promise = data["promise"]
        report_id = request.path_params["report_id"]
        if not valid_id(report_id):
            return None
        return follow_view.report_in(promise["document"], promise["parties"], report_id)

    # Utkast: the period and kind, from the planned follow-up it meets.

    async def new(self, request: Request) -> Response:
        """Ny uppföljning: the form (GET, filled from a planned follow-up) and its post."""
        opened = await self._opened(request, post=request.method == "POST")
        if isinstance(opened, Response):
            return opened
        session, form, data = opened
        words = words_for(language_of(request))
        promise = data["promise"]
        if request.method == "GET":
            due = follow_view.chosen_due(
                promise["followUpSchedule"], request.query_params.get("planerad")
            )
            values = DraftForm(command_id=str(uuid.uuid4()))
            if due is not None:
                values.due = due["dueId"]
                values.kind = due["kind"]
                values.covers_from = due["coversFrom"]
                values.covers_to = due["coversTo"]
            return self._new_page(request, session, data, values, [])
        values = DraftForm.posted(form)
        errors = dates_well_formed(values, words)
        if not errors:
            report_id = f"uppf-{values.command_id}"
            result = await self.ws.command(
                request,
                session.principal,
                "draftFollowUp",
                values.command_id,
                {
                    "promiseId": promise["id"],
                    "reportId": report_id,
                    "kind": values.kind,
                    "coversFrom": values.covers_from,
                    "coversTo": values.covers_to,
                },
            )
            refused = views.refusal_of(result, DRAFT_FIELDS)
            if refused is None:
                return redirect_after(
                    BASE.format(promise_id=promise["id"]) + f"/{report_id}", result
                )
            errors = [refused]
        return self._new_page(request, session, data, values, errors, status_code=422)

    def _new_page(
        self,
        request: Request,
        session: LiveSession,
        data: dict[str, Any],
        values: DraftForm,
        errors: list[views.FieldError],
        *,
        status_code: int = 200,
    ) -> Response:
        return pages.form_page(
            request,
            session,
            "follow_new.html",
            status_code=status_code,
            promise=data["promise"],
            form=values,
            errors=errors,
            kinds=follow_view.KINDS,
            due_statuses=views.FOLLOW_UP_STATUSES,
        )

    # The follow-up: each commitment's progress and assessment, and the approvals.

    async def report(self, request: Request) -> Response:
        """A follow-up: every commitment with its progress and its assessment form, and who
        has approved it."""
        opened = await self._opened(request, post=False)
        if isinstance(opened, Response):
            return opened
        session, _form, data = opened
        report = self._report_of(request, data)
        if report is None:
            return self._report_missing(request)
        return self._report_page(request, session, data, report, [])

    async def assess(self, request: Request) -> Response:
        """Bedömning of one commitment; back to the follow-up at the next commitment."""
        opened = await self._opened(request, post=True)
        if isinstance(opened, Response):
            return opened
        session, form, data = opened
        report = self._report_of(request, data)
        if report is None:
            return self._report_missing(request)
        words = words_for(language_of(request))
        values = AssessForm.posted(form)
        rows = follow_view.rows_of(data["promise"]["progress"], report)
        row = next((r for r in rows if r.commitment_id == values.commitment), None)
        errors: list[views.FieldError] = [] if values.command_id else [views.incomplete(words)]
        if values.achieved and not (values.achieved.isascii() and values.achieved.isdigit()):
            field = row.field("achieved") if row is not None else None
            errors.append(
                views.FieldError(
                    message=words(N_("Enter the quantity as a whole number.")), field=field
                )
            )
        if not errors:
            result = await self.ws.command(
                request,
                session.principal,
                "assessCommitment",
                values.command_id,
                {
                    "promiseId": data["promise"]["id"],
                    "reportId": report.report_id,
                    "commitmentId": values.commitment,
                    "status": values.status,
                    "achieved": int(values.achieved) if values.achieved else None,
                    "comment": values.comment or None,
                },
            )
            fields = {} if row is None else {n: row.field(n) for n in ASSESS_INPUTS}
            refused = views.refusal_of(result, fields)
            if refused is None:
                following = row.index + 1 if row is not None else 1
                anchor = f"#c{following}" if following <= len(rows) else "#godkannande"
                return redirect_after(self._path(data, report), result, anchor)
            if refused.field is None and row is not None and result.get("code") in AT_ACHIEVED:
                refused = views.FieldError(message=refused.message, field=row.field("achieved"))
            errors = [refused]
        return self._report_page(
            request, session, data, report, errors, posted=values, status_code=422
        )

    async def approve(self, request: Request) -> Response:
        """Godkännande for the session's own party."""
        opened = await self._opened(request, post=True)
        if isinstance(opened, Response):
            return opened
        session, form, data = opened
        report = self._report_of(request, data)
        if report is None:
            return self._report_missing(request)
        command_id = one(form, "command_id")
        if not command_id:
            errors = [views.incomplete(words_for(language_of(request)))]
        else:
            result = await self.ws.command(
                request,
                session.principal,
                "approveFollowUp",
                command_id,
                {"promiseId": data["promise"]["id"], "reportId": report.report_id},
            )
            refused = views.refusal_of(result, {})
            if refused is None:
                return redirect_after(self._path(data, report), result, "#godkannande")
            errors = [refused]
        return self._report_page(request, session, data, report, errors, status_code=422)

    def _path(self, data: dict[str, Any], report: Report) -> str:
        return BASE.format(promise_id=data["promise"]["id"]) + f"/{report.report_id}"

    def _report_page(
        self,
        request: Request,
        session: LiveSession,
        data: dict[str, Any],
        report: Report,
        errors: list[views.FieldError],
        *,
        posted: AssessForm | None = None,
        status_code: int = 200,
    ) -> Response:
        promise = data["promise"]
        rows = follow_view.rows_of(promise["progress"], report)
        forms = {row.commitment_id: self._assess_form(row, posted) for row in rows}
        return pages.form_page(
            request,
            session,
            "follow_report.html",
            status_code=status_code,
            promise=promise,
            report=report,
            rows=rows,
            forms=forms,
            errors=errors,
            approve_id=str(uuid.uuid4()),
            names=views.names_of(data["organisations"]),
            kinds=follow_view.KINDS,
            stages=follow_view.STAGES,
            assessments=follow_view.ASSESSMENTS,
            pace=views.PACE,
        )

    @staticmethod
    def _assess_form(row: Row, posted: AssessForm | None) -> AssessForm:
        """What a commitment's form holds: what was just posted for it (refused), else its
        assessment so far, under a new command id."""
        if posted is not None and posted.commitment == row.commitment_id:
            return posted
        current = row.assessment or {}
        achieved = current.get("achieved")
        return AssessForm(
            command_id=str(uuid.uuid4()),
            commitment=row.commitment_id,
            status=str(current.get("status") or ""),
            achieved="" if achieved is None else str(achieved),
            comment=str(current.get("comment") or ""),
        )

    # Förhandsvisning and publicering.

    async def publish(self, request: Request) -> Response:
        """The public page as it will be (GET), and the publication (POST) with its receipt."""
        opened = await self._opened(request, post=request.method == "POST")
        if isinstance(opened, Response):
            return opened
        session, form, data = opened
        report = self._report_of(request, data)
        if report is None:
            return self._report_missing(request)
        if request.method == "GET":
            values = PublishForm(command_id=str(uuid.uuid4()))
            return self._preview_page(request, session, data, report, values, [])
        words = words_for(language_of(request))
        values = PublishForm.posted(form)
        errors = [] if values.command_id else [views.incomplete(words)]
        if not errors:
            result = await self.ws.command(
                request,
                session.principal,
                "publishFollowUp",
                values.command_id,
                {
                    "promiseId": data["promise"]["id"],
                    "reportId": report.report_id,
                    "channel": values.channel,
                    "url": values.url or None,
                },
            )
            refused = views.refusal_of(result, PUBLISH_FIELDS)
            if refused is None:
                return pages.page(
                    request,
                    "follow_published.html",
                    person=session.principal,
                    promise=data["promise"],
                    report=report,
                    result=result,
                    kinds=follow_view.KINDS,
                )
            errors = [refused]
        return self._preview_page(request, session, data, report, values, errors, status_code=422)

    def _preview_page(
        self,
        request: Request,
        session: LiveSession,
        data: dict[str, Any],
        report: Report,
        values: PublishForm,
        errors: list[views.FieldError],
        *,
        status_code: int = 200,
    ) -> Response:
        promise = data["promise"]
        words = words_for(language_of(request))
        shown = follow_view.preview(
            promise["document"], report.report_id, data["organisations"], today(), words
        )
        return pages.form_page(
            request,
            session,
            "follow_preview.html",
            status_code=status_code,
            promise=promise,
            report=report,
            page=shown,
            public=follow_view.public_now(promise["document"]) is not None,
            form=values,
            errors=errors,
            names=views.names_of(data["organisations"]),
            kinds=follow_view.KINDS,
            stages=follow_view.STAGES,
            track_fill=TRACK_FILL,
            track_stroke=TRACK_STROKE,
        )
