"""The Merkle leaf of one log row: RFC 8785 canonical JSON of the event envelope.

The payload enters the leaf only as a salted commitment, SHA-256(salt || JCS(payload)) in
hex, so erasing a payload (and its salt) leaves every leaf, and so every root, verifiable.
The salt stops anyone confirming a guess of a low-entropy payload against the commitment.

JSON numbers in a leaf are integers below 2**53: `rfc8785` refuses larger ones (it never
rounds), and every integer in the envelope (log index, stream version, schema version) is
far smaller. Amounts and big identifiers belong in strings.

Canonical JSON is `orjson` with sorted keys whenever that is byte for byte the RFC 8785 form,
and `rfc8785` otherwise. They agree when every value is a dict with str keys, a list or tuple,
a str, a bool, None, an int within +-(2**53 - 1) or a float that is not integral with
1e-5 <= |x| < 1e16 (orjson then writes the shortest round-trip digits in plain decimal, as
ECMAScript does). Both escape exactly the quote, the backslash and U+0000-U+001F (short forms
for backspace, tab, newline, form feed and carriage return, else u00xx in lowercase hex) and
write everything else as UTF-8. orjson sorts keys by code point, RFC 8785 by UTF-16 code unit:
the orders differ only between a character in U+E000-U+FFFF and one above U+FFFF, so an
output holding both falls back. tests/unit/test_jcs_fast_path.py pins all of this.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

import orjson
import rfc8785

SALT_BYTES = 32
MAX_SAFE_INTEGER = 2**53 - 1
_COMMITMENT = re.compile("[0-9a-f]{64}")
_CANONICAL_UUID = re.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# The leaf timestamp form with every field in range; a year below 1000 takes the slow path.
_TIMESTAMP = re.compile(
    "[1-9][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z"
)
_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
ENVELOPE_FIELDS = frozenset(
    {
        "log_index",
        "event_id",
        "stream_id",
        "stream_version",
        "type",
        "schema_version",
        "occurred_at",
        "recorded_at",
        "metadata",
        "payload_commitment",
    }
)


class LeafError(ValueError):
    """Envelope fields that cannot form a leaf, or leaf bytes that are not canonical."""


def format_timestamp(at: dt.datetime) -> str:
    """RFC 3339 in UTC with exactly six fractional digits: 2024-10-03T14:06:07.000000Z."""
    if at.tzinfo is not dt.UTC:
        if at.tzinfo is None or at.utcoffset() is None:
            raise LeafError("timestamps in a leaf must carry a time zone")
        at = at.astimezone(dt.UTC)
    return _utc_text(at)


# The events of one append share their recorded_at, and often their occurred_at: both
# conversions are cached by value (UTC datetimes are equal exactly when their fields are).
@functools.lru_cache(maxsize=4096)
def _utc_text(at: dt.datetime) -> str:
    if at.year < 1000:
        return at.strftime(_TIMESTAMP_FORMAT)  # strftime does not pad such years
    return at.isoformat(timespec="microseconds")[:-6] + "Z"  # drop "+00:00"


@functools.lru_cache(maxsize=4096)
def _parse_leaf_form(text: str) -> dt.datetime | None:
    """The instant of a text in leaf form with every field in range, else None."""
    if not _TIMESTAMP.fullmatch(text):
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:  # e.g. February 30th
        return None


def parse_timestamp(text: str) -> dt.datetime:
    """Inverse of `format_timestamp`; rejects any other spelling."""
    if type(text) is str:
        at = _parse_leaf_form(text)
        if at is not None:
            return at
    try:
        at = dt.datetime.strptime(text, _TIMESTAMP_FORMAT).replace(tzinfo=dt.UTC)
    except ValueError as exc:
        raise LeafError(f"not a leaf timestamp: {text!r}") from exc
    if format_timestamp(at) != text:
        raise LeafError(f"not a leaf timestamp: {text!r}")
    return at


def timestamp_text(text: str) -> str:
    """`text` itself when it is a leaf timestamp (`format_timestamp(parse_timestamp(text))`)."""
    parse_timestamp(text)
    return text


def new_salt() -> bytes:
    """A fresh random salt for one event's payload commitment."""
    return secrets.token_bytes(SALT_BYTES)


def new_salts(n: int) -> list[bytes]:
    """`n` fresh random salts, drawn in one call."""
    pool = secrets.token_bytes(SALT_BYTES * n)
    return [pool[i : i + SALT_BYTES] for i in range(0, SALT_BYTES * n, SALT_BYTES)]


def _orjson_is_jcs(value: Any) -> bool:
    """True when orjson's sorted output of `value`, if it gives one, is its RFC 8785 form.

    Dict keys are left to orjson, which refuses any key that is not exactly a str.
    """
    t = type(value)
    if t is dict:
        items = value.values()
    elif t is list or t is tuple:
        items = value
    else:
        items = (value,)
    for v in items:
        t = type(v)
        if t is str or v is None or t is bool:
            continue
        if t is int:
            if -MAX_SAFE_INTEGER <= v <= MAX_SAFE_INTEGER:
                continue
        elif t is float:
            if 1e-5 <= abs(v) < 1e16 and not v.is_integer():
                continue
        elif (t is dict or t is list or t is tuple) and _orjson_is_jcs(v):
            continue
        return False
    return True


def _utf16_order_may_differ(out: bytes) -> bool:
    """True when `out` holds a character in U+E000-U+FFFF and one above U+FFFF."""
    return (b"\xee" in out or b"\xef" in out) and (
        b"\xf0" in out or b"\xf1" in out or b"\xf2" in out or b"\xf3" in out or b"\xf4" in out
    )


