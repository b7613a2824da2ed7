"""The workspace's reads and writes: GraphQL operations run in-process for the session's
principal, on a context built as /graphql builds it (`Contexts.build`)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import strawberry
from starlette.requests import Request

from events.messages import Principal
from schema.consistency import token_event_ids
from service import logs
from service.web.graphql_view import Contexts

RESULT = """
fragment Result on CommandResult {
  __typename
  ... on CommandAccepted { streamId version duplicate consistencyToken }
  ... on InvalidInput { message code field }
  ... on RuleViolated { message code field }
  ... on NotFound { message code }
  ... on Forbidden { message code }
  ... on VersionConflict { message code }
  ... on IdempotencyKeyReused { message code }
  ... on ConfirmationRequired {
    message code consequences { kind code message organisationId revisionNo }
  }
}
"""

INBOX = """
query Inbox($on: Date!) {
  inbox(on: $on) { promiseId title action detail walkId findingId }
}
"""

PLANNED = """
query Planned($org: String!, $on: Date!, $after: String) {
  promises(organisation: $org, activeOn: $on, first: 10, after: $after) {
    promises {
      id title
      plans(first: 20) { planId title kind occurrences { occurrenceId startsOn endsOn status } }
    }
    pageInfo { endCursor hasNextPage }
  }
}
"""
PLANNED_PAGES = 20
"""How many pages of PLANNED the inbox reads at most (a page's cost stays within the limit)."""

PROMISES = """
query Promises($org: String!, $status: [String!], $after: String) {
  promises(organisation: $org, status: $status, first: 20, after: $after) {
    promises { id title status periodLabel validFrom validTo parties }
    pageInfo { endCursor hasNextPage }
  }
  organisations { id name }
}
"""

PROMISE = """
query Promise($id: ID!) {
  promise(id: $id) {
    id title status parties periodLabel validFrom validTo publicOnly revisionNo
    progress {
      commitmentId text target unit achieved status per planned plannedPerformed
      pace { status expected achieved }
    }
    plans {
      planId title kind commitmentIds placeIds
      occurrences { occurrenceId startsOn endsOn status recordId reason }
    }
    followUpSchedule { dueId kind coversFrom coversTo dueOn status }
    document
  }
  activities(promiseId: $id, first: 100) {
    __typename
    ... on ActivityPage {
      activities {
        recordId commitmentId occurredOn quantity summary performedBy placeIds voided
      }
    }
  }
  organisations { id name }
}
"""


@functools.cache
def mutation(field: str) -> str:
    """The operation sending the command `field` (e.g. "recordActivity"): every command
    mutation takes a command id, its input type `<Field>Input` and the consequences the user
    acknowledged, and answers a CommandResult (aliased `result`)."""
    if not field.isascii() or not field.isalpha():
        raise ValueError(f"not a mutation name: {field!r}")
    kind = field[0].upper() + field[1:]
    return (
        f"mutation {kind}($commandId: ID!, $input: {kind}Input!, "
        "$acknowledge: [ConsequenceKind!]) {\n"
        f"  result: {field}(commandId: $commandId, input: $input, acknowledge: $acknowledge) "
        "{ ...Result }\n}\n" + RESULT
    )


WAIT = """
query Wait($token: String) {
  promises(first: 1, consistencyToken: $token) { pageInfo { hasNextPage } }
}
"""
"""Reads nothing of use: waits (bounded) until the projections hold a write the caller made."""


def consistency_token(value: str | None) -> str | None:
    """`value` when it is a consistency token a mutation gave, else None (ignored)."""
    if not value:
        return None
    try:
        token_event_ids(value)
    except ValueError:
        return None
    return value


class GraphFailed(Exception):
    """A workspace operation the schema answered with errors: an outage (code UNAVAILABLE) or
    a defect of the page, never a refusal (refusals are members of the result union)."""

    def __init__(self, message: str, codes: frozenset[str] = frozenset()) -> None:
        super().__init__(message)
        self.codes = codes

    @property
    def unavailable(self) -> bool:
        """Whether the database could not be reached (the page can be tried again)."""
        return "UNAVAILABLE" in self.codes


@dataclass(frozen=True, slots=True)
class Graph:
    """The schema and how its context is built."""

    schema: strawberry.Schema
    contexts: Contexts

    async def run(
        self, request: Request, principal: Principal, query: str, variables: dict[str, Any]
    ) -> dict[str, Any]:
        """The data of `query` run as `principal`, in the request's language."""
        context = self.contexts.build(
            principal,
            request_id=logs.current_request_id(),
            accept_language=request.headers.get("accept-language"),
        )
        result = await self.schema.execute(query, variable_values=variables, context_value=context)
        if result.errors or result.data is None:
            errors = result.errors or ()
            raise GraphFailed(
                "; ".join(str(e) for e in errors),
                frozenset(str((e.extensions or {}).get("code", "")) for e in errors),
            )
        data: dict[str, Any] = result.data
        return data

    async def after_write(self, request: Request, principal: Principal) -> None:
        """Wait until the pages read the write whose token the link carries (`?efter=`), so
        a page opened from a receipt shows what was just recorded."""
        token = consistency_token(request.query_params.get("efter"))
        if token is not None:
            await self.run(request, principal, WAIT, {"token": token})
