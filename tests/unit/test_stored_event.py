"""StoredEvent built from a row: data and metadata decoded on first use, otherwise the same
frozen Struct as one built by keyword (equality, repr, replace, pickling, fields)."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
import uuid

import msgspec
import orjson
import pytest

from events.log.store import StoredEvent, stored_event

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
EVENT_ID = uuid.UUID("6b1f7d3e-2f0a-4f7e-9d4c-1f4c8a0b2e51")
DATA = {"place": {"name": "Möllevångstorget", "lat": 55.5907}, "n": [1, 2, None], "ok": True}
METADATA = {"actor": {"subject": "u-4711"}, "organisation": "kommun-1280"}


def row(data: object = DATA, metadata: object = METADATA) -> tuple[object, ...]:
    """A row as EVENT_COLUMNS plus log_index select it: data and metadata in jsonb's binary
    form (version byte 1, then the JSON text)."""
    jsonb = lambda value: None if value is None else b"\x01" + orjson.dumps(value)  # noqa: E731
    return (7, EVENT_ID, "promise-1", 3, "CommitmentDrafted", 1, jsonb(data), jsonb(metadata),
            NOW, NOW, 41)  # fmt: skip


def built() -> StoredEvent:
    return StoredEvent(
        id=7,
        event_id=EVENT_ID,
        stream_id="promise-1",
        stream_version=3,
        type="CommitmentDrafted",
        schema_version=1,
        data=DATA,
        metadata=METADATA,
        occurred_at=NOW,
        recorded_at=NOW,
        log_index=41,
    )


def test_a_row_reads_as_the_event_init_builds() -> None:
    assert stored_event(row()) == built()
    assert built() == stored_event(row())
    assert repr(stored_event(row())) == repr(built())
    event = stored_event(row())
    assert type(event) is StoredEvent
    assert type(event.data) is dict and type(event.metadata) is dict
    assert event.data == DATA and event.metadata == METADATA


def test_decoded_once_and_kept() -> None:
    event = stored_event(row())
    assert event.data is event.data
    assert event.metadata is event.metadata


def test_the_envelope_is_read_without_decoding() -> None:
    # Bytes that are not JSON show that nothing decodes them until data is asked for.
    event = stored_event((*row()[:6], b"\x01not json", b"\x01{}", *row()[8:]))
    assert (event.stream_id, event.type, event.log_index) == ("promise-1", "CommitmentDrafted", 41)
    assert event.metadata == {}
    with pytest.raises(orjson.JSONDecodeError):
        _ = event.data


def test_a_missing_payload_is_none() -> None:
    assert stored_event(row(data=None)).data is None


def test_frozen_hash_replace_pickle_copy() -> None:
    event = stored_event(row())
    with pytest.raises(AttributeError):
        event.data = {}  # type: ignore[misc]
    with pytest.raises(AttributeError):
        event.log_index = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        hash(event)
    assert [f.name for f in msgspec.structs.fields(event)] == [
        "id", "event_id", "stream_id", "stream_version", "type", "schema_version", "data",
        "metadata", "occurred_at", "recorded_at", "log_index",
    ]  # fmt: skip
    moved = msgspec.structs.replace(stored_event(row()), log_index=42)
    assert moved == msgspec.structs.replace(built(), log_index=42)
    assert pickle.loads(pickle.dumps(stored_event(row()))) == built()
    assert pickle.loads(pickle.dumps(built())) == built()
    assert copy.deepcopy(stored_event(row())) == built()
    assert copy.copy(stored_event(row())) == built()


def test_an_event_built_by_init_keeps_what_it_was_given() -> None:
    given = {"a": 1}
    event = msgspec.structs.replace(built(), data=given)
    assert event.data is given
