"""Base shapes shared by every decider: the acting principal, commands, events, refusals,
and the version conflict an append at a stale expected version runs into.

Commands are imperative, events past tense; both are frozen dataclasses that carry business
data only. Time, ids and the acting principal arrive on the command, so `decide` reads no
clock and draws no random numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

HOME = ZoneInfo("Europe/Stockholm")
"""Where the promises are kept: a command's business day is its day here."""

ROLES: frozenset[str] = frozenset(
    {"viewer", "editor", "signatory", "publisher", "org_admin", "auditor", "service"}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """Who acts: identity-provider issuer and subject, the organisation they act for, roles.

    `oversight` and `platform_operator` come from the issuer registry (an oversight body's
    auditors, the named platform operator), never from a token's claims alone.
    """

    issuer: str
    subject: str
    organisation_id: str
    roles: frozenset[str] = frozenset()
    person_id: str | None = None
    client_id: str | None = None
    oversight: frozenset[str] | Literal["all"] = frozenset()
    """Organisations besides its own whose streams this principal reads as an auditor."""
    platform_operator: bool = False
    """The platform's operator: registers organisations and the links between them."""

    def has_role(self, role: str) -> bool:
        """True when the principal holds `role`."""
        return role in self.roles

    def oversees(self, organisation_id: str) -> bool:
        """True when the registry's oversight scope of this principal covers `organisation_id`."""
        return self.oversight == "all" or organisation_id in self.oversight

    def as_record(self) -> dict[str, object]:
        """The principal as plain JSON (event metadata, session cookie)."""
        record: dict[str, object] = {
            "issuer": self.issuer,
            "subject": self.subject,
            "organisation_id": self.organisation_id,
            "roles": sorted(self.roles),
            "person_id": self.person_id,
            "client_id": self.client_id,
        }
        # Only when granted, so an ordinary principal's record keeps the shape older records
        # have, and every reader of those records goes on reading them as they are.
        if self.oversight:
            record["oversight"] = "all" if self.oversight == "all" else sorted(self.oversight)
        if self.platform_operator:
            record["platform_operator"] = True
        return record


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """Base of every command: who asks, when, the idempotency key, and what the caller accepts.

    `acknowledge` names the kinds of consequence for others' acts (events.consequences) the
    caller knowingly accepts; a command that would have another kind is refused.
    """

    command_id: str
    actor: Principal
    at: dt.datetime
    acknowledge: frozenset[str] = frozenset()

    @property
    def day(self) -> dt.date:
        """The day the command was given where the promises are kept (Swedish time): a
        record made at 00:30 on 5 December in Sweden is made on the 5th, though it is still
        the 4th in UTC. A naive `at` is taken as that time already."""
        at = self.at if self.at.tzinfo is None else self.at.astimezone(HOME)
        return at.date()


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every domain event. Subclasses add business fields only."""


FieldPath = tuple[str | int, ...]
"""Where an offending value sits: the command's field names down to it, list positions as ints."""


def as_path(name: str | FieldPath) -> FieldPath:
    """A field path from one field name or from a path."""
    return (name,) if isinstance(name, str) else name


@dataclass(frozen=True, slots=True)
class Term:
    """A word of the domain's vocabulary inside a refusal's params: a status, an action.

    The edge translates it with `kind` as the message context, so "draft" the status and
    "draft" the verb can read differently in Swedish.
    """

    kind: str
    text: str

    def __str__(self) -> str:
        return self.text.replace("_", " ")


# Not frozen and without slots: an exception's traceback and context are set on it as it
# propagates (contextlib assigns `__traceback__`), which a frozen dataclass refuses.
@dataclass(kw_only=True, eq=False)
class Refusal(Exception):
    """A command the rules refuse.

    `code` is a stable machine key; `message` an English template whose `{name}` placeholders
    `params` fill (the template is what the edge translates, so it never embeds a value);
    `field_path` names the offending field, from the command's own fields down.
    """

    code: str
    message: str
    params: Mapping[str, object] = field(default_factory=dict, hash=False)
    field_path: FieldPath = ()

    def text(self) -> str:
        """The refusal in English, its params filled in."""
        return self.message.format_map(self.params) if self.params else self.message

    def __str__(self) -> str:
        return self.text()


class NotFound(Refusal):
    """The command names something that does not exist."""


class Forbidden(Refusal):
    """The principal may not do this."""


class InvalidInput(Refusal):
    """The command's data is malformed; `field_path` names the field."""


class RuleViolated(Refusal):
    """The data is well formed but a domain rule refuses it."""


def unknown_command(command: Command) -> InvalidInput:
    """The refusal for a command type a decider does not handle (a wiring mistake)."""
    return InvalidInput(
        code="unknown_command",
        message="{command} is unknown.",
        params={"command": type(command).__name__},
    )


class VersionConflict(Exception):
    """The stream is not at the expected version; nothing was appended.

    Not a refusal: the rules were not asked. The caller read an older version of the stream
    (or lost a race to another writer) and may read again and retry.
    """

    def __init__(self, stream_id: str, expected: int | None, actual: int) -> None:
        super().__init__(f"stream {stream_id} is at version {actual}, not {expected}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual
