"""Value objects of a promise revision (medborgarlöfte) and the content hash that freezes it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from events.codec import to_plain

AGREEMENT_STREAM_PREFIX = "agreement-"
SHARED_PLACE_STREAM_PREFIX = "place-"
"""The stream prefix of the shared places of a municipality (events.place)."""
"""Stream prefix of agreements (events.agreement), which a promise's details may name."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Period:
    """Giltighetsperiod: dates when known, and the label the text uses ("2018", "2023–2024")."""

    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    label: str | None = None

    def contains(self, day: dt.date) -> bool:
        """True when `day` lies within the known bounds."""
        after_start = self.valid_from is None or self.valid_from <= day
        return after_start and (self.valid_to is None or day <= self.valid_to)

    def cut(self, months: int, most: int) -> list[tuple[dt.date, dt.date]]:
        """The period cut into parts of `months` months counted from its first day, the last
        ending with the period; empty when its dates are unknown or it has more than `most`."""
        start, end = self.valid_from, self.valid_to
        if start is None or end is None or end < start:
            return []
        cuts: list[tuple[dt.date, dt.date]] = []
        n = 0
        while len(cuts) <= most:
            first = add_months(start, n * months)
            if first > end:
                return cuts
            n += 1
            cuts.append((first, min(end, add_months(start, n * months) - dt.timedelta(days=1))))
        return []


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved `months` months on (the last day of a shorter month when it has none)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("every month has 28 days")  # pragma: no cover


@dataclass(frozen=True, slots=True, kw_only=True)
class Recurrence:
    """How a planned activity recurs: `times_per_year` times in each year of the promise's
    period (each year cut into that many equal windows, one occurrence in each), or every
    `every_weeks` weeks from `starts_on` to `ends_on` (e.g. every second week in June–August)."""

    times_per_year: int | None = None
    every_weeks: int | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """Mål for a commitment, e.g. "minst åtta" = comparator ">=", quantity 8, unit "insats"."""

    comparator: str
    quantity: int
    unit: str
    per: str = "period"


@dataclass(frozen=True, slots=True, kw_only=True)
class FocusArea:
    """Fokusområde / prioriterat område."""

    focus_area_id: str
    title: str
    description: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Place:
    """A place the promise names (plats), e.g. "Bro centrum"."""

    place_id: str
    name: str
    kind: str = "other"
    municipality_id: str | None = None
    shared_place_id: str | None = None
    """The municipality's shared place (events.place) this place of the promise is, if linked:
    the same place followed across promises and years."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseInput:
    """An aggregate input to the problem picture (medborgardialog, enkät, statistik …)."""

    input_id: str
    kind: str
    summary: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Commitment:
    """Åtagande: one promised action with responsible organisations and an optional target."""

    commitment_id: str
    text: str
    focus_area_id: str | None = None
    responsible_ids: tuple[str, ...] = ()
    partner_ids: tuple[str, ...] = ()
    participants: str | None = None
    place_ids: tuple[str, ...] = ()
    target: Target | None = None
    pre_planned: bool = False
    schedule_hint: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseDetails:
    """The header of a promise: title, period and the texts around the commitments."""

    title: str
    period: Period = field(default_factory=Period)
    agreement_id: str | None = None
    goal: str | None = None
    problem_picture: str | None = None
    expected_effect: str | None = None
    follow_up_plan: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RevisionContent:
    """Everything a signature covers: parties, details, inputs, focus areas, places, commitments."""

    parties: tuple[str, ...]
    details: PromiseDetails
    inputs: tuple[PromiseInput, ...] = ()
    focus_areas: tuple[FocusArea, ...] = ()
    places: tuple[Place, ...] = ()
    commitments: tuple[Commitment, ...] = ()

    def commitment(self, commitment_id: str) -> Commitment | None:
        """The commitment with `commitment_id`, if present."""
        return next((c for c in self.commitments if c.commitment_id == commitment_id), None)

    def place(self, place_id: str) -> Place | None:
        """The place with `place_id`, if present."""
        return next((p for p in self.places if p.place_id == place_id), None)


def content_hash(content: object) -> str:
    """sha256 over canonical JSON (sorted keys, no spaces, UTF-8) of a revision's content."""
    canonical = json.dumps(
        to_plain(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
