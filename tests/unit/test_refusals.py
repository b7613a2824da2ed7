"""Refusals are exceptions that travel like any other."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest

from events.messages import Forbidden, NotFound


@contextlib.contextmanager
def scope() -> Iterator[None]:
    yield


def test_a_refusal_passes_through_a_context_manager_as_itself() -> None:
    with pytest.raises(NotFound, match="gone"), scope():
        raise NotFound(code="promise_not_found", message="gone")


async def test_a_refusal_passes_through_an_async_context_manager_as_itself() -> None:
    @contextlib.asynccontextmanager
    async def async_scope() -> AsyncIterator[None]:
        yield

    with pytest.raises(Forbidden, match="no"):
        async with async_scope():
            raise Forbidden(code="not_a_party", message="no")
