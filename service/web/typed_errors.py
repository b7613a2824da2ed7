"""Text the database cannot store, sent in a GraphQL argument, as a typed error, not masked.

A NUL (`"\\u0000"` in a GraphQL string) or another character PostgreSQL refuses reaches the
database only as a read's argument (writes refuse it earlier, in the domain's text checks, and
request bodies holding one are refused whole). PostgreSQL answers with a data error; that is
the caller's input, so it is answered as `BAD_USER_INPUT`, not hidden as "Internal error".
"""

from __future__ import annotations

from collections.abc import Iterator

import asyncpg
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from schema.errors import ClientError

BAD_USER_INPUT = "BAD_USER_INPUT"
_UNSTORABLE = (
    asyncpg.exceptions.CharacterNotInRepertoireError,  # a NUL in a text parameter
    asyncpg.exceptions.UntranslatableCharacterError,  # \u0000 in a jsonb parameter
)


class UnstorableText(ClientError):
    """An argument holds a character the database cannot store."""


def unstorable(error: BaseException | None) -> bool:
    """True when `error`, or an error it was raised from, is PostgreSQL refusing a character."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, _UNSTORABLE):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


class TypedUnstorable(SchemaExtension):
    """Types those errors before errors are masked (it must come after MaskErrors)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is None or not errors:
            return
        result.errors = [_typed(e) if unstorable(e.original_error) else e for e in errors]


def _typed(error: GraphQLError) -> GraphQLError:
    return GraphQLError(
        "an argument holds a character that cannot be stored (a NUL, say)",
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=UnstorableText("unstorable character"),
        extensions={"code": BAD_USER_INPUT},
    )
