"""Who may read what. Organisation scoping lives here and in the reader's filters, below the
resolvers' shape, so every query path applies the same rule."""

from __future__ import annotations

from schema.context import Context


def is_auditor(ctx: Context) -> bool:
    """Auditors read everything, including history and proofs, and change nothing."""
    return ctx.principal is not None and ctx.principal.has_role("auditor")


def member_organisation(ctx: Context) -> str | None:
    """The caller's organisation, or None for anonymous callers."""
    return None if ctx.principal is None else ctx.principal.organisation_id


async def can_read_history(ctx: Context, stream_id: str) -> bool:
    """Auditors, and members of an organisation that is party to the stream."""
    if is_auditor(ctx):
        return True
    org = member_organisation(ctx)
    if org is None:
        return False
    return org in await ctx.reader.stream_parties(stream_id)
