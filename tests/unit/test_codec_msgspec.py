"""The codec on msgspec gives the same builtins, the same stored JSON and the same values as
the hand-written codec it replaced (kept below as the reference), and refuses what it refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import types
import typing
from dataclasses import dataclass, replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.agreement import AgreementState
from events.catalogue import event_registry
from events.codec import CodecError, from_plain, to_plain
from events.directory.state import DirectoryState
from events.messages import Event
from events.promise.content import PromiseDetails
from events.promise.events import ActivityPerformed, PromiseDrafted, PromisePublished
from events.promise.state import ActivityRecord, PromiseState
from events.proof.leaf import LeafError, canonical_json
from events.recorded import Evidence

REGISTRY = event_registry()
EVENT_TYPES = sorted(REGISTRY.types.values(), key=lambda t: t.__name__)
STATE_TYPES = (PromiseState, AgreementState, DirectoryState)


# --------------------------------------------------------------------------------------------
# The reference: the hand-written encoder and decoder as they were before msgspec.


def reference_to_plain(value: object) -> object:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [reference_to_plain(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: reference_to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
    raise CodecError(f"cannot encode a value of type {type(value).__name__}")


def _reference_from_plain(annotation: Any, data: Any, where: str) -> object:
    origin = typing.get_origin(annotation)
    if origin in (types.UnionType, typing.Union):
        options = typing.get_args(annotation)
        if data is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return _reference_from_plain(option, data, where)
            except CodecError:
                pass
        raise CodecError(f"{where}: no option fits")
    if origin is tuple:
        args = typing.get_args(annotation)
        if not isinstance(data, list):
            raise CodecError(f"{where}: expected a list")
        return tuple(_reference_from_plain(args[0], item, where) for item in data)
    if annotation is bool:
        if not isinstance(data, bool):
            raise CodecError(f"{where}: expected a boolean")
        return data
    if annotation is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise CodecError(f"{where}: expected an integer")
        return data
    if annotation is str:
        if not isinstance(data, str):
            raise CodecError(f"{where}: expected a string")
        return data
    if annotation is dt.date:
        if not isinstance(data, str):
            raise CodecError(f"{where}: expected an ISO date string")
        try:
            return dt.date.fromisoformat(data)
        except ValueError as exc:
            raise CodecError(f"{where}: {exc}") from exc
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return reference_from_plain(annotation, data)
    raise CodecError(f"{where}: unsupported annotation {annotation!r}")


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def reference_from_plain(cls: type, data: Any) -> object:
    if not isinstance(data, dict):
        raise CodecError(f"expected an object for {cls.__name__}")
    hints = _hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    if set(data) - known:
        raise CodecError(f"unknown fields for {cls.__name__}")
    kwargs = {name: _reference_from_plain(hints[name], v, name) for name, v in data.items()}
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise CodecError(str(exc)) from exc


def stored_json(plain: object) -> str:
    return json.dumps(plain, sort_keys=True, ensure_ascii=False)


def leaf_bytes(plain: object) -> bytes | str:
    """The RFC 8785 bytes the audit leaf commits to, or why there are none (an int past 2**53)."""
    try:
        return canonical_json(plain)
    except LeafError as exc:
        return str(exc)


# --------------------------------------------------------------------------------------------
# Properties over every registered event type and every folded state type.


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.__name__)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_every_event_type_encodes_to_the_builtins_and_leaf_bytes_of_the_reference(
    event_type: type[Event], data: st.DataObject
) -> None:
    event = data.draw(st.builds(event_type))
    name, version, payload = REGISTRY.encode(event)
    old = reference_to_plain(event)
    assert payload == old
    assert stored_json(payload) == stored_json(old)
    assert leaf_bytes(payload) == leaf_bytes(old)
    stored = json.loads(stored_json(payload))
    assert REGISTRY.decode(name, version, stored) == event
    assert REGISTRY.decode(name, version, stored) == reference_from_plain(event_type, stored)


@pytest.mark.parametrize("state_type", STATE_TYPES, ids=lambda t: t.__name__)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_folded_state_encodes_and_decodes_as_the_reference_does(
    state_type: type[object], data: st.DataObject
) -> None:
    state = data.draw(st.from_type(state_type))
    plain = to_plain(state)
    assert plain == reference_to_plain(state)
    assert stored_json(plain) == stored_json(reference_to_plain(state))
    stored = json.loads(stored_json(plain))
    assert from_plain(state_type, stored) == state
    assert from_plain(state_type, stored) == reference_from_plain(state_type, stored)


def test_a_tuple_of_dataclasses_encodes_to_a_list_of_objects() -> None:
    records = tuple(
        ActivityRecord(
            record_id=f"r{i}",
            commitment_id="c1",
            revision_no=1,
            occurred_on=dt.date(2026, 3, i),
            place_ids=("p1", "p2"),
            performed_by=(),
            quantity=i,
            summary="Trygghetsvandring",
        )
        for i in (1, 2)
    )
    plain = to_plain(records)
    assert plain == reference_to_plain(records)
    assert isinstance(plain, list) and isinstance(plain[0], dict)
    assert plain[0]["place_ids"] == ["p1", "p2"] and plain[1]["occurred_on"] == "2026-03-02"


def test_class_variables_are_neither_written_nor_accepted() -> None:
    event = ActivityPerformed(
        record_id="r",
        commitment_id="c1",
        revision_no=1,
        occurred_on=dt.date(2026, 3, 1),
        place_ids=(),
        performed_by=("org-a",),
        quantity=1,
        summary="s",
        reported_by="p",
    )
    _, version, payload = REGISTRY.encode(event)
    assert version == 2
    assert "SCHEMA_VERSION" not in payload and "PERSONAL_FIELDS" not in payload
    with pytest.raises(CodecError, match=r"unknown fields \['PERSONAL_FIELDS'\]"):
        REGISTRY.decode("ActivityPerformed", 2, {**payload, "PERSONAL_FIELDS": ["summary"]})


def test_a_missing_optional_date_and_nested_evidence_decode_as_before() -> None:
    event = PromisePublished(
        revision_no=1,
        channel="web",
        published_on=None,
        evidence=Evidence(description="Polisens webbplats", document_sha256="ab" * 32),
    )
    _, version, payload = REGISTRY.encode(event)
    assert payload["published_on"] is None
    assert payload["evidence"] == reference_to_plain(event.evidence)
    assert REGISTRY.decode("PromisePublished", version, payload) == event
    without_defaults = {"revision_no": 1, "channel": "web", "published_on": "2026-01-15"}
    assert REGISTRY.decode("PromisePublished", 1, without_defaults) == PromisePublished(
        revision_no=1, channel="web", published_on=dt.date(2026, 1, 15)
    )


def test_a_payload_given_as_a_read_only_mapping_decodes_like_a_dict() -> None:
    payload = drafted_payload()
    assert REGISTRY.decode("PromiseDrafted", 1, types.MappingProxyType(payload)) == (
        REGISTRY.decode("PromiseDrafted", 1, payload)
    )


# --------------------------------------------------------------------------------------------
# What the codec refuses, and where it says the fault is.


def drafted_payload() -> dict[str, Any]:
    details = PromiseDetails(title="Trygg i Bro")
    event = PromiseDrafted(promise_id="p", parties=("org-a", "org-b"), details=details)
    payload = REGISTRY.encode(event)[2]
    assert isinstance(payload, dict)
    return payload


def test_an_unknown_field_inside_a_nested_dataclass_is_refused_by_its_path() -> None:
    payload = drafted_payload()
    payload["details"]["colour"] = "blå"
    with pytest.raises(
        CodecError,
        match=r"^PromiseDrafted\.details: unknown fields \['colour'\] for PromiseDetails",
    ):
        REGISTRY.decode("PromiseDrafted", 1, payload)


def test_an_unknown_field_in_a_folded_state_names_the_item_it_is_in() -> None:
    state = PromiseState(
        promise_id="p",
        activities=(
            ActivityRecord(
                record_id="r",
                commitment_id="c1",
                revision_no=1,
                occurred_on=dt.date(2026, 3, 1),
                place_ids=(),
                performed_by=(),
                quantity=1,
                summary="s",
            ),
        )
        * 3,
    )
    plain = to_plain(state)
    assert isinstance(plain, dict)
    plain["activities"][2]["note"] = "x"
    with pytest.raises(CodecError, match=r"^PromiseState\.activities\[2\]: unknown fields"):
        from_plain(PromiseState, plain)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"parties": "org-a"}, r"^PromiseDrafted\.parties: expected `array`, got `str`"),
        ({"parties": ["org-a", 7]}, r"^PromiseDrafted\.parties\[1\]: expected `str`, got `int`"),
        ({"promise_id": None}, r"^PromiseDrafted\.promise_id: expected `str`, got `null`"),
        ({"details": "Trygg i Bro"}, r"^PromiseDrafted\.details: expected `object`, got `str`"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_its_field(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(CodecError, match=message):
        REGISTRY.decode("PromiseDrafted", 1, {**drafted_payload(), **change})


def test_a_missing_field_and_a_bad_date_are_refused_naming_the_event() -> None:
    payload = drafted_payload()
    del payload["promise_id"]
    with pytest.raises(CodecError, match=r"^PromiseDrafted: object missing required field"):
        REGISTRY.decode("PromiseDrafted", 1, payload)
    with pytest.raises(CodecError, match=r"^PromisePublished\.published_on: .*date"):
        REGISTRY.decode(
            "PromisePublished",
            1,
            {"revision_no": 1, "channel": "web", "published_on": "2026-13-01"},
        )


def test_a_float_anywhere_in_a_value_is_refused_as_before() -> None:
    details = PromiseDetails(title="t")
    bad = replace(PromiseDrafted(promise_id="p", parties=(), details=details), promise_id=1.5)  # type: ignore[arg-type]
    with pytest.raises(CodecError, match="float"):
        to_plain(bad)
    with pytest.raises(CodecError, match="float"):
        REGISTRY.encode(bad)


@pytest.mark.parametrize(
    "parties", [frozenset({"org-a"}), ["org-a"]], ids=["a frozenset", "a list"]
)
def test_an_event_holding_what_would_not_read_back_as_itself_is_refused(
    parties: object,
) -> None:
    details = PromiseDetails(title="t")
    event = PromiseDrafted(promise_id="p", parties=parties, details=details)  # type: ignore[arg-type]
    with pytest.raises(CodecError, match="does not read back as itself"):
        REGISTRY.encode(event)


def test_values_that_are_not_json_shaped_are_refused_at_the_top() -> None:
    for value in (1.5, frozenset({"a"}), {"a": 1}, object()):
        with pytest.raises(CodecError, match="cannot encode"):
            to_plain(value)


# --------------------------------------------------------------------------------------------
# Where msgspec would write differently, the codec writes as the reference does.


@dataclass(frozen=True, slots=True, kw_only=True)
class Stamped:
    """A value with a datetime: msgspec writes UTC as "Z", isoformat as "+00:00"."""

    at: dt.datetime
    on: dt.date | None = None


def test_a_datetime_is_written_as_isoformat_writes_it() -> None:
    value = Stamped(at=dt.datetime(2026, 12, 3, 22, 30, tzinfo=dt.UTC), on=dt.date(1, 1, 1))
    assert to_plain(value) == {"at": "2026-12-03T22:30:00+00:00", "on": "0001-01-01"}
    assert to_plain(value) == reference_to_plain(value)
    assert from_plain(Stamped, to_plain(value)) == value


def test_a_lone_surrogate_is_kept_as_the_reference_keeps_it() -> None:
    evidence = Evidence(description="bad \ud800 text", document_sha256=None)
    assert to_plain(evidence) == reference_to_plain(evidence)
