"""Bad input of every shape is a 4xx with a typed error and changes nothing (served app).

On /graphql the error is GraphQL-shaped (`errors[0].extensions.code`); on other routes a small
JSON or HTML answer. Each test counts the appended events before and after: nothing may change.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
import websockets
from joserfc import jwt
from joserfc.jwk import OKPKey
from websockets.exceptions import ConnectionClosed

from service.identity.dev_issuer import KEY_FILE
from service.web.graphql_view import MAX_BODY_BYTES
from tests.api.conftest import RunningApp
from tests.conftest import Database

LOG_SIZE = b'{"query": "{ logSize }"}'
JSON = {"content-type": "application/json"}
PROTOCOL = "graphql-transport-ws"


async def events_in(db: Database) -> int:
    """Every appended event, sequenced or not: a refused request must not add one."""
    conn = await asyncpg.connect(db.admin_url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM events"))
    finally:
        await conn.close()


def error_code(response: httpx.Response) -> str:
    """The typed code of a GraphQL-shaped error answer (and that it is one)."""
    body = response.json()
    [error] = body["errors"]
    assert isinstance(error["message"], str) and error["message"], body
    code: str = error["extensions"]["code"]
    return code


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# --- request bodies ----------------------------------------------------------------------------

DEEP = b"[" * 50_000 + b"]" * 50_000  # within no limit but Python's recursion one
BODIES: dict[str, bytes] = {
    "an array": b"[]",
    "a batch": b'[{"query": "{ logSize }"}]',
    "a number": b"1",
    "a string": b'"x"',
    "null": b"null",
    "true": b"true",
    "empty": b"",
    "whitespace": b"  \n ",
    "truncated": b'{"query": "{ logSize }"',
    "deeply nested arrays": DEEP[:30_000] + DEEP[-30_000:],
    "deeply nested variables": b'{"query": "{ logSize }", "variables": {"a": '
    + b'{"a": ' * 8000
    + b"1"
    + b"}" * 8001
    + b"}",
    "invalid UTF-8": b'{"query": "{ logSize }", "x": "\xff\xfe"}',
    "overlong UTF-8": b'{"query": "{ logSize }", "x": "\xc0\xaf"}',
    "UTF-16": '{"query": "{ logSize }"}'.encode("utf-16"),
    "a byte-order mark": b'\xef\xbb\xbf{"query": "{ logSize }"}',
    "a lone surrogate": b'{"query": "{ logSize }", "variables": {"x": "\\ud800"}}',
    "a huge integer": b'{"query": "{ logSize }", "variables": {"x": ' + b"9" * 5000 + b"}}",
    "query not a string": b'{"query": 1}',
    "query null": b'{"query": null}',
    "no query": b"{}",
    "variables a list": b'{"query": "{ logSize }", "variables": []}',
    "operationName a number": b'{"query": "{ logSize }", "operationName": 1}',
    "operationName an object": b'{"query": "{ logSize }", "operationName": {}}',
    "extensions a string": b'{"query": "{ logSize }", "extensions": "x"}',
    "a NUL in a variable": b'{"query": "{ logSize }", "variables": {"x": "a\\u0000b"}}',
}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
async def test_a_malformed_graphql_body_is_a_typed_400_and_changes_nothing(
    prod_app: RunningApp, db: Database, http: httpx.AsyncClient, body: bytes
) -> None:
    before = await events_in(db)
    response = await http.post(f"{prod_app.url}/graphql", content=body, headers=JSON)
    assert response.status_code == 400, response.text
    assert error_code(response) in ("BAD_REQUEST", "GRAPHQL_PARSE_FAILED"), response.text
    assert await events_in(db) == before


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", ""]
)
async def test_a_body_that_is_not_json_is_a_typed_4xx(
    prod_app: RunningApp, http: httpx.AsyncClient, content_type: str
) -> None:
    response = await http.post(
        f"{prod_app.url}/graphql", content=LOG_SIZE, headers={"content-type": content_type}
    )
    assert 400 <= response.status_code < 500, response.text
    assert error_code(response) in ("BAD_REQUEST", "UNSUPPORTED_MEDIA_TYPE")


async def chunks(total: int, size: int = 8192) -> AsyncIterator[bytes]:
    yield b'{"query": "{ logSize }", "padding": "'
    sent = 0
    while sent < total:
        yield b"a" * size
        sent += size
    yield b'"}'


async def test_an_over_limit_body_sent_chunked_is_a_typed_413_and_changes_nothing(
    prod_app: RunningApp, db: Database, http: httpx.AsyncClient
) -> None:
    before = await events_in(db)
    response = await http.post(
        f"{prod_app.url}/graphql", content=chunks(MAX_BODY_BYTES + 10_000), headers=JSON
    )
    assert "content-length" not in response.request.headers  # really sent chunked
    assert response.status_code == 413, response.text
    assert error_code(response) == "PAYLOAD_TOO_LARGE"
    assert await events_in(db) == before


async def test_a_body_just_under_the_limit_sent_chunked_is_answered(
    prod_app: RunningApp, http: httpx.AsyncClient
) -> None:
    response = await http.post(
        f"{prod_app.url}/graphql", content=chunks(MAX_BODY_BYTES - 8 * 8192), headers=JSON
    )
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["data"]["logSize"], int)


async def test_an_over_limit_body_with_its_length_declared_is_a_typed_413(
    prod_app: RunningApp, http: httpx.AsyncClient
) -> None:
    body = b'{"query": "{ logSize }", "padding": "' + b"a" * MAX_BODY_BYTES + b'"}'
    response = await http.post(f"{prod_app.url}/graphql", content=body, headers=JSON)
    assert response.status_code == 413
    assert error_code(response) == "PAYLOAD_TOO_LARGE"


async def test_other_methods_and_get_are_typed_4xx(
    prod_app: RunningApp, http: httpx.AsyncClient
) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        response = await http.request(method, f"{prod_app.url}/graphql", content=LOG_SIZE)
        assert response.status_code == 405, (method, response.text)
    get = await http.get(f"{prod_app.url}/graphql", params={"query": "{ logSize }"})
    assert 400 <= get.status_code < 500
    assert error_code(get) in ("BAD_REQUEST", "METHOD_NOT_ALLOWED")
    ide = await http.get(f"{prod_app.url}/graphql", headers={"accept": "text/html"})
    assert ide.status_code == 404
    assert error_code(ide) == "NOT_FOUND"


# --- bearer tokens -----------------------------------------------------------------------------

HEADER = b64(json.dumps({"alg": "Ed25519", "typ": "at+jwt"}).encode())
CLAIMS = b64(json.dumps({"iss": "urn:samverkan:dev", "sub": "x"}).encode())
DEEP_HEADER = b64(b"[" * 1500 + b"]" * 1500)
DEEP_CLAIMS = b64(b'{"a":' * 1500 + b"1" + b"}" * 1500)
STRING_HEADER = b64(b'"x"')
BIG_INT_HEADER = b64(b'{"alg":' + b"9" * 5000 + b"}")
TOKENS: dict[str, str] = {
    "three dots": "a.b.c.d",
    "only dots": "...",
    "empty segments": "..",
    "two segments": f"{HEADER}.{CLAIMS}",
    "bad base64": "!!!.???.***",
    "not JSON": f"{b64(b'nope')}.{CLAIMS}.sig",
    "a header that is an array": f"{b64(b'[]')}.{CLAIMS}.sig",
    "a header that is a string": f"{STRING_HEADER}.{CLAIMS}.sig",
    "claims that are null": f"{HEADER}.{b64(b'null')}.sig",
    "a deeply nested header": f"{DEEP_HEADER}.{CLAIMS}.sig",
    "deeply nested claims": f"{HEADER}.{DEEP_CLAIMS}.sig",
    "invalid UTF-8 in the header": f"{b64(bytes([255, 254]))}.{CLAIMS}.sig",
    "a huge integer in the header": f"{BIG_INT_HEADER}.{CLAIMS}.sig",
    "alg none": f"{b64(json.dumps({'alg': 'none', 'typ': 'at+jwt'}).encode())}.{CLAIMS}.",
    "alg a list": f"{b64(json.dumps({'alg': ['x'], 'typ': 'at+jwt'}).encode())}.{CLAIMS}.s",
    "kid an object": f"{b64(json.dumps({'alg': 'ES256', 'typ': 'at+jwt', 'kid': {}}).encode())}"
    f".{b64(json.dumps({'iss': 'https://idp.example'}).encode())}.s",
    "bad base64 signature": f"{HEADER}.{CLAIMS}.!!!",
    "a huge token": "a" * 12_000,
    "a made-up token": "nonsense",
}


@pytest.mark.parametrize("token", TOKENS.values(), ids=TOKENS.keys())
async def test_a_malformed_bearer_token_is_a_typed_401_and_changes_nothing(
    dev_app: RunningApp, db: Database, http: httpx.AsyncClient, token: str
) -> None:
    before = await events_in(db)
    response = await http.post(
        f"{dev_app.url}/graphql",
        content=LOG_SIZE,
        headers={**JSON, "authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert error_code(response) == "UNAUTHENTICATED"
    assert response.json()["error"] == "invalid_token"  # RFC 6750 §3 for OAuth clients
    assert await events_in(db) == before


AUTHORIZATIONS: dict[str, bytes] = {
    "non-ASCII bytes": "Bearer å.ä.ö".encode(),
    "Latin-1 bytes": "Bearer \xe5\xe4\xf6".encode("latin-1"),
    "another scheme": b"Basic dXNlcjpwYXNz",
    "a scheme alone": b"Bearer",
}


@pytest.mark.parametrize("value", AUTHORIZATIONS.values(), ids=AUTHORIZATIONS.keys())
async def test_a_malformed_authorization_header_is_a_typed_401(
    dev_app: RunningApp, http: httpx.AsyncClient, value: bytes
) -> None:
    response = await http.post(
        f"{dev_app.url}/graphql", content=LOG_SIZE, headers={**JSON, "authorization": value}
    )
    assert response.status_code == 401, response.text
    assert error_code(response) == "UNAUTHENTICATED"


def dev_key(app: RunningApp) -> OKPKey:
    return OKPKey.import_key(json.loads((app.settings.data_dir / KEY_FILE).read_text()))


SIGNED_CLAIMS: dict[str, dict[str, Any]] = {
    "exp a string": {"exp": "tomorrow"},
    "exp a list": {"exp": []},
    "aud a number": {"aud": 1},
    "aud a list of objects": {"aud": [{}]},
    "iat an object": {"iat": {}},
    "nbf a string": {"nbf": "x"},
    "sub a number": {"sub": 5},
    "iss a list": {"iss": ["urn:samverkan:dev"]},
    "roles a string": {"roles": "editor"},
    "roles holding numbers": {"roles": [1, 2]},
    "org a number": {"org": 1},
    "org empty": {"org": ""},
}


@pytest.mark.parametrize("changes", SIGNED_CLAIMS.values(), ids=SIGNED_CLAIMS.keys())
async def test_a_validly_signed_token_with_claims_of_the_wrong_shape_is_a_typed_401(
    dev_app: RunningApp, http: httpx.AsyncClient, changes: dict[str, Any]
) -> None:
    token = dev_app.token("org-upplands-bro", "editor")
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    header = {"alg": "Ed25519", "typ": "at+jwt"}
    forged = jwt.encode(header, claims | changes, dev_key(dev_app), algorithms=["Ed25519"])
    response = await http.post(
        f"{dev_app.url}/graphql", content=LOG_SIZE, headers={**JSON, "authorization": forged}
    )
    assert response.status_code == 401, response.text
    assert error_code(response) == "UNAUTHENTICATED"


# --- the WebSocket connection_init payload -----------------------------------------------------

PAYLOADS: dict[str, Any] = {
    "a token that is a number": {"authorization": 1},
    "a token that is null": {"authorization": None},
    "a token that is a list": {"authorization": ["Bearer x"]},
    "a token that is an object": {"authorization": {"Bearer": "x"}},
    "a huge token": {"authorization": "Bearer " + "a" * 100_000},
    "a token with non-ASCII": {"authorization": "Bearer å.ä.ö"},
    **{f"a token with {name}": {"authorization": f"Bearer {t}"} for name, t in TOKENS.items()},
}


def ws_url(app: RunningApp) -> str:
    return app.url.replace("http://", "ws://") + "/graphql"


async def closing_code(app: RunningApp, message: str) -> int:
    """The close code the server answers one message with (bounded wait)."""
    async with websockets.connect(ws_url(app), subprotocols=[PROTOCOL], max_size=None) as ws:  # type: ignore[list-item]
        await ws.send(message)
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), timeout=10)
    assert closed.value.rcvd is not None, "closed without a close frame"
    return closed.value.rcvd.code


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
async def test_a_malformed_token_in_connection_init_closes_with_4403(
    dev_app: RunningApp, payload: dict[str, Any]
) -> None:
    message = json.dumps({"type": "connection_init", "payload": payload})
    assert await closing_code(dev_app, message) == 4403


MESSAGES: dict[str, str] = {
    "a payload that is a list": json.dumps({"type": "connection_init", "payload": []}),
    "a payload that is a string": json.dumps({"type": "connection_init", "payload": "x"}),
    "a message that is not JSON": "nope",
    "a message that is an array": "[]",
    "a deeply nested message": "[" * 100_000 + "]" * 100_000,
    "a NUL in the token": json.dumps(
        {"type": "connection_init", "payload": {"authorization": "Bearer a.b\x00.c"}}
    ),
}


@pytest.mark.parametrize("message", MESSAGES.values(), ids=MESSAGES.keys())
async def test_a_malformed_connection_init_message_closes_with_4400(
    dev_app: RunningApp, message: str
) -> None:
    assert await closing_code(dev_app, message) == 4400


# --- public-page paths -------------------------------------------------------------------------

PATHS: dict[str, str] = {
    "a percent-encoded NUL": "/p/%00",
    "a NUL among letters": "/p/abc%00def",
    "an invalid UTF-8 escape": "/p/%ff",
    "an overlong UTF-8 escape": "/p/%c0%af",
    "an encoded surrogate": "/p/%ed%a0%80",
    "a truncated UTF-8 escape": "/p/%c3",
    "control characters": "/p/%01%1b%7f",
    "a CRLF": "/p/a%0d%0aSet-Cookie:x=1",
    "a very long id": "/p/" + "a" * 8000,
    "non-ASCII letters": "/p/%c3%85%c3%84%c3%96",
    "markup": "/p/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "an encoded slash": "/p/..%2f..%2fetc%2fpasswd",
    "a NUL in an embed": "/p/%00/embed",
    "invalid UTF-8 in an embed": "/p/%ff%fe/embed",
    "a very long embed id": "/p/" + "b" * 8000 + "/embed",
}


@pytest.mark.parametrize("path", PATHS.values(), ids=PATHS.keys())
async def test_any_bytes_in_a_public_page_path_are_a_404_page(
    prod_app: RunningApp, http: httpx.AsyncClient, path: str
) -> None:
    response = await http.get(prod_app.url + path)
    assert response.status_code == 404, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert "Sidan finns inte" in response.text
    assert "set-cookie" not in response.headers


async def test_an_unknown_route_is_a_typed_404(
    prod_app: RunningApp, http: httpx.AsyncClient
) -> None:
    response = await http.get(f"{prod_app.url}/no/such/route%00")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


# --- odd strings inside GraphQL documents ------------------------------------------------------

ODD_READS: dict[str, str] = {
    "a promise id with a NUL": '{ promise(id: "a\\u0000b") { id } }',
    "a long promise id": '{ promise(id: "' + "p" * 20_000 + '") { id } }',
    "a history stream with a NUL": '{ history(streamId: "x\\u0000") { __typename } }',
    "an organisation with a NUL": '{ organisation(id: "\\u0000") { id } }',
    "a list filter with a NUL": '{ promises(organisation: "\\u0000", title: "\\u0000") '
    "{ promises { id } } }",
    "a cursor with a NUL": '{ promises(after: "\\u0000") { promises { id } } }',
    "an event id with a NUL": '{ inclusionProof(eventId: "\\u0000") { __typename } }',
    "a lone surrogate escape": '{ promise(id: "\\ud800") { id } }',
}


@pytest.mark.parametrize("query", ODD_READS.values(), ids=ODD_READS.keys())
async def test_odd_strings_in_a_query_are_answered_not_masked_as_internal_errors(
    dev_app: RunningApp, http: httpx.AsyncClient, query: str
) -> None:
    token = dev_app.token("org-upplands-bro", "auditor")
    response = await http.post(
        f"{dev_app.url}/graphql",
        json={"query": query},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code < 500, response.text
    for error in response.json().get("errors") or ():
        assert error["message"] != "Internal error", (query, response.text)
