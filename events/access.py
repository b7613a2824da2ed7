"""Who may see a stream beyond what was published, and who operates the platform.

One read rule for the deciders and the GraphQL reads (schema/access.py builds on it):

* A principal reads what its organisation is party to only while it holds a role that reads
  (`READ_ROLES`). A token whose role claims the registry does not map holds no role, so it
  reads what anonymous callers read, and nothing more.
* An auditor reads like a member of its own organisation. It reads other organisations'
  streams only when the issuer registry names its organisation an oversight body, and then
  only those in the body's scope (`Principal.oversight`).
* What a principal may not see answers exactly as what does not exist: a command on such a
  stream is refused with the stream's own NotFound, so neither its existence nor its state
  leaks. Only on a stream the actor can see (a published promise) does a non-party learn
  that it is not a party.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from events.messages import Forbidden, NotFound, Principal

READ_ROLES: frozenset[str] = frozenset(
    {"viewer", "editor", "signatory", "publisher", "org_admin", "service", "auditor"}
)
"""Roles that read their organisation's streams: viewer and every role that acts on them
(each acting role reads what it acts on; a service acts for its organisation), and auditor."""


def reads_as_member(actor: Principal | None) -> bool:
    """True when `actor` holds a role that reads its organisation's streams."""
    return actor is not None and bool(actor.roles & READ_ROLES)


def sees_organisation(actor: Principal | None, organisation_id: str) -> bool:
    """True when `actor` may read what `organisation_id` is party to but has not published."""
    if actor is None or not reads_as_member(actor):
        return False
    if actor.organisation_id == organisation_id:
        return True
    return actor.has_role("auditor") and actor.oversees(organisation_id)


def sees_any(actor: Principal | None, parties: Iterable[str]) -> bool:
    """True when `actor` may read a stream with these parties beyond its public view."""
    return any(sees_organisation(actor, party) for party in parties)


def readable_organisations(actor: Principal | None) -> frozenset[str] | Literal["all"]:
    """The organisations whose unpublished streams `actor` reads ("all": every one)."""
    if actor is None or not reads_as_member(actor):
        return frozenset()
    if not actor.has_role("auditor"):
        return frozenset({actor.organisation_id})
    if actor.oversight == "all":
        return "all"
    return frozenset({actor.organisation_id, *actor.oversight})


def require_party_seen(
    actor: Principal, parties: Iterable[str], *, public: bool, missing: NotFound
) -> None:
    """Refuse an actor whose organisation is not a party, or who holds no role that reads.

    Raises `missing`, the very refusal for a stream that does not exist, when the actor cannot
    see the stream; Forbidden only when it can (the stream is public, or an oversight auditor
    reads it) and still is not a party.
    """
    parties = tuple(parties)
    if actor.organisation_id in parties and reads_as_member(actor):
        return
    if not (public or sees_any(actor, parties)):
        raise missing
    if actor.organisation_id not in parties:
        raise Forbidden(
            code="not_a_party",
            message="Only the parties may change this; your organisation is not a party.",
        )


def operates_platform(actor: Principal) -> bool:
    """True for the platform operator the registry names, acting as a service, not auditing."""
    return actor.platform_operator and actor.has_role("service") and not actor.has_role("auditor")


def require_platform_operator(actor: Principal) -> None:
    """Only the platform operator registers organisations and links them."""
    if not operates_platform(actor):
        raise Forbidden(
            code="not_platform_operator",
            message="Only the platform operator registers organisations and links them.",
        )
