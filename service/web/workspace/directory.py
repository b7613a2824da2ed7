"""Katalog: the organisation's people, their roles and signing mandates, with the forms that
register a person, assign and end a role, and grant and revoke a signing mandate.

The forms are offered to every member; whether the caller may change the directory is the
API's rule (only the organisation's org_admin), and its refusal is shown as it gives it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from service.identity.sessions import LiveSession
from service.web.public.present import N_, Words
from service.web.public_page import language_of, today, valid_id, words_for
from service.web.workspace import history, pages, views
from service.web.workspace.core import Workspace
from service.web.workspace.forms import one

DIRECTORY = """
query Directory($org: ID!) {
  organisation(id: $org) {
    id name kind
    people { assignmentId personId name title role partyLabel validFrom validTo }
    mandates { mandateId personId name validFrom validTo revokedOn }
  }
}
"""

ROLE_NAMES = {key: name for key, name in history.ROLES.items() if key != "service"}
"""The roles a person may be given here, in words (the service role is for machines)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """One of the directory's forms: the mutation it sends, the input it builds from the posted
    form, the form's field ids by the input's names, and the page section it returns to."""

    mutation: str
    build: Callable[[dict[str, list[str]], str, str], dict[str, Any]]
    section: str
    fields: Mapping[str, str]
    required: tuple[tuple[str, str], ...]
    """(field id, msgid) of the fields the form cannot be sent without."""
    dates: tuple[str, ...] = ()
    """The field ids holding a day."""


def _date_or_none(value: str) -> str | None:
    return value or None


def _register(form: dict[str, list[str]], command_id: str, org: str) -> dict[str, Any]:
    return {"personId": f"person-{command_id}", "name": one(form, "name")}


def _assign(form: dict[str, list[str]], command_id: str, org: str) -> dict[str, Any]:
    return {
        "assignmentId": f"roll-{command_id}",
        "personId": one(form, "role_person"),
        "orgId": org,
        "title": one(form, "title"),
        "role": one(form, "role"),
        "validFrom": _date_or_none(one(form, "role_valid_from")),
    }


def _end(form: dict[str, list[str]], command_id: str, org: str) -> dict[str, Any]:
    return {"assignmentId": one(form, "assignment_id"), "endedOn": one(form, "ended_on")}


def _grant(form: dict[str, list[str]], command_id: str, org: str) -> dict[str, Any]:
    return {
        "mandateId": f"mandat-{command_id}",
        "personId": one(form, "mandate_person"),
        "orgId": org,
        "validFrom": _date_or_none(one(form, "mandate_valid_from")),
        "validTo": _date_or_none(one(form, "mandate_valid_to")),
    }


def _revoke(form: dict[str, list[str]], command_id: str, org: str) -> dict[str, Any]:
    return {"mandateId": one(form, "mandate_id"), "revokedOn": one(form, "revoked_on")}


ACTIONS = {
    "personer": Action(
        mutation="registerPerson",
        build=_register,
        section="ny-person",
        fields={"name": "name"},
        required=(("name", N_("Enter the person's name.")),),
    ),
    "roller": Action(
        mutation="assignRole",
        build=_assign,
        section="ny-roll",
        fields={
            "personId": "role_person",
            "orgId": "role_person",
            "title": "title",
            "role": "role",
            "validFrom": "role_valid_from",
        },
        required=(
            ("role_person", N_("Choose the person.")),
            ("title", N_("Enter the person's title.")),
            ("role", N_("Choose the role.")),
        ),
        dates=("role_valid_from",),
    ),
    "roller/avsluta": Action(
        mutation="endRole",
        build=_end,
        section="roller",
        fields={"assignmentId": "ended_on", "endedOn": "ended_on"},
        required=(("ended_on", N_("Enter the day the role ends (year-month-day).")),),
        dates=("ended_on",),
    ),
    "mandat": Action(
        mutation="grantSigningMandate",
        build=_grant,
        section="nytt-mandat",
        fields={
            "personId": "mandate_person",
            "orgId": "mandate_person",
            "validFrom": "mandate_valid_from",
            "validTo": "mandate_valid_to",
        },
        required=(("mandate_person", N_("Choose the person.")),),
        dates=("mandate_valid_from", "mandate_valid_to"),
    ),
    "mandat/aterkalla": Action(
        mutation="revokeSigningMandate",
        build=_revoke,
        section="mandat",
        fields={"mandateId": "revoked_on", "revokedOn": "revoked_on"},
        required=(("revoked_on", N_("Enter the day the mandate ends (year-month-day).")),),
        dates=("revoked_on",),
    ),
}
"""The directory's forms by the path they post to (under /katalog/); a control's name is its
id."""


