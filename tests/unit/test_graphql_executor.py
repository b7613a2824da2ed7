"""The executor's short path for plain scalar attributes (schema/execution.py) answers
exactly what graphql-core's own path answers: data, errors, their paths and messages."""

from __future__ import annotations

import datetime as dt
import enum
import gc
import weakref
from typing import Any, NewType

import pytest
import strawberry
from graphql.execution.executor import Executor as CoreExecutor
from hypothesis import given, settings
from hypothesis import strategies as st
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.api import build_schema
from schema.execution import Executor


@strawberry.enum
class Colour(enum.Enum):
    GREEN = "green"
    RED = "red"


def odd(value: Any) -> int:
    if not isinstance(value, int) or value % 2 == 0:
        raise ValueError(f"{value!r} is not odd")
    return value


Odd = NewType("Odd", int)
CONFIG = StrawberryConfig(
    scalar_map={Odd: strawberry.scalar(name="Odd", serialize=odd, parse_value=odd)}
)


@strawberry.type
class Item:
    name: str
    count: int
    maybe: str | None
    colour: Colour
    day: dt.date
    odd: Odd
    ratio: float
    flag: bool
    tags: list[str]
    ident: strawberry.ID

    @strawberry.field
    def loud(self, suffix: str = "!") -> str:
        return self.name.upper() + suffix


def item(**changes: Any) -> Item:
    values: dict[str, Any] = {
        "name": "a",
        "count": 1,
        "maybe": None,
        "colour": Colour.GREEN,
        "day": dt.date(2026, 12, 4),
        "odd": 3,
        "ratio": 0.5,
        "flag": True,
        "tags": ["x", "y"],
        "ident": strawberry.ID("i-1"),
    }
    values.update(changes)
    return Item(**values)


ITEMS: list[Any] = []


@strawberry.type
class Group:
    label: str
    members: list[Item]
    maybe_members: list[Item | None] | None


GROUPS: list[Any] = []


@strawberry.type
class Query:
    @strawberry.field
    def groups(self) -> list[Group]:
        return GROUPS

    @strawberry.field
    def items(self) -> list[Item]:
        return ITEMS

    @strawberry.field
    def nullable_items(self) -> list[Item | None]:
        return ITEMS


SELECTION = 'name count maybe colour day odd ratio flag tags ident loud shout: loud(suffix: "?")'


def both(query: str) -> tuple[Any, Any]:
    fast = strawberry.Schema(query=Query, config=CONFIG, execution_context_class=Executor)
    plain = strawberry.Schema(
        query=Query, config=CONFIG, execution_context_class=StrawberryGraphQLCoreExecutionContext
    )
    a, b = fast.execute_sync(query), plain.execute_sync(query)
    return (a.data, [e.formatted for e in a.errors or []]), (
        b.data,
        [e.formatted for e in b.errors or []],
    )


@pytest.mark.parametrize(
    "items",
    [
        [item(), item(name="b", count=2, maybe="m", colour=Colour.RED, odd=5)],
        [item(name=None)],  # null in a non-null field
        [item(count="many")],  # a value the Int serialiser refuses
        [item(odd=4)],  # a custom scalar's serialiser raising
        [item(colour="purple")],  # not a member of the enum
        [item(ratio=float("nan"))],
        [item(count=2**40)],  # past GraphQL's Int
        [item(maybe=ValueError("boom"))],  # an exception as a value
        [item(), item(name=None), item(odd=2)],
    ],
)
def test_the_short_path_answers_as_graphql_core_does(items: list[Any]) -> None:
    ITEMS[:] = items
    for field in ("items", "nullable_items"):
        fast, plain = both(f"{{ {field} {{ {SELECTION} }} }}")
        assert fast == plain


def test_aliases_fragments_and_typenames_answer_as_graphql_core_does() -> None:
    ITEMS[:] = [item(), item(name="b")]
    query = (
        "{ items { n: name c1: count c2: count __typename ...F } } "
        "fragment F on Item { maybe colour @include(if: true) day @skip(if: true) }"
    )
    fast, plain = both(query)
    assert fast == plain


PLAIN_FIELDS = ("name", "count", "maybe", "colour", "day", "odd", "ratio", "flag", "ident")

