"""Genomföra: plan a promise's activities (on given days or recurring), and move or cancel one
of their occurrences with a reason. Reporting an occurrence done is the record form's
(`/loften/{id}/insats?tillfalle=`); safety walks and their findings are walks.py's."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from service.identity.sessions import LiveSession
from service.web.public.present import N_, Words
from service.web.public_page import language_of, valid_id, words_for
from service.web.workspace import pages, views
from service.web.workspace.core import Workspace, redirect_after
from service.web.workspace.forms import one, values_of

PLAN_KINDS = {"activity": N_("Activity"), "safety_walk": N_("Safety walk")}
"""What a plan is of (PlanActivityInput.kind)."""
SCHEDULES = ("dates", "yearly", "weekly")
"""How the form gives the occurrences: on given days, so many times a year, every n weeks."""
DATE_FIELDS = 4
"""How many single days the plan form offers."""
PLAN_FIELDS = {
    "title": "title",
    "kind": "kind",
    "commitmentIds": "commitments",
    "placeIds": "places",
    "dates": "dates",
    "recurrence": "schedule",
}
"""The plan form's field ids by PlanActivityInput's names."""
CHANGE_FIELDS = {"startsOn": "starts_on", "endsOn": "ends_on", "reason": "reason"}
"""The move and cancel forms' field ids by their inputs' names."""


def routes(ws: Workspace) -> list[BaseRoute]:
    """The plan form of a promise, and an occurrence's move and cancel forms."""
    handlers = Carry(ws)
    occurrence = "/loften/{promise_id}/planer/{plan_id}/{occurrence_id}"
    return [
        Route("/loften/{promise_id}/planera", handlers.plan, methods=["GET", "POST"]),
        Route(occurrence + "/flytta", handlers.move, methods=["GET", "POST"]),
        Route(occurrence + "/stall-in", handlers.cancel, methods=["GET", "POST"]),
    ]


def short_id(command_id: str) -> str:
    """An id part that follows from the command id (so a resubmission names the same thing),
    short enough to read in an address."""
    return command_id.replace("-", "")[:12].lower()


def is_date(value: str) -> bool:
    """True when `value` is a year-month-day date."""
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def whole(value: str) -> bool:
    """True when `value` is a whole number small enough for the API's Int (at most 6 digits:
    anything larger is no count a form means)."""
    return value.isascii() and value.isdigit() and len(value) <= 6


@dataclass(slots=True, kw_only=True)
class PlanForm:
    """The plan form's values, as rendered or as posted."""

    command_id: str
    title: str = ""
    kind: str = "activity"
    commitments: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    schedule: str = "dates"
    dates: list[str] = field(default_factory=lambda: [""] * DATE_FIELDS)
    times_per_year: str = ""
    every_weeks: str = ""
    starts_on: str = ""
    ends_on: str = ""

    @classmethod
    def posted(cls, form: dict[str, list[str]]) -> PlanForm:
        """The values a post carries."""
        dates = [d.strip() for d in form.get("dates", [])][:DATE_FIELDS]
        return values_of(
            cls,
            form,
            schedule=one(form, "schedule") or "dates",
            dates=dates + [""] * (DATE_FIELDS - len(dates)),
        )

    def problems(self, words: Words) -> list[views.FieldError]:
        """What the form itself needs before anything goes to the API: a command id, dates
        and numbers that are dates and numbers (the rules about them are the API's)."""
        errors = [] if self.command_id else [views.incomplete(words)]
        if self.schedule == "dates":
            if not all(is_date(d) for d in self.dates if d):
                errors.append(
                    views.FieldError(
                        message=words(N_("Enter each day as year-month-day.")), field="dates"
                    )
                )
            return errors
        number = self.times_per_year if self.schedule == "yearly" else self.every_weeks
        if not whole(number):
            errors.append(
                views.FieldError(
                    message=words(N_("Enter how often as a whole number.")),
                    field="times_per_year" if self.schedule == "yearly" else "every_weeks",
                )
            )
        if self.schedule == "weekly":
            for name in ("starts_on", "ends_on"):
                if not is_date(getattr(self, name)):
                    errors.append(
                        views.FieldError(
                            message=words(N_("Enter the day as year-month-day.")), field=name
                        )
                    )
        return errors

    def command_input(self, promise_id: str) -> dict[str, Any]:
        """PlanActivityInput from the form."""
        recurrence: dict[str, Any] | None = None
        if self.schedule == "yearly":
            recurrence = {"timesPerYear": int(self.times_per_year)}
        elif self.schedule == "weekly":
            recurrence = {
                "everyWeeks": int(self.every_weeks),
                "startsOn": self.starts_on,
                "endsOn": self.ends_on,
            }
        return {
            "promiseId": promise_id,
            "planId": f"plan-{short_id(self.command_id)}",
            "title": self.title,
            "kind": self.kind or None,
            "commitmentIds": self.commitments,
            "placeIds": self.places or None,
            "dates": [d for d in self.dates if d] if recurrence is None else None,
            "recurrence": recurrence,
        }


@dataclass(slots=True, kw_only=True)
class ChangeForm:
    """The move or cancel form's values."""

    command_id: str
    starts_on: str = ""
    ends_on: str = ""
    reason: str = ""

    @classmethod
    def posted(cls, form: dict[str, list[str]]) -> ChangeForm:
        """The values a post carries."""
        return values_of(cls, form)


