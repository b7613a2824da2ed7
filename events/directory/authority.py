"""Who may do what (domain.md §3): roles from the principal, mandates from the directory."""

from __future__ import annotations

import datetime as dt

from events.directory.state import DirectoryState
from events.messages import Forbidden, Principal, Term


def require_any_role(actor: Principal, roles: frozenset[str], action: str) -> None:
    """The actor holds at least one of `roles` and is not acting as an auditor."""
    # Auditors read everything and change nothing, even when a token also carries other roles.
    if actor.has_role("auditor"):
        raise Forbidden(
            code="auditor_read_only",
            message="An auditor cannot {action}.",
            params={"action": Term("action", action)},
        )
    if not actor.roles & roles:
        raise Forbidden(
            code="missing_role",
            message="To {action} you need one of the roles {roles}.",
            params={"action": Term("action", action), "roles": ", ".join(sorted(roles))},
        )


def require_party_member(
    actor: Principal, parties: tuple[str, ...], roles: frozenset[str], action: str
) -> None:
    """The actor acts for one of the parties and holds one of `roles`."""
    if actor.organisation_id not in parties:
        raise Forbidden(
            code="not_a_party",
            message="Only the parties may {action}; {organisation} is not a party.",
            params={"action": Term("action", action), "organisation": actor.organisation_id},
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
                "A signatory of {organisation} cannot {action} for {party}; "
                "sign only for your own organisation."
            ),
            params={
                "organisation": actor.organisation_id,
                "action": Term("action", action),
                "party": party_id,
            },
        )
    require_any_role(actor, frozenset({"signatory"}), action)
    person_id = actor.person_id
    if person_id is None or not directory.has_mandate(person_id, party_id, day):
        raise Forbidden(
            code="no_signing_mandate",
            message="{person} has no signing mandate for {party} on {day}.",
            params={"person": person_id or actor.subject, "party": party_id, "day": day},
        )
    return person_id
