"""Depth, alias and cost limits of an operation, computed in time linear in the document.

strawberry's QueryDepthLimiter and MaxAliasesLimiter walk a fragment again at every spread, so
fragments that each spread the next one twice cost 2^n steps for n fragments: a few hundred bytes
blocked the event loop for seconds. This rule summarises every operation and fragment once, in
graphql-core's single validation pass, and then combines the summaries along the spreads (each
fragment once, in dependency order), so the work is proportional to the document however often
its fragments spread each other. Spreads still count each time, as if inlined: that is what the
operation would cost without fragments, and the doubling fragments are refused as too costly.

A fragment cycle contributes nothing here; graphql-core's NoFragmentCycles refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLObjectType,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    ValidationContext,
    ValidationRule,
    get_nullable_type,
)
from graphql.language.visitor import SKIP, VisitorAction

from schema.pagination import PAGE_CAP, page_size

MAX_DEPTH = 10
"""Fields nested inside fields; introspection (`__schema`, `__type`) does not count."""

MAX_ALIASES = 15
"""Aliased fields in one operation, fragments counted each time they are spread."""

LIST_SIZE = 20
"""The items assumed in a list that has no `first` argument (people of an organisation, …)."""

MAX_COST = 25_000
"""Fields an operation may resolve, with a list's fields counted once per assumed item: a page
counts `first` items (PAGE_CAP when `first` is a variable, the default page size when absent),
any other list LIST_SIZE. Every query of the client guide, the README and the tests costs far
less (the largest about 3,000)."""

TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
TOO_COSTLY = "QUERY_TOO_COSTLY"

_CEILING = 10**15
"""Totals saturate here, so doubling fragments cannot make the arithmetic itself expensive."""


def _capped(value: int) -> int:
    return min(value, _CEILING)


def _amount(value: int) -> str:
    return f"more than {_CEILING:,}" if value >= _CEILING else f"{value:,}"


@dataclass(frozen=True, slots=True)
class Totals:
    """What an operation or fragment amounts to with every spread inlined."""

    depth: int
    aliases: int
    cost: int


@dataclass(frozen=True, slots=True)
class _Spread:
    name: str
    depth: int  # fields enclosing the spread in its definition
    multiplier: int  # the product of the list sizes enclosing it


@dataclass(slots=True)
class _Summary:
    """One definition's own fields and the spreads it still has to add."""

    node: OperationDefinitionNode | FragmentDefinitionNode
    depth: int = 0
    aliases: int = 0
    cost: int = 0
    spreads: list[_Spread] = field(default_factory=list)


