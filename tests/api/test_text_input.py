"""Texts sent over GraphQL: hidden characters are a typed InvalidInput that appends nothing,
and text in another Unicode normal form is stored as NFC (served app)."""

from __future__ import annotations

import unicodedata
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import LPO, UB, Client
from tests.conftest import Database

HOSTILE = {
    "a right-to-left override": "Trygghet \u202egnillivä\u202c i Bro",
    "a zero-width space": "Trygg\u200bhet",
    "a NUL as a GraphQL escape": "Trygg\x00het",
    "a newline in a title": "Trygghet\ni Bro",
    "an escape character": "Trygghet \x1b[31m",
}
CODES = {"invalid_character", "single_line_text"}


async def events_in(db: Database) -> int:
    conn = await asyncpg.connect(db.admin_url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM events"))
    finally:
        await conn.close()


DRAFT = (
    "mutation($id: ID!, $input: DraftPromiseInput!) { result: draftPromise(commandId: $id, "
    "input: $input) { __typename ... on InvalidInput { code field message } "
    "... on CommandAccepted { version consistencyToken } } }"
)


async def draft(
    app: RunningApp, http: httpx.AsyncClient, promise_id: str, title: str
) -> dict[str, Any]:
    """Send draftPromise with `title` through the GraphQL literal-free variables path."""
    response = await http.post(
        f"{app.url}/graphql",
        json={
            "query": DRAFT,
            "variables": {
                "id": str(uuid.uuid4()),
                "input": {
                    "promiseId": promise_id,
                    "parties": [UB, LPO],
                    "details": {"title": title, "period": {"label": "2031"}},
                },
            },
        },
        headers={"authorization": f"Bearer {app.token(UB, 'editor')}"},
    )
    assert response.status_code < 500, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("title", HOSTILE.values(), ids=HOSTILE.keys())
async def test_a_title_with_hidden_characters_is_invalid_input_and_appends_nothing(
    dev_app: RunningApp, db: Database, http: httpx.AsyncClient, title: str
) -> None:
    before = await events_in(db)
    body = await draft(dev_app, http, f"hidden-{uuid.uuid4().hex[:8]}", title)
    if "\x00" in title:  # refused with the whole body, before any command is built
        assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    else:
        result = body["data"]["result"]
        assert result["__typename"] == "InvalidInput", result
        assert result["code"] in CODES
        assert result["field"][-1] == "title" or result["field"][-1].endswith("title"), result
    assert await events_in(db) == before


async def test_a_title_in_nfd_is_stored_in_nfc(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    title = "Trygghet i Järfälla och Kungsängen"
    decomposed = unicodedata.normalize("NFD", title)
    assert decomposed != title
    result = (await draft(dev_app, http, "nfd-title", decomposed))["data"]["result"]
    assert result["__typename"] == "CommandAccepted", result
    editor = Client(http, dev_app, dev_app.token(UB, "editor"))
    stored = await editor.query(
        'query($t: String) { promise(id: "nfd-title", consistencyToken: $t) { title } }',
        t=result["consistencyToken"],
    )
    assert stored["promise"]["title"] == title
