"""An unexpected failure inside a resolver reaches the client as "Internal error", nothing more.

(The e2e test that provoked one with a NUL in a variable now meets the typed 400 that body
earns; this drives the schema's masking directly.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from strawberry.dataloader import DataLoader

from schema.api import build_schema
from schema.context import Context, Dispatch, Reader

LEAKY = 'SELECT secret FROM log WHERE id = $1 -- asyncpg /srv/samverkan/events/log/store.py "utf8"'


class BrokenReader:
    """A reader whose every read fails the way a bug would, with internals in the message."""

    def __getattr__(self, name: str) -> Any:
        async def fail(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError(LEAKY)

        return fail


async def no_documents(keys: list[tuple[str, str]]) -> list[dict[str, Any] | None]:
    raise RuntimeError(LEAKY)


def context() -> Context:
    return Context(
        principal=None,
        reader=cast(Reader, BrokenReader()),
        dispatch=cast(Dispatch, None),
        request_id="r-1",
        now=lambda: dt.datetime.now(dt.UTC),
        documents=DataLoader(load_fn=no_documents),
    )


async def test_an_unexpected_failure_is_masked_without_internals() -> None:
    result = await build_schema(dev=False).execute("{ logSize }", context_value=context())
    assert result.errors is not None
    assert [e.message for e in result.errors] == ["Internal error"]
    shown = repr([e.formatted for e in result.errors]).lower()
    for leak in ("select", "asyncpg", "utf8", "traceback", ".py", "/work"):
        assert leak not in shown, leak
