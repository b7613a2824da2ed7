"""Leaf bytes: RFC 8785 envelope, salted payload commitment, leaf hashes that survive erasure."""

from __future__ import annotations

import datetime as dt
import json
import math
import struct
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.proof.leaf import (
    ENVELOPE_FIELDS,
    LeafError,
    canonical_json,
    format_timestamp,
    is_canonical_uuid,
    leaf_bytes,
    new_salt,
    new_salts,
    parse_leaf,
    parse_timestamp,
    payload_commitment,
    record_leaf_bytes,
    timestamp_text,
)
from events.proof.merkle import leaf_hash

SALT = bytes(range(32))
EVENT_ID = uuid.UUID("0192a0c5-7d1e-7c3a-9f00-1b2c3d4e5f60")
OCCURRED = dt.datetime(2024, 10, 3, 14, 6, 7, tzinfo=dt.UTC)
RECORDED = dt.datetime(2024, 10, 3, 16, 6, 7, 250, tzinfo=dt.timezone(dt.timedelta(hours=2)))
PAYLOAD = {"title": "Trygg park", "area": "Södermalm", "targets": [3, 1]}
COMMITMENT = "aa" * 32
WEST = dt.timezone(-dt.timedelta(hours=5, minutes=30))

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
    salts = new_salts(5)
    assert [len(s) for s in salts] == [32] * 5 and len(set(salts)) == 5
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


# --- The fast forms agree with the reference forms -------------------------------------------

FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def reference_parse(text: str) -> dt.datetime | None:
    """The strptime parse and format round trip that defines a leaf timestamp."""
    try:
        at = dt.datetime.strptime(text, FORMAT).replace(tzinfo=dt.UTC)
    except ValueError:
        return None
    return at if at.strftime(FORMAT) == text else None


@settings(deadline=None)
@given(
    st.datetimes(
        min_value=dt.datetime(2, 1, 1),
        max_value=dt.datetime(9998, 12, 31),
        timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=2)), WEST]),
    )
)
def test_timestamps_are_formatted_as_strftime_formats_them(at: dt.datetime) -> None:
    assert format_timestamp(at) == at.astimezone(dt.UTC).strftime(FORMAT)


# Each field just inside and just outside its range, years below 1000 included.
DIGIT_FIELDS = st.tuples(
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.integers(0, 24),
    st.integers(0, 60),
    st.integers(0, 61),
    st.integers(0, 999999),
)


@settings(max_examples=300, deadline=None)
@given(DIGIT_FIELDS, st.sampled_from(["Z", "Z", "Z", "", "+00:00", "z"]), st.sampled_from("TT "))
def test_timestamp_text_is_accepted_exactly_when_strptime_round_trips_it(
    fields: tuple[int, ...], zone: str, sep: str
) -> None:
    y, mo, d, h, mi, s, us = fields
    text = f"{y:04d}-{mo:02d}-{d:02d}{sep}{h:02d}:{mi:02d}:{s:02d}.{us:06d}{zone}"
    expected = reference_parse(text)
    if expected is None:
        with pytest.raises(LeafError):
            parse_timestamp(text)
        with pytest.raises(LeafError):
            timestamp_text(text)
    else:
        assert parse_timestamp(text) == expected
        assert parse_timestamp(text).tzinfo is dt.UTC
        assert timestamp_text(text) == text


@pytest.mark.parametrize(
    "text",
    ["2024-02-30T00:00:00.000000Z", "2023-02-29T00:00:00.000000Z", "0999-01-01T00:00:00.000000Z"],
)
def test_impossible_dates_and_unpadded_years_are_not_leaf_timestamps(text: str) -> None:
    with pytest.raises(LeafError):
        parse_timestamp(text)


def test_only_the_lowercase_hyphenated_form_is_a_canonical_uuid() -> None:
    assert is_canonical_uuid(str(EVENT_ID))
    assert not is_canonical_uuid(str(EVENT_ID).upper())
    assert not is_canonical_uuid(EVENT_ID.hex)
    assert not is_canonical_uuid(EVENT_ID)


JSON_TEXT = st.text(st.characters(codec="utf-8"), max_size=6)
METADATA = st.dictionaries(
    JSON_TEXT,
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats() | JSON_TEXT,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(JSON_TEXT, inner, max_size=3),
        max_leaves=8,
    ),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(
    log_index=st.integers(0, 2**40),
    event_id=st.uuids(),
    stream_id=JSON_TEXT,
    type_=JSON_TEXT,
    stream_version=st.integers(1, 10**6),
    schema_version=st.integers(1, 9),
    at=st.datetimes(min_value=dt.datetime(1000, 1, 1), timezones=st.just(dt.UTC)),
    metadata=METADATA,
)
def test_a_record_in_leaf_form_gives_the_same_leaf_as_its_parsed_fields(
    log_index: int,
    event_id: uuid.UUID,
    stream_id: str,
    type_: str,
    stream_version: int,
    schema_version: int,
    at: dt.datetime,
    metadata: dict[str, object],
) -> None:
    record = {
        "event_id": str(event_id),
        "stream_id": stream_id,
        "stream_version": stream_version,
        "type": type_,
        "schema_version": schema_version,
        "occurred_at": format_timestamp(at),
        "recorded_at": format_timestamp(RECORDED),
        "metadata": metadata,
    }
    try:
        expected: bytes | None = _leaf(
            log_index=log_index,
            event_id=event_id,
            stream_id=stream_id,
            stream_version=stream_version,
            type=type_,
            schema_version=schema_version,
            occurred_at=at,
            metadata=metadata,
        )
    except LeafError:
        expected = None
    if expected is None:
        with pytest.raises(LeafError):
            record_leaf_bytes(log_index, record, COMMITMENT)
    else:
        assert record_leaf_bytes(log_index, record, COMMITMENT) == expected


@pytest.mark.parametrize(
    "changes",
    [
        {"event_id": str(EVENT_ID).upper()},
        {"event_id": EVENT_ID.hex},
        {"event_id": EVENT_ID},
        {"occurred_at": "2024-10-03T14:06:07Z"},
        {"metadata": [["actor", "p-7"]]},
        {"schema_version": True},
    ],
)
def test_a_record_not_in_leaf_form_is_refused(changes: dict[str, object]) -> None:
    record = {
        "event_id": str(EVENT_ID),
        "stream_id": "promise-17",
        "stream_version": 3,
        "type": "PromisePublished",
        "schema_version": 1,
        "occurred_at": format_timestamp(OCCURRED),
        "recorded_at": format_timestamp(RECORDED),
        "metadata": {"correlation_id": "c-1", "actor": "p-7"},
    }
    assert record_leaf_bytes(41, record, COMMITMENT) == EXPECTED_LEAF
    with pytest.raises(LeafError):
        record_leaf_bytes(41, {**record, **changes}, COMMITMENT)
