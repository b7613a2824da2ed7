"""Idempotency keys: what a command id may look like, and what binds it to one command.

A command id is the client's idempotency key. It belongs to the caller's organisation (two
organisations may use the same id and never meet) and to one command: the stored record keeps
a fingerprint of what was asked, so a retry is recognised and answered with the first result,
while a different command under the same id is refused instead of being swallowed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from typing import Final

from events.messages import Command, InvalidInput
from events.proof.leaf import canonical_json

MAX_COMMAND_ID_LENGTH: Final = 128
"""A command id is a UUID or up to this many printable ASCII characters."""

_COMMAND_ID = re.compile(f"[\\x20-\\x7e]{{1,{MAX_COMMAND_ID_LENGTH}}}")

ENVELOPE_FIELDS: Final = frozenset({"command_id", "actor", "at"})
"""Command fields that are not what is asked: the key itself, who asks, and the request time."""

_FINGERPRINT_DOMAIN: Final = b"samverkan/command-fingerprint/v1\n"

_NO_DEFAULT: Final = object()


class IdempotencyKeyReused(Exception):
    """The command id was used before, by the same organisation, for a different command.

    Not a refusal: the rules were not asked. Nothing was decided or appended; the caller
    sends the new command under a new id (or the first command again to learn its result).
    """

    code: Final = "idempotency_key_reused"

    def __init__(self, command_id: str) -> None:
        super().__init__(
            f"command id {command_id!r} was already used for a different command; "
            "send a new command under a new id"
        )
        self.command_id = command_id


def check_command_id(command_id: str) -> None:
    """Refuse a command id that is not 1 to 128 printable ASCII characters (a UUID fits)."""
    if isinstance(command_id, str) and _COMMAND_ID.fullmatch(command_id):
        return
    length = len(command_id) if isinstance(command_id, str) else 0
    params = {"most": MAX_COMMAND_ID_LENGTH, "length": length}
    if length > MAX_COMMAND_ID_LENGTH:
        raise InvalidInput(
            code="invalid_command_id",
            message=(
                "A command id is a UUID or 1 to {most} printable ASCII characters "
                "(U+0020 to U+007E); this one has {length}."
            ),
            params=params,
            field_path=("command_id",),
        )
    raise InvalidInput(
        code="invalid_command_id",
        message=(
            "A command id is a UUID or 1 to {most} printable ASCII characters "
            "(U+0020 to U+007E); this one is empty or holds another character."
        ),
        params=params,
        field_path=("command_id",),
    )


def _plain(value: object) -> object:
    """A JSON value for the fingerprint: dates as ISO strings, sets sorted, dataclasses as dicts."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dt.date):  # datetimes too; isoformat keeps the offset
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, frozenset | set):
        return sorted((_plain(item) for item in value), key=canonical_json)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _fields(value, frozenset())
    raise TypeError(f"cannot fingerprint a value of type {type(value).__name__}")


def _fields(value: object, leave_out: frozenset[str]) -> dict[str, object]:
    """A dataclass's fields as plain values, without `leave_out` and those at their default.

    Leaving defaults out keeps a fingerprint stable when a field with a default is added to a
    command later: a retry across that change still matches what was recorded before it.
    """
    plain: dict[str, object] = {}
    for f in dataclasses.fields(value):  # type: ignore[arg-type]
        item = getattr(value, f.name)
        if f.name in leave_out or item == _default(f):
            continue
        plain[f.name] = _plain(item)
    return plain


def _default(f: dataclasses.Field[object]) -> object:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return _NO_DEFAULT


def command_fingerprint(command: Command, stream_id: str) -> bytes:
    """SHA-256 over what a command asks: its type, target stream, input, and who asks.

    The command id and the request time are left out, so a client's retry of the same command
    (later, on a new connection, with a new request id) has the same fingerprint. The asking
    person (issuer and subject, not their roles, which may change between attempts) is in it:
    a colleague who reuses someone else's id is not retrying their command and must not be
    told it was accepted. The organisation is not: it is part of the key itself.
    """
    asked = {
        "type": type(command).__name__,
        "stream": stream_id,
        "input": _fields(command, ENVELOPE_FIELDS),
        "actor": {"issuer": command.actor.issuer, "subject": command.actor.subject},
    }
    return hashlib.sha256(_FINGERPRINT_DOMAIN + canonical_json(asked)).digest()
