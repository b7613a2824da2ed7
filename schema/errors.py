"""Expected outcomes that are not successes, as GraphQL union members (not top-level errors)."""

from __future__ import annotations

import enum

import strawberry

from schema import error_codes as codes

CODE = "A stable machine key for the case; the message is for people and may change."
MESSAGE = "For people: Swedish by default, English when the request has `Accept-Language: en`."


@strawberry.type(
    description=codes.describe(
        "The thing named does not exist, or is not visible to the caller.", codes.NOT_FOUND
    )
)
class NotFound:
    message: str = strawberry.field(description=MESSAGE)
    code: str = strawberry.field(description=CODE)


@strawberry.type(description=codes.describe("The caller may not do this.", codes.FORBIDDEN))
class Forbidden:
    message: str = strawberry.field(description=MESSAGE)
    code: str = strawberry.field(description=CODE)


@strawberry.type(
    description=codes.describe(
        "The stream moved on since the caller read it.", codes.VERSION_CONFLICT
    )
)
class VersionConflict:
    message: str = strawberry.field(description=MESSAGE)
    code: str = strawberry.field(description=CODE)
    expected_version: int | None
    actual_version: int


@strawberry.type(description=codes.describe("The input is malformed.", codes.INVALID_INPUT))
class InvalidInput:
    message: str = strawberry.field(description=MESSAGE)
    code: str = strawberry.field(description=CODE)
    field: list[str] = strawberry.field(
        description="The path of the offending value, one segment per item, from the "
        'argument down: `["input", "commitment", "target", "quantity"]`; list positions '
        'are numbers in string form (`["input", "content", "focusAreas", "2", "title"]`). '
        "Empty when no single field is at fault."
    )


@strawberry.type(
    description=codes.describe(
        "The input is well formed but a rule of the process refuses it.", codes.RULE_VIOLATED
    )
)
class RuleViolated:
    message: str = strawberry.field(description=MESSAGE)
    code: str = strawberry.field(description=CODE)
    field: list[str] = strawberry.field(
        default_factory=list,
        description="The path of the value the rule is about, as InvalidInput's `field` "
        '(`["input", "occurredOn"]`); empty when no single field is at fault.',
    )


@strawberry.type(
    description=codes.describe(
        "The command id was already used by your organisation for a different command "
        "(another type, target or input, or another person); nothing was decided or appended. "
        "Send a new command under a new id.",
        codes.IDEMPOTENCY_KEY_REUSED,
    )
)
class IdempotencyKeyReused:
    message: str = strawberry.field(description=MESSAGE)
    code: str = strawberry.field(description=CODE)


@strawberry.enum(
    description="A kind of consequence a command can have for someone else's act. A mutation "
    "whose command would have one answers ConfirmationRequired, and appends nothing, unless "
    "its `acknowledge` argument lists the kind."
)
class ConsequenceKind(enum.Enum):
    VOID_SIGNATURES = strawberry.enum_value(
        "void_signatures",
        description="Signatures already given are voided (an edit or reopening of a proposal, "
        "a withdrawal): the signatories must sign the new revision again.",
    )


@strawberry.type(description="What a command would do to someone else's act.")
class Consequence:
    kind: ConsequenceKind = strawberry.field(description="What to acknowledge to go ahead.")
    code: str = strawberry.field(description="A stable machine key: signature_voided.")
    message: str = strawberry.field(description=MESSAGE)
    organisation_id: str | None = strawberry.field(
        description="The organisation whose act is undone (whose signature is voided)."
    )
    revision_no: int | None = strawberry.field(description="The revision it concerns.")


@strawberry.type(
    description="The command would undo someone else's act (see `consequences`) and did not "
    "acknowledge it; nothing was appended. Show the consequences and, if the user agrees, "
    "send the same command again with `acknowledge` listing their kinds. `code` is "
    "confirmation_required."
)
class ConfirmationRequired:
    message: str = strawberry.field(description=MESSAGE)
    code: str = strawberry.field(description=CODE)
    consequences: list[Consequence]


@strawberry.type(
    description="The thing asked for did not exist yet, as far as the caller may see it, at "
    "the log position asked for (`asOf`, `asOfTime`); it first does at `firstLogIndex`. "
    "`code` is not_yet_existing."
)
class NotYetExisting:
    message: str = strawberry.field(description=MESSAGE)
    code: str = strawberry.field(description=CODE)
    first_log_index: int = strawberry.field(
        description="The first log index at which the caller can see it."
    )


class ClientError(Exception):
    """An error whose message is meant for the client (a bad cursor or token); never masked."""
