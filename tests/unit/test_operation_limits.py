"""Depth, alias and cost limits: refusals, what they count, and work linear in the document."""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
import strawberry
from graphql import GraphQLError, get_introspection_query, parse, validate
from hypothesis import given, settings
from hypothesis import strategies as st

from schema.api import build_schema
from schema.limits import (
    LIST_SIZE,
    MAX_ALIASES,
    MAX_COST,
    MAX_DEPTH,
    TOO_COSTLY,
    TOO_DEEP,
    TOO_MANY_ALIASES,
    OperationLimits,
    Totals,
)
from schema.pagination import PAGE_CAP

ROOT = Path(__file__).resolve().parents[2]

CALLS_PER_CHARACTER = 100
"""Python calls validation may make per character of the document (about 10 today)."""


@pytest.fixture(scope="module")
def prod() -> strawberry.Schema:
    return build_schema(dev=False)


@pytest.fixture(scope="module")
def dev() -> strawberry.Schema:
    return build_schema(dev=True)


class Recording(OperationLimits):
    """The rule, keeping the last instance so a test can read its work and totals."""

    last: Recording | None = None

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.totals: list[Totals] = []
        Recording.last = self

    def _check(self, summary: Any, totals: Totals) -> None:
        self.totals.append(totals)
        super()._check(summary, totals)


def limits(schema: strawberry.Schema, document: str) -> tuple[list[GraphQLError], Recording]:
    """The errors of the limits rule alone, and the rule that found them."""
    errors = validate(schema._schema, parse(document), [Recording])
    assert Recording.last is not None
    return errors, Recording.last


def cost(schema: strawberry.Schema, document: str) -> int:
    """The cost the rule computes for the document's one operation."""
    _, rule = limits(schema, document)
    [totals] = rule.totals
    return totals.cost


def codes(errors: list[GraphQLError] | None) -> list[object]:
    return [(e.extensions or {}).get("code") for e in errors or ()]


def doubling(levels: int, fan_out: int = 2, name: str = "Doubling") -> str:
    """Fragments that each spread the next one `fan_out` times, `levels` deep."""
    fragments = [
        f"fragment F{i} on Query {{ {' '.join([f'...F{i + 1}'] * fan_out)} }}"
        for i in range(levels)
    ]
    fragments.append(f"fragment F{levels} on Query {{ logSize }}")
    return f"query {name} {{ ...F0 }} " + " ".join(fragments)


class BudgetExceeded(Exception):
    """More Python calls than the test allows."""


@contextlib.contextmanager
def call_budget(limit: int) -> Iterator[list[int]]:
    """Count Python function calls in the block; raise BudgetExceeded once past `limit`.

    A count, not a clock: it does not depend on how loaded the machine is, and it stops a
    runaway validation after `limit` calls instead of after hours.
    """
    calls = [0]

    def trace(frame: FrameType, event: str, arg: object) -> None:
        calls[0] += 1
        if calls[0] > limit:
            raise BudgetExceeded(f"more than {limit} calls")

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        yield calls
    finally:
        sys.settrace(previous)


def test_fragments_doubling_thirty_levels_deep_are_refused_in_work_linear_in_the_document(
    prod: strawberry.Schema,
) -> None:
    document = doubling(30, name="Doubling30")
    budget = CALLS_PER_CHARACTER * len(document)
    with call_budget(budget) as calls:
        result = prod.execute_sync(document)
    assert calls[0] <= budget
    assert codes(result.errors) == [TOO_COSTLY], result.errors
    message = result.errors[0].message if result.errors else ""
    assert "1,073,741,824 fields" in message
    assert f"at most {MAX_COST:,}" in message


def test_a_fragment_cycle_is_refused_and_the_limits_do_not_loop(prod: strawberry.Schema) -> None:
    document = (
        "query Cycle { ...A } fragment A on Query { logSize ...B } "
        "fragment B on Query { ...C ...A } fragment C on Query { ...B logSize }"
    )
    with call_budget(CALLS_PER_CHARACTER * len(document)):
        result = prod.execute_sync(document)
    messages = [e.message for e in result.errors or ()]
    assert any("Cannot spread fragment" in m for m in messages), messages


@settings(max_examples=60, deadline=None)
@given(levels=st.integers(min_value=1, max_value=40), fan_out=st.integers(1, 4))
def test_the_work_of_the_limits_is_linear_in_the_document_and_they_refuse_exactly_the_costly(
    prod: strawberry.Schema, levels: int, fan_out: int
) -> None:
    document = doubling(levels, fan_out)
    errors, rule = limits(prod, document)
    assert rule.work <= len(document)
    expected = fan_out**levels  # every spread inlined: that many logSize fields
    assert codes(errors) == ([TOO_COSTLY] if expected > MAX_COST else [])
    [totals] = rule.totals
    assert totals.cost == min(expected, 10**15)