def orjson_canonical(value: Any) -> bytes | None:
    """orjson's sorted bytes of `value` when they are its RFC 8785 form, else None."""
    if not _orjson_is_jcs(value):
        return None
    try:
        out = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return None  # a key that is not a str, a lone surrogate, nesting deeper than orjson's
    if out.isascii() or not _utf16_order_may_differ(out):
        return out
    return None


def canonical_json(value: Any) -> bytes:
    """RFC 8785 bytes of a JSON value; raises LeafError for what JCS cannot represent."""
    out = orjson_canonical(value)
    if out is not None:
        return out
    # Any, not object: rfc8785 types its input as a private recursive alias; it checks at run time.
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError) as exc:
        raise LeafError(f"not canonicalisable as JSON: {exc}") from exc


def payload_commitment(salt: bytes, payload: object) -> str:
    """Hex SHA-256(salt || JCS(payload)), the payload's stand-in inside the leaf."""
    if len(salt) != SALT_BYTES:
        raise LeafError(f"salt must be {SALT_BYTES} bytes, got {len(salt)}")
    return hashlib.sha256(salt + canonical_json(payload)).hexdigest()


def _small_int(name: str, value: int) -> int:
    if type(value) is int and 0 <= value <= MAX_SAFE_INTEGER:
        return value
    # bool is an int subclass and would serialise as true/false.
    if isinstance(value, bool) or not 0 <= value <= MAX_SAFE_INTEGER:
        raise LeafError(f"{name} must be an integer in 0..2**53-1, got {value!r}")
    return value


def _commitment(text: str) -> str:
    if not isinstance(text, str) or not _COMMITMENT.fullmatch(text):
        raise LeafError("payload_commitment must be 64 lowercase hex digits")
    return text


def envelope(
    *,
    log_index: int,
    event_id: uuid.UUID,
    stream_id: str,
    stream_version: int,
    type: str,
    schema_version: int,
    occurred_at: dt.datetime,
    recorded_at: dt.datetime,
    metadata: Mapping[str, object],
    payload_commitment: str,
) -> dict[str, object]:
    """The envelope dictionary of one log row, every value already in its JSON form."""
    return {
        "log_index": _small_int("log_index", log_index),
        "event_id": str(event_id),
        "stream_id": stream_id,
        "stream_version": _small_int("stream_version", stream_version),
        "type": type,
        "schema_version": _small_int("schema_version", schema_version),
        "occurred_at": format_timestamp(occurred_at),
        "recorded_at": format_timestamp(recorded_at),
        "metadata": dict(metadata),
        "payload_commitment": _commitment(payload_commitment),
    }


def leaf_bytes(
    *,
    log_index: int,
    event_id: uuid.UUID,
    stream_id: str,
    stream_version: int,
    type: str,
    schema_version: int,
    occurred_at: dt.datetime,
    recorded_at: dt.datetime,
    metadata: Mapping[str, object],
    payload_commitment: str,
) -> bytes:
    """The leaf: RFC 8785 bytes of the envelope, stored verbatim and hashed into the tree."""
    return canonical_json(
        envelope(
            log_index=log_index,
            event_id=event_id,
            stream_id=stream_id,
            stream_version=stream_version,
            type=type,
            schema_version=schema_version,
            occurred_at=occurred_at,
            recorded_at=recorded_at,
            metadata=metadata,
            payload_commitment=payload_commitment,
        )
    )


def is_canonical_uuid(text: object) -> bool:
    """True when `text` is a str that `str(uuid.UUID(text))` returns unchanged."""
    return type(text) is str and _CANONICAL_UUID.fullmatch(text) is not None


def record_leaf_bytes(log_index: int, record: Mapping[str, Any], commitment: str) -> bytes:
    """The leaf of an event record whose fields are already in leaf form, as an export holds it.

    The event id must be canonical (`is_canonical_uuid`), the timestamps in leaf form and the
    metadata a dict; the bytes are then those of `leaf_bytes` on the parsed fields. Raises
    LeafError for anything else, KeyError for a missing field.
    """
    event_id, metadata = record["event_id"], record["metadata"]
    if not is_canonical_uuid(event_id):
        raise LeafError(f"event_id {event_id!r} is not a UUID in canonical form")
    if type(metadata) is not dict:
        raise LeafError("metadata must be a JSON object")
    return canonical_json(
        {
            "log_index": _small_int("log_index", log_index),
            "event_id": event_id,
            "stream_id": record["stream_id"],
            "stream_version": _small_int("stream_version", record["stream_version"]),
            "type": record["type"],
            "schema_version": _small_int("schema_version", record["schema_version"]),
            "occurred_at": timestamp_text(record["occurred_at"]),
            "recorded_at": timestamp_text(record["recorded_at"]),
            "metadata": metadata,
            "payload_commitment": _commitment(commitment),
        }
    )


def parse_leaf(leaf: bytes) -> dict[str, object]:
    """The envelope in `leaf`, after checking the bytes are canonical and the fields exact."""
    try:
        value = orjson.loads(leaf)
    except orjson.JSONDecodeError as exc:
        raise LeafError("leaf is not JSON") from exc
    if type(value) is not dict or value.keys() != ENVELOPE_FIELDS:
        raise LeafError("leaf does not hold exactly the envelope fields")
    if canonical_json(value) != leaf:
        raise LeafError("leaf is not in RFC 8785 canonical form")
    return value
