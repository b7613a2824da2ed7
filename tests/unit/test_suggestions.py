"""Outside dev mode no error suggests a name of the schema ("Did you mean …?"); dev mode may."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry

from schema.api import build_schema
from schema.suggestions import without_suggestions

REGISTER_PERSON = (
    "mutation($input: RegisterPersonInput!) { "
    'registerPerson(commandId: "c-1", input: $input) { __typename } }'
)

TYPOS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "unknown field": ("{ logSiz }", None),
    "unknown argument": ("{ promises(frist: 3) { pageInfo { hasNextPage } } }", None),
    "unknown type in a fragment": ("{ ...F } fragment F on Quer { logSize }", None),
    "field of a union member": ("{ activities { activities { recordId } } }", None),
    "unknown input field in a literal": (
        'mutation { registerPerson(commandId: "c-1", input: {personId: "p", nam: "N"}) '
        "{ __typename } }",
        None,
    ),
    "unknown input field in a variable": (
        REGISTER_PERSON,
        {"input": {"personId": "p", "nam": "N"}},
    ),
}


@pytest.fixture(scope="module")
def prod() -> strawberry.Schema:
    return build_schema(dev=False)


@pytest.fixture(scope="module")
def dev() -> strawberry.Schema:
    return build_schema(dev=True)


def messages(schema: strawberry.Schema, case: str) -> list[str]:
    query, variables = TYPOS[case]
    result = schema.execute_sync(query, variable_values=variables)
    assert result.errors, case
    return [e.message for e in result.errors]


@pytest.mark.parametrize("case", sorted(TYPOS))
def test_no_error_suggests_a_name_outside_dev_mode(prod: strawberry.Schema, case: str) -> None:
    for message in messages(prod, case):
        assert "Did you mean" not in message, message


@pytest.mark.parametrize("case", sorted(TYPOS))
def test_dev_mode_keeps_the_suggestions(dev: strawberry.Schema, case: str) -> None:
    assert any("Did you mean" in m for m in messages(dev, case)), case


def test_the_error_without_its_suggestion_still_says_what_is_wrong(
    prod: strawberry.Schema,
) -> None:
    assert messages(prod, "unknown argument") == [
        "Unknown argument 'frist' on field 'Query.promises'."
    ]
    assert (
        "Variable '$input' has invalid value: Expected value of type 'RegisterPersonInput' "
        "not to include unknown field 'nam'. Found: {'personId': 'p', 'nam': 'N'}."
    ) in messages(prod, "unknown input field in a variable")


def test_every_form_of_suggestion_is_removed() -> None:
    assert without_suggestions("Unknown type 'Quer'. Did you mean 'Query'?") == (
        "Unknown type 'Quer'."
    )
    assert without_suggestions("X. Did you mean 'a', 'b', or 'c'? Then more.") == "X. Then more."
    assert without_suggestions("X. Did you mean to use an inline fragment on 'T'?") == "X."
    assert without_suggestions("X. Did you mean the enum value 'A' or 'B'?") == "X."