class OperationLimits(ValidationRule):
    """Refuses operations deeper than MAX_DEPTH, with more than MAX_ALIASES aliases, or costing
    more than MAX_COST; `work` counts its steps (visited nodes and combined spreads)."""

    max_depth = MAX_DEPTH
    max_aliases = MAX_ALIASES
    max_cost = MAX_COST

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.work = 0
        self._operations: list[_Summary] = []
        self._fragments: dict[str, _Summary] = {}
        self._current: _Summary | None = None
        # The cumulative list multiplier at each enclosing field with a selection set.
        self._multipliers: list[int] = []

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        self._begin(_Summary(node))
        self._operations.append(self._summary())

    def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: Any) -> None:
        self._begin(_Summary(node))
        self._fragments[node.name.value] = self._summary()

    def enter_field(self, node: FieldNode, *_: Any) -> VisitorAction:
        self.work += 1
        summary = self._summary()
        summary.depth = max(summary.depth, len(self._multipliers))
        summary.aliases += node.alias is not None
        enclosing = self._multipliers[-1] if self._multipliers else 1
        summary.cost = _capped(summary.cost + enclosing)
        if node.selection_set is None:
            return None
        if node.name.value.startswith("__"):
            # Introspection (dev mode only) is as deep as the type system, not the data.
            return SKIP
        self._multipliers.append(_capped(enclosing * self._list_size(node)))
        return None

    def leave_field(self, node: FieldNode, *_: Any) -> None:
        if node.selection_set is not None:
            self._multipliers.pop()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
        self.work += 1
        enclosing = self._multipliers[-1] if self._multipliers else 1
        spread = _Spread(node.name.value, len(self._multipliers), enclosing)
        self._summary().spreads.append(spread)

    def leave_document(self, *_: Any) -> None:
        fragments = self._fragment_totals()
        for operation in self._operations:
            self._check(operation, self._combine(operation, fragments))

    def _begin(self, summary: _Summary) -> None:
        self.work += 1
        self._current = summary
        self._multipliers = []

    def _summary(self) -> _Summary:
        assert self._current is not None, "fields are visited inside a definition"
        return self._current

    def _list_size(self, node: FieldNode) -> int:
        """How many times the field's selection set is resolved per resolution of the field."""
        definition = self.context.get_field_def()
        if definition is None:
            return 1  # unknown field: FieldsOnCorrectType refuses it
        if "first" in definition.args:
            return _first(node)
        if not isinstance(get_nullable_type(definition.type), GraphQLList):
            return 1
        parent = self.context.get_parent_type()
        if isinstance(parent, GraphQLObjectType) and "pageInfo" in parent.fields:
            return 1  # the items of a page: the field returning the page counted `first`
        return LIST_SIZE

    def _fragment_totals(self) -> dict[str, Totals]:
        """Each fragment's totals, fragments it spreads first (iteratively: chains may be long)."""
        done: dict[str, Totals] = {}
        started: set[str] = set()
        for root in self._fragments:
            if root in started:
                continue
            started.add(root)
            stack: list[tuple[str, int]] = [(root, 0)]
            while stack:
                name, index = stack.pop()
                spreads = self._fragments[name].spreads
                while index < len(spreads) and (
                    spreads[index].name not in self._fragments or spreads[index].name in started
                ):
                    index += 1  # unknown, done, or on the path (a cycle): nothing to wait for
                if index < len(spreads):
                    child = spreads[index].name
                    started.add(child)
                    stack.extend(((name, index + 1), (child, 0)))
                else:
                    done[name] = self._combine(self._fragments[name], done)
        return done

    def _combine(self, summary: _Summary, fragments: dict[str, Totals]) -> Totals:
        depth, aliases, cost = summary.depth, summary.aliases, summary.cost
        for spread in summary.spreads:
            self.work += 1
            inner = fragments.get(spread.name)
            if inner is None:
                continue  # unknown (KnownFragmentNames) or in a cycle (NoFragmentCycles)
            depth = max(depth, spread.depth + inner.depth)
            aliases = _capped(aliases + inner.aliases)
            cost = _capped(cost + spread.multiplier * inner.cost)
        return Totals(depth, aliases, cost)

    def _check(self, summary: _Summary, totals: Totals) -> None:
        node = summary.node
        name = f"'{node.name.value}'" if node.name else "'anonymous'"
        if totals.depth > self.max_depth:
            self._refuse(
                f"{name} exceeds maximum operation depth of {self.max_depth}"
                f" (fields nested {totals.depth} deep)",
                TOO_DEEP,
                node,
            )
        if totals.aliases > self.max_aliases:
            self._refuse(
                f"{name} uses {_amount(totals.aliases)} aliases (fragments count each time they"
                f" are spread); at most {self.max_aliases} are allowed",
                TOO_MANY_ALIASES,
                node,
            )
        if totals.cost > self.max_cost:
            self._refuse(
                f"{name} is estimated to resolve {_amount(totals.cost)} fields (fragments count"
                f" each time they are spread, list fields once per item); at most"
                f" {self.max_cost:,} are allowed: ask for fewer fields or smaller pages",
                TOO_COSTLY,
                node,
            )

    def _refuse(self, message: str, code: str, node: Any) -> None:
        self.report_error(GraphQLError(message, node, extensions={"code": code}))


def _first(node: FieldNode) -> int:
    """The page size a field's `first` argument asks for; PAGE_CAP when it is a variable."""
    for argument in node.arguments or ():
        if argument.name.value != "first":
            continue
        if isinstance(argument.value, IntValueNode):
            return page_size(int(argument.value.value))
        if isinstance(argument.value, NullValueNode):
            return page_size(None)
        return PAGE_CAP  # a variable, known only at execution
    return page_size(None)


__all__ = [
    "MAX_ALIASES",
    "MAX_COST",
    "MAX_DEPTH",
    "TOO_COSTLY",
    "TOO_DEEP",
    "TOO_MANY_ALIASES",
    "OperationLimits",
    "Totals",
]
