"""Which errors count as "the database is unavailable" (HTTP 503, code UNAVAILABLE)."""

from __future__ import annotations

import asyncpg
import pytest

from service.database import unreachable as database_unreachable
from service.web.graphql_view import UNAVAILABLE, _unavailable


def raised_from(cause: BaseException) -> BaseException:
    try:
        try:
            raise cause
        except BaseException as exc:
            raise RuntimeError("wrapped") from exc
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "refused"),
        OSError("Multiple exceptions: [Errno 111] Connect call failed"),
        asyncpg.exceptions.ConnectionDoesNotExistError("closed in the middle of operation"),
        asyncpg.exceptions.CannotConnectNowError("the database system is shutting down"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator"),
        TimeoutError(),
        # What asyncpg raised at a COMMIT, and at the pool's reset on release, during
        # PostgreSQL's fast shutdown: a mutation answered a masked "Internal error" (HTTP 200).
        asyncpg.exceptions.InternalClientError(
            "cannot switch to state 15; another operation (2) is in progress"
        ),
    ],
)
def test_connection_failures_are_unavailable_also_when_wrapped(error: BaseException) -> None:
    assert database_unreachable(error)
    assert database_unreachable(raised_from(error))


@pytest.mark.parametrize(
    "error",
    [
        None,
        ValueError("bad cursor"),
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
        asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
    ],
)
def test_query_and_programming_errors_are_not_unavailable(error: BaseException | None) -> None:
    assert not database_unreachable(error)


def test_a_response_with_an_unavailable_error_is_recognised() -> None:
    ok = {"data": {"x": 1}}
    down = {"data": None, "errors": [{"message": "m", "extensions": {"code": UNAVAILABLE}}]}
    other = {"data": None, "errors": [{"message": "Internal error"}]}
    assert _unavailable(down)  # type: ignore[arg-type]
    assert not _unavailable(ok) and not _unavailable(other)  # type: ignore[arg-type]
