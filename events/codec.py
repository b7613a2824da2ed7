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
from typing import Any, TypeVar

import msgspec

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
    """A JSON-ready copy: dates as ISO strings, tuples as lists, dataclasses as dicts.

    Dataclasses go through msgspec's JSON encoder and decoder (C code, several times faster
    than the walk in Python), which give exactly the builtins the walk gives; a class with a
    `datetime` anywhere in it, and a value msgspec cannot write as UTF-8 (a lone surrogate),
    take the walk.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if _plan(type(value)).fast:
            try:
                return _PLAIN_DECODER.decode(_JSON_ENCODER.encode(value))
            except UnicodeEncodeError:
                pass
            except msgspec.ValidationError as exc:  # raised by _no_floats
                raise CodecError(_located(str(exc), type(value).__name__)) from exc
        return _walk(value)
    if isinstance(value, tuple | list):
        return [to_plain(item) for item in value]
    return _walk(value)


def _walk(value: object) -> object:
    """The reference encoder, in Python: the one `to_plain` must agree with."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dt.date):  # covers datetime too; isoformat keeps the offset
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_walk(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _walk(getattr(value, f.name)) for f in dataclasses.fields(value)}
    raise CodecError(f"cannot encode a value of type {type(value).__name__}")


def _no_floats(text: str) -> object:
    raise CodecError(f"cannot encode a value of type float ({text})")  # as `_walk` refuses it


_JSON_ENCODER = msgspec.json.Encoder()
_PLAIN_DECODER = msgspec.json.Decoder(float_hook=_no_floats)
"""Encoder and decoder of `to_plain`'s fast path; a float anywhere is refused as before."""

Check = Callable[[Any, str], None]
"""Walks already converted builtins for a type, raising CodecError at an unknown field."""


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the codec worked out once about a dataclass (classes do not change at run time)."""

    check: Check
    """Refuses fields the class does not have, at any depth (msgspec ignores them)."""
    fast: bool
    """True when msgspec's JSON encoder writes the class exactly as `_walk` does: nothing in
    it is a `datetime` (msgspec writes UTC as "Z" where isoformat writes "+00:00")."""


@functools.cache
def _plan(cls: type) -> _Plan:
    hints = typing.get_type_hints(cls)
    names = frozenset(f.name for f in dataclasses.fields(cls))
    nested: list[tuple[str, Check]] = []
    fast = True
    for name in names:
        field_check, field_fast = _inspect(hints[name])
        fast = fast and field_fast
        if field_check is not None:
            nested.append((name, field_check))
    label = cls.__name__

    def check(data: Any, where: str) -> None:
        if not names.issuperset(data):
            unknown = sorted(set(data) - names)
            raise CodecError(f"{where}: unknown fields {unknown} for {label}")
        for name, inner in nested:
            value = data.get(name)
            if value is not None:
                inner(value, f"{where}.{name}")

    return _Plan(check=check, fast=fast)


def _inspect(annotation: object) -> tuple[Check | None, bool]:
    """The unknown-field check for values of `annotation` (None: no dataclass inside) and
    whether msgspec writes them as `_walk` does."""
    if annotation is dt.datetime:
        return None, False
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        plan = _plan(annotation)
        return plan.check, plan.fast
    args = typing.get_args(annotation)
    inspected = [_inspect(a) for a in args if a is not Ellipsis]
    fast = all(f for _, f in inspected)
    checks = [c for c, _ in inspected if c is not None]
    if not checks:
        return None, fast
    origin = typing.get_origin(annotation)
    if origin in (types.UnionType, typing.Union) and len(checks) == 1:
        # Optional[SomeDataclass]: msgspec has already refused anything but an object or null.
        return checks[0], fast
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item_check = checks[0]

        def check_items(data: Any, where: str) -> None:
            for i, item in enumerate(data):
                item_check(item, f"{where}[{i}]")

        return check_items, fast
    raise CodecError(f"unsupported annotation {annotation!r}")


def _convert(cls: type[object], data: object, where: str) -> object:
    """`data` (builtins, as JSON gives them) as a `cls`, or a CodecError naming where it fails."""
    try:
        value = msgspec.convert(data, cls)
    except msgspec.ValidationError as exc:
        raise CodecError(_located(str(exc), where)) from exc
    except (TypeError, ValueError) as exc:  # a __post_init__ or an unsupported annotation
        raise CodecError(f"{where}: {exc}") from exc
    _plan(cls).check(data, where)  # type: ignore[arg-type]  # (mypy: a class is hashable)
    return value


def _located(message: str, where: str) -> str:
    """msgspec's "Expected `int`, got `str` - at `$.a[0].b`" as "Where.a[0].b: expected …"."""
    text, sep, path = message.rpartition(" - at `")
    if not sep:
        text, path = message, "$"
    text = text[:1].lower() + text[1:]
    return f"{where}{path.rstrip('`').removeprefix('$')}: {text}"


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
        # What is stored is what every later fold reads: an event that would not read back as
        # itself (a set or a list where the class says tuple, a value of the wrong type) is
        # refused here rather than folded differently live and on rebuild.
        if _convert(type(event), data, name) != event:
            raise CodecError(f"{name} does not read back as itself from its encoding")
        return name, schema_version_of(type(event)), data

    def decode(self, type_name: str, schema_version: int, data: Mapping[str, object]) -> Event:
        """The event stored as (type, version, data), upcast to the current shape."""
        event_type = self.types.get(type_name)
        if event_type is None:
            raise CodecError(f"unknown event type {type_name}")
        current = schema_version_of(event_type)
        if not 1 <= schema_version <= current:
            raise CodecError(f"{type_name} has no schema version {schema_version}")
        # msgspec reads objects from dicts only; a stored payload is one already (not copied).
        payload = data if type(data) is dict else dict(data)
        for version in range(schema_version, current):
            payload = self.upcasters[(type_name, version)](dict(payload))
        event = _convert(event_type, payload, type_name)
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
    value = _convert(cls, data, cls.__name__)
    assert isinstance(value, cls)
    return value
