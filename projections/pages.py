"""Pages of the log as a rebuild folds them: only what a fold reads, one query per page.

`events.log.store.read_log` builds a full `StoredEvent` (envelope, metadata, timestamps) for
every row; a rebuild of a projection that reads only the stream, the type and the payload
spends most of its read time on the rest. The query is `READ_LOG`'s with fewer columns.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

import asyncpg


class Logged(Protocol):
    """What a fold reads of a sequenced event (a `StoredEvent` has it all)."""

    @property
    def stream_id(self) -> str: ...

    @property
    def type(self) -> str: ...

    @property
    def schema_version(self) -> int: ...

    @property
    def data(self) -> dict[str, Any]: ...

    @property
    def log_index(self) -> int | None: ...


class PageEvent(NamedTuple):
    """One event of a page: stream, type, schema version, payload and log position."""

    stream_id: str
    type: str
    schema_version: int
    data: dict[str, Any]
    log_index: int


READ_PAGE = """
SELECT e.stream_id, e.type, e.schema_version, p.data, l.log_index
FROM log l JOIN events e ON e.id = l.event_pk LEFT JOIN payloads p ON p.event_pk = e.id
WHERE l.log_index > $1
ORDER BY l.log_index
LIMIT $2"""


SERIAL_READS = "SET max_parallel_workers_per_gather = 0"
"""Set on a rebuild's reading connection. A page is a short index range: the planner still
gives it a parallel worker, started afresh for every page, which costs the server a third more
CPU for the same rows (the rebuild's fold needs the other core)."""


async def read_page(conn: asyncpg.Connection, after: int, limit: int) -> list[PageEvent]:
    """Up to `limit` sequenced events with log_index > `after`, in log order."""
    return [PageEvent(*row) for row in await conn.fetch(READ_PAGE, after, limit)]
