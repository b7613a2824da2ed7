"""`samverkan erase`: blank one event's personal fields, keeping the proof verifiable.

In one transaction (`erase_payload`, migration 0004): the erasure is recorded with who erased
it (an org_admin) and who authorised it (an auditor), the salt of the payload commitment is
shredded, the payload is replaced by its redacted copy, and `PayloadErased` is appended to the
stream `erasures`. The projections then re-fold the affected stream, so the read models hold
only the redacted data. Verify reports the entry as erased, not tampered.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import asyncpg

from events.catalogue import event_registry
from events.erasure import ErasureRefused, redact
from service.database import connect

PAYLOAD_OF = """
SELECT e.type, p.data, p.redacted
FROM events e JOIN payloads p ON p.event_pk = e.id
WHERE e.event_id = $1"""

ERASE = "SELECT erase_payload($1, $2, $3, $4, $5, $6, $7)"


class ErasureError(Exception):
    """An erasure that cannot be done; nothing was changed."""


async def erase(
    url: str, event_id: uuid.UUID, reason: str, erased_by: str, authorised_by: str
) -> int:
    """Erase the personal fields of `event_id`'s payload; returns its log index."""
    reason, erased_by, authorised_by = reason.strip(), erased_by.strip(), authorised_by.strip()
    if not reason:
        raise ErasureError("an erasure needs a reason")
    if not erased_by or not authorised_by:
        raise ErasureError("an erasure needs who erases it and who authorises it")
    if erased_by == authorised_by:
        raise ErasureError("an erasure must be authorised by someone other than who erases it")
    conn = await connect(url)
    try:
        row = await conn.fetchrow(PAYLOAD_OF, event_id)
        if row is None:
            raise ErasureError(f"event {event_id} does not exist")
        type_name, data, already = row
        if already:
            raise ErasureError(f"event {event_id} is already erased")
        try:
            redacted = redact(event_registry(), type_name, data)
        except ErasureRefused as exc:
            raise ErasureError(str(exc)) from None
        return await record_erasure(conn, event_id, reason, erased_by, authorised_by, redacted)
    finally:
        await conn.close()


async def record_erasure(
    conn: asyncpg.Connection,
    event_id: uuid.UUID,
    reason: str,
    erased_by: str,
    authorised_by: str,
    redacted: Mapping[str, object],
) -> int:
    """Run `erase_payload` with an already redacted payload; returns the event's log index."""
    metadata = {
        "actor": {"subject": erased_by, "roles": ["org_admin"]},
        "authorised_by": authorised_by,
    }
    try:
        index = await conn.fetchval(
            ERASE, event_id, reason, erased_by, authorised_by, redacted, uuid.uuid4(), metadata
        )
    except asyncpg.UniqueViolationError:
        raise ErasureError(f"event {event_id} is already erased") from None
    except asyncpg.PostgresError as exc:
        if exc.sqlstate in ("P0002", "55000", "23514"):
            # no such event, not sequenced yet, or erased and authorised by the same person
            raise ErasureError(str(exc)) from None
        raise
    return int(index)
