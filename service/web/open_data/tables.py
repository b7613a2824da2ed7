"""The open-data files: name, what they hold, columns and rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from service.web.open_data import (
    action_plan_file,
    agreement_file,
    indicator_file,
    promise_files,
    walk_files,
)
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
        name="plans",
        description=(
            "Planerade insatser och trygghetsvandringar: åtaganden, platser, ansvariga, och "
            "hur många tillfällen som är planerade, genomförda och inställda."
        ),
        columns=promise_files.PLANS,
        rows=promise_files.plan_rows,
    ),
    Table(
        name="occurrences",
        description=(
            "De planerade insatsernas tillfällen, ett per rad: datum och läge (planerat, "
            "flyttat, inställt, genomfört), utan skäl."
        ),
        columns=promise_files.OCCURRENCES,
        rows=promise_files.occurrence_rows,
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
        name="action-plans",
        description=(
            "Antagna åtgärdsplaner (lag 2023:196): beslut med diarienummer, lägesbilden de "
            "vilar på, åtgärder, och överenskommelse och löften som genomför dem."
        ),
        columns=action_plan_file.ACTION_PLANS,
        rows=action_plan_file.action_plan_rows,
    ),
    Table(
        name="walks",
        description=(
            "Trygghetsvandringar: datum, kommun, arrangör, deltagande organisationer, platser "
            "och hur många av bristerna som är åtgärdade (inga personuppgifter)."
        ),
        columns=walk_files.WALKS,
        rows=walk_files.walk_rows,
    ),
    Table(
        name="findings",
        description=(
            "Brister från trygghetsvandringarna: plats, kategori, ansvarig organisation, "
            "sista dag och status (inga beskrivningar och inga personuppgifter)."
        ),
        columns=walk_files.FINDINGS,
        rows=walk_files.finding_rows,
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
