"""Who may read what. Organisation scoping lives here and in the reader's filters, below the
resolvers' shape, so every query path applies the same rule, the deciders' rule (events.access):

* Member reads (a promise in every state with its whole document, activity records, signing
  mandates, people, stream history, inclusion proofs, the inbox) need a role that reads:
  viewer, editor, signatory, publisher, org_admin, service or auditor. A principal whose role
  claims the issuer registry does not map holds none of them and reads exactly what anonymous
  callers read: what was published to citizens and the public directory.
* They cover the streams the caller's organisation is party to. An auditor reads the same,
  unless the registry names its organisation an oversight body: then also the streams of the
  organisations in the body's scope (or every stream, for scope "all").
* What the caller may not see answers as what does not exist: `promise` and `inclusionProof`
  are null, `history` and `activities(promiseId)` give the one Forbidden they give for an id
  nobody used, and mandates and unpublished promises are left out of lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from events import access
from schema.context import Context


def reads_as_member(ctx: Context) -> bool:
    """True when the caller holds a role that reads its organisation's streams."""
    return access.reads_as_member(ctx.principal)


def member_organisation(ctx: Context) -> str | None:
    """The caller's organisation when it reads as a member of it, else None."""
    return ctx.principal.organisation_id if reads_as_member(ctx) and ctx.principal else None


def readable_organisations(ctx: Context) -> frozenset[str] | Literal["all"]:
    """The organisations whose unpublished streams the caller reads ("all": every one)."""
    return access.readable_organisations(ctx.principal)


def read_scope(ctx: Context) -> tuple[frozenset[str], bool]:
    """What a list reads for the caller: (the organisations whose unpublished documents it
    reads, whether it reads every one) — the `member_of` and `everything` of the readers."""
    readable = readable_organisations(ctx)
    return (frozenset(), True) if readable == "all" else (readable, False)


def sees_parties(ctx: Context, parties: Iterable[str]) -> bool:
    """True when the caller reads a stream with these parties beyond its public view."""
    return access.sees_any(ctx.principal, parties)


def sees_organisation(ctx: Context, organisation_id: str) -> bool:
    """True when the caller reads what `organisation_id` keeps from the public (mandates)."""
    return access.sees_organisation(ctx.principal, organisation_id)


async def can_read_history(ctx: Context, stream_id: str) -> bool:
    """Callers who read a party to the stream (an oversight body for all: every stream)."""
    readable = readable_organisations(ctx)
    if readable == "all":
        return True
    if not readable:
        return False
    return not readable.isdisjoint(await ctx.reader.stream_parties(stream_id))
