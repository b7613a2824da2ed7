"""The writing page's forms (/app/loften/{id}/skriv/<form>): what each one posts and the
mutation input it becomes, with the few checks a form needs before anything goes to the API
(a day, a whole number). The rules themselves are the API's.

Ids a form creates (a focus area's, a place's, a commitment's) follow from its command id, so
a resubmitted form names the same thing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from service.web.public.present import N_, Words
from service.web.workspace import views

Built = tuple[dict[str, Any], list[views.FieldError]]
"""A form read as a mutation's input, with the form's own errors (none: send it)."""

DRAFT_FIELDS = {
    "details.title": "title",
    "details.period.label": "label",
    "details.period.validFrom": "valid_from",
    "details.period.validTo": "valid_to",
    "details.period": "label",
    "details": "title",
    "parties": "parties",
}
"""The draft form's field ids by the input's paths."""
WRITE_FIELDS = {
    "details.title": "d_title",
    "details.period.label": "d_label",
    "details.period.validFrom": "d_from",
    "details.period.validTo": "d_to",
    "details.period": "d_label",
    "details.goal": "d_goal",
    "details.problemPicture": "d_problem",
    "details.expectedEffect": "d_effect",
    "details.followUpPlan": "d_follow_up",
    "details": "d_title",
    "focusArea.description": "fa_description",
    "focusArea": "fa_title",
    "place.kind": "pl_kind",
    "place.sharedPlaceId": "pl_shared",
    "place.municipalityId": "pl_shared",
    "place": "pl_name",
    "commitment.focusAreaId": "c_focus_area",
    "commitment.responsibleIds": "c_responsible",
    "commitment.placeIds": "c_places",
    "commitment.target.comparator": "c_comparator",
    "commitment.target.quantity": "c_quantity",
    "commitment.target.unit": "c_unit",
    "commitment.target.per": "c_per",
    "commitment.target": "c_quantity",
    "commitment": "c_text",
}
"""The writing page's field ids by the input's paths (one page, one id per control)."""


class Values:
    """A form's values as rendered (the current ones) or as posted (what was typed)."""

    def __init__(self, values: Mapping[str, list[str]]) -> None:
        self.values = values

    def one(self, name: str) -> str:
        """The value of `name` (empty when none)."""
        found = self.values.get(name) or [""]
        return found[0]

    def many(self, name: str) -> list[str]:
        """Every value of `name` (checkboxes)."""
        return list(self.values.get(name) or ())


def new_id() -> str:
    """A command id for a form being rendered."""
    return str(uuid.uuid4())


