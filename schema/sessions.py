"""An org_admin ends a person's browser sessions in their own organisation.

Sessions are operational state, not domain facts: the mutation appends nothing to the log (the
service writes each revocation to its application log). Bearer tokens are not sessions; they
end at their own expiry, or when the identity provider stops issuing them.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from events.messages import Forbidden, InvalidInput
from schema import errors
from schema.context import Context
from schema.refusals import forbidden_result, message

MAX_NAME = 256


@strawberry.type(description="The person's live sessions ended; `count` is how many there were.")
class SessionsRevoked:
    count: int


RevokeSessionsResult = Annotated[
    SessionsRevoked | errors.Forbidden | errors.InvalidInput,
    strawberry.union("RevokeSessionsResult"),
]


@strawberry.type
class SessionMutation:
    @strawberry.mutation(
        description="End every live browser session of one person of the caller's organisation, "
        "named by person id or by the identity provider's subject (org_admin only). The ended "
        "sessions' cookies grant nothing from the next request on, and their subscriptions "
        "close."
    )
    async def revoke_sessions(
        self, info: Info[Context, None], person_or_subject: str
    ) -> RevokeSessionsResult:
        ctx = info.context
        caller = ctx.principal
        if caller is None:
            refused = Forbidden(code="anonymous", message="Sign in to end sessions.")
            return forbidden_result(refused, ctx.language)
        if not caller.has_role("org_admin"):
            refused = Forbidden(code="not_org_admin", message="Only an org_admin may end sessions.")
            return forbidden_result(refused, ctx.language)
        who = person_or_subject.strip()
        if not who or len(who) > MAX_NAME:
            unnamed = InvalidInput(
                code="invalid_input",
                message="Name a person id or subject of 1 to {most} characters.",
                params={"most": MAX_NAME},
            )
            return errors.InvalidInput(
                message=message(unnamed, ctx.language), code=unnamed.code, field=["personOrSubject"]
            )
        if ctx.sessions is None:
            return SessionsRevoked(count=0)
        count = await ctx.sessions.revoke_person(
            caller.organisation_id, who, by=f"org_admin {caller.issuer} {caller.subject}"
        )
        return SessionsRevoked(count=count)
