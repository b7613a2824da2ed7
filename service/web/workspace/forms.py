"""The workspace's forms: reading a posted urlencoded form, and the record form's values and
what they must be before anything goes to the API."""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from starlette.requests import Request

from service.web.public.present import N_, Words
from service.web.workspace import views

MAX_FORM_BYTES = 64 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 200


class FormRefused(ValueError):
    """A body that is no urlencoded form of reasonable size; `reason` is a msgid."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def form_of(request: Request) -> dict[str, list[str]]:
    """The posted urlencoded form, each value in Unicode NFC (as the API receives JSON)."""
    kind = (request.headers.get("content-type") or "").partition(";")[0].strip().lower()
    if kind != FORM_TYPE:
        raise FormRefused(N_("The form must be sent as a web form."))
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_FORM_BYTES:
            raise FormRefused(N_("The form is too large."))
    try:
        pairs = parse_qsl(
            bytes(body).decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormRefused(N_("The form cannot be read.")) from exc
    form: dict[str, list[str]] = {}
    for name, value in pairs:
        form.setdefault(name, []).append(unicodedata.normalize("NFC", value.replace("\x00", "")))
    return form


def one(form: dict[str, list[str]], name: str) -> str:
    """The first value of `name` in the form, stripped; empty when absent."""
    values = form.get(name) or [""]
    return values[0].strip()


def every(form: dict[str, list[str]], name: str) -> list[str]:
    """Every non-empty value of `name` in the form (checked boxes, a multiple choice)."""
    return [value for value in form.get(name, []) if value]


F = TypeVar("F")


def values_of(cls: type[F], form: dict[str, list[str]], **given: Any) -> F:
    """A form dataclass `cls` from a post: each field from the control of its name — a list
    field every value (`every`), any other the first (`one`) — except those `given`."""
    read: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]  # (a form dataclass)
        if f.name not in given:
            is_list = f.type in ("list[str]", list[str])
            read[f.name] = every(form, f.name) if is_list else one(form, f.name)
    return cls(**read, **given)


@dataclass(slots=True, kw_only=True)
class RecordForm:
    """The record form's values, as rendered or as posted."""

    command_id: str
    occurrence: str = ""
    commitment: str = ""
    occurred_on: str = ""
    quantity: str = ""
    places: list[str] = field(default_factory=list)
    performed_by: list[str] = field(default_factory=list)
    summary: str = ""

    @classmethod
    def posted(cls, form: dict[str, list[str]]) -> RecordForm:
        """The values a post carries."""
        return values_of(cls, form)


def well_formed(values: RecordForm, words: Words) -> list[views.FieldError]:
    """What the form itself needs before anything goes to the API: a command id, a day
    and a whole number (the rules about them are the API's)."""
    errors: list[views.FieldError] = []
    if not values.command_id:
        errors.append(views.incomplete(words))
    if not values.occurrence and not values.commitment:
        errors.append(
            views.FieldError(
                message=words(N_("Choose the commitment the activity was for.")),
                field="commitment",
            )
        )
    try:
        dt.date.fromisoformat(values.occurred_on)
    except ValueError:
        errors.append(
            views.FieldError(
                message=words(N_("Enter the day it was done (year-month-day).")),
                field="occurred_on",
            )
        )
    if values.quantity and not (values.quantity.isascii() and values.quantity.isdigit()):
        errors.append(
            views.FieldError(
                message=words(N_("Enter the quantity as a whole number.")),
                field="quantity",
            )
        )
    return errors
