"""The executor: graphql-core's, as Strawberry configures it, with a shorter path for the
commonest field there is, a plain attribute holding a scalar.

A page of 20 promises with their progress is about 600 fields, nearly all of them attributes
of a Strawberry object holding a string, a number or an enum value; for each, graphql-core
builds a resolve-info object, asks twice whether the result is awaitable and walks
`complete_value` through the non-null wrapper to the scalar's serialiser, which costs more than
the rest of the request's Python together. For a field Strawberry itself marks as basic (no
resolver, no permission or field extension: its resolver only reads the attribute and ignores
the info), without arguments and without a field middleware, whose type is a scalar or enum
(nullable or not), this reads the attribute and serialises it directly. Anything else, and any
value that is not plainly serialisable (None for a non-null field, an exception, an awaitable,
a value the serialiser refuses), takes graphql-core's own path from the start, so results and
errors stay exactly graphql-core's.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    is_leaf_type,
)
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_NOT_PLAIN = object()
"""The short path does not apply; graphql-core's path answers."""


def _leaf_of(return_type: GraphQLOutputType) -> tuple[GraphQLLeafType, bool] | None:
    """(the scalar or enum type, whether null is allowed) of a leaf field, else None."""
    if isinstance(return_type, GraphQLNonNull):
        inner = return_type.of_type
        return (inner, False) if is_leaf_type(inner) else None
    return (return_type, True) if is_leaf_type(return_type) else None


_Plain = tuple[Any, GraphQLLeafType, bool]
"""A plain leaf field's resolver, scalar or enum type, and whether null is allowed."""


class Executor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor with the short path for plain scalar attributes (one per
    request, like graphql-core's)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        middleware = self.middleware_manager
        self._middleware = middleware is not None and bool(middleware.middlewares)
        self._plain: dict[tuple[str, str], _Plain | None] = {}

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        value = self._plain_leaf(parent_type, source, field_details_list)
        if value is not _NOT_PLAIN:
            return value
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def _plain_field(self, parent_type: GraphQLObjectType, name: str) -> _Plain | None:
        """What the short path needs for this field, or None when it does not apply."""
        if self._middleware:
            return None
        field_def = self.schema.get_field(parent_type, name)
        if field_def is None or field_def.args:
            return None
        resolve = field_def.resolve
        if resolve is None or not getattr(resolve, "_is_default", False):
            return None
        leaf = _leaf_of(field_def.type)
        return None if leaf is None else (resolve, leaf[0], leaf[1])

    def _plain_leaf(self, parent_type: GraphQLObjectType, source: Any, details: Any) -> Any:
        node = details[0].node
        if node.arguments:
            return _NOT_PLAIN
        key = (parent_type.name, node.name.value)
        try:
            plain = self._plain[key]
        except KeyError:
            plain = self._plain[key] = self._plain_field(parent_type, node.name.value)
        if plain is None:
            return _NOT_PLAIN
        resolve, leaf_type, nullable = plain
        try:
            value = resolve(source, None)
        except Exception:  # graphql-core reads it again and reports it as it does
            return _NOT_PLAIN
        if value is None or value is Undefined:
            return None if nullable else _NOT_PLAIN
        if isinstance(value, Exception) or self.is_awaitable(value):
            return _NOT_PLAIN
        try:
            coerced = leaf_type.coerce_output_value(value)
        except Exception:  # graphql-core raises the same and locates the error
            return _NOT_PLAIN
        if coerced is None or coerced is Undefined:
            return _NOT_PLAIN
        return coerced
