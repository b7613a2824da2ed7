"""Expected outcomes that are not successes, as GraphQL union members (not top-level errors)."""

from __future__ import annotations

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


class ClientError(Exception):
    """An error whose message is meant for the client (a bad cursor or token); never masked."""
