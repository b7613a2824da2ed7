"""The promise read model (medborgarlöften): detail documents with progress and a public view.

The public view holds only what was communicated to citizens: the revision in force once a
publication names it, its signatures, progress against it, and published follow-ups. A draft,
a revision whose signatures were voided, or an unpublished follow-up never enters it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from events.codec import Registry
from events.decider import Decider
from events.promise.revision import STAGE_PROPOSED
from events.promise.rhythm import due_soon_from, met_by
from events.promise.state import Plan, PromiseState, evolve_promise_all
from projections.activities import ActivityRecords, public_records
from projections.documents import Columns, DocumentProjection, plain
from projections.progress import Progress, progress

NAME = "promises"


def columns(state: PromiseState) -> Columns:
    """Filter columns: parties, status, title and period of the newest content, and the first
    day the promise may ask something of a party."""
    revision = state.working or state.in_force
    if revision is None:
        return Columns(
            organisations=state.parties, status=state.status, attention_from=attention_from(state)
        )
    details = revision.content.details
    return Columns(
        organisations=state.parties,
        status=state.status,
        title=details.title,
        valid_from=details.period.valid_from,
        valid_to=details.period.valid_to,
        attention_from=attention_from(state),
    )


def attention_from(state: PromiseState) -> dt.date:
    """The first day the inbox may list something of this promise (schema.promises.inbox_items):
    at once (`dt.date.min`) while a revision waits for signatures, a follow-up report for
    approval or publication, or the revision in force for its publication; else the day the
    first planned follow-up not yet met is due soon; `dt.date.max` when nothing waits."""
    working = state.working
    if (
        (working is not None and working.stage == STAGE_PROPOSED)
        or any(not report.published for report in state.follow_ups)
        or (state.in_force is not None and not is_public(state))
    ):
        return dt.date.min
    return min(
        (
            due_soon_from(due)
            for due in state.follow_up_schedule
            if met_by(due, state.follow_ups) is None
        ),
        default=dt.date.max,
    )


def is_public(state: PromiseState) -> bool:
    """True when citizens may see the promise: a publication names the revision in force."""
    revision = state.in_force
    return revision is not None and any(
        p.revision_no == revision.revision_no for p in state.publications
    )


def public_view(state: PromiseState) -> dict[str, Any] | None:
    """What citizens may see, or None when nothing of this promise was published."""
    parts = _public_parts(state, progress(state))
    if parts is None:
        return None
    view: dict[str, Any] = plain(parts)
    view["activities"] = public_activities(state)
    return view


def _public_parts(state: PromiseState, rows: list[Progress]) -> dict[str, Any] | None:
    """The public view with its values still dataclasses and tuples (the codec writes them)."""
    revision = state.in_force
    if revision is None or not is_public(state):
        return None
    number = revision.revision_no
    return {
        "promise_id": state.promise_id,
        "status": state.status,
        "revision": revision,
        "publications": tuple(p for p in state.publications if p.revision_no == number),
        "progress": rows,
        "follow_ups": tuple(f for f in state.follow_ups if f.published),
        "plans": tuple(public_plan(p) for p in state.plans),
        "shared_places": {
            place.place_id: shared
            for place in revision.content.places
            if (shared := state.shared_place_of(place.place_id)) is not None
        },
    }


def public_plan(plan: Plan) -> dict[str, Any]:
    """A planned activity as citizens may see it: what, for which commitments, where, who is
    responsible, and each occurrence's days and status — never the reason it was moved or
    cancelled (people may be named there)."""
    return {
        "plan_id": plan.plan_id,
        "kind": plan.kind,
        "title": plan.title,
        "commitment_ids": plan.commitment_ids,
        "place_ids": plan.place_ids,
        "responsible_ids": plan.responsible_ids,
        "partner_ids": plan.partner_ids,
        "occurrences": [
            {
                "occurrence_id": o.occurrence_id,
                "starts_on": o.starts_on,
                "ends_on": o.ends_on,
                "status": o.status,
            }
            for o in plan.occurrences
        ],
    }


def public_activities(state: PromiseState) -> list[dict[str, Any]]:
    """What was done where, as citizens may see it (projections.activities.public_records)."""
    return public_records(plain(state.activities))


def views(state: PromiseState) -> Mapping[str, Any]:
    """Derived parts stored beside the state: progress, and the public view when published
    (its activity records are read from their rows: projections.activities).

    Values may be dataclasses and tuples: the document is written by the codec's JSON encoder
    in one pass (`DocumentProjection.document_json`), as `to_plain` would write them.
    """
    rows = progress(state)
    derived: dict[str, Any] = {"progress": rows}
    public = _public_parts(state, rows)
    if public is not None:
        derived["public"] = public
    return derived


def promise_projection(
    decider: Decider[PromiseState], registry: Registry
) -> DocumentProjection[PromiseState]:
    """The promise documents projection."""
    return DocumentProjection(
        name=NAME,
        decider=decider,
        registry=registry,
        state_type=PromiseState,
        columns=columns,
        views=views,
        fold_events=evolve_promise_all,
        encoded_views=True,
        rows=ActivityRecords(),
    )