def date_or_none(
    value: str, field: str, words: Words, errors: list[views.FieldError]
) -> str | None:
    """A day typed as year-month-day, or None when empty (an error when it is no day)."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        errors.append(
            views.FieldError(message=words(N_("Enter the day as year-month-day.")), field=field)
        )
        return None


def text_or_none(value: str) -> str | None:
    """A typed text, or None when left empty."""
    return value or None


@dataclass(frozen=True, slots=True, kw_only=True)
class Edit:
    """One edit of the working revision: its mutation and how its input is read from a form
    (the input, or the form's own errors)."""

    mutation: str
    read: Callable[[str, str, Values, Words], Built]
    anchor: str


def _details(promise_id: str, command_id: str, form: Values, words: Words) -> Built:
    errors: list[views.FieldError] = []
    period = {
        "label": text_or_none(form.one("d_label")),
        "validFrom": date_or_none(form.one("d_from"), "d_from", words, errors),
        "validTo": date_or_none(form.one("d_to"), "d_to", words, errors),
    }
    details = {
        "title": form.one("d_title"),
        "period": period,
        "agreementId": text_or_none(form.one("d_agreement")),
        "goal": text_or_none(form.one("d_goal")),
        "problemPicture": text_or_none(form.one("d_problem")),
        "expectedEffect": text_or_none(form.one("d_effect")),
        "followUpPlan": text_or_none(form.one("d_follow_up")),
    }
    return {"promiseId": promise_id, "details": details}, errors


def _add_focus_area(promise_id: str, command_id: str, form: Values, words: Words) -> Built:
    area = {
        "focusAreaId": f"fo-{command_id[:8]}",
        "title": form.one("fa_title"),
        "description": text_or_none(form.one("fa_description")),
    }
    return {"promiseId": promise_id, "focusArea": area}, []


def _remove_focus_area(promise_id: str, command_id: str, form: Values, words: Words) -> Built:
    return {"promiseId": promise_id, "focusAreaId": form.one("focus_area_id")}, []


def _register_place(promise_id: str, command_id: str, form: Values, words: Words) -> Built:
    place = {
        "placeId": f"pl-{command_id[:8]}",
        "name": form.one("pl_name"),
        "kind": form.one("pl_kind") or None,
        "sharedPlaceId": text_or_none(form.one("pl_shared")),
    }
    return {"promiseId": promise_id, "place": place}, []


def _remove_place(promise_id: str, command_id: str, form: Values, words: Words) -> Built:
    return {"promiseId": promise_id, "placeId": form.one("place_id")}, []


def _commitment(commitment_id: str, promise_id: str, form: Values, words: Words) -> Built:
    errors: list[views.FieldError] = []
    target: dict[str, Any] | None = None
    quantity, unit = form.one("c_quantity"), form.one("c_unit")
    if quantity or unit:
        number: int | None = None
        try:
            number = int(quantity)
        except ValueError:
            errors.append(
                views.FieldError(
                    message=words(N_("Enter the target as a whole number.")), field="c_quantity"
                )
            )
        target = {
            "comparator": form.one("c_comparator") or ">=",
            "quantity": number or 0,
            "unit": unit,
            "per": form.one("c_per") or None,
        }
    commitment = {
        "commitmentId": commitment_id,
        "text": form.one("c_text"),
        "focusAreaId": text_or_none(form.one("c_focus_area")),
        "responsibleIds": form.many("c_responsible"),
        "placeIds": form.many("c_places"),
        "target": target,
        "scheduleHint": text_or_none(form.one("c_schedule")),
    }
    return {"promiseId": promise_id, "commitment": commitment}, errors


def _add_commitment(promise_id: str, command_id: str, form: Values, words: Words) -> Built:
    return _commitment(f"at-{command_id[:8]}", promise_id, form, words)


def _revise_commitment(promise_id: str, command_id: str, form: Values, words: Words) -> Built:
    return _commitment(form.one("commitment_id"), promise_id, form, words)


def _remove_commitment(promise_id: str, command_id: str, form: Values, words: Words) -> Built:
    command = {
        "promiseId": promise_id,
        "commitmentId": form.one("commitment_id"),
        "reason": form.one("reason"),
    }
    return command, []


def _propose(promise_id: str, command_id: str, form: Values, words: Words) -> Built:
    return {"promiseId": promise_id}, []


EDITS = {
    "uppgifter": Edit(mutation="revisePromiseDetails", read=_details, anchor="uppgifter"),
    "fokusomrade": Edit(mutation="addFocusArea", read=_add_focus_area, anchor="fokusomraden"),
    "ta-bort-fokusomrade": Edit(
        mutation="removeFocusArea", read=_remove_focus_area, anchor="fokusomraden"
    ),
    "plats": Edit(mutation="registerPlace", read=_register_place, anchor="platser"),
    "ta-bort-plats": Edit(mutation="removePlace", read=_remove_place, anchor="platser"),
    "atagande": Edit(mutation="addCommitment", read=_add_commitment, anchor="ataganden"),
    "andra-atagande": Edit(
        mutation="reviseCommitment", read=_revise_commitment, anchor="ataganden"
    ),
    "ta-bort-atagande": Edit(
        mutation="removeCommitment", read=_remove_commitment, anchor="ataganden"
    ),
    "foreslaa": Edit(mutation="proposePromise", read=_propose, anchor="foreslaa"),
}
"""The writing page's forms by the last segment of the path they post to."""