def routes(ws: Workspace) -> list[BaseRoute]:
    """The directory page and its forms."""
    handlers = Directory(ws)
    return [
        Route("/katalog", handlers.directory, methods=["GET"]),
        *(Route(f"/katalog/{path}", handlers.posted(path), methods=["POST"]) for path in ACTIONS),
    ]


def missing_fields(
    action: Action, form: dict[str, list[str]], words: Words
) -> list[views.FieldError]:
    """What the form needs before anything goes to the API: its command id and the fields it
    cannot be sent without (the rules about their values are the API's)."""
    errors: list[views.FieldError] = []
    if not one(form, "command_id"):
        errors.append(views.incomplete(words))
    for name, message in action.required:
        if not one(form, name):
            errors.append(views.FieldError(message=words(message), field=name))
    for name in action.dates:
        value = one(form, name)
        if value and not _is_date(value):
            errors.append(
                views.FieldError(
                    message=words(N_("Enter the day as year-month-day, e.g. 2026-12-31.")),
                    field=name,
                )
            )
    return errors


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


class Directory:
    """The page's and the forms' handlers."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    async def directory(self, request: Request) -> Response:
        """Katalog: the organisation's people, roles and mandates, and the forms."""
        session = await self.ws.session(request)
        if isinstance(session, Response):
            return session
        await self.ws.graph.after_write(request, session.principal)
        return await self._page(request, session, {}, [], None)

    def posted(self, path: str) -> Callable[[Request], Awaitable[Response]]:
        """The handler of the form posting to /katalog/`path`."""
        action = ACTIONS[path]

        async def handle(request: Request) -> Response:
            session = await self.ws.session(request)
            if isinstance(session, Response):
                return session
            form = await self.ws.posted(request, session)
            if isinstance(form, Response):
                return form
            words = words_for(language_of(request))
            errors = missing_fields(action, form, words)
            if not errors:
                command_id = one(form, "command_id")
                org = session.principal.organisation_id
                result = await self.ws.command(
                    request,
                    session.principal,
                    action.mutation,
                    command_id,
                    action.build(form, command_id, org),
                )
                refused = views.refusal_of(result, action.fields)
                if refused is None:
                    target = f"/app/katalog?efter={quote(result['consistencyToken'], safe='')}"
                    if action.mutation == "registerPerson":
                        target += f"&person=person-{quote(command_id, safe='')}"
                        target += f"&namn={quote(one(form, 'name'), safe='')}"
                    return RedirectResponse(f"{target}#{action.section}", status_code=303)
                errors = [refused]
            return await self._page(request, session, form, errors, path, status_code=422)

        return handle

    async def _page(
        self,
        request: Request,
        session: LiveSession,
        form: Mapping[str, list[str]],
        errors: list[views.FieldError],
        failed_form: str | None,
        *,
        status_code: int = 200,
    ) -> Response:
        principal = session.principal
        data = await self.ws.graph.run(
            request, principal, DIRECTORY, {"org": principal.organisation_id}
        )
        organisation = data["organisation"]
        if organisation is None:
            return self.ws.missing(
                request,
                N_("Organisation not found"),
                N_("Your organisation is not in the directory."),
            )
        people = _people(organisation)
        new_person = request.query_params.get("person", "")
        if new_person and valid_id(new_person) and new_person not in dict(people):
            # Registered a moment ago, with no role yet: named as the form that registered
            # the person named them (the directory lists people by their roles).
            named = request.query_params.get("namn", "").strip()[:200] or new_person
            people.append((new_person, named))

        def value(name: str, form_path: str) -> str:
            return one(dict(form), name) if failed_form == form_path else ""

        return pages.page(
            request,
            "directory.html",
            status_code=status_code,
            person=principal,
            csrf_token=session.csrf,
            organisation=organisation,
            people=people,
            new_person=new_person,
            roles=ROLE_NAMES,
            errors=errors,
            failed_form=failed_form,
            value=value,
            today=today().isoformat(),
            command_ids={path: _command_id(form, path, failed_form) for path in ACTIONS},
            row_command_id=lambda: str(uuid.uuid4()),
        )


def _command_id(form: Mapping[str, list[str]], path: str, failed_form: str | None) -> str:
    """The failed form keeps its command id (a resubmission is the same command); every other
    form gets a new one."""
    if failed_form == path:
        kept = one(dict(form), "command_id")
        if kept:
            return kept
    return str(uuid.uuid4())


def _people(organisation: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The organisation's people (id, name) by name, each once."""
    found: dict[str, str] = {}
    for entry in [*organisation["people"], *organisation["mandates"]]:
        found.setdefault(entry["personId"], entry["name"] or entry["personId"])
    return sorted(found.items(), key=lambda p: (p[1].casefold(), p[0]))
