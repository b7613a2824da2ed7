"""The GraphQL schema run in this process against a dispatcher's database, as a request would
run it: a reader of the serving projections, the caller, a fixed clock and a language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from events.messages import Principal
from schema.api import build_schema
from schema.context import Context
from service.bootstrap import dispatch_for
from service.dispatcher import Dispatcher
from service.web.reader import PgReader


async def execute(
    dispatcher: Dispatcher,
    query: str,
    *,
    principal: Principal | None,
    now: dt.datetime,
    projections: Sequence[str],
    language: str = "en",
    variables: dict[str, Any],
) -> dict[str, Any]:
    """The data of `query`; fails the test on any GraphQL error."""
    reader = PgReader(dispatcher.pool, tuple(projections), {})
    context = Context(
        principal=principal,
        reader=reader,
        dispatch=dispatch_for(dispatcher, principal, "r-1"),
        request_id="r-1",
        now=lambda: now,
        documents=DataLoader(load_fn=reader.documents_by_keys),
        language=language,
    )
    result = await build_schema(dev=False).execute(
        query, variable_values=variables, context_value=context
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data
