"""The agreement read model (samverkansöverenskommelser): one document per agreement, with the
public view citizens may see.

An agreement is public once every party signed it and a publication names it (published here
or recorded from the page or notice that made it public). The public view then holds what the
parties signed: parties, title, goal, period and prioritised focus areas (prioriterade
områden), the signatures (each live or recorded from a document, with its evidence), the
publications, the extensions and the status. Until then only the parties see the agreement.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from events.agreement import AgreementState
from events.codec import Registry, to_plain
from events.decider import Decider
from projections.documents import Columns, DocumentProjection

NAME = "agreements"

FULLY_SIGNED = frozenset({"signed", "expired", "ended"})
"""Statuses in which every party has signed."""


def columns(state: AgreementState) -> Columns:
    """Filter columns: parties, status, title and period."""
    content = state.content
    if content is None:
        return Columns(status=state.status)
    return Columns(
        organisations=content.parties,
        status=state.status,
        title=content.title,
        valid_from=content.period.valid_from,
        valid_to=content.period.valid_to,
    )


def is_public(state: AgreementState) -> bool:
    """True when citizens may see the agreement: every party signed and it was published."""
    return state.status in FULLY_SIGNED and bool(state.publications)


def public_view(state: AgreementState) -> dict[str, Any] | None:
    """What citizens may see, or None while the agreement is not signed and published."""
    if state.content is None or not is_public(state):
        return None
    return {
        "agreement_id": state.agreement_id,
        "status": state.status,
        "revision_no": state.revision_no,
        "content_hash": state.content_hash,
        "content": to_plain(state.content),
        "signatures": to_plain(state.signatures),
        "publications": to_plain(state.publications),
        "extensions": to_plain(state.extensions),
        "expired_on": to_plain(state.expired_on),
        "ended_on": to_plain(state.ended_on),
    }


def views(state: AgreementState) -> Mapping[str, Any]:
    """The public view beside the state, when there is one."""
    public = public_view(state)
    return {} if public is None else {"public": public}


def agreement_projection(
    decider: Decider[AgreementState], registry: Registry
) -> DocumentProjection[AgreementState]:
    """The agreement documents projection."""
    return DocumentProjection(
        name=NAME,
        decider=decider,
        registry=registry,
        state_type=AgreementState,
        columns=columns,
        views=views,
    )
