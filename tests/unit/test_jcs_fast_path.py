"""The orjson path of canonical JSON yields exactly the `rfc8785` bytes, or steps aside."""

from __future__ import annotations

import enum
import math
import struct
import uuid
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from events.proof.leaf import MAX_SAFE_INTEGER, LeafError, canonical_json, orjson_canonical

# Every kind of character, surrogates excepted (they are not UTF-8): controls, ASCII, the
# BMP below and above the surrogate block, and the planes above the BMP.
CHARS = st.one_of(
    st.characters(min_codepoint=0x00, max_codepoint=0x1F),
    st.characters(min_codepoint=0x20, max_codepoint=0x7F),
    st.characters(min_codepoint=0x80, max_codepoint=0xD7FF),
    st.characters(min_codepoint=0xE000, max_codepoint=0xFFFF),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
)
TEXT = st.text(CHARS, max_size=8)
# Keys from characters whose code point order and UTF-16 order disagree.
EDGE_KEYS = st.text(
    st.sampled_from(["a", "\x00", "\ue000", "\uffff", "\U00010000", "\U0010ffff"]), max_size=3
)
INTS = st.one_of(
    st.integers(min_value=-MAX_SAFE_INTEGER - 2, max_value=MAX_SAFE_INTEGER + 2),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.sampled_from([0, -1, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER, 2**53, -(2**53)]),
)
FLOATS = st.one_of(
    st.floats(),  # NaN and the infinities too
    st.floats(min_value=1e-7, max_value=1e-4),
    st.floats(min_value=1e15, max_value=1e22),
    st.integers(min_value=-(2**60), max_value=2**60).map(float),
    st.sampled_from([0.0, -0.0, 1e-5, 1e16, 5e-324, 1.7976931348623157e308, 0.1 + 0.2]),
)
SCALARS = st.one_of(st.none(), st.booleans(), INTS, FLOATS, TEXT)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(TEXT, inner, max_size=4),
        st.dictionaries(EDGE_KEYS, inner, max_size=6),
    ),
    max_leaves=24,
)

# Values as events carry them: ints in range, floats such as coordinates, text without
# characters from U+E000 up. The orjson path must take every one of these.
PLAIN_TEXT = st.text(
    st.characters(codec="utf-8", max_codepoint=0xD7FF) | st.characters(min_codepoint=0x10000),
    max_size=12,
)
PLAIN_FLOATS = st.floats(min_value=1e-5, max_value=1e15).filter(lambda x: not x.is_integer())
PLAIN = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER),
        PLAIN_FLOATS,
        PLAIN_FLOATS.map(lambda x: -x),
        PLAIN_TEXT,
    ),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(PLAIN_TEXT, inner, max_size=4),
    max_leaves=24,
)


def rfc8785_or_error(value: Any) -> bytes | None:
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError):
        return None


@settings(max_examples=1500, deadline=None)
@given(JSON)
def test_whenever_the_orjson_path_answers_its_bytes_are_the_rfc8785_bytes(value: Any) -> None:
    fast = orjson_canonical(value)
    if fast is not None:
        assert fast == rfc8785.dumps(value)


@settings(max_examples=500, deadline=None)
@given(JSON)
def test_canonical_json_is_rfc8785_or_refuses_what_rfc8785_refuses(value: Any) -> None:
    expected = rfc8785_or_error(value)
    if expected is None:
        with pytest.raises(LeafError):
            canonical_json(value)
    else:
        assert canonical_json(value) == expected


@settings(max_examples=500, deadline=None)
@given(PLAIN)
def test_the_orjson_path_takes_values_as_events_carry_them(value: Any) -> None:
    assert orjson_canonical(value) == rfc8785.dumps(value)


@pytest.mark.parametrize("code", [*range(0x20), 0x22, 0x2F, 0x5C, 0x7F, 0x80, 0x2028, 0x2029])
def test_each_escaped_or_unescaped_character_is_written_as_rfc8785_writes_it(code: int) -> None:
    value = {chr(code): f"a{chr(code)}b"}
    assert orjson_canonical(value) == rfc8785.dumps(value)


def test_control_characters_use_short_forms_or_lowercase_u00xx() -> None:
    assert canonical_json("\b\t\n\f\r\x00\x1f\x7f") == b'"\\b\\t\\n\\f\\r\\u0000\\u001f\x7f"'


def test_keys_beyond_the_bmp_sort_by_utf16_code_units() -> None:
    value = {"\U00010000": 1, "\ue000": 2, "a": 3}
    # Code point order would put U+E000 first; UTF-16 puts the surrogate pair D800 DC00 first.
    assert orjson_canonical(value) is None
    assert canonical_json(value) == '{"a":3,"\U00010000":1,"\ue000":2}'.encode()
    assert canonical_json(value) == rfc8785.dumps(value)


def test_text_beyond_the_bmp_without_such_keys_stays_on_the_orjson_path() -> None:
    value = {"emoji": "\U0001f600", "z": "\U00010000"}
    assert orjson_canonical(value) == rfc8785.dumps(value)


@pytest.mark.parametrize(
    ("value", "fast"),
    [
        (MAX_SAFE_INTEGER, True),
        (-MAX_SAFE_INTEGER, True),
        (55.5907, True),
        (-13.0076, True),
        (1e-5, True),
        (2.0**52 - 0.5, True),  # the largest float with a fraction
        (math.nextafter(1e-5, 0), False),  # JCS writes 0.0000099..., orjson 9.99...e-6
        (1e-6, False),
        (2.0**-20, False),
        (56.0, False),  # JCS writes 56, orjson 56.0
        (-0.0, False),
        (1e16, False),
        (1e20, False),
        (1e21, False),
        (True, True),
        (None, True),
    ],
)
def test_numbers_take_the_orjson_path_only_where_it_writes_them_as_jcs(
    value: object, fast: bool
) -> None:
    assert (orjson_canonical(value) is not None) == fast
    assert canonical_json(value) == rfc8785.dumps(value)


@pytest.mark.parametrize("bits", ["3eb0c6f7a0b5ed8c", "444b1ae4d6e2ef50", "4340000000000000"])
def test_ecmascript_number_formatting_survives_the_fallback(bits: str) -> None:
    (value,) = struct.unpack(">d", bytes.fromhex(bits))
    assert canonical_json([value]) == rfc8785.dumps([value])


class Colour(enum.Enum):
    RED = "red"


class Key(str):
    pass


@pytest.mark.parametrize(
    "value",
    [
        2**53,
        -(2**53),
        math.nan,
        math.inf,
        "\ud800",
        {1: "x"},
        {"a": uuid.UUID(int=1)},
        [Colour.RED],
        {"a": {1, 2}},
        b"bytes",
    ],
)
def test_what_rfc8785_refuses_is_refused_although_orjson_would_write_some_of_it(
    value: object,
) -> None:
    assert orjson_canonical(value) is None
    with pytest.raises(LeafError):
        canonical_json(value)


def test_subclasses_are_left_to_rfc8785() -> None:
    value = {Key("b"): Key("x"), "a": [Key("y")]}
    assert orjson_canonical(value) is None
    assert canonical_json(value) == rfc8785.dumps(value) == b'{"a":["y"],"b":"x"}'


def test_nesting_deeper_than_orjson_allows_is_left_to_rfc8785() -> None:
    value: Any = "x"
    for _ in range(300):
        value = [value]
    assert orjson_canonical(value) is None
    assert canonical_json(value) == rfc8785.dumps(value)
