"""The executor: graphql-core's, as Strawberry configures it, with a shorter path for the
commonest fields there are — plain attributes holding a scalar, or a list of objects made only
of such fields.

A page of 20 promises with their progress is about 600 fields, nearly all of them attributes
of a Strawberry object holding a string, a number or an enum value, and 120 of them objects
holding nothing else. For each leaf, graphql-core builds a path entry and a resolve-info
object, asks twice whether the result is awaitable and walks `complete_value` through the
non-null wrapper to the scalar's serialiser; for each object in a list, it adds a path entry
and walks seven calls down to the same loop over its fields. Together that costs more than the
rest of the request's Python.

A field is *basic* when Strawberry itself marks it so (no resolver, no permission or field
extension: its value is the attribute read with the schema's default resolver, `getattr`), it
has no arguments and no directives, and no field middleware runs. A basic field is *plain*
when its type is a scalar or enum (nullable or not), or a list of objects (no `is_type_of`
predicate, no deferred or streamed part) whose selected fields are all plain. A plain field is
read and completed directly, without a path entry or a resolve-info object; so is a list
whose items are such objects, whatever field returned it. Anything else, and any value that is
not plainly completed (None where null is not allowed, an exception, an awaitable, a value the
serialiser refuses, anything but a list or tuple where a list is expected), takes
graphql-core's own path from the start — for a list, the whole list — so results and errors
stay exactly graphql-core's. Reading a plain field twice is harmless: it is an attribute read.
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from graphql import (
    GraphQLBoolean,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfoHelpers,
    GraphQLSchema,
    GraphQLString,
    is_leaf_type,
)
from graphql.pyutils import Path, Undefined, gather_with_cancel, is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

_NOT_PLAIN = object()
"""The short path does not apply; graphql-core's path answers."""

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
"""GraphQL's Int: a signed 32-bit integer."""


def _as_is(leaf_type: GraphQLLeafType) -> type | None:
    """The Python type whose values the scalar's serialiser returns unchanged (an `int` only
    within GraphQL's Int range), or None."""
    if leaf_type in (GraphQLString, GraphQLID):
        return str
    if leaf_type is GraphQLInt:
        return int
    if leaf_type is GraphQLBoolean:
        return bool
    return None


_SYNC = frozenset({str, int, float, bool})
"""Types of value that are never awaitable nor an exception."""


class _Leaf(NamedTuple):
    """A plain scalar or enum field."""

    read: Callable[[Any], Any]
    leaf_type: GraphQLLeafType
    nullable: bool
    as_is: type | None
    """The type of value that is its own serialisation (see _as_is)."""


class _Objects(NamedTuple):
    """A plain list of objects: the items' selection, every field plain."""

    read: Callable[[Any], Any]
    fields: list[_Planned]
    nullable: bool
    """Whether the list itself may be null."""


class _ListOf(NamedTuple):
    """A basic field holding a list: plain when its items' selection is."""

    read: Callable[[Any], Any]
    item_type: Any
    nullable: bool


_FIELDS: weakref.WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str], _Leaf | _ListOf | None]]
_FIELDS = weakref.WeakKeyDictionary()
"""Per schema, the plain reading of each (type, field) asked for: it depends on the schema
alone, so it is worked out once, not in every request."""

_Planned = tuple[str, Any, "_Leaf | _Objects | None"]
"""One entry of an object's selection: response name, field group, and how to read it plainly
(None: graphql-core's path)."""


def _leaf_of(return_type: GraphQLOutputType) -> tuple[GraphQLLeafType, bool] | None:
    """(the scalar or enum type, whether null is allowed) of a leaf field, else None."""
    if isinstance(return_type, GraphQLNonNull):
        inner = return_type.of_type
        return (inner, False) if is_leaf_type(inner) else None
    return (return_type, True) if is_leaf_type(return_type) else None