def nested_parents(levels: int, *, through_fragments: bool) -> str:
    """`organisation { parent { id parent { … } } }`, inline or one fragment per level."""
    if not through_fragments:
        inner = "id"
        for _ in range(levels):
            inner = f"parent {{ id {inner} }}"
        return f'query {{ organisation(id: "x") {{ {inner} }} }}'
    fragments = [
        f"fragment P{i} on Organisation {{ parent {{ id ...P{i + 1} }} }}" for i in range(levels)
    ]
    fragments.append(f"fragment P{levels} on Organisation {{ id }}")
    return 'query { organisation(id: "x") { ...P0 } } ' + " ".join(fragments)


@pytest.mark.parametrize("through_fragments", [False, True])
def test_depth_counts_the_fields_a_fragment_adds_where_it_is_spread(
    prod: strawberry.Schema, through_fragments: bool
) -> None:
    deepest_allowed = MAX_DEPTH - 1  # organisation, then `levels` parents, then id
    allowed, _ = limits(prod, nested_parents(deepest_allowed, through_fragments=through_fragments))
    assert allowed == []
    refused, _ = limits(prod, nested_parents(MAX_DEPTH, through_fragments=through_fragments))
    assert codes(refused) == [TOO_DEEP]
    assert "exceeds maximum operation depth of 10" in refused[0].message


def test_aliases_count_every_spread_of_a_fragment_spread_inside_another(
    prod: strawberry.Schema,
) -> None:
    def document(aliases: int) -> str:
        fields = " ".join(f"a{i}: logSize" for i in range(aliases))
        return (
            "query { ...Twice ...Twice } fragment Twice on Query { ...Fields ...Fields } "
            f"fragment Fields on Query {{ {fields} }}"
        )

    allowed, _ = limits(prod, document(MAX_ALIASES // 4))
    assert allowed == []
    refused, _ = limits(prod, document(MAX_ALIASES // 4 + 1))
    assert codes(refused) == [TOO_MANY_ALIASES]
    assert "16 aliases" in refused[0].message


def test_a_page_counts_the_items_first_asks_for_and_a_variable_counts_the_page_cap(
    prod: strawberry.Schema,
) -> None:
    # promises (1) + the page's items (n) + an id per item (n)
    assert cost(prod, "{ promises(first: 5) { promises { id } } }") == 1 + 5 + 5
    assert cost(prod, "{ promises(first: 5000) { promises { id } } }") == 1 + 2 * PAGE_CAP
    assert cost(prod, "query($n: Int) { promises(first: $n) { promises { id } } }") == (
        1 + 2 * PAGE_CAP
    )
    assert cost(prod, "{ promises { promises { id } } }") == 1 + 2 * 20


def test_a_list_without_first_counts_list_size_items_per_enclosing_item(
    prod: strawberry.Schema,
) -> None:
    document = "{ organisations { name people { name title } } }"
    assert cost(prod, document) == 1 + LIST_SIZE * (2 + LIST_SIZE * 2)


def test_fifteen_aliased_full_pages_of_promises_with_their_progress_are_too_costly(
    prod: strawberry.Schema,
) -> None:
    page = "promises(first: 100) { promises { id title progress { text status colour } } }"
    one, _ = limits(prod, f"{{ {page} }}")
    assert one == []
    many, _ = limits(prod, "{ " + " ".join(f"p{i}: {page}" for i in range(15)) + " }")
    assert codes(many) == [TOO_COSTLY]


def graphql_blocks(path: Path) -> list[str]:
    return re.findall(r"```graphql\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def test_every_operation_in_the_readme_and_the_client_guide_is_within_the_limits(
    prod: strawberry.Schema,
) -> None:
    blocks = graphql_blocks(ROOT / "README.md") + graphql_blocks(ROOT / "docs" / "client-guide.md")
    assert len(blocks) >= 14
    for block in blocks:
        errors, _ = limits(prod, block)
        assert errors == [], (block, errors)


def test_the_introspection_graphiql_sends_in_dev_mode_is_within_the_limits(
    dev: strawberry.Schema,
) -> None:
    errors, _ = limits(dev, get_introspection_query(descriptions=True))
    assert errors == []


def test_unknown_fields_and_fragments_are_left_to_the_other_rules(
    prod: strawberry.Schema,
) -> None:
    errors, rule = limits(prod, "{ nothing { deeper } ...Missing ... on Query { logSize } }")
    assert errors == []
    assert rule.totals == [Totals(depth=1, aliases=0, cost=3)]
