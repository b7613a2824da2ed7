"""Command ids: their format, and the fingerprint that binds an id to one command."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest

from events.idempotency import MAX_COMMAND_ID_LENGTH, check_command_id, command_fingerprint
from events.messages import Command, InvalidInput, Principal
from service.demo.records import demo_commands

AT = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)
ANNA = Principal(issuer="idp", subject="anna", organisation_id="org-a", roles=frozenset({"editor"}))


@pytest.mark.parametrize(
    "command_id",
    [str(uuid.uuid4()), str(uuid.uuid4()).upper(), "a", "ub-2018/draft 1", "~" * 128],
)
def test_a_uuid_or_up_to_128_printable_ascii_characters_is_a_command_id(command_id: str) -> None:
    check_command_id(command_id)


@pytest.mark.parametrize(
    "command_id",
    ["", "x" * (MAX_COMMAND_ID_LENGTH + 1), "k" * 10_240, "a\nb", "a\tb", "\x00", "\x7f", "å", "ü"],
)
def test_anything_else_is_invalid_input_on_the_command_id_field(command_id: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_command_id(command_id)
    assert refused.value.field_path == ("command_id",)
    assert refused.value.code == "invalid_command_id"
    assert len(refused.value.message) < 200  # never echoes a 10 KB id


def test_every_demo_command_has_a_fingerprint_that_leaves_out_its_id_and_time() -> None:
    earlier = demo_commands(AT)
    later = demo_commands(AT + dt.timedelta(days=3))
    prints = set()
    for (stream, first), (_, again) in zip(earlier, later, strict=True):
        retried = dataclasses.replace(again, command_id=str(uuid.uuid4()))
        assert command_fingerprint(first, stream) == command_fingerprint(retried, stream)
        prints.add(command_fingerprint(first, stream))
    assert len(prints) == len(earlier)  # distinct commands never share a fingerprint


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Note(Command):
    text: str
    tags: frozenset[str] = frozenset()


def note(text: str, *, actor: Principal = ANNA, **more: object) -> Note:
    return Note(command_id="c-1", actor=actor, at=AT, text=text, **more)  # type: ignore[arg-type]


def test_the_fingerprint_changes_with_the_type_the_target_the_input_and_the_person() -> None:
    base = command_fingerprint(note("a"), "notes-1")
    bertil = dataclasses.replace(ANNA, subject="bertil")
    assert command_fingerprint(note("b"), "notes-1") != base
    assert command_fingerprint(note("a"), "notes-2") != base
    assert command_fingerprint(note("a", actor=bertil), "notes-1") != base
    assert command_fingerprint(note("a", tags=frozenset({"x"})), "notes-1") != base

    @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
    class Other(Command):
        text: str

    assert command_fingerprint(Other(command_id="c-1", actor=ANNA, at=AT, text="a"), "n") != (
        command_fingerprint(note("a"), "n")
    )


def test_the_fingerprint_ignores_roles_and_the_order_of_a_set() -> None:
    more_roles = dataclasses.replace(ANNA, roles=frozenset({"editor", "publisher"}))
    assert command_fingerprint(note("a", actor=more_roles), "n") == command_fingerprint(
        note("a"), "n"
    )
    assert command_fingerprint(note("a", tags=frozenset({"x", "y", "z"})), "n") == (
        command_fingerprint(note("a", tags=frozenset({"z", "y", "x"})), "n")
    )


def test_a_field_added_later_with_a_default_keeps_the_fingerprints_of_earlier_commands() -> None:
    @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
    class Note(Command):  # the same command as above, before `tags` existed
        text: str

    before = Note(command_id="c-1", actor=ANNA, at=AT, text="a")
    assert command_fingerprint(before, "n") == command_fingerprint(note("a"), "n")
