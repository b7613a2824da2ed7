"""Reading a token before its signature is checked: every shape is InvalidToken, never a crash."""

from __future__ import annotations

import base64

import pytest

from service.identity.access_token import peek
from service.identity.errors import InvalidToken


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


CLAIMS = b64(b'{"iss": "https://idp.example", "sub": "x"}')
HEADER = b64(b'{"alg": "ES256", "typ": "at+jwt"}')
DEEP_CLAIMS = b64(b'{"a":' * 2000 + b"1" + b"}" * 2000)
BIG_INTEGER = b64(b'{"alg":' + b"9" * 5000 + b"}")
SHAPES = {
    "a deeply nested header": f"{b64(b'[' * 2000 + b']' * 2000)}.{CLAIMS}.s",
    "deeply nested claims": f"{HEADER}.{DEEP_CLAIMS}.s",
    "an integer past the digit limit": f"{BIG_INTEGER}.{CLAIMS}.s",
    "invalid UTF-8": f"{b64(bytes([255, 254]))}.{CLAIMS}.s",
    "non-ASCII": "å.ä.ö",
    "a NUL": f"{HEADER}\x00.{CLAIMS}.s",
    "empty segments": "..",
    "three dots": "a.b.c.d",
    "a header that is an array": f"{b64(b'[]')}.{CLAIMS}.s",
    "claims that are a number": f"{HEADER}.{b64(b'1')}.s",
}


@pytest.mark.parametrize("token", SHAPES.values(), ids=SHAPES.keys())
def test_a_malformed_token_is_invalid_not_a_crash(token: str) -> None:
    with pytest.raises(InvalidToken):
        peek(token)
