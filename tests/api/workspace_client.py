"""A browser's side of the workspace in HTTP tests: a live session of the app's own session store
(the row /auth/callback writes after an OpenID login) carried in its cookie, and the hidden
fields of a rendered form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from typing import Any

import asyncpg
import httpx

from events.messages import Principal
from service.identity.sessions import SessionStore
from tests.api.conftest import RunningApp

COOKIE = "samverkan_session"  # dev mode: no __Host- prefix over plain http


@dataclass(frozen=True, slots=True)
class Official:
    """A browser with a live session of the workspace, as one official."""

    http: httpx.AsyncClient
    app: RunningApp
    cookie: str
    csrf: str

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(
            self.app.url + path, headers={"cookie": f"{COOKIE}={self.cookie}"}
        )

    async def post(self, path: str, form: dict[str, Any]) -> httpx.Response:
        return await self.http.post(
            self.app.url + path,
            data=form,
            headers={"cookie": f"{COOKIE}={self.cookie}"},
        )


async def session_for(
    pool: asyncpg.Pool,
    organisation: str,
    subject: str,
    roles: frozenset[str] = frozenset({"editor"}),
) -> tuple[str, str]:
    """A live session of a person of `organisation` with `roles` (an editor unless told):
    the cookie's id and its CSRF token."""
    store = SessionStore(lambda: pool, max_age_s=3600)
    principal = Principal(
        issuer="workspace-test",
        subject=subject,
        organisation_id=organisation,
        roles=roles,
    )
    session_id, live = await store.create(principal, "kommun")
    return session_id, live.csrf


def form_values(page: str) -> dict[str, str]:
    """The hidden fields of the page's form."""
    return {
        name: unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', page
        )
    }
