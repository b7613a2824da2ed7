"""The open-data files: name, what they hold, columns and rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from service.web.open_data import agreement_file, indicator_file, promise_files
from service.web.open_data.sources import Sources
from service.web.open_data.spreadsheet import Column


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    """One file, served as `{name}.csv`, `{name}.excel.csv` and `{name}.json`."""

    name: str
    description: str
    """What the file holds, in Swedish, for the index."""
    columns: tuple[Column, ...]
    rows: Callable[[Sources], Iterable[dict[str, Any]]]


TABLES = (
    Table(
        name="promises",
        description=(
            "Publicerade medborgarlöften, ett per rad: parter med namn, status, period, "
            "publicering och underskrifter."
        ),
        columns=promise_files.PROMISES,
        rows=promise_files.promise_rows,
    ),
    Table(
        name="commitments",
        description=(
            "Löftenas åtaganden, ett per rad, med mål, genomförda insatser och måluppfyllelse."
        ),
        columns=promise_files.COMMITMENTS,
        rows=promise_files.commitment_rows,
    ),
    Table(
        name="follow-ups",
        description="Publicerade uppföljningar: bedömningen av varje åtagande, med kommentar.",
        columns=promise_files.FOLLOW_UPS,
        rows=promise_files.follow_up_rows,
    ),
    Table(
        name="places",
        description="Platser som löftena nämner, och vilka åtaganden som gäller dem.",
        columns=promise_files.PLACES,
        rows=promise_files.place_rows,
    ),
    Table(
        name="activities",
        description=(
            "Genomförda insatser: datum, plats, åtagande och antal (inga beskrivningar "
            "och inga personuppgifter)."
        ),
        columns=promise_files.ACTIVITIES,
        rows=promise_files.activity_rows,
    ),
    Table(
        name="agreements",
        description=(
            "Publicerade samverkansöverenskommelser: parter med namn, period, prioriterade "
            "områden, underskrifter och publicering."
        ),
        columns=agreement_file.AGREEMENTS,
        rows=agreement_file.agreement_rows,
    ),
    Table(
        name="indicators",
        description=(
            "Indikatorer som publicerade medborgarlöften följer: utgångsvärde, senaste värde "
            "och trend (bättre, oförändrat, sämre, kan inte bedömas)."
        ),
        columns=indicator_file.INDICATORS,
        rows=indicator_file.indicator_rows,
    ),
    Table(
        name="indicator-values",
        description="Indikatorernas värden per period, med utgångsvärdet och källan.",
        columns=indicator_file.VALUES,
        rows=indicator_file.value_rows,
    ),
)

BY_NAME = {table.name: table for table in TABLES}
