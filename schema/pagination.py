"""Cursor pagination with a hard page cap; cursors are opaque base64 strings."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Annotated

import strawberry

from schema.errors import ClientError

PAGE_CAP = 100
"""The most items one page may hold, whatever `first` asks for."""

DEFAULT_PAGE = 20
"""Items on a page when `first` is not given."""

First = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page size: {DEFAULT_PAGE} when not given, at most {PAGE_CAP} (more "
        f"gives {PAGE_CAP}, less than 1 gives 1)."
    ),
]
"""The `first` argument of every paged field, its default and cap stated in the schema."""


def page_size(first: int | None, default: int = DEFAULT_PAGE) -> int:
    """The page size to use: `first` bounded to 1…PAGE_CAP."""
    if first is None:
        return default
    return max(1, min(first, PAGE_CAP))


def encode_cursor(value: str) -> str:
    """An opaque cursor for a key."""
    return base64.urlsafe_b64encode(value.encode()).decode()


def decode_cursor(cursor: str | None) -> str | None:
    """The key inside a cursor; ValueError when the cursor was not made by us."""
    if cursor is None:
        return None
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError("malformed cursor") from exc


def key_after(after: str | None) -> str | None:
    """The key a list continues after (None: from the start); a cursor that is not ours is
    the client's error."""
    try:
        return decode_cursor(after)
    except ValueError as exc:
        raise ClientError(str(exc)) from None


@strawberry.type(description="Where a page ends and whether more follow.")
class PageInfo:
    end_cursor: str | None
    has_next_page: bool


def page_info(rows: Sequence[tuple[str, object]], limit: int) -> PageInfo:
    """Where a page ends and whether more follow, for `rows` read in key order with one more
    than the page's `limit` (the page is `rows[:limit]`)."""
    shown = rows[:limit]
    return PageInfo(
        end_cursor=encode_cursor(shown[-1][0]) if shown else None,
        has_next_page=len(rows) > limit,
    )
