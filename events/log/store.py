"""The PostgreSQL event store (asyncpg): append, read a stream, read the global log.

Appends go through the `append_events` SQL function so that a command costs one round trip:
the expected version is checked on the stream row before any event row is drawn, the command id
is recorded in the same transaction under the caller's organisation, a repeated command id
returns the first result, and the same id used for a different command is refused.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import starmap
from typing import TYPE_CHECKING, Any, Final

import asyncpg
import msgspec
import orjson

# The domain's errors, raised here and re-exported, so `except VersionConflict` catches the same
# class whichever module it was imported from.
from events.idempotency import IdempotencyKeyReused as IdempotencyKeyReused
from events.messages import VersionConflict as VersionConflict

NO_STREAM: Final = 0
"""Expected version of a stream that must not exist yet (a stream's version counts its events)."""

ANY: Final = None
"""Expected version for imports only: append whatever the stream's version is."""

LOG_CHANNEL: Final = "samverkan_log"
"""NOTIFY channel the sequencer signals after each batch; a payload-free wake-up."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NewEvent:
    """An event ready to append: JSON-ready data, its type and schema version, business time."""

    event_id: uuid.UUID
    type: str
    data: Mapping[str, Any]
    occurred_at: dt.datetime
    schema_version: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class AppendResult:
    """What an append produced: the stream's new version and the ids of its events."""

    version: int
    event_ids: tuple[uuid.UUID, ...]
    duplicate: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandRecord:
    """What the commands table keeps of a command besides its id: whose key, what it asked."""

    organisation_id: str
    command_type: str
    fingerprint: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedCommand:
    """A command recorded before under an (organisation, command id), with its first result."""

    stream_id: str
    command_type: str
    fingerprint: bytes | None
    result: AppendResult

    def matches(self, stream_id: str, record: CommandRecord) -> bool:
        """True when `record` aimed at `stream_id` is a retry of this command.

        Rows recorded before fingerprints were kept (migration 0005) have none; they match a
        retry of the same command type on the same stream. The same rule is in append_events.
        """
        return (
            self.stream_id == stream_id
            and self.command_type == record.command_type
            and (self.fingerprint is None or self.fingerprint == record.fingerprint)
        )


class _Envelope(msgspec.Struct, frozen=True, gc=False):
    """StoredEvent's fields, in the order EVENT_COLUMNS plus log_index selects them, so that
    asyncpg's row unpacks straight into `StoredEvent(*row)`: msgspec builds it in C, about
    0.2 µs a row read, where a frozen dataclass's __init__ took about 1.9 µs and setting its
    slots one by one 0.9-1.1 µs. Not tracked by the cycle collector (`gc=False`): an event
    refers to its values, never back to itself."""

    id: int
    event_id: uuid.UUID
    stream_id: str
    stream_version: int
    type: str
    schema_version: int
    data: dict[str, Any]
    metadata: dict[str, Any]
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    log_index: int | None


_DATA: Final = _Envelope.__dict__["data"]
_METADATA: Final = _Envelope.__dict__["metadata"]
"""The two fields' slots, which StoredEvent's properties read and fill in."""


def _decoded_on_first_use(name: str, slot: Any) -> property:
    """`StoredEvent.data` / `.metadata`: the field's value. A value that is still `bytes` (an
    event read from a row, holding jsonb's binary form: a version byte, then the JSON text)
    is decoded as the connection's jsonb codec decodes it (orjson after the version byte) and
    kept in its place; JSON never decodes to bytes, so a decoded value is never mistaken for
    one still to decode. A property rather than a descriptor class: its C `__get__` calls the
    getter directly, about a third cheaper."""

    def get(
        event: StoredEvent,
        _get: Any = slot.__get__,
        _set: Any = slot.__set__,
        _bytes: Any = bytes,
        _loads: Any = orjson.loads,
    ) -> Any:
        value: Any = _get(event)
        if type(value) is _bytes:
            value = _loads(value[1:])
            _set(event, value)
        return value

    return property(get, doc=f"The event's {name} (decoded on first use).")


class StoredEvent(_Envelope, frozen=True, gc=False):
    """An event as stored, with its global log position once sequenced.

    Built by keyword (`StoredEvent(id=..., data={...}, ...)`), `data` and `metadata` are what
    was given. Built from a database row (`stored_event`, `read_log`), they hold the row's
    jsonb bytes until first asked for, then the decoded value, once: a reader that looks only
    at the envelope (a projection skipping other streams' events, a catch-up that needs the log
    index) does not pay for decoding them. A SQL NULL payload (erased beyond redaction) is None.

    A frozen msgspec Struct (`msgspec.structs.replace`, `msgspec.structs.fields`, pickling and
    copying work as for any Struct). Equality and repr see the decoded values, so an event read
    from a row equals and prints as the same event built by keyword; it is not hashable (its
    data is a dict).
    """

    __hash__ = None  # type: ignore[assignment]

    if TYPE_CHECKING:  # what the two properties below give, as a type checker should see it

        @property  # type: ignore[misc]  # (a Struct field read through a property)
        def data(self) -> dict[str, Any]: ...

        @property  # type: ignore[misc]
        def metadata(self) -> dict[str, Any]: ...

    else:
        data = _decoded_on_first_use("data", _DATA)
        metadata = _decoded_on_first_use("metadata", _METADATA)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__struct_fields__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not StoredEvent:
            return NotImplemented
        return self._values() == other._values()

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__struct_fields__)
        return f"StoredEvent({shown})"