class Carry:
    """The plan, move and cancel forms' handlers."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    async def _start(
        self, request: Request
    ) -> tuple[LiveSession, dict[str, list[str]], dict[str, Any]] | Response:
        """The session, the posted form (empty for GET) and the promise's data; or the
        response to give instead (login, refused form, not found)."""
        return await self.ws.opened_promise(request)

    async def plan(self, request: Request) -> Response:
        """Planera insats: the plan form (GET) and its submission (POST)."""
        started = await self._start(request)
        if isinstance(started, Response):
            return started
        session, form, data = started
        promise = data["promise"]
        if request.method == "GET":
            values = PlanForm(command_id=str(uuid.uuid4()))
            return self._plan_page(request, session, promise, values, [])
        words = words_for(language_of(request))
        values = PlanForm.posted(form)
        errors = values.problems(words)
        if not errors:
            result = await self.ws.command(
                request,
                session.principal,
                "planActivity",
                values.command_id,
                values.command_input(promise["id"]),
            )
            refused = views.refusal_of(result, PLAN_FIELDS)
            if refused is None:
                return redirect_after(f"/app/loften/{promise['id']}", result, "#planer")
            errors = [refused]
        return self._plan_page(request, session, promise, values, errors, status_code=422)

    def _plan_page(
        self,
        request: Request,
        session: LiveSession,
        promise: dict[str, Any],
        values: PlanForm,
        errors: list[views.FieldError],
        *,
        status_code: int = 200,
    ) -> Response:
        return pages.form_page(
            request,
            session,
            "carry_plan.html",
            status_code=status_code,
            promise=promise,
            form=values,
            errors=errors,
            kinds=PLAN_KINDS,
            commitments=[(c["commitmentId"], c["text"]) for c in promise["progress"]],
            places=views.places_of(promise["document"]),
        )

    async def move(self, request: Request) -> Response:
        """Flytta tillfälle: to another day or window, with the reason."""
        return await self._change(request, "moveOccurrence")

    async def cancel(self, request: Request) -> Response:
        """Ställ in tillfälle: with the reason."""
        return await self._change(request, "cancelOccurrence")

    async def _change(self, request: Request, mutation: str) -> Response:
        plan_id = request.path_params["plan_id"]
        occurrence_id = request.path_params["occurrence_id"]
        if not (valid_id(plan_id) and valid_id(occurrence_id)):
            return self._no_occurrence(request)
        started = await self._start(request)
        if isinstance(started, Response):
            return started
        session, form, data = started
        promise = data["promise"]
        found = [
            (plan, o)
            for plan in promise["plans"]
            if plan["planId"] == plan_id
            for o in plan["occurrences"]
            if o["occurrenceId"] == occurrence_id
        ]
        if not found:
            return self._no_occurrence(request)
        plan, occurrence = found[0]
        if request.method == "GET":
            values = ChangeForm(
                command_id=str(uuid.uuid4()),
                starts_on=occurrence["startsOn"] if mutation == "moveOccurrence" else "",
            )
            return self._change_page(
                request, session, promise, plan, occurrence, mutation, values, []
            )
        words = words_for(language_of(request))
        values = ChangeForm.posted(form)
        errors = [] if values.command_id else [views.incomplete(words)]
        command_input: dict[str, Any] = {
            "promiseId": promise["id"],
            "planId": plan_id,
            "occurrenceId": occurrence_id,
            "reason": values.reason,
        }
        if mutation == "moveOccurrence":
            for name in ("starts_on", "ends_on"):
                value = getattr(values, name)
                if (value or name == "starts_on") and not is_date(value):
                    errors.append(
                        views.FieldError(
                            message=words(N_("Enter the day as year-month-day.")), field=name
                        )
                    )
            command_input["startsOn"] = values.starts_on
            command_input["endsOn"] = values.ends_on or None
        if not errors:
            result = await self.ws.command(
                request, session.principal, mutation, values.command_id, command_input
            )
            refused = views.refusal_of(result, CHANGE_FIELDS)
            if refused is None:
                return redirect_after(f"/app/loften/{promise['id']}", result, "#planer")
            errors = [refused]
        return self._change_page(
            request, session, promise, plan, occurrence, mutation, values, errors, status_code=422
        )

    def _change_page(
        self,
        request: Request,
        session: LiveSession,
        promise: dict[str, Any],
        plan: dict[str, Any],
        occurrence: dict[str, Any],
        mutation: str,
        values: ChangeForm,
        errors: list[views.FieldError],
        *,
        status_code: int = 200,
    ) -> Response:
        action = "flytta" if mutation == "moveOccurrence" else "stall-in"
        return pages.form_page(
            request,
            session,
            "carry_change.html",
            status_code=status_code,
            promise=promise,
            plan=plan,
            occurrence=occurrence,
            moving=mutation == "moveOccurrence",
            action=(
                f"/app/loften/{promise['id']}/planer/{plan['planId']}/"
                f"{occurrence['occurrenceId']}/{action}"
            ),
            form=values,
            errors=errors,
        )

    def _no_occurrence(self, request: Request) -> Response:
        return self.ws.missing(
            request,
            N_("Occasion not found"),
            N_("The promise has no planned occasion at this address that you may see."),
        )
