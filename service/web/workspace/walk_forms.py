"""The safety-walk forms' values, as rendered or as posted, what they must be before anything
goes to the API, and the inputs they send."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.web.public.present import N_, Words
from service.web.workspace import views
from service.web.workspace.carry import is_date, short_id, whole
from service.web.workspace.forms import one, values_of

GROUPS = 2
"""How many counted groups the walk form offers."""
WALK_FIELDS = {
    "heldOn": "held_on",
    "organiserId": "organiser",
    "participants": "participants",
    "route": "route",
    "carriesOut": "carries_out",
}
"""The walk form's field ids by RecordWalkInput's names."""
FINDING_FIELDS = {
    "placeId": "place",
    "category": "category",
    "description": "description",
    "ownerId": "owner",
    "dueOn": "due_on",
    "photoSha256": "description",
}
"""The finding form's field ids by RecordFindingInput's names."""


@dataclass(slots=True, kw_only=True)
class WalkForm:
    """The walk form's values, as rendered or as posted."""

    command_id: str
    municipality: str
    held_on: str = ""
    organiser: str = ""
    participants: list[str] = field(default_factory=list)
    groups: list[tuple[str, str]] = field(default_factory=lambda: [("", "")] * GROUPS)
    route: list[str] = field(default_factory=list)
    carries_out: str = ""

    @classmethod
    def posted(cls, form: dict[str, list[str]]) -> WalkForm:
        """The values a post carries."""
        names = form.get("group", [])[:GROUPS]
        counts = form.get("group_count", [])[:GROUPS]
        names += [""] * (GROUPS - len(names))
        counts += [""] * (GROUPS - len(counts))
        groups = [(n.strip(), c.strip()) for n, c in zip(names, counts, strict=True)]
        return values_of(cls, form, groups=groups)

    def problems(self, words: Words) -> list[views.FieldError]:
        """What the form itself needs: a command id, a day, whole numbers."""
        errors = [] if self.command_id else [views.incomplete(words)]
        if not is_date(self.held_on):
            errors.append(
                views.FieldError(
                    message=words(N_("Enter the day of the walk (year-month-day).")),
                    field="held_on",
                )
            )
        for index, (_, count) in enumerate(self.groups, start=1):
            if count and not whole(count):
                errors.append(
                    views.FieldError(
                        message=words(N_("Enter how many came as a whole number.")),
                        field=f"group_count-{index}",
                    )
                )
        return errors

    def command_input(self) -> dict[str, Any]:
        """RecordWalkInput from the form."""
        participants: list[dict[str, Any]] = [{"organisationId": p} for p in self.participants]
        participants += [
            {"group": name, "count": int(count) if count else None}
            for name, count in self.groups
            if name or count
        ]
        carries_out = None
        if self.carries_out:
            promise_id, _, rest = self.carries_out.partition("/")
            plan_id, _, occurrence_id = rest.partition("/")
            carries_out = {
                "promiseId": promise_id,
                "planId": plan_id,
                "occurrenceId": occurrence_id,
            }
        return {
            "walkId": f"vandring-{short_id(self.command_id)}",
            "municipalityId": self.municipality,
            "heldOn": self.held_on,
            "organiserId": self.organiser,
            "participants": participants or None,
            "route": self.route,
            "carriesOut": carries_out,
        }


@dataclass(slots=True, kw_only=True)
class FindingForm:
    """The finding form's values, as rendered or as posted."""

    command_id: str
    place: str = ""
    category: str = ""
    description: str = ""
    owner: str = ""
    due_on: str = ""

    @classmethod
    def posted(cls, form: dict[str, list[str]]) -> FindingForm:
        """The values a post carries."""
        return cls(
            command_id=one(form, "command_id"),
            place=one(form, "place"),
            category=one(form, "category"),
            description=one(form, "description"),
            owner=one(form, "owner"),
            due_on=one(form, "due_on"),
        )

    def problems(self, words: Words) -> list[views.FieldError]:
        """What the form itself needs: a command id and a due date."""
        errors = [] if self.command_id else [views.incomplete(words)]
        if not is_date(self.due_on):
            errors.append(
                views.FieldError(
                    message=words(N_("Enter the day it is to be fixed by (year-month-day).")),
                    field="due_on",
                )
            )
        return errors

    def command_input(self, walk_id: str) -> dict[str, Any]:
        """RecordFindingInput from the form."""
        return {
            "walkId": walk_id,
            "findingId": f"fynd-{short_id(self.command_id)}",
            "placeId": self.place,
            "category": self.category,
            "description": self.description,
            "ownerId": self.owner,
            "dueOn": self.due_on,
        }
