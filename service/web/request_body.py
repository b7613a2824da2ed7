"""Reading a request body as one JSON object, refusing every other shape with a reason.

A GraphQL request is one JSON object (RFC 8259 text in UTF-8); a batch, a bare value, another
encoding, nesting deeper than the parser's recursion limit, or a string holding a NUL or a lone
UTF-16 surrogate (which PostgreSQL cannot store and no encoder downstream writes) is the
client's error, answered 400 before anything runs, never a crash.

Every string arrives in Unicode NFC: the same words are then the same code points whatever the
client's keyboard or encoder produced (macOS and `\\u` escapes often give NFD), so they hash,
sign, compare and search alike. The domain refuses text that is not NFC; this is where it
becomes NFC.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class BodyRefused(ValueError):
    """The body is not one well-formed JSON object; `reason` says why, for the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def json_object(data: str | bytes) -> dict[str, Any]:
    """The body as a JSON object with NFC strings; `BodyRefused` naming what is wrong."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BodyRefused("the body is not UTF-8 text") from exc
    try:
        value = json.loads(data, object_pairs_hook=_object)
    except BodyRefused:
        raise
    except RecursionError as exc:
        raise BodyRefused("the body is nested too deeply") from exc
    except ValueError as exc:  # not JSON, a BOM, an integer past Python's digit limit
        raise BodyRefused(f"the body is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise BodyRefused("the body must be one JSON object (batches are not accepted)")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Called for every object as it is parsed; nested objects arrive already checked.
    return {_text(key): _value(value) for key, value in pairs}


def _value(value: Any) -> Any:
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, list):
        return [_value(item) for item in value]
    return value


def _text(text: str) -> str:
    if text.isascii():
        if "\x00" in text:
            raise BodyRefused("the body holds a NUL, which no text may")
        return text
    if _UNSTORABLE.search(text):
        raise BodyRefused("the body holds a NUL or a lone UTF-16 surrogate, which no text may")
    return unicodedata.normalize("NFC", text)