ANY_VALUE = st.one_of(
    st.none(),
    st.text(max_size=5),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.integers(min_value=-(2**31) - 2, max_value=-(2**31) + 2),
    st.integers(min_value=2**31 - 2, max_value=2**31 + 2),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.sampled_from([Colour.GREEN, Colour.RED, "green", "purple", dt.date(2026, 1, 2)]),
    st.builds(ValueError, st.text(max_size=3)),
)
"""Any value in any plain field: well-typed, out of range, of the wrong type, or an
exception."""

ITEM = st.builds(
    item, **{name: st.one_of(ANY_VALUE, st.just(item().__dict__[name])) for name in PLAIN_FIELDS}
)

SELECTIONS = st.lists(
    st.tuples(st.sampled_from(PLAIN_FIELDS), st.sampled_from(["", "a1: ", "a2: "])),
    min_size=1,
    max_size=6,
).map(lambda chosen: " ".join(alias + name for name, alias in chosen))


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(st.one_of(ITEM, st.none()), max_size=4),
    selection=SELECTIONS,
    extra=st.sampled_from(["", "__typename", "loud", "tags"]),
)
def test_a_list_of_plain_objects_answers_as_graphql_core_does(
    items: list[Any], selection: str, extra: str
) -> None:
    ITEMS[:] = items
    for field in ("items", "nullable_items"):
        fast, plain = both(f"{{ {field} {{ {selection} {extra} }} }}")
        assert fast == plain


MEMBERS = st.one_of(
    st.lists(st.one_of(ITEM, st.none()), max_size=3),
    st.lists(ITEM, max_size=3).map(tuple),
    st.none(),
    st.just("not a list"),
)

GROUP = st.builds(
    Group, label=st.one_of(st.just("g"), ANY_VALUE), members=MEMBERS, maybe_members=MEMBERS
)


@settings(max_examples=300, deadline=None)
@given(
    groups=st.lists(GROUP, max_size=3),
    selection=SELECTIONS,
    extra=st.sampled_from(["", "__typename", "loud"]),
)
def test_lists_of_plain_objects_inside_objects_answer_as_graphql_core_does(
    groups: list[Any], selection: str, extra: str
) -> None:
    GROUPS[:] = groups
    query = (
        f"{{ groups {{ label members {{ {selection} {extra} }} "
        f"m: maybeMembers {{ {selection} }} }} }}"
    )
    fast, plain = both(query)
    assert fast == plain


def test_a_list_of_plain_objects_is_completed_without_graphql_cores_walk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    walked: list[Any] = []
    walk = CoreExecutor.complete_list_item_value

    def counted(self: Any, item: Any, *args: Any) -> Any:
        walked.append(item)
        return walk(self, item, *args)

    monkeypatch.setattr(CoreExecutor, "complete_list_item_value", counted)
    ITEMS[:] = [item(), item(name="b", count=2)]
    fast, plain = both("{ items { name count colour day } }")
    assert fast == plain
    assert len(walked) == 2  # graphql-core's own executor walked each item; ours none
    walked.clear()
    both("{ items { name loud } }")  # a resolver among the fields: graphql-core's walk
    assert len(walked) == 4
    walked.clear()
    GROUPS[:] = [Group(label="g", members=[item(), item()], maybe_members=None)]
    fast, plain = both("{ groups { label members { name count } maybeMembers { name } } }")
    assert fast == plain
    assert len(walked) == 3  # graphql-core's walked the group and its two members; ours none


def test_the_service_schema_uses_the_short_path() -> None:
    assert build_schema(dev=False).execution_context_class is Executor


@strawberry.type
class AsyncQuery:
    @strawberry.field
    async def gathered(self, info: strawberry.Info) -> list[int]:
        async def one(n: int) -> int:
            return n

        info._raw_info.async_helpers.track([one(0)])
        return list(await info._raw_info.async_helpers.gather([one(1), one(2)]))


async def test_an_executor_is_freed_when_its_request_ends_not_by_the_garbage_collector(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[weakref.ref[Any]] = []
    init = Executor.__init__

    def noted(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        made.append(weakref.ref(self))

    monkeypatch.setattr(Executor, "__init__", noted)
    schema = strawberry.Schema(query=AsyncQuery, execution_context_class=Executor)
    gc.collect()
    gc.disable()
    try:
        result = await schema.execute("{ gathered }")
        assert result.errors is None and result.data == {"gathered": [1, 2]}
        assert len(made) == 1
        del result
        assert made[0]() is None  # freed by reference counting: no cycle kept it
    finally:
        gc.enable()
