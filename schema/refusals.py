"""Domain refusals as GraphQL union members, in the language of the request.

One shape for every error: a machine `code`, a `message` in the caller's language (Swedish by
default, English on `Accept-Language: en`) and, on InvalidInput, `field`: the path of the
offending value as separate segments from the mutation's argument down, GraphQL-style, e.g.
`["input", "commitment", "target", "quantity"]` or `["input", "content", "focusAreas", "2",
"title"]` (list positions as numbers in string form). The domain names fields by their Python
names from the command down; here they become the client's (camelCase) names.
"""

from __future__ import annotations

from strawberry.utils.str_converters import to_camel_case

from events.consequences import ConfirmationRequired
from events.idempotency import IdempotencyKeyReused
from events.messages import FieldPath, Forbidden, InvalidInput, NotFound, Refusal, VersionConflict
from schema import errors
from schema.i18n.catalogue import render

ARGUMENTS = frozenset({"commandId", "expectedVersion"})
"""Mutation arguments besides `input`: a path that starts with one of them is not under input."""


def graphql_path(path: FieldPath) -> list[str]:
    """The client's path for a domain field path: from the argument down, camelCase, indices."""
    segments = [str(s) if isinstance(s, int) else to_camel_case(s) for s in path]
    if segments and segments[0] in ARGUMENTS:
        return segments
    return ["input", *segments]


def _params(refusal: Refusal) -> dict[str, object]:
    params = dict(refusal.params)
    if "field" in params and refusal.field_path:
        # The message names the field as the client knows it (its path below `input`).
        shown = graphql_path(refusal.field_path)
        params["field"] = ".".join(shown[1:] if shown[0] == "input" else shown)
    return params


def message(refusal: Refusal, language: str) -> str:
    """The refusal's message in `language`."""
    return render(refusal.message, _params(refusal), language)


RefusalResult = (
    errors.Forbidden
    | errors.NotFound
    | errors.InvalidInput
    | errors.RuleViolated
    | errors.ConfirmationRequired
)


def confirmation_result(
    refusal: ConfirmationRequired, language: str
) -> errors.ConfirmationRequired:
    """The union member for a command with unacknowledged consequences, in `language`."""
    consequences = [
        errors.Consequence(
            kind=errors.ConsequenceKind(c.kind),
            code=c.code,
            message=render(c.message, c.params, language),
            organisation_id=c.organisation_id,
            revision_no=c.revision_no,
        )
        for c in refusal.consequences
    ]
    params = {**refusal.params, "consequences": " ".join(c.message for c in consequences)}
    return errors.ConfirmationRequired(
        message=render(refusal.message, params, language),
        code=refusal.code,
        consequences=consequences,
    )


def refusal_result(refusal: Refusal, language: str) -> RefusalResult:
    """The union member for a domain refusal, its message in `language`."""
    if isinstance(refusal, ConfirmationRequired):
        return confirmation_result(refusal, language)
    text = message(refusal, language)
    if isinstance(refusal, Forbidden):
        return errors.Forbidden(message=text, code=refusal.code)
    if isinstance(refusal, NotFound):
        return errors.NotFound(message=text, code=refusal.code)
    field = graphql_path(refusal.field_path) if refusal.field_path else []
    if isinstance(refusal, InvalidInput):
        return errors.InvalidInput(message=text, code=refusal.code, field=field)
    return errors.RuleViolated(message=text, code=refusal.code, field=field)


def forbidden_result(refusal: Forbidden, language: str) -> errors.Forbidden:
    """The Forbidden member for a read the caller may not make, its message in `language`."""
    return errors.Forbidden(message=message(refusal, language), code=refusal.code)


def conflict_result(conflict: VersionConflict, language: str) -> errors.VersionConflict:
    """The union member for an append at a stale expected version."""
    refusal = Refusal(
        code="version_conflict",
        message="The stream is at version {actual}, not {expected}; read it again and retry.",
        params={"actual": conflict.actual, "expected": conflict.expected},
    )
    return errors.VersionConflict(
        message=message(refusal, language),
        code=refusal.code,
        expected_version=conflict.expected,
        actual_version=conflict.actual,
    )


def reused_result(reused: IdempotencyKeyReused, language: str) -> errors.IdempotencyKeyReused:
    """The union member for a command id already used for a different command."""
    refusal = Refusal(
        code="idempotency_key_reused",
        message=(
            "The command id {command_id!r} was already used for a different command; "
            "send the new command under a new id."
        ),
        params={"command_id": reused.command_id},
    )
    return errors.IdempotencyKeyReused(message=message(refusal, language), code=refusal.code)
