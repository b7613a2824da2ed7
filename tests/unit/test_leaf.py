"""Leaf bytes: RFC 8785 envelope, salted payload commitment, leaf hashes that survive erasure."""

from __future__ import annotations

import datetime as dt
import json
import math
import struct
import uuid

import pytest

from events.leaf import (
    ENVELOPE_FIELDS,
    LeafError,
    canonical_json,
    format_timestamp,
    leaf_bytes,
    new_salt,
    parse_leaf,
    parse_timestamp,
    payload_commitment,
)
from events.merkle import leaf_hash

SALT = bytes(range(32))
EVENT_ID = uuid.UUID("0192a0c5-7d1e-7c3a-9f00-1b2c3d4e5f60")
OCCURRED = dt.datetime(2024, 10, 3, 14, 6, 7, tzinfo=dt.UTC)
RECORDED = dt.datetime(2024, 10, 3, 16, 6, 7, 250, tzinfo=dt.timezone(dt.timedelta(hours=2)))
PAYLOAD = {"title": "Trygg park", "area": "Södermalm", "targets": [3, 1]}
COMMITMENT = "aa" * 32

EXPECTED_LEAF = (
    b'{"event_id":"0192a0c5-7d1e-7c3a-9f00-1b2c3d4e5f60","log_index":41,'
    b'"metadata":{"actor":"p-7","correlation_id":"c-1"},'
    b'"occurred_at":"2024-10-03T14:06:07.000000Z",'
    b'"payload_commitment":"' + b"a" * 64 + b'",'
    b'"recorded_at":"2024-10-03T14:06:07.000250Z",'
    b'"schema_version":1,"stream_id":"promise-17","stream_version":3,'
    b'"type":"PromisePublished"}'
).replace(b'"correlation_id":"c-1","actor":"p-7"', b'"actor":"p-7","correlation_id":"c-1"')


def _leaf(**changes: object) -> bytes:
    fields: dict[str, object] = {
        "log_index": 41,
        "event_id": EVENT_ID,
        "stream_id": "promise-17",
        "stream_version": 3,
        "type": "PromisePublished",
        "schema_version": 1,
        "occurred_at": OCCURRED,
        "recorded_at": RECORDED,
        "metadata": {"correlation_id": "c-1", "actor": "p-7"},
        "payload_commitment": COMMITMENT,
    }
    fields.update(changes)
    return leaf_bytes(**fields)  # type: ignore[arg-type]


# --- Canonical form --------------------------------------------------------------------------


def test_the_leaf_is_the_canonical_json_of_the_envelope() -> None:
    assert _leaf() == EXPECTED_LEAF


def test_the_leaf_parses_back_to_exactly_the_envelope_fields() -> None:
    envelope = parse_leaf(_leaf())
    assert set(envelope) == ENVELOPE_FIELDS
    assert envelope["payload_commitment"] == COMMITMENT
    assert envelope["recorded_at"] == "2024-10-03T14:06:07.000250Z"


@pytest.mark.parametrize(
    "leaf",
    [
        EXPECTED_LEAF.replace(b",", b", ", 1),  # whitespace
        EXPECTED_LEAF.replace(b'"log_index":41,', b""),  # a missing field
        EXPECTED_LEAF[:-1] + b',"extra":1}',
        EXPECTED_LEAF.replace(b'"schema_version":1', b'"schema_version":1.0'),
        b"[]",
        b"\xff",
    ],
)
def test_leaves_that_are_not_canonical_envelopes_are_rejected(leaf: bytes) -> None:
    with pytest.raises(LeafError):
        parse_leaf(leaf)


def test_jcs_sorts_keys_and_normalises_numbers_as_cyberphone_structures_json() -> None:
    source = (
        '{\n  "1": {"f": {"f": "hi","F": 5} ,"\\n": 56.0},\n  "10": { },\n  "": "empty",\n'
        '  "a": { },\n  "111": [ {"e": "yes","E": "no" } ],\n  "A": { }\n}'
    )
    assert canonical_json(json.loads(source)) == (
        b'{"":"empty","1":{"\\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{"E":"no","e":"yes"}],'
        b'"A":{},"a":{}}'
    )


