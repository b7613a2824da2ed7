"""`replace` for the frozen, slotted dataclasses the folds edit: `dataclasses.replace`'s
result, made without going through `__init__`; and `maker`, the same for making one anew.

A fold makes a new state for nearly every event it applies (`replace(state, status=…)`), and
`dataclasses.replace` pays for its generality: it collects every field into keyword arguments
and calls the generated `__init__`, which sets each one through `object.__setattr__`. For a
class whose `__init__` does nothing else (slotted, no `__post_init__`, every field an init
field) the same object is made by copying the slots and setting the changed ones, about three
times faster; other classes go to `dataclasses.replace` itself. The type checker sees
`dataclasses.replace`, so each call's changes are checked against the class. A fold that makes
many small records (a promise's activity records, one per event) makes them with `maker(cls)`
for the same reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

T = TypeVar("T")

_Copier = Callable[[Any, dict[str, Any]], Any]
_copiers: dict[type, _Copier] = {}


if TYPE_CHECKING:
    # The type checker checks each call's changes against the class, as it does
    # dataclasses.replace's.
    from dataclasses import replace as replace
else:

    def replace(obj: T, /, **changes: Any) -> T:
        """A copy of `obj` with `changes`, equal to `dataclasses.replace(obj, **changes)`."""
        cls = type(obj)
        copier = _copiers.get(cls)
        if copier is None:
            copier = _copiers.setdefault(cls, _copier(cls))
        result: T = copier(obj, changes)
        return result


def maker(cls: Callable[..., T]) -> Callable[..., T]:
    """A function that makes `cls(**fields)` from keyword arguments, setting the slots as
    `replace` does (for a class whose `__init__` does only that, about three times faster);
    any other class is returned as it is. Its missing arguments take the fields' defaults."""
    assert isinstance(cls, type)
    fields = dataclasses.fields(cls)
    if not _simple(cls) or any(f.default_factory is not dataclasses.MISSING for f in fields):
        return cls
    scope: dict[str, Any] = {"cls": cls, "new": object.__new__}
    params, body = [], []
    for i, f in enumerate(fields):
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            scope[f"default_{i}"] = f.default
            params.append(f"{f.name}=default_{i}")
        scope[f"set_{i}"] = cls.__dict__[f.name].__set__
        body.append(f"    set_{i}(made, {f.name})")
    lines = [f"def make(*, {', '.join(params)}):", "    made = new(cls)", *body, "    return made"]
    exec("\n".join(lines), scope)  # the names are the class's own identifiers
    made: Callable[..., T] = scope["make"]
    return made


def _simple(cls: type) -> bool:
    """Whether `cls.__init__` only sets each field's slot (slotted, no `__post_init__`, every
    field an init field)."""
    fields = dataclasses.fields(cls)
    return (
        "__slots__" in cls.__dict__
        and not hasattr(cls, "__post_init__")
        and all(f.init and f._field_type is dataclasses._FIELD for f in fields)  # type: ignore[attr-defined]
        and {f.name for f in fields} == set(cls.__dict__["__slots__"])
    )


def _copier(cls: type) -> _Copier:
    names = tuple(f.name for f in dataclasses.fields(cls))
    if not _simple(cls):
        return lambda obj, changes: dataclasses.replace(obj, **changes)
    # One function per class, written out field by field as dataclasses writes `__init__`:
    # a loop over the fields costs twice as much. Each slot is set through its descriptor,
    # which a frozen class's `__setattr__` does not guard.
    scope: dict[str, Any] = {"cls": cls, "new": object.__new__, "known": frozenset(names)}
    lines = [
        "def copy(obj, changes):",
        "    if not known.issuperset(changes):",
        "        return replace_anyway(obj, **changes)",
        "    made = new(cls)",
        "    get = changes.get",
    ]
    for i, name in enumerate(names):
        scope[f"set_{i}"] = cls.__dict__[name].__set__
        lines.append(f"    set_{i}(made, get({name!r}, obj.{name}))")
    lines.append("    return made")
    scope["replace_anyway"] = dataclasses.replace  # its own error for a name not a field
    exec("\n".join(lines), scope)  # the names are the class's own identifiers
    copier: _Copier = scope["copy"]
    return copier