def _plain_value(plain: _Leaf | _Objects, source: Any) -> Any:
    """The completed value of a plain field of `source`, or _NOT_PLAIN."""
    if type(plain) is _Objects:
        return _plain_list(plain, source)
    read, leaf_type, nullable, as_is = plain  # type: ignore[misc]
    try:
        value = read(source)
    except Exception:  # graphql-core reads it again and reports it as it does
        return _NOT_PLAIN
    kind = type(value)
    if kind is as_is and (kind is not int or _INT_MIN <= value <= _INT_MAX):
        return value
    if value is None or value is Undefined:
        return None if nullable else _NOT_PLAIN
    if kind not in _SYNC and (isinstance(value, Exception) or is_awaitable(value)):
        return _NOT_PLAIN
    try:
        coerced = leaf_type.coerce_output_value(value)
    except Exception:  # graphql-core raises the same and locates the error
        return _NOT_PLAIN
    if coerced is None or coerced is Undefined:
        return _NOT_PLAIN
    return coerced


def _plain_list(plain: _Objects, source: Any) -> Any:
    """The completed list of a plain list field of `source`, or _NOT_PLAIN."""
    try:
        items = plain.read(source)
    except Exception:  # graphql-core reads it again and reports it as it does
        return _NOT_PLAIN
    if items is None:
        return None if plain.nullable else _NOT_PLAIN
    if not isinstance(items, list | tuple):
        return _NOT_PLAIN
    completed = _objects(items, plain.fields)
    return _NOT_PLAIN if completed is None else completed


def _helpers_of(executor: Executor) -> GraphQLResolveInfoHelpers:
    """The resolve-info helpers of `executor`, holding it weakly.

    graphql-core's hold its own bound methods, so every request's executor was a reference
    cycle, and with it everything it reached (the context, its loaders and reader, the
    documents read and the answer being built) was freed only by the garbage collector instead
    of when the request ended: about a tenth of an API process's CPU under `make load` went
    to collecting them. Resolve infos, the only holders of these helpers, are used while the
    executor executes, and so while it is alive."""
    return GraphQLResolveInfoHelpers(
        gather=_weakly(executor.gather_async_work), track=_weakly(executor.track_async_work)
    )


def _weakly(method: Callable[[Sequence[Any]], Any]) -> Callable[[Sequence[Any]], Any]:
    held = weakref.WeakMethod(method)

    def call(values: Sequence[Any]) -> Any:
        bound = held()
        if bound is None:
            raise RuntimeError("a resolve info was used after its execution ended")
        return bound(values)

    return call


