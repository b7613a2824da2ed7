"""Expected outcomes that are not successes, as GraphQL union members (not top-level errors)."""

from __future__ import annotations

import strawberry


@strawberry.type(description="The thing named does not exist, or is not visible to the caller.")
class NotFound:
    message: str


@strawberry.type(description="The caller may not do this.")
class Forbidden:
    message: str
    code: str


@strawberry.type(description="The stream moved on since the caller read it.")
class VersionConflict:
    message: str
    expected_version: int | None
    actual_version: int


@strawberry.type(description="The input is malformed; `field` is the path of the offending field.")
class InvalidInput:
    message: str
    code: str
    field: list[str]


@strawberry.type(description="The input is well formed but a rule of the process refuses it.")
class RuleViolated:
    message: str
    code: str


@strawberry.type(
    description="The command id was already used by your organisation for a different command "
    "(another type, target or input, or another person); nothing was decided or appended. "
    "Send a new command under a new id."
)
class IdempotencyKeyReused:
    message: str
    code: str


class ClientError(Exception):
    """An error whose message is meant for the client (a bad cursor or token); never masked."""