async def init_connection(conn: asyncpg.Connection) -> None:
    """Register codecs on a new connection: jsonb in binary form through orjson."""
    await conn.set_type_codec(
        "jsonb",
        schema="pg_catalog",
        encoder=lambda value: b"\x01" + orjson.dumps(value),
        decoder=lambda raw: orjson.loads(raw[1:]),
        format="binary",
    )


APPEND = """
SELECT new_version, event_ids, duplicate
FROM append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"""

APPEND_ON_READ = """
SELECT new_version, event_ids, duplicate
FROM append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"""
"""APPEND on condition that the streams read are where they were read (migration 0016)."""

EVENT_COLUMNS = """e.id, e.event_id, e.stream_id, e.stream_version, e.type, e.schema_version,
    jsonb_send(p.data), jsonb_send(e.metadata), e.occurred_at, e.recorded_at"""
"""The envelope and payload, for `stored_event`. Data and metadata come as bytea holding jsonb's
binary form (what the jsonb codec receives: a version byte, then the JSON text in UTF-8),
which StoredEvent decodes on first use as the codec would have."""

PAYLOAD_JOIN = "LEFT JOIN payloads p ON p.event_pk = e.id"
"""Join for EVENT_COLUMNS: payloads live beside the insert-only envelope (erasure redacts them)."""

READ_STREAM = f"""
SELECT {EVENT_COLUMNS}, l.log_index
FROM events e LEFT JOIN log l ON l.event_pk = e.id {PAYLOAD_JOIN}
WHERE e.stream_id = $1 AND e.stream_version > $2 AND e.stream_version <= $3
ORDER BY e.stream_version"""

READ_STREAM_UP_TO_LOG = f"""
SELECT {EVENT_COLUMNS}, l.log_index
FROM events e JOIN log l ON l.event_pk = e.id {PAYLOAD_JOIN}
WHERE e.stream_id = $1 AND l.log_index <= $2
ORDER BY e.stream_version"""

READ_LOG = f"""
SELECT {EVENT_COLUMNS}, l.log_index
FROM log l JOIN events e ON e.id = l.event_pk {PAYLOAD_JOIN}
WHERE l.log_index > $1
ORDER BY l.log_index
LIMIT $2"""

LOG_SIZE = "SELECT coalesce(max(log_index) + 1, 0) FROM log"

STREAM_VERSION = "SELECT version FROM streams WHERE stream_id = $1"

COMMAND_COLUMNS = """c.stream_id, c.command_type, c.command_hash, c.event_ids,
       (SELECT max(e.stream_version) FROM events e WHERE e.event_id = ANY (c.event_ids))"""
"""What `recorded_command` reads of a `commands` row `c` (the dispatcher selects it with the
streams a command reads)."""

LOG_POSITIONS_OF = (
    "SELECT l.log_index FROM log l JOIN events e ON e.id = l.event_pk WHERE e.event_id = ANY($1)"
)


def stored_event(row: Sequence[Any], _event: type[StoredEvent] = StoredEvent) -> StoredEvent:
    """Build a StoredEvent from a row selected with EVENT_COLUMNS plus log_index (and
    possibly more columns after those eleven, which are left out)."""
    return _event(*row[:11])


class ReadStreamsMoved(Exception):
    """A stream an append's events were decided on is no longer at the version it was read at
    (`append`'s `read_versions`); nothing was appended. Read again and decide again."""

    def __init__(self, stream_ids: Sequence[str]) -> None:
        super().__init__(f"one of the streams {', '.join(stream_ids)} has moved since it was read")
        self.stream_ids = tuple(stream_ids)