@pytest.mark.parametrize(
    ("ieee754", "text"),
    [
        ("4340000000000000", b"9007199254740992"),
        ("444b1ae4d6e2ef50", b"1e+21"),
        ("3eb0c6f7a0b5ed8c", b"9.999999999999997e-7"),
        ("8000000000000000", b"0"),
    ],
)
def test_jcs_formats_numbers_the_ecmascript_way(ieee754: str, text: bytes) -> None:
    (value,) = struct.unpack(">d", bytes.fromhex(ieee754))
    assert canonical_json(value) == text


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 2**53, {"n": 2**60}, {1: "x"}])
def test_values_jcs_cannot_represent_exactly_are_refused(value: object) -> None:
    with pytest.raises(LeafError):
        canonical_json(value)


@pytest.mark.parametrize(
    "changes",
    [
        {"log_index": 2**53},
        {"log_index": -1},
        {"stream_version": True},
        {"metadata": {"big": 2**53}},
        {"payload_commitment": "AA" * 32},
        {"payload_commitment": "aa" * 31},
        {"occurred_at": dt.datetime(2024, 10, 3, 14, 6, 7)},
    ],
)
def test_envelope_fields_outside_the_leaf_rules_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(LeafError):
        _leaf(**changes)


# --- Timestamps ------------------------------------------------------------------------------


def test_timestamps_are_utc_with_exactly_six_fractional_digits() -> None:
    assert format_timestamp(OCCURRED) == "2024-10-03T14:06:07.000000Z"
    assert format_timestamp(RECORDED) == "2024-10-03T14:06:07.000250Z"
    assert parse_timestamp("2024-10-03T14:06:07.000250Z") == RECORDED


@pytest.mark.parametrize(
    "text",
    ["2024-10-03T14:06:07Z", "2024-10-03T14:06:07.000250+00:00", "2024-10-03T14:06:07.00025Z"],
)
def test_other_spellings_of_a_timestamp_are_refused(text: str) -> None:
    with pytest.raises(LeafError):
        parse_timestamp(text)


# --- Payload commitment and erasure ----------------------------------------------------------


def test_the_commitment_is_sha256_of_salt_and_canonical_payload() -> None:
    assert payload_commitment(bytes(32), {"a": 1}) == (
        "b06a229070741292512e8760f470dd7a4c46ccfdf253df781d88dabe58c1ccb1"
    )


def test_the_commitment_ignores_key_order_but_not_salt_or_content() -> None:
    base = payload_commitment(SALT, PAYLOAD)
    assert payload_commitment(SALT, dict(reversed(PAYLOAD.items()))) == base
    assert payload_commitment(bytes(32), PAYLOAD) != base
    assert payload_commitment(SALT, {**PAYLOAD, "title": "Trygg park!"}) != base


def test_salts_are_fresh_and_of_the_required_length() -> None:
    assert len(new_salt()) == 32
    assert new_salt() != new_salt()
    with pytest.raises(LeafError):
        payload_commitment(b"short", PAYLOAD)


def test_erasing_payload_and_salt_keeps_the_leaf_hash_reproducible() -> None:
    commitment = payload_commitment(SALT, PAYLOAD)
    stored_leaf = _leaf(payload_commitment=commitment)
    stored_hash = leaf_hash(stored_leaf)
    # After erasure only the envelope (with its commitment) remains.
    envelope = parse_leaf(stored_leaf)
    rebuilt = _leaf(
        payload_commitment=envelope["payload_commitment"],
        occurred_at=parse_timestamp(str(envelope["occurred_at"])),
        recorded_at=parse_timestamp(str(envelope["recorded_at"])),
    )
    assert leaf_hash(rebuilt) == stored_hash
    # Before erasure the payload is checked against the same commitment.
    assert payload_commitment(SALT, PAYLOAD) == envelope["payload_commitment"]
    assert payload_commitment(SALT, {**PAYLOAD, "area": "Norrmalm"}) != commitment
