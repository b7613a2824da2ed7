"""After a load or a drill: is every acknowledged mutation in the log, dense and verifiable?"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import asyncpg

from service.audit import verify as audit

LOGGED_EVENTS = "SELECT e.event_id::text FROM log l JOIN events e ON e.id = l.event_pk"
DENSITY = "SELECT count(*), coalesce(min(log_index), 0), coalesce(max(log_index), -1) FROM log"
LATEST_CHECKPOINT = "SELECT coalesce(max(size), 0) FROM checkpoints"
COSIGNERS = "SELECT array_agg(witness ORDER BY witness) FROM cosignatures WHERE size = $1"


@dataclass(slots=True)
class LogCheck:
    """The outcome of the check; `ok` when nothing is missing, the log is dense and verifies."""

    size: int
    dense: bool
    acknowledged: int
    missing: list[str]
    audit_ok: bool
    audit_summary: str
    findings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.dense and not self.missing and self.audit_ok

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "log_size": self.size,
            "dense": self.dense,
            "acknowledged_events": self.acknowledged,
            "missing": self.missing[:20],
            "missing_count": len(self.missing),
            "audit_ok": self.audit_ok,
            "audit": self.audit_summary,
            "findings": self.findings[:20],
        }


async def sequenced_event_ids(url: str) -> set[str]:
    """Every event id that has a place in the log."""
    conn = await asyncpg.connect(url)
    try:
        return {r[0] for r in await conn.fetch(LOGGED_EVENTS)}
    finally:
        await conn.close()


async def wait_sequenced(url: str, event_ids: set[str], timeout: float = 20.0) -> set[str]:
    """Wait (bounded) until every event id is in the log; return those still missing."""
    deadline = time.monotonic() + timeout
    while True:
        missing = event_ids - await sequenced_event_ids(url)
        if not missing or time.monotonic() > deadline:
            return missing
        await asyncio.sleep(0.2)


async def wait_witnessed(url: str, witnesses: Sequence[str], timeout: float = 20.0) -> bool:
    """Wait (bounded) until the latest checkpoint covers the whole log and every witness
    cosigned it; True when that happened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = await asyncpg.connect(url)
        try:
            size = (await conn.fetchrow(DENSITY))[0]
            checkpoint = int(await conn.fetchval(LATEST_CHECKPOINT))
            cosigners = await conn.fetchval(COSIGNERS, checkpoint) or []
        finally:
            await conn.close()
        if checkpoint == int(size) and set(witnesses) <= set(cosigners):
            return True
        await asyncio.sleep(0.25)
    return False


async def check_log(
    url: str,
    acknowledged: Iterable[str],
    log_vkey: str,
    witness_vkeys: Sequence[str] = (),
    *,
    allow_pending: bool = False,
    timeout: float = 20.0,
) -> LogCheck:
    """Every acknowledged event in the log, the log dense from 0, and `audit verify` passing."""
    wanted = set(acknowledged)
    missing = await wait_sequenced(url, wanted, timeout)
    conn = await asyncpg.connect(url)
    try:
        count, first, last = await conn.fetchrow(DENSITY)
    finally:
        await conn.close()
    dense = int(count) == int(last) + 1 and int(first) == 0
    report = await audit.verify_database(url, log_vkey, witness_vkeys, allow_pending=allow_pending)
    summary = (
        f"log size {report.size}, checkpoints {report.checkpoints}, witnessed up to "
        f"{report.witnessed_size}" + ("" if report.ok else f", first bad: {report.first_bad}")
    )
    return LogCheck(
        size=int(count),
        dense=dense,
        acknowledged=len(wanted),
        missing=sorted(missing),
        audit_ok=report.ok,
        audit_summary=summary,
        findings=[str(f) for f in report.findings],
    )
