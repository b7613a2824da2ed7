"""Auditing the log: full replay from the database or an export, proofs, export and erasure.

The replay checks each log index on its own (the stored leaf against the leaf recomputed from
the event, its metadata and salt) and the whole (the tree over the stored leaves against every
signed checkpoint, each signed by the log and cosigned by every witness). Checkpoints are read
first and the log is then streamed in log order, all in one REPEATABLE READ snapshot, so a
checkpoint written meanwhile cannot appear to be beyond the log.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import itertools
import multiprocessing as mp
import os
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from events.log import transparency
from events.proof import merkle
from events.proof.leaf import LeafError, format_timestamp, parse_leaf
from events.proof.note import NoteError, Verifier, parse_checkpoint, verify_note
from service.audit.replay import (
    AuditError,
    CheckedRow,
    CheckpointRow,
    Finding,
    LogRow,
    Replay,
    VerifyReport,
    check_row,
    untouched_leaf_hash,
)
from service.database import connect

__all__ = [
    "AuditError",
    "VerifyReport",
    "check_proof",
    "export",
    "prove",
    "verify_database",
    "verify_export",
]

EXPORT_FORMAT = "samverkan-audit-export/v1"


CHECKPOINTS = """
SELECT c.size, c.root, c.note,
       coalesce(array_agg(s.line ORDER BY s.witness) FILTER (WHERE s.line IS NOT NULL), '{}')
FROM checkpoints c LEFT JOIN cosignatures s ON s.size = c.size
GROUP BY c.size ORDER BY c.size"""

LOG_ROWS = """
SELECT coalesce(l.log_index, f.log_index), e.event_id, e.stream_id, e.stream_version, e.type,
       e.schema_version, e.occurred_at, e.recorded_at, e.metadata, p.data, s.salt,
       x.log_index IS NOT NULL, f.leaf, f.leaf_hash,
       x.erased_at, x.reason, x.erased_by, x.authorised_by
