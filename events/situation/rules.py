"""Rules a lägesbild and an åtgärdsplan share: who owns and edits them, the decision that
adopts a version, the shared places they name, the indicators they follow.

Who: editors and signatories of the owners. A lägesbild or åtgärdsplan of a municipality is
owned by the municipality; a joint one also by a police area that serves the municipality on
the day of the command (the directory's links, as for shared places: `may_change_places_of`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from events.access import require_party_seen
from events.context import DecisionContext
from events.directory.authority import require_any_role
from events.directory.state import MUNICIPALITY, POLICE_AREA
from events.indicator import STREAM_PREFIX as INDICATOR_PREFIX
from events.indicator import IndicatorState
from events.messages import (
    FieldPath,
    Forbidden,
    InvalidInput,
    NotFound,
    Principal,
    RuleViolated,
    Term,
)
from events.place import STREAM_PREFIX as PLACE_STREAM_PREFIX
from events.place import may_change_places_of, require_place_of
from events.promise.drafting import EDITORS
from events.situation.events import Decision
from events.situation.state import PictureVersion, PlanVersion
from events.well_formed import require_id, require_not_after, require_text, require_unique

INDICATOR_STREAM_PREFIX = INDICATOR_PREFIX
"""Streams of the indicators a lägesbild or a measure follows (built beside this aggregate)."""
DECIDED_BY_MAX = 200
DIARIENUMMER_MAX = 100


def check_owners(
    context: DecisionContext, municipality_id: str, police_area_id: str | None, day: dt.date
) -> None:
    """The municipality exists; a joint owner is a police area serving it on `day`."""
    require_id(municipality_id, "municipality_id")
    if context.directory.kind_of(municipality_id) != MUNICIPALITY:
        raise NotFound(
            code="municipality_not_found",
            message="No municipality {municipality}.",
            params={"municipality": municipality_id},
            field_path=("municipality_id",),
        )
    if police_area_id is None:
        return
    require_id(police_area_id, "police_area_id")
    kind = context.directory.kind_of(police_area_id)
    if kind is None:
        raise NotFound(
            code="organisation_not_found",
            message="No organisation {organisation}.",
            params={"organisation": police_area_id},
            field_path=("police_area_id",),
        )
    if kind != POLICE_AREA:
        raise RuleViolated(
            code="wrong_organisation_kind",
            message="{organisation} is not a police area.",
            params={"organisation": police_area_id},
            field_path=("police_area_id",),
        )
    if municipality_id not in context.directory.served_municipalities(police_area_id, day):
        raise RuleViolated(
            code="police_area_not_serving",
            message="The police area {police_area} does not serve {municipality} on {day}.",
            params={"police_area": police_area_id, "municipality": municipality_id, "day": day},
            field_path=("police_area_id",),
        )


def require_owner_editor(
    context: DecisionContext,
    actor: Principal,
    owners: tuple[str, ...],
    day: dt.date,
    action: str,
) -> None:
    """The actor edits (or signs) for an owner; for the police area of a joint one, only while
    it serves the municipality (the first owner) on `day`."""
    if actor.organisation_id not in owners or not may_change_places_of(
        context.directory, actor, owners[0], day
    ):
        raise Forbidden(
            code="not_a_party",
            message="Only {owners} may {action}; {organisation} is not one of them.",
            params={
                "owners": ", ".join(owners),
                "action": Term("action", action),
                "organisation": actor.organisation_id,
            },
        )
    require_any_role(actor, EDITORS, action)


def require_seen_versions(
    actor: Principal,
    owners: tuple[str, ...],
    versions: Sequence[PictureVersion] | Sequence[PlanVersion],
    missing: NotFound,
) -> None:
    """The gate of a lägesbild or åtgärdsplan: non-owners see it only once a version is
    adopted; anyone else is answered as if it did not exist (events.access)."""
    public = any(v.adopted is not None for v in versions)
    require_party_seen(actor, owners, public=public, missing=missing)


def new_owners(
    context: DecisionContext,
    actor: Principal,
    municipality_id: str,
    police_area_id: str | None,
    day: dt.date,
    action: str,
) -> tuple[str, ...]:
    """The owners a new lägesbild or åtgärdsplan would have (the municipality, and a police
    area serving it for a joint one), once the actor may `action` for them."""
    check_owners(context, municipality_id, police_area_id, day)
    owners = (municipality_id, *((police_area_id,) if police_area_id else ()))
    require_owner_editor(context, actor, owners, day, action)
    return owners


def require_changed(content: object, latest: object) -> None:
    """A new version must say something the latest does not."""
    if content == latest:
        raise RuleViolated(
            code="no_changes", message="The new version says what the latest one says."
        )


def check_decision(decision: Decision, today: dt.date) -> None:
    """Who decided, on a day not after today, under a diarienummer that is not blank."""
    require_text(decision.decided_by, ("decision", "decided_by"), max_length=DECIDED_BY_MAX)
    require_not_after(decision.decided_on, today, ("decision", "decided_on"))
    if not decision.diarienummer.strip():
        raise InvalidInput(
            code="decision_reference_missing",
            message="An adoption needs the decision's diarienummer.",
            field_path=("decision", "diarienummer"),
        )
    require_text(
        decision.diarienummer,
        ("decision", "diarienummer"),
        max_length=DIARIENUMMER_MAX,
        multiline=False,
    )


def place_links(place_ids: tuple[str, ...]) -> tuple[str, ...]:
    """The place streams of `place_ids` (Decider.links)."""
    return tuple(PLACE_STREAM_PREFIX + p for p in place_ids)


def check_places(
    context: DecisionContext,
    place_ids: tuple[str, ...],
    municipality_id: str,
    path: FieldPath,
) -> None:
    """Each place is a registered shared place of the municipality, named once."""
    require_unique(place_ids, path)
    for index, place_id in enumerate(place_ids):
        require_place_of(context, place_id, municipality_id, (*path, index))


def indicator_links(indicator_ids: tuple[str, ...]) -> tuple[str, ...]:
    """The indicator streams of `indicator_ids` (Decider.links)."""
    return tuple(INDICATOR_STREAM_PREFIX + i for i in indicator_ids)


def check_indicators(
    context: DecisionContext,
    indicator_ids: tuple[str, ...],
    municipality_id: str,
    path: FieldPath,
) -> None:
    """Each indicator is defined, of the municipality, and named once."""
    require_unique(indicator_ids, path)
    for index, indicator_id in enumerate(indicator_ids):
        at = (*path, index)
        require_id(indicator_id, at)
        indicator = context.linked.get(INDICATOR_STREAM_PREFIX + indicator_id)
        if not isinstance(indicator, IndicatorState) or indicator.status == "none":
            raise NotFound(
                code="indicator_not_found",
                message="No indicator {indicator} has been defined.",
                params={"indicator": indicator_id},
                field_path=at,
            )
        if indicator.municipality_id != municipality_id:
            raise RuleViolated(
                code="indicator_of_other_municipality",
                message="The indicator {indicator} is of {other}, not of {municipality}.",
                params={
                    "indicator": indicator_id,
                    "other": indicator.municipality_id,
                    "municipality": municipality_id,
                },
                field_path=at,
            )


def require_adoptable(
    versions: tuple[PictureVersion, ...] | tuple[PlanVersion, ...], number: int
) -> None:
    """Only the latest version is adopted, and only once."""
    found = next((v for v in versions if v.version == number), None)
    if found is None:
        raise NotFound(
            code="version_not_found",
            message="There is no version {version}.",
            params={"version": number},
            field_path=("version",),
        )
    if found.adopted is not None:
        raise RuleViolated(
            code="already_adopted",
            message="Version {version} was adopted on {day}.",
            params={"version": number, "day": found.adopted.decided_on},
            field_path=("version",),
        )
    latest = versions[-1].version
    if number != latest:
        raise RuleViolated(
            code="stale_revision",
            message="Version {version} was revised; the latest version is {latest}.",
            params={"version": number, "latest": latest},
            field_path=("version",),
        )
