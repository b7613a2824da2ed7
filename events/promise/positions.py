"""Where each record id sits in a promise's activity records, found without a scan.

A command that records an activity asks whether its record id is taken: a scan of every record
the promise holds, and records made over a long time lie scattered in memory, so each one read
is a cache miss (at 600 records, a twentieth of a command's time in the API process). A dict of
id → first position answers at once; this keeps one per tuple of records, outside the state,
so the state's shape (its documents, snapshots and equality) is unchanged.

The dict of a tuple moves to the tuple made from it by appending records (`extended`: the new
ids are added) or by replacing records in place, ids unchanged (`replaced`), as a command's
state follows the one before it; the tuple it came from, asked again, is indexed afresh. So a
dict is only ever held by the one tuple it describes exactly.

Tuples are kept by identity in a bounded table that holds them (an `id` is not reused while its
tuple lives); a tuple not kept is indexed afresh, in one pass, on its next lookup.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol


class Identified(Protocol):
    @property
    def record_id(self) -> str: ...


KEPT = 4096
"""Tuples whose positions are kept, the least recently indexed or handed on dropped first (a
dropped one costs one pass on its next lookup)."""

SCANNED_BELOW = 16
"""Tuples shorter than this are scanned: a dict is no cheaper than a scan this short."""


_kept: OrderedDict[int, tuple[Sequence[Identified], dict[str, int]]] = OrderedDict()
"""id(tuple) → (the tuple, the first position of each id in it)."""


def _taken(records: Sequence[Identified]) -> dict[str, int] | None:
    """The positions of `records`, if kept, no longer kept for it (a tuple made from it takes
    them)."""
    entry = _kept.pop(id(records), None)
    return None if entry is None else entry[1]


def _keep(records: Sequence[Identified], found: dict[str, int]) -> None:
    _kept[id(records)] = (records, found)
    while len(_kept) > KEPT:
        _kept.popitem(last=False)


def position(records: Sequence[Identified], record_id: str) -> int | None:
    """The position of the first record with `record_id` in `records`, if any."""
    if len(records) < SCANNED_BELOW:
        return next((i for i, r in enumerate(records) if r.record_id == record_id), None)
    entry = _kept.get(id(records))
    if entry is not None:
        found = entry[1]
    else:
        found = {}
        for i, record in enumerate(records):
            found.setdefault(record.record_id, i)
        _keep(records, found)
    return found.get(record_id)


def extended(old: Sequence[Identified], new: Sequence[Identified]) -> None:
    """`new` is `old` with records appended: it takes `old`'s positions, if kept."""
    found = _taken(old)
    if found is not None:
        for i in range(len(old), len(new)):
            found.setdefault(new[i].record_id, i)
        _keep(new, found)


def replaced(old: Sequence[Identified], new: Sequence[Identified]) -> None:
    """`new` is `old` with records replaced in place, each by one with the same id: it takes
    `old`'s positions, if kept."""
    found = _taken(old)
    if found is not None:
        _keep(new, found)