FROM log l
FULL JOIN leaves f ON f.log_index = l.log_index
LEFT JOIN events e ON e.id = l.event_pk
LEFT JOIN event_payloads p ON p.event_pk = e.id
LEFT JOIN payload_salts s ON s.log_index = coalesce(l.log_index, f.log_index)
LEFT JOIN erasures x ON x.log_index = coalesce(l.log_index, f.log_index)
ORDER BY 1"""


def _checkpoint_row(r: Sequence[Any]) -> CheckpointRow:
    return CheckpointRow(size=int(r[0]), root=bytes(r[1]), note=r[2], lines=tuple(r[3]))


def _log_row(r: Sequence[Any]) -> LogRow:
    event = None
    if r[1] is not None:
        event = {
            "event_id": str(r[1]),
            "stream_id": r[2],
            "stream_version": r[3],
            "type": r[4],
            "schema_version": r[5],
            "occurred_at": format_timestamp(r[6]),
            "recorded_at": format_timestamp(r[7]),
            "metadata": r[8],
        }
    return LogRow(
        log_index=int(r[0]),
        event=event,
        payload=r[9],
        salt=None if r[10] is None else bytes(r[10]),
        erased=bool(r[11]),
        leaf=None if r[12] is None else bytes(r[12]),
        leaf_hash=None if r[13] is None else bytes(r[13]),
    )


def _verifiers(log_vkey: str, witness_vkeys: Sequence[str]) -> tuple[Verifier, list[Verifier]]:
    return Verifier.from_vkey(log_vkey), [Verifier.from_vkey(v) for v in witness_vkeys]


async def verify_database(
    url: str, log_vkey: str, witness_vkeys: Sequence[str], *, allow_pending: bool = False
) -> VerifyReport:
    """Replay the whole log from the database; `allow_pending` excuses a not-yet-cosigned tail."""
    log_verifier, witnesses = _verifiers(log_vkey, witness_vkeys)
    conn = await connect(url)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            cps = [_checkpoint_row(r) for r in await conn.fetch(CHECKPOINTS)]
            replay = Replay(cps, log_verifier, witnesses, allow_pending)
            async for r in conn.cursor(LOG_ROWS, prefetch=5000):
                replay.add(_log_row(r))
    finally:
        await conn.close()
    return replay.finish()


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def _unb64(text: str | None) -> bytes | None:
    # base64.b64decode(text, validate=True) without its wrapper.
    return None if text is None else binascii.a2b_base64(text, strict_mode=True)


async def export(url: str, path: Path) -> int:
    """Write the log as JSON Lines: a header, checkpoints, then one line per log index."""
    conn = await connect(url)
    count = 0
    try:
        with path.open("wb") as out:
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                out.write(orjson.dumps({"format": EXPORT_FORMAT}) + b"\n")
                for r in await conn.fetch(CHECKPOINTS):
                    cp = _checkpoint_row(r)
                    body = {
                        "size": cp.size,
                        "root": _b64(cp.root),
                        "note": cp.note,
                        "cosignatures": list(cp.lines),
                    }
                    out.write(orjson.dumps({"checkpoint": body}) + b"\n")
                async for r in conn.cursor(LOG_ROWS, prefetch=5000):
                    row = _log_row(r)
                    erasure = None
                    if row.erased:
                        erasure = {
                            "erased_at": format_timestamp(r[14]),
                            "reason": r[15],
                            "erased_by": r[16],
                            "authorised_by": r[17],
                        }
                    line = {
                        "log_index": row.log_index,
                        "event": row.event,
                        "payload": row.payload,
                        "salt": _b64(row.salt),
                        "erasure": erasure,
                        "leaf": _b64(row.leaf),
                        "leaf_hash": _b64(row.leaf_hash),
                    }
                    out.write(orjson.dumps({"entry": line}) + b"\n")
                    count += 1
    finally:
        await conn.close()
    return count


# Exports of at least this many bytes are checked by worker processes.
PARALLEL_FROM_BYTES = 32 << 20
CHUNK_BYTES = 4 << 20
_MALFORMED = (AuditError, KeyError, TypeError, ValueError, AttributeError)


def _export_head(path: Path) -> tuple[list[CheckpointRow], int, int]:
    """The checkpoints, and the byte offset and line number where the log entries begin."""
    cps: list[CheckpointRow] = []
    with path.open("rb") as f:
        try:
            header = orjson.loads(f.readline())
        except orjson.JSONDecodeError:
            header = None
        if not isinstance(header, dict) or header.get("format") != EXPORT_FORMAT:
            raise AuditError(f"{path} is not a {EXPORT_FORMAT} export")
        number = 2
        while True:
            offset = f.tell()
            line = f.readline()
            try:
                item = orjson.loads(line) if line else None
            except orjson.JSONDecodeError:
                item = None
            if not isinstance(item, dict) or "checkpoint" not in item:
                return cps, offset, number
            try:
                c = item["checkpoint"]
                root = _unb64(c["root"])
                if root is None or type(c["size"]) is not int:
                    raise AuditError("a checkpoint needs a size and a root")
                cps.append(
                    CheckpointRow(
                        size=c["size"], root=root, note=c["note"], lines=tuple(c["cosignatures"])
                    )
                )
            except _MALFORMED as exc:
                raise AuditError(f"{path}, line {number}: not a checkpoint: {exc}") from exc
            number += 1


def _entry_row(item: Any) -> LogRow:
    if "checkpoint" in item:
        raise AuditError("checkpoints must come before the log entries")
    e = item["entry"]
    log_index = e["log_index"]
    if type(log_index) is not int or log_index < 0:
        raise AuditError(f"log_index must be a non-negative integer, got {log_index!r}")
    return LogRow(
        log_index,
        e["event"],
        e["payload"],
        _unb64(e["salt"]),
        e["erasure"] is not None,
        _unb64(e["leaf"]),
        _unb64(e["leaf_hash"]),
    )


@dataclass(frozen=True, slots=True)
class _CheckedChunk:
    """The entries of one byte range of an export, checked; compact to send between processes."""

    lines: int
    indexes: list[int]
    hashes: bytes  # the tree's leaf hash of each entry, 32 bytes each, in order
    notes: dict[int, tuple[tuple[Finding, ...], bool]]  # entry -> findings, erased
    error: tuple[int, str] | None = None  # entry that could not be read, and why


def _check_chunk(task: tuple[str, int, int]) -> _CheckedChunk:
    """Check the export entries in the byte range [start, end) of the file at `path`."""
    path, start, end = task
    with open(path, "rb") as f:
        f.seek(start)
        lines = f.read(end - start).split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    indexes: list[int] = []
    hashes = bytearray()
    notes: dict[int, tuple[tuple[Finding, ...], bool]] = {}
    for k, line in enumerate(lines):
        try:
            row = _entry_row(orjson.loads(line))
            h = untouched_leaf_hash(row)
            if h is None:
                checked = check_row(row)
                h = checked.tree_leaf_hash
                if checked.findings or checked.erased:
                    notes[k] = (checked.findings, checked.erased)
            elif row.erased:
                notes[k] = ((), True)
        except _MALFORMED as exc:
            return _CheckedChunk(len(lines), indexes, bytes(hashes), notes, (k, str(exc)))
        indexes.append(row.log_index)
        hashes += h
    return _CheckedChunk(len(lines), indexes, bytes(hashes), notes)


def _chunks(path: Path, start: int, end: int) -> list[tuple[str, int, int]]:
    """Byte ranges of about CHUNK_BYTES covering [start, end), each of whole lines."""
    bounds = [start]
    with path.open("rb") as f:
        while bounds[-1] + CHUNK_BYTES < end:
            f.seek(bounds[-1] + CHUNK_BYTES)
            f.readline()
            if f.tell() >= end:
                break
            bounds.append(f.tell())
    bounds.append(end)
    return [(str(path), a, b) for a, b in itertools.pairwise(bounds) if a < b]


@contextlib.contextmanager
def _checked_chunks(
    tasks: list[tuple[str, int, int]], workers: int
) -> Iterator[Iterator[_CheckedChunk]]:
    """`_check_chunk` of every task, in order: here, or in `workers` forked processes."""
    if workers <= 1 or len(tasks) <= 1 or "fork" not in mp.get_all_start_methods():
        yield map(_check_chunk, tasks)
        return
    # fork: the workers need nothing but what this process has already imported. A worker
    # that dies breaks the pool, which raises here instead of waiting for it.
    with ProcessPoolExecutor(min(workers, len(tasks)), mp_context=mp.get_context("fork")) as pool:
        try:
            yield pool.map(_check_chunk, tasks)
        finally:
            pool.shutdown(cancel_futures=True)


def default_workers(path: Path) -> int:
    """How many processes `verify_export` uses for the export at `path` by default."""
    if path.stat().st_size < PARALLEL_FROM_BYTES:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(4, cpus or 1))


def verify_export(
    path: Path,
    log_vkey: str,
    witness_vkeys: Sequence[str],
    *,
    allow_pending: bool = False,
    workers: int | None = None,
) -> VerifyReport:
    """Replay an export with no database: the same checks as `verify_database`.

    The entries are checked one by one in `workers` processes (default: one per CPU, up to
    four, for a large export), each on its own byte range; this process folds the results
    into the tree in log order and checks the checkpoints.
    """
    log_verifier, witnesses = _verifiers(log_vkey, witness_vkeys)
    cps, start, number = _export_head(path)
    replay = Replay(cps, log_verifier, witnesses, allow_pending)
    end = path.stat().st_size
    tasks = _chunks(path, start, end)
    with _checked_chunks(tasks, workers or default_workers(path)) as results:
        for chunk in results:
            hashes, notes = chunk.hashes, chunk.notes
            for k, log_index in enumerate(chunk.indexes):
                h = hashes[32 * k : 32 * k + 32]
                note = notes.get(k) if notes else None
                if note is None:
                    replay.add_hash(log_index, h)
                else:
                    replay.add_checked(CheckedRow(log_index, h, *note))
            if chunk.error is not None:
                k, why = chunk.error
                raise AuditError(f"{path}, line {number + k}: not a log entry: {why}")
            number += chunk.lines
    return replay.finish()


EVENT_LOG_INDEX = (
    "SELECT l.log_index FROM log l JOIN events e ON e.id = l.event_pk WHERE e.event_id = $1"
)


async def prove(url: str, event_id: uuid.UUID) -> dict[str, Any]:
    """An inclusion proof of one event in the latest checkpoint, checkable by a third party."""
    conn = await connect(url)
    try:
        index = await conn.fetchval(EVENT_LOG_INDEX, event_id)
        if index is None:
            raise AuditError(f"event {event_id} is not in the log")
        cp = await transparency.latest_checkpoint(conn)
        stored = await transparency.leaf(conn, index)
        if cp is None or cp.size <= index or stored is None:
            raise AuditError(f"event {event_id} is not under a checkpoint yet")
        proof = await transparency.inclusion_proof(conn, index, cp.size)
    finally:
        await conn.close()
    return {
        "event_id": str(event_id),
        "log_index": index,
        "leaf": _b64(stored.leaf),
        "tree_size": cp.size,
        "inclusion_proof": [_b64(h) for h in proof],
        "checkpoint": cp.cosigned_note,
    }


def check_proof(bundle: dict[str, Any], log_vkey: str, witness_vkeys: Sequence[str]) -> list[str]:
    """Check a `prove` bundle with keys alone; returns the problems (empty when it holds)."""
    log_verifier, witnesses = _verifiers(log_vkey, witness_vkeys)
    try:
        text, verified = verify_note(bundle["checkpoint"], [log_verifier, *witnesses])
        cp = parse_checkpoint(text)
        leaf = _unb64(bundle["leaf"]) or b""
        proof = [_unb64(h) or b"" for h in bundle["inclusion_proof"]]
        envelope = parse_leaf(leaf)
    except (NoteError, LeafError, KeyError, ValueError) as exc:
        return [f"malformed proof: {exc}"]
    problems = [f"not cosigned by {w.name}" for w in witnesses if w.name not in verified]
    if log_verifier.name not in verified:
        problems.append("not signed by the log")
    if cp.size != bundle["tree_size"] or envelope["log_index"] != bundle["log_index"]:
        problems.append("sizes or indexes disagree")
    if str(envelope["event_id"]) != bundle["event_id"]:
        problems.append("the leaf is for another event")
    if not merkle.verify_inclusion(
        bundle["log_index"], cp.size, merkle.leaf_hash(leaf), proof, cp.root
    ):
        problems.append("the inclusion proof does not verify")
    return problems
