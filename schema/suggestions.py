"""No "Did you mean …?" outside dev mode: a suggestion names the schema's fields, arguments,
types, input fields and enum values to whoever sends a typo, introspection or not.

strawberry's `disable_field_suggestions` only trims "Cannot query field" messages; graphql-core
also suggests unknown arguments, types (a fragment's type condition), input fields (in a literal
or a variable) and enum values, at validation and at variable coercion. strawberry passes every
error of every operation (query, mutation, subscription) through `remove_field_suggestion`
before it reaches the client when the setting is on, so this schema widens that one hook.
"""

from __future__ import annotations

import re

import strawberry
from graphql import GraphQLError

SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")
"""graphql-core's did_you_mean(): " Did you mean 'a', 'b', or 'c'?" (names hold no "?")."""


def without_suggestions(message: str) -> str:
    """The message with every "Did you mean …?" removed."""
    return SUGGESTION.sub("", message)


class Schema(strawberry.Schema):
    """A strawberry Schema whose `disable_field_suggestions` removes every kind of suggestion."""

    @staticmethod
    def remove_field_suggestion(error: GraphQLError) -> None:
        """Strip suggestions in place, as strawberry does for field suggestions."""
        error.message = without_suggestions(error.message)


__all__ = ["Schema", "without_suggestions"]