async def append(
    conn: asyncpg.Connection | asyncpg.Pool,
    stream_id: str,
    expected_version: int | None,
    events: Sequence[NewEvent],
    *,
    command_id: uuid.UUID | None,
    metadata: Mapping[str, Any],
    organisations: Sequence[str] = (),
    command: CommandRecord | None = None,
    read_versions: Mapping[str, int] | None = None,
) -> AppendResult:
    """Append `events` to a stream in one round trip; raise VersionConflict on a stale version.

    A `command_id` seen before in `command`'s organisation returns the first append's result
    and writes nothing when it is the same command, and raises IdempotencyKeyReused when it is
    not. Without `command` the id is kept under no organisation, type or fingerprint.

    `read_versions` names other streams the events were decided on, each with the version it
    was read at (0: no event yet): when any has moved since, nothing is written and
    ReadStreamsMoved is raised (after the command id's check, before the expected version's).
    """
    if not events:
        raise ValueError("append needs at least one event")
    read = read_versions or {}
    try:
        row = await conn.fetchrow(
            APPEND_ON_READ if read else APPEND,
            stream_id,
            expected_version,
            command_id,
            list(organisations),
            [e.event_id for e in events],
            [e.type for e in events],
            [e.schema_version for e in events],
            [e.data for e in events],
            metadata,
            [e.occurred_at for e in events],
            command.organisation_id if command else "",
            command.command_type if command else "",
            command.fingerprint if command else None,
            *((list(read), list(read.values())) if read else ()),
        )
    except asyncpg.PostgresError as exc:
        if getattr(exc, "sqlstate", None) == "SV001":
            actual = int(getattr(exc, "detail", None) or 0)
            raise VersionConflict(stream_id, expected_version, actual) from None
        if getattr(exc, "sqlstate", None) == "SV002":
            raise IdempotencyKeyReused(str(command_id)) from None
        if getattr(exc, "sqlstate", None) == "SV003":
            raise ReadStreamsMoved(tuple(read)) from None
        if isinstance(exc, asyncpg.UniqueViolationError):
            # Two appenders racing to create the same stream, or the (stream, version)
            # backstop: either way the caller's expectation no longer holds.
            actual = await conn.fetchval(STREAM_VERSION, stream_id) or 0
            raise VersionConflict(stream_id, expected_version, int(actual)) from None
        raise
    assert row is not None
    return AppendResult(version=row[0], event_ids=tuple(row[1]), duplicate=row[2])


async def read_stream(
    conn: asyncpg.Connection | asyncpg.Pool,
    stream_id: str,
    *,
    after_version: int = 0,
    up_to_version: int | None = None,
    up_to_log_index: int | None = None,
) -> list[StoredEvent]:
    """Read one stream in version order: after a version, up to a version or a log index."""
    if up_to_log_index is not None:
        rows = await conn.fetch(READ_STREAM_UP_TO_LOG, stream_id, up_to_log_index)
    else:
        limit = up_to_version if up_to_version is not None else 2**31 - 1
        rows = await conn.fetch(READ_STREAM, stream_id, after_version, limit)
    return list(starmap(StoredEvent, rows))


async def read_log(
    conn: asyncpg.Connection | asyncpg.Pool, after: int, limit: int
) -> list[StoredEvent]:
    """Read up to `limit` sequenced events with log_index > `after` (use -1 for the start)."""
    return list(starmap(StoredEvent, await conn.fetch(READ_LOG, after, limit)))


def recorded_command(row: Sequence[Any]) -> RecordedCommand:
    """A RecordedCommand from a row of COMMAND_COLUMNS."""
    return RecordedCommand(
        stream_id=row[0],
        command_type=row[1],
        fingerprint=row[2],
        result=AppendResult(version=row[4] or 0, event_ids=tuple(row[3]), duplicate=True),
    )


async def log_size(conn: asyncpg.Connection | asyncpg.Pool) -> int:
    """How many events are sequenced (the next log_index)."""
    return int(await conn.fetchval(LOG_SIZE))


async def stream_version(conn: asyncpg.Connection | asyncpg.Pool, stream_id: str) -> int:
    """The stream's current version (0 when it does not exist)."""
    return int(await conn.fetchval(STREAM_VERSION, stream_id) or 0)


async def log_positions(
    conn: asyncpg.Connection | asyncpg.Pool, event_ids: Sequence[uuid.UUID]
) -> list[int | None]:
    """Log indexes of the given events; None for those not yet sequenced."""
    rows = await conn.fetch(LOG_POSITIONS_OF, list(event_ids))
    found = [int(r[0]) for r in rows]
    return [*found, *([None] * (len(event_ids) - len(found)))]


EVENT_TYPES_OF = """
SELECT e.type FROM unnest($1::uuid[]) WITH ORDINALITY AS asked(event_id, n)
JOIN events e ON e.event_id = asked.event_id
ORDER BY asked.n"""


async def event_types(
    conn: asyncpg.Connection | asyncpg.Pool, event_ids: Sequence[uuid.UUID]
) -> list[str]:
    """The type names of the given appended events, in the order given."""
    return [str(r[0]) for r in await conn.fetch(EVENT_TYPES_OF, list(event_ids))]
