"""The Merkle leaf of one log row: RFC 8785 canonical JSON of the event envelope.

The payload enters the leaf only as a salted commitment, SHA-256(salt || JCS(payload)) in
hex, so erasing a payload (and its salt) leaves every leaf, and so every root, verifiable.
The salt stops anyone confirming a guess of a low-entropy payload against the commitment.

JSON numbers in a leaf are integers below 2**53: `rfc8785` refuses larger ones (it never
rounds), and every integer in the envelope (log index, stream version, schema version) is
far smaller. Amounts and big identifiers belong in strings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

import rfc8785

SALT_BYTES = 32
MAX_SAFE_INTEGER = 2**53 - 1
_HEX_DIGITS = frozenset("0123456789abcdef")
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
    if at.tzinfo is None or at.utcoffset() is None:
        raise LeafError("timestamps in a leaf must carry a time zone")
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> dt.datetime:
    """Inverse of `format_timestamp`; rejects any other spelling."""
    try:
        at = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    except ValueError as exc:
        raise LeafError(f"not a leaf timestamp: {text!r}") from exc
    if format_timestamp(at) != text:
        raise LeafError(f"not a leaf timestamp: {text!r}")
    return at


def new_salt() -> bytes:
    """A fresh random salt for one event's payload commitment."""
    return secrets.token_bytes(SALT_BYTES)


def canonical_json(value: Any) -> bytes:
    """RFC 8785 bytes of a JSON value; raises LeafError for what JCS cannot represent."""
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
    # bool is an int subclass and would serialise as true/false.
    if isinstance(value, bool) or not 0 <= value <= MAX_SAFE_INTEGER:
        raise LeafError(f"{name} must be an integer in 0..2**53-1, got {value!r}")
    return value


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
    if len(payload_commitment) != 64 or not set(payload_commitment) <= _HEX_DIGITS:
        raise LeafError("payload_commitment must be 64 lowercase hex digits")
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
        "payload_commitment": payload_commitment,
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


def parse_leaf(leaf: bytes) -> dict[str, object]:
    """The envelope in `leaf`, after checking the bytes are canonical and the fields exact."""
    try:
        value = json.loads(leaf)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LeafError("leaf is not JSON") from exc
    if not isinstance(value, dict) or set(value) != ENVELOPE_FIELDS:
        raise LeafError("leaf does not hold exactly the envelope fields")
    if canonical_json(value) != leaf:
        raise LeafError("leaf is not in RFC 8785 canonical form")
    return value
