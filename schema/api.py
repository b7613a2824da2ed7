"""The schema, composed from per-feature types, with the limits every deployment needs."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from events.catalogue import deciders
from schema.activities import ActivityQuery
from schema.agreements import AgreementQuery
from schema.audit import AuditQuery
from schema.commands import build_mutation
from schema.errors import ClientError
from schema.execution import Executor
from schema.indicators import IndicatorQuery
from schema.limits import MAX_ALIASES, MAX_COST, MAX_DEPTH, OperationLimits
from schema.organisations import OrganisationQuery
from schema.overview import OverviewQuery, OverviewSubscription
from schema.places import PlaceQuery
from schema.promises import PromiseQuery, PromiseSubscription
from schema.proofs import ProofQuery
from schema.sessions import SessionMutation
from schema.situation import SituationQuery
from schema.suggestions import Schema
from schema.walks import WalkQuery

MAX_TOKENS = 2000

QUERY_TYPES: tuple[type[Any], ...] = (
    PromiseQuery,
    AgreementQuery,
    AuditQuery,
    ProofQuery,
    OrganisationQuery,
    ActivityQuery,
    PlaceQuery,
    OverviewQuery,
    SituationQuery,
    WalkQuery,
    IndicatorQuery,
)


def should_mask(error: GraphQLError) -> bool:
    """Hide internals (SQL, stack traces, paths); keep validation and client errors readable."""
    original = error.original_error
    # Parse, validation and variable-coercion errors (depth, aliases, unknown fields, a missing
    # input field) carry no original error or a GraphQLError: they are the client's to read.
    if original is None or isinstance(original, GraphQLError):
        return False
    return not isinstance(original, ClientError)


CACHED_DOCUMENTS = 512
"""Distinct query texts whose parse and validation are kept (LRU): clients send few texts."""


def build_schema(*, dev: bool) -> strawberry.Schema:
    """The schema; introspection only in dev mode.

    The validation rules (depth, aliases and cost in one linear pass, no introspection) are
    built once, so the validation cache, keyed by document and rules, hits for every repeated
    query text; parsing is cached per text and token limit (the lexer stops at MAX_TOKENS).
    """
    query = merge_types("Query", QUERY_TYPES)
    rules: list[type[ASTValidationRule]] = [
        OperationLimits,
        *([] if dev else [NoSchemaIntrospectionCustomRule]),
    ]
    extensions: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: AddValidationRules(rules),
        lambda: ParserCache(maxsize=CACHED_DOCUMENTS),
        lambda: ValidationCache(maxsize=CACHED_DOCUMENTS),
        lambda: MaskErrors(should_mask_error=should_mask, error_message="Internal error"),
    ]
    commands = build_mutation([c for d in deciders() for c in d.command_types])
    mutation = merge_types("Mutation", (commands, SessionMutation))
    return Schema(
        query=query,
        mutation=mutation,
        subscription=merge_types(
            "PromiseSubscription", (PromiseSubscription, OverviewSubscription)
        ),
        extensions=extensions,
        # Suggestions ("Did you mean …?") name the schema's fields and types: dev mode only.
        config=StrawberryConfig(disable_field_suggestions=not dev),
        # graphql-core's executor with a short path for plain scalar attributes.
        execution_context_class=Executor,
    )


__all__ = ["MAX_ALIASES", "MAX_COST", "MAX_DEPTH", "MAX_TOKENS", "ClientError", "build_schema"]
