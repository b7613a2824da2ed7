"""A promise's progress as the API types it: every field of a stored progress row, and of each
of its sub-periods, reaches the typed row with its value (a field added on one side only
fails here instead of being dropped or refused at read time)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import orjson

from events.codec import to_plain
from events.promise.content import Period
from projections.progress import PeriodProgress as StoredPeriod
from projections.progress import Progress
from schema.promises import CommitmentProgress, PeriodProgress, _progress

STORED = Progress(
    commitment_id="c1",
    text="Trygghetsvandringar i Bro centrum",
    target=8,
    comparator="at_least",
    unit="vandringar",
    achieved=3,
    records=4,
    status="partly",
    colour="yellow",
    per="year",
    periods=(
        StoredPeriod(
            label="2026",
            starts_on=dt.date(2026, 1, 1),
            ends_on=dt.date(2026, 12, 31),
            target=4,
            achieved=3,
            records=4,
            status="partly",
            colour="yellow",
        ),
    ),
    planned=6,
    planned_performed=2,
)


def _names(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls) if f.init}


def test_every_field_of_a_stored_progress_row_reaches_the_typed_row() -> None:
    stored = orjson.loads(orjson.dumps(to_plain(STORED)))  # as a document holds it
    period = Period(valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2027, 12, 31))
    (typed,) = _progress([stored], period)
    assert set(stored) == _names(CommitmentProgress) - {"promise_period"}
    for name in set(stored) - {"periods"}:
        assert getattr(typed, name) == stored[name], name
    assert typed.promise_period == period
    (typed_period,) = typed.periods
    (stored_period,) = STORED.periods
    assert _names(PeriodProgress) == _names(StoredPeriod)
    for name in _names(StoredPeriod):
        assert getattr(typed_period, name) == getattr(stored_period, name), name


def test_a_row_without_the_optional_fields_reads_with_their_defaults() -> None:
    stored = orjson.loads(orjson.dumps(to_plain(STORED)))
    for later in ("per", "periods", "planned", "planned_performed"):
        del stored[later]
    (typed,) = _progress([stored])
    assert (typed.per, typed.periods, typed.planned, typed.planned_performed) == (
        "period",
        [],
        0,
        0,
    )
