"""The event codec: round trips for every event type, upcasting, and registry checks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.catalogue import deciders, event_registry
from events.codec import CodecError, build_registry, to_plain
from events.messages import Event
from events.promise.events import ActivityPerformed, PromiseSigned, upcast_activity_performed_v1

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REGISTRY = event_registry()
EVENT_TYPES = sorted({t for d in deciders() for t in d.event_types}, key=lambda t: t.__name__)


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.__name__)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_event_type_round_trips_through_json(
    event_type: type[Event], data: st.DataObject
) -> None:
    event = data.draw(st.from_type(event_type))
    name, version, payload = REGISTRY.encode(event)
    stored = json.loads(json.dumps(payload, ensure_ascii=False))
    assert name == event_type.__name__
    assert REGISTRY.decode(name, version, stored) == event


def test_every_event_field_has_a_json_friendly_type() -> None:
    allowed = ("str", "int", "bool", "None", "dt.date", "tuple[")
    for event_type in EVENT_TYPES:
        for field in dataclasses.fields(event_type):
            annotation = str(field.type)
            assert "float" not in annotation and "dict" not in annotation, (event_type, field)
            assert "set" not in annotation, (event_type, field)
            assert any(a in annotation for a in allowed) or annotation[0].isupper(), field


def test_a_stored_version_one_activity_decodes_to_the_version_two_shape() -> None:
    stored = json.loads((FIXTURES / "activity_performed_v1.json").read_text(encoding="utf-8"))
    event = REGISTRY.decode(stored["type"], stored["schema_version"], stored["data"])
    assert event == ActivityPerformed(
        record_id="a-2018-03",
        commitment_id="c2",
        revision_no=1,
        occurred_on=dt.date(2018, 3, 17),
        place_ids=("p1",),
        performed_by=("org-lpo-jarfalla", "org-upplands-bro"),
        quantity=1,
        summary="Gemensam insats med synlig närvaro i Bro centrum",
        reported_by="person-kommunpolis",
    )
    assert REGISTRY.encode(event)[1] == 2


def test_a_version_one_activity_without_a_place_gets_no_place_ids() -> None:
    assert upcast_activity_performed_v1({"place": None, "quantity": 1}) == {
        "quantity": 1,
        "place_ids": [],
    }


def test_a_registry_without_an_upcaster_for_an_older_version_is_refused() -> None:
    with pytest.raises(CodecError, match="lacks an upcaster"):
        build_registry([ActivityPerformed], {})


def test_a_stray_upcaster_is_refused() -> None:
    with pytest.raises(CodecError, match="stray upcaster"):
        build_registry([PromiseSigned], {("PromiseSigned", 1): upcast_activity_performed_v1})


def test_two_event_types_with_one_name_are_refused() -> None:
    with pytest.raises(CodecError, match="two event types"):
        build_registry([PromiseSigned, PromiseSigned], {})


@pytest.mark.parametrize(
    ("type_name", "version", "data", "message"),
    [
        ("NoSuchEvent", 1, {}, "unknown event type"),
        ("PromiseSigned", 2, {}, "no schema version"),
        ("PromiseSigned", 1, {"revision_no": "1"}, "unknown fields|expected"),
        (
            "PromiseSigned",
            1,
            {
                "revision_no": True,
                "content_hash": "h",
                "party_id": "p",
                "person_id": "x",
            },
            "revision_no: expected `int`, got `bool`",
        ),
        (
            "PromiseSigned",
            1,
            {"revision_no": 1, "content_hash": "h", "party_id": "p", "person_id": "x", "z": 1},
            "unknown fields",
        ),
    ],
)
def test_malformed_payloads_are_refused(
    type_name: str, version: int, data: dict[str, object], message: str
) -> None:
    with pytest.raises(CodecError, match=message):
        REGISTRY.decode(type_name, version, data)


def test_floats_and_sets_cannot_be_encoded() -> None:
    with pytest.raises(CodecError):
        to_plain(1.5)
    with pytest.raises(CodecError):
        to_plain(frozenset({"a"}))
