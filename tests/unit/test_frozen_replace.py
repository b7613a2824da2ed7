"""`events.frozen.replace` makes what `dataclasses.replace` makes, and `events.frozen.maker`
what the class's own `__init__` makes, for every state class."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import events
from events.frozen import maker, replace


def _state_classes() -> list[type]:
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(events.__path__, "events."):
        if not info.name.endswith((".state", ".content", "recorded", ".drafting")):
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and dataclasses.is_dataclass(cls):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[name] for name in sorted(found)]


STATE_CLASSES = _state_classes()


def test_the_state_classes_are_found() -> None:
    names = {cls.__name__ for cls in STATE_CLASSES}
    assert {"PromiseState", "ActivityRecord", "WalkState", "AgreementState"} <= names


# A whole PromiseState drawn from its types is large: Hypothesis's size guard may trip on it,
# by chance, without the test having found anything.
LARGE = [HealthCheck.data_too_large, HealthCheck.too_slow]


@pytest.mark.parametrize("cls", STATE_CLASSES, ids=lambda cls: cls.__qualname__)
@settings(max_examples=25, deadline=None, suppress_health_check=LARGE)
@given(data=st.data())
def test_replace_equals_dataclasses_replace(cls: type, data: st.DataObject) -> None:
    original = data.draw(st.from_type(cls), label="original")
    other = data.draw(st.from_type(cls), label="other")
    names = [f.name for f in dataclasses.fields(cls)]
    changed = data.draw(st.lists(st.sampled_from(names), unique=True), label="changed")
    changes: dict[str, Any] = {name: getattr(other, name) for name in changed}

    before = [getattr(original, name) for name in names]
    made = replace(original, **changes)
    expected = dataclasses.replace(original, **changes)

    assert type(made) is cls
    assert made == expected
    for name in names:  # the very values, not copies
        assert getattr(made, name) is getattr(expected, name)
    # the original is left as it was
    assert all(getattr(original, n) is v for n, v in zip(names, before, strict=True))


def _named(name: str) -> type:
    return next(cls for cls in STATE_CLASSES if cls.__name__ == name)


@settings(max_examples=5, deadline=None)
@given(instance=st.from_type(_named("ActivityRecord")))
def test_replace_refuses_a_name_that_is_not_a_field_as_dataclasses_does(instance: Any) -> None:
    with pytest.raises(TypeError, match="no_such_field"):
        replace(instance, no_such_field=1)


@settings(max_examples=5, deadline=None, suppress_health_check=LARGE)
@given(state=st.from_type(_named("PromiseState")))
def test_the_copy_is_as_frozen_as_the_original(state: Any) -> None:
    made = replace(state, status="closed")
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.status = "open"  # type: ignore[misc]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _Checked:
    low: int
    high: int

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low above high")


@dataclasses.dataclass(frozen=True, kw_only=True)
class _WithoutSlots:
    name: str
    count: int = 0


def test_a_class_with_a_post_init_is_still_checked() -> None:
    checked = _Checked(low=1, high=2)
    assert replace(checked, high=5) == _Checked(low=1, high=5)
    with pytest.raises(ValueError, match="low above high"):
        replace(checked, low=3)


def test_a_class_without_slots_is_replaced_as_dataclasses_does() -> None:
    plain = _WithoutSlots(name="a")
    assert replace(plain, count=2) == _WithoutSlots(name="a", count=2)


@pytest.mark.parametrize("cls", STATE_CLASSES, ids=lambda cls: cls.__qualname__)
@settings(max_examples=25, deadline=None, suppress_health_check=LARGE)
@given(data=st.data())
def test_maker_makes_what_the_class_makes(cls: type, data: st.DataObject) -> None:
    drawn = data.draw(st.from_type(cls), label="drawn")
    fields = dataclasses.fields(cls)
    # Every field given, or only those without a default (the rest take it).
    required = [f.name for f in fields if f.default is dataclasses.MISSING]
    given_all = data.draw(st.booleans(), label="all fields given")
    names = [f.name for f in fields] if given_all else required
    if any(f.default_factory is not dataclasses.MISSING for f in fields):
        names = [f.name for f in fields]
    values = {name: getattr(drawn, name) for name in names}

    made = maker(cls)(**values)
    expected = cls(**values)

    assert type(made) is cls
    assert made == expected
    for f in fields:  # the very values, not copies
        assert getattr(made, f.name) is getattr(expected, f.name)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, fields[0].name, None)


def test_maker_refuses_a_missing_or_unknown_field_as_the_class_does() -> None:
    make = maker(_named("ActivityRecord"))
    with pytest.raises(TypeError, match="record_id"):
        make(commitment_id="c")
    with pytest.raises(TypeError, match="no_such_field"):
        make(no_such_field=1)


def test_maker_of_a_class_with_a_post_init_is_the_class_itself() -> None:
    assert maker(_Checked) is _Checked
    with pytest.raises(ValueError, match="low above high"):
        maker(_Checked)(low=3, high=1)
