"""HTTP-layer fuzz of the served app: methods, paths, headers and bodies of every shape.

Each example goes to the real app (httpx, or a raw socket for framing httpx will not send). The
server never answers 5xx (the database is up here) and `/healthz` still answers after each one.

Hypothesis runs in a worker thread with blocking clients, so the app keeps serving on the test's
event loop. CI runs a fixed (derandomized) set of examples; SAMVERKAN_FUZZ_EXAMPLES=N runs N
random ones instead.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import urllib.parse

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import RunningApp

EXAMPLES = int(os.environ.get("SAMVERKAN_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="SAMVERKAN_FUZZ_EXAMPLES" not in os.environ,  # CI: fixed; by hand: fresh
    suppress_health_check=list(HealthCheck),
)
ORG = "org-upplands-bro"

METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "FOO"])
PREFIXES = st.sampled_from(["/p/", "/open-data/", "/graphql", "/graphql/", "/nowhere/", "/"])
SEGMENT = st.binary(max_size=40).map(lambda b: urllib.parse.quote(b, safe=""))
PATHS = st.builds(lambda prefix, rest: prefix + rest, PREFIXES, SEGMENT)

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)
GRAPHQL_SHAPED = st.fixed_dictionaries(
    {"query": st.text(max_size=60) | st.just("{ logSize }")},
    optional={"variables": JSON_VALUES, "operationName": JSON_VALUES},
)
BODIES = st.one_of(
    st.binary(max_size=200),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    GRAPHQL_SHAPED.map(lambda v: json.dumps(v).encode()),
    st.integers(1, 2000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1, 200_000).map(lambda n: b'{"query": "' + b"a" * n + b'"}'),
)
TOKEN_TEXT = st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=80)
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "content-type": st.sampled_from(
            ["application/json", "application/graphql", "text/plain", "multipart/form-data"]
        )
        | HEADER_TEXT,
        "authorization": st.one_of(
            TOKEN_TEXT.map(lambda t: f"Bearer {t}"),
            st.builds(lambda a, b, c: f"Bearer {a}.{b}.{c}", TOKEN_TEXT, TOKEN_TEXT, TOKEN_TEXT),
            HEADER_TEXT,
        ),
        "cookie": HEADER_TEXT,
        "accept-language": HEADER_TEXT,
        "accept": HEADER_TEXT,
    },
)


def healthy(client: httpx.Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200, response.text


def fuzz_requests(app: RunningApp) -> None:
    """Arbitrary requests through httpx: never a 5xx, always healthy after."""
    editor = app.token(ORG, "editor")
    with httpx.Client(base_url=app.url, timeout=30) as client:

        @FUZZ
        @given(
            method=METHODS,
            path=PATHS,
            headers=HEADERS,
            body=BODIES,
            as_editor=st.booleans(),
        )
        def run(
            method: str, path: str, headers: dict[str, str], body: bytes, as_editor: bool
        ) -> None:
            # h11 refuses to send a value with surrounding whitespace: that is not our server.
            headers = {name: value.strip() for name, value in headers.items()}
            if as_editor and "authorization" not in headers:
                headers = {**headers, "authorization": f"Bearer {editor}"}
            content = None if method in ("GET", "HEAD") else body
            response = client.request(method, path, headers=headers, content=content)
            assert response.status_code < 500, (method, path, headers, response.text[:500])
            healthy(client)

        run()


def raw_exchange(url: str, request: bytes) -> bytes:
    """Send `request` bytes as they are, close our side, and read what comes back (bounded)."""
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        for _ in range(1000):  # bounded read
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            answer += chunk
        return answer


def fuzz_framing(app: RunningApp) -> None:
    """Lying content-length, chunked garbage: any status line that comes back is not 5xx."""
    with httpx.Client(base_url=app.url, timeout=30) as client:

        @FUZZ
        @given(
            path=st.sampled_from(["/graphql", "/open-data/", "/p/x", "/healthz"]),
            body=st.binary(max_size=100),
            declared=st.integers(0, 200),
            chunked=st.booleans(),
            chunk_size=st.sampled_from(["0", "5", "ff", "zz", "-1", "ffffffffffffffff"]),
        )
        def run(path: str, body: bytes, declared: int, chunked: bool, chunk_size: str) -> None:
            if chunked:
                framing = b"transfer-encoding: chunked\r\n"
                payload = chunk_size.encode() + b"\r\n" + body + b"\r\n0\r\n\r\n"
            else:
                framing = f"content-length: {declared}\r\n".encode()
                payload = body
            request = (
                f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n".encode()
                + b"content-type: application/json\r\nconnection: close\r\n"
                + framing
                + b"\r\n"
                + payload
            )
            answer = raw_exchange(app.url, request)
            status = answer.split(b"\r\n", 1)[0].split(b" ")
            if len(status) > 1 and status[1].isdigit():
                assert int(status[1]) < 500, (request, answer[:500])
            healthy(client)

        run()


async def test_arbitrary_requests_never_get_a_server_error_and_leave_the_app_healthy(
    dev_app: RunningApp,
) -> None:
    await asyncio.to_thread(fuzz_requests, dev_app)


async def test_invalid_framing_never_gets_a_server_error_and_leaves_the_app_healthy(
    dev_app: RunningApp,
) -> None:
    await asyncio.to_thread(fuzz_framing, dev_app)