class Executor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor with the short paths for plain fields and lists of plain objects
    (one per request, like graphql-core's)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = _helpers_of(self)
        middleware = self.middleware_manager
        self._middleware = middleware is not None and bool(middleware.middlewares)
        self._fields = _FIELDS.setdefault(self.schema, {})
        self._plans: dict[tuple[str, int], tuple[Any, list[_Planned], bool]] = {}

    def _field(self, parent_type: GraphQLObjectType, name: str) -> _Leaf | _ListOf | None:
        """A basic field's plain reading: a scalar or enum, or a list (of objects, if plain
        at all); None for anything else."""
        field_def = self.schema.get_field(parent_type, name)
        if field_def is None or field_def.args:
            return None
        resolve = field_def.resolve
        if resolve is None or not getattr(resolve, "_is_default", False):
            return None
        field = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if field is None or field.default_resolver is not getattr or not field.python_name:
            return None
        read = operator.attrgetter(field.python_name)
        return_type: Any = field_def.type
        leaf = _leaf_of(return_type)
        if leaf is not None:
            leaf_type, nullable = leaf
            return _Leaf(read, leaf_type, nullable, _as_is(leaf_type))
        nullable = not isinstance(return_type, GraphQLNonNull)
        list_type = return_type if nullable else return_type.of_type
        if not isinstance(list_type, GraphQLList):
            return None
        return _ListOf(read, list_type.of_type, nullable)

    def _reading(self, parent_type: GraphQLObjectType, group: Any) -> _Leaf | _Objects | None:
        """How to read the field of `group` plainly, or None."""
        node = group[0].node
        if self._middleware or len(group) != 1 or node.arguments or node.directives:
            return None
        key = (parent_type.name, node.name.value)
        if key not in self._fields:
            self._fields[key] = self._field(parent_type, node.name.value)
        field = self._fields[key]
        if field is None or type(field) is _Leaf:
            return field
        assert type(field) is _ListOf
        fields = self._plain_selection(field.item_type, group)
        return None if fields is None else _Objects(field.read, fields, field.nullable)

    def _plain_selection(self, item_type: Any, group: Any) -> list[_Planned] | None:
        """The selection of the objects of a list, when their type allows the short path and
        every selected field is plain; else None."""
        object_type = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if not isinstance(object_type, GraphQLObjectType) or object_type.is_type_of is not None:
            return None
        if any(details.node.directives for details in group):
            return None
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, group)
        if new_defer_usages:
            return None
        planned, every = self._plan(object_type, grouped_field_set)
        return planned if every else None

    def _plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: Any
    ) -> tuple[list[_Planned], bool]:
        """The selection of an object type, each field with its plain reading (or None), and
        whether all of them are plain. Memoised on the identity of the field set, which is
        kept alive with it so that its id cannot be reused during the request."""
        key = (parent_type.name, id(grouped_field_set))
        cached = self._plans.get(key)
        if cached is not None:
            return cached[1], cached[2]
        planned: list[_Planned] = [
            (name, group, self._reading(parent_type, group))
            for name, group in grouped_field_set.items()
        ]
        every = all(plain is not None for _, _, plain in planned)
        self._plans[key] = (grouped_field_set, planned, every)
        return planned, every

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's `execute_fields`, reading plain fields directly."""
        planned, _ = self._plan(parent_type, grouped_field_set)
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        execute_field = super().execute_field
        try:
            for response_name, group, plain in planned:
                if plain is not None:
                    value = _plain_value(plain, source_value)
                    if value is not _NOT_PLAIN:
                        results[response_name] = value
                        continue
                result = execute_field(
                    parent_type,
                    source_value,
                    group,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._gathered(results, awaitable_fields)

    async def _gathered(self, results: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        """The results with their awaitable fields awaited, as graphql-core gathers them."""
        if len(fields) == 1:
            results[fields[0]] = await results[fields[0]]
            return results
        awaited = await gather_with_cancel(*(results[field] for field in fields))
        results.update(zip(fields, awaited, strict=True))
        return results

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: Any,
        info: Any,
        path: Path,
        items: Any,
        position_context: Any,
    ) -> Any:
        """A list of plain objects in one loop; anything else as graphql-core does."""
        completed = self._plain_objects(item_type, field_details_list, items)
        if completed is not None:
            return completed
        return super().complete_iterable_value(
            item_type, field_details_list, info, path, items, position_context
        )

    def _plain_objects(
        self, item_type: GraphQLOutputType, field_details_list: Any, items: Any
    ) -> list[dict[str, Any]] | None:
        """The completed list when every item is an object whose selected fields are all
        plain and plainly completed; None when graphql-core's path must answer."""
        if not isinstance(items, list | tuple):
            return None
        fields = self._plain_selection(item_type, field_details_list)
        return None if fields is None else _objects(items, fields)


def _objects(items: Sequence[Any], planned: list[_Planned]) -> list[dict[str, Any]] | None:
    """Each item's plain fields, or None as soon as one item or value is not plain."""
    completed: list[dict[str, Any]] = []
    for item in items:
        if item is None:
            return None
        out: dict[str, Any] = {}
        for name, _, plain in planned:
            value = _plain_value(plain, item)  # type: ignore[arg-type]  # all plain
            if value is _NOT_PLAIN:
                return None
            out[name] = value
        completed.append(out)
    return completed
