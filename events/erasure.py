"""Erasing personal data from the log without breaking it.

An event type names its personal fields in `PERSONAL_FIELDS` (a person's name, an activity
report's free text). Erasing an event replaces its stored payload with a redacted copy in which
exactly those fields are blanked; every other field (ids, dates, quantities) stays, so the
stream still folds to the same shape and the read models stay consistent. An event type with
no personal fields cannot be erased: there would be nothing to remove, and its facts (a
signature, a status change) are what the record is for.

The erasure itself is an event, `PayloadErased`, in the stream `erasures`; projections re-fold
the affected stream from the redacted payloads when they reach it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from events.codec import Registry
from events.messages import Event

ERASURE_STREAM: Final = "erasures"
"""The stream that records every erasure."""

ERASED_TEXT: Final = "[raderat]"
"""What a blanked text field reads after erasure."""


class ErasureRefused(ValueError):
    """The event cannot be erased (unknown type, or a type without personal fields)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PayloadErased(Event):
    """Uppgift raderad: the personal fields of one logged event were blanked."""

    event_id: str
    log_index: int
    stream_id: str
    erased_by: str
    authorised_by: str


def personal_fields(registry: Registry, type_name: str) -> frozenset[str]:
    """The personal fields an event type declares (empty when it declares none)."""
    event_type = registry.types.get(type_name)
    if event_type is None:
        raise ErasureRefused(f"unknown event type {type_name}")
    fields: frozenset[str] = getattr(event_type, "PERSONAL_FIELDS", frozenset())
    return fields


def _blank(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return []
    return ERASED_TEXT


def redact(registry: Registry, type_name: str, data: Mapping[str, object]) -> dict[str, object]:
    """The payload with its personal fields blanked; refuses a type without any."""
    fields = personal_fields(registry, type_name)
    if not fields:
        raise ErasureRefused(f"{type_name} holds no personal data; its payload cannot be erased")
    return {key: _blank(value) if key in fields else value for key, value in data.items()}
