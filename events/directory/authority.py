"""Who may do what (domain.md §3): roles from the principal, mandates from the directory."""

from __future__ import annotations

import datetime as dt

from events.directory.state import DirectoryState
from events.messages import Forbidden, Principal


def require_any_role(actor: Principal, roles: frozenset[str], action: str) -> None:
    """The actor holds at least one of `roles` and is not acting as an auditor."""
    # Auditors read everything and change nothing, even when a token also carries other roles.
    if actor.has_role("auditor"):
        raise Forbidden(code="auditor_read_only", message=f"An auditor cannot {action}.")
    if not actor.roles & roles:
        raise Forbidden(
            code="missing_role",
            message=f"To {action} you need one of the roles {', '.join(sorted(roles))}.",
        )


def require_party_member(
    actor: Principal, parties: tuple[str, ...], roles: frozenset[str], action: str
) -> None:
    """The actor acts for one of the parties and holds one of `roles`."""
    if actor.organisation_id not in parties:
        raise Forbidden(
            code="not_a_party",
            message=f"Only the parties may {action}; {actor.organisation_id} is not a party.",
        )
    require_any_role(actor, roles, action)


def require_signing_mandate(
    directory: DirectoryState, actor: Principal, party_id: str, day: dt.date, action: str
) -> str:
    """The actor signs for their own organisation and holds its mandate on `day`; the person id."""
    if party_id != actor.organisation_id:
        raise Forbidden(
            code="not_own_party",
            message=(
                f"A signatory of {actor.organisation_id} cannot {action} for {party_id}; "
                "sign only for your own organisation."
            ),
        )
    require_any_role(actor, frozenset({"signatory"}), action)
    person_id = actor.person_id
    if person_id is None or not directory.has_mandate(person_id, party_id, day):
        raise Forbidden(
            code="no_signing_mandate",
            message=f"{person_id or actor.subject} has no signing mandate for {party_id} on {day}.",
        )
    return person_id
