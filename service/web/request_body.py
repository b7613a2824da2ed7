"""Reading a request body as one JSON object, refusing every other shape with a reason.

A GraphQL request is one JSON object (RFC 8259 text in UTF-8); a batch, a bare value, another
encoding, nesting deeper than the parser's recursion limit, or a string holding a NUL or a lone
UTF-16 surrogate (which PostgreSQL cannot store and no encoder downstream writes) is the
client's error, answered 400 before anything runs, never a crash.
"""

from __future__ import annotations

import json
import re
from typing import Any

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class BodyRefused(ValueError):
    """The body is not one well-formed JSON object; `reason` says why, for the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def json_object(data: str | bytes) -> dict[str, Any]:
    """The body as a JSON object; `BodyRefused` naming the first thing wrong with it."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BodyRefused("the body is not UTF-8 text") from exc
    try:
        value = json.loads(data)
    except RecursionError as exc:
        raise BodyRefused("the body is nested too deeply") from exc
    except ValueError as exc:  # not JSON, a BOM, an integer past Python's digit limit
        raise BodyRefused(f"the body is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise BodyRefused("the body must be one JSON object (batches are not accepted)")
    if _holds_unstorable(value):
        raise BodyRefused("the body holds a NUL or a lone UTF-16 surrogate, which no text may")
    return value


def _holds_unstorable(value: Any) -> bool:
    # Iterative, as the parsed value may be nested nearly as deep as the recursion limit.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
