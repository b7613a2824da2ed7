"""Event codec: a registry of event types, JSON-ready encoding, decoding, and upcasting chains.

Stored payloads keep the shape of the schema version they were written with. When an event's
shape changes, its class gets a higher `SCHEMA_VERSION` and the registry an upcaster per older
version; decoding applies them in order (1 → 2 → … → current), so old rows are never rewritten.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from events.messages import Event

Upcaster = Callable[[dict[str, object]], dict[str, object]]


T = TypeVar("T")


class CodecError(ValueError):
    """A payload does not fit its declared type, or the registry is inconsistent."""


def schema_version_of(event_type: type[Event]) -> int:
    """The current schema version of an event type (1 unless the class says otherwise)."""
    version = getattr(event_type, "SCHEMA_VERSION", 1)
    if not isinstance(version, int) or version < 1:
        raise CodecError(f"{event_type.__name__}.SCHEMA_VERSION must be a positive int")
    return version


def to_plain(value: object) -> object:
    """A JSON-ready copy: dates as ISO strings, tuples as lists, dataclasses as dicts."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dt.date):  # covers datetime too; isoformat keeps the offset
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_plain(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    raise CodecError(f"cannot encode a value of type {type(value).__name__}")


def _from_plain(annotation: object, data: object, where: str) -> object:
    origin = typing.get_origin(annotation)
    if origin in (types.UnionType, typing.Union):
        options = typing.get_args(annotation)
        if data is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _from_plain(option, data, where)
            except CodecError as exc:
                errors.append(str(exc))
        raise CodecError(f"{where}: no option fits ({'; '.join(errors)})")
    if origin is tuple:
        args = typing.get_args(annotation)
        if not isinstance(data, list):
            raise CodecError(f"{where}: expected a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_from_plain(args[0], item, f"{where}[]") for item in data)
        if len(args) != len(data):
            raise CodecError(f"{where}: expected {len(args)} items")
        return tuple(_from_plain(a, item, f"{where}[]") for a, item in zip(args, data, strict=True))
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
    if annotation is dt.datetime:
        if not isinstance(data, str):
            raise CodecError(f"{where}: expected an ISO datetime string")
        return dt.datetime.fromisoformat(data)
    if annotation is dt.date:
        if not isinstance(data, str):
            raise CodecError(f"{where}: expected an ISO date string")
        try:
            return dt.date.fromisoformat(data)
        except ValueError as exc:
            raise CodecError(f"{where}: {exc}") from exc
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return _dataclass_from_plain(annotation, data, where)
    raise CodecError(f"{where}: unsupported annotation {annotation!r}")


@functools.cache
def _shape(cls: type[object]) -> tuple[dict[str, object], frozenset[str]]:
    """A dataclass's resolved field types and names, worked out once per class.

    `typing.get_type_hints` evaluates the string annotations every time it is called, which
    made it most of the cost of decoding; classes do not change at run time.
    """
    hints = typing.get_type_hints(cls)
    return hints, frozenset(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]


def _dataclass_from_plain(cls: type[object], data: object, where: str) -> object:
    if not isinstance(data, dict):
        raise CodecError(f"{where}: expected an object for {cls.__name__}")
    hints, known = _shape(cls)  # type: ignore[arg-type]
    unknown = set(data) - known
    if unknown:
        raise CodecError(f"{where}: unknown fields {sorted(unknown)} for {cls.__name__}")
    kwargs = {
        name: _from_plain(hints[name], value, f"{where}.{name}") for name, value in data.items()
    }
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise CodecError(f"{where}: {exc}") from exc


@dataclass(frozen=True, slots=True, kw_only=True)
class Registry:
    """Event types by name (the class name), their versions, and the upcasters between them."""

    types: Mapping[str, type[Event]]
    upcasters: Mapping[tuple[str, int], Upcaster]

    def encode(self, event: Event) -> tuple[str, int, dict[str, object]]:
        """(type name, schema version, JSON-ready data) for a registered event."""
        name = type(event).__name__
        if self.types.get(name) is not type(event):
            raise CodecError(f"{name} is not a registered event type")
        data = to_plain(event)
        assert isinstance(data, dict)
        return name, schema_version_of(type(event)), data

    def decode(self, type_name: str, schema_version: int, data: Mapping[str, object]) -> Event:
        """The event stored as (type, version, data), upcast to the current shape."""
        event_type = self.types.get(type_name)
        if event_type is None:
            raise CodecError(f"unknown event type {type_name}")
        current = schema_version_of(event_type)
        if not 1 <= schema_version <= current:
            raise CodecError(f"{type_name} has no schema version {schema_version}")
        payload = dict(data)
        for version in range(schema_version, current):
            payload = self.upcasters[(type_name, version)](payload)
        event = _dataclass_from_plain(event_type, payload, type_name)
        assert isinstance(event, Event)
        return event


def build_registry(
    event_types: Iterable[type[Event]], upcasters: Mapping[tuple[str, int], Upcaster]
) -> Registry:
    """A registry, checked: unique names, and an upcaster for every older version, no strays."""
    by_name: dict[str, type[Event]] = {}
    for event_type in event_types:
        name = event_type.__name__
        if name in by_name:
            raise CodecError(f"two event types are named {name}")
        by_name[name] = event_type
    for name, event_type in by_name.items():
        for version in range(1, schema_version_of(event_type)):
            if (name, version) not in upcasters:
                raise CodecError(f"{name} lacks an upcaster from version {version}")
    for name, version in upcasters:
        owner = by_name.get(name)
        if owner is None or not 1 <= version < schema_version_of(owner):
            raise CodecError(f"stray upcaster for {name} version {version}")
    return Registry(types=dict(by_name), upcasters=dict(upcasters))


def from_plain(cls: type[T], data: object) -> T:
    """Rebuild a dataclass value (an event, a folded state) from its `to_plain` form."""
    value = _dataclass_from_plain(cls, data, cls.__name__)
    assert isinstance(value, cls)
    return value
