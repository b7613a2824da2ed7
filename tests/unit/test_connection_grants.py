"""A WebSocket connection's grant: when it ends and what its watch does then (no database)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.requests import HTTPConnection

from events.messages import Principal
from service.identity.connections import (
    SESSION_ENDED,
    TOKEN_ENDED,
    Grant,
    watch,
    websocket_grant,
)
from service.identity.dev_issuer import DevIssuer
from service.identity.errors import InvalidToken

WHO = Principal(
    issuer="urn:test", subject="s", organisation_id="org-a", roles=frozenset({"viewer"})
)
BOUND_S = 10.0


class Session:
    """A session whose liveness the test decides; counts the re-checks."""

    def __init__(self, answers: list[bool | Exception]) -> None:
        self.answers = answers
        self.checks = 0
        self.revoked = asyncio.Event()

    async def still_valid(self) -> bool:
        self.checks += 1
        answer = self.answers[min(self.checks, len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    @contextlib.contextmanager
    def watching(self) -> Iterator[asyncio.Event]:
        yield self.revoked


def grant_for(session: Session, *, expires_at: float = 1e12) -> Grant:
    return Grant(
        principal=WHO,
        expires_at=expires_at,
        ended=SESSION_ENDED,
        still_valid=session.still_valid,
        revocations=session.watching,
    )


async def watched(grant: Grant, *, recheck_s: float, now: float = 1000.0) -> list[str]:
    closed: list[str] = []

    async def close(reason: str) -> None:
        closed.append(reason)

    async with asyncio.timeout(BOUND_S):
        await watch(grant, close, recheck_s=recheck_s, clock=lambda: now)
    return closed


async def test_a_token_grant_ends_at_its_expiry_with_the_token_reason() -> None:
    grant = Grant(principal=WHO, expires_at=999.0, ended=TOKEN_ENDED)
    assert await watched(grant, recheck_s=3600) == [TOKEN_ENDED]
    assert await grant.current(998.0) == WHO
    assert await grant.current(999.0) is None


async def test_a_session_revoked_elsewhere_ends_at_the_first_re_check_that_sees_it() -> None:
    session = Session([True, True, False])
    assert await watched(grant_for(session), recheck_s=0.01) == [SESSION_ENDED]
    assert session.checks == 3


async def test_an_unreachable_database_at_a_re_check_is_not_taken_as_a_revocation() -> None:
    session = Session([OSError("connection refused"), False])
    assert await watched(grant_for(session), recheck_s=0.01) == [SESSION_ENDED]
    assert session.checks == 2


async def test_a_revocation_on_this_node_ends_the_grant_without_waiting_for_a_re_check() -> None:
    session = Session([True])
    session.revoked.set()
    assert await watched(grant_for(session), recheck_s=3600) == [SESSION_ENDED]
    assert session.checks == 0


async def test_a_grant_whose_session_was_revoked_gives_no_principal() -> None:
    session = Session([False])
    assert await grant_for(session).current(1000.0) is None


def no_cookies() -> HTTPConnection:
    return HTTPConnection({"type": "websocket", "headers": [], "path": "/graphql"})


async def accept(token: str) -> Principal:
    return WHO


async def test_a_token_past_its_expiry_is_refused_at_connect_despite_the_leeway(
    tmp_path: Path,
) -> None:
    issuer = DevIssuer.load_or_create(tmp_path, clock=lambda: 1_000_000.0)
    token = issuer.mint(organisation_id="org-a", roles=["viewer"], subject="s", ttl_s=60)
    params = {"authorization": f"Bearer {token}"}
    live = await websocket_grant(no_cookies(), params, validate=accept, now=1_000_030.0)
    assert (live.expires_at, live.ended) == (1_000_060.0, TOKEN_ENDED)
    with pytest.raises(InvalidToken, match=TOKEN_ENDED):
        await websocket_grant(no_cookies(), params, validate=accept, now=1_000_060.0)


@pytest.mark.parametrize(
    "params",
    [{}, {"authorization": "Basic abc"}, {"authorization": 42}, {"csrfToken": "x"}],
)
async def test_a_connection_without_a_bearer_or_a_session_is_refused(
    params: dict[str, object],
) -> None:
    with pytest.raises(InvalidToken):
        await websocket_grant(no_cookies(), params, validate=accept, now=0.0)
