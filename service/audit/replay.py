"""The audit replay: each log index checked on its own, the tree against every checkpoint.

The replay is fed log rows in log order, from the database or from an export, and never reads
anything itself; the same checks therefore hold online and offline.

A row is first checked the short way: its stored leaf must hash to its stored leaf hash and
equal, byte for byte, the leaf rebuilt from its event, payload and salt. Then the full check
would report nothing, so only a row that fails the short way takes the full check, which
names what differs. `check_row` needs nothing but the row, so it can run in other processes.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson

from events.proof import merkle
from events.proof.leaf import (
    LeafError,
    leaf_bytes,
    parse_leaf,
    parse_timestamp,
    record_leaf_bytes,
)
from events.proof.leaf import payload_commitment as commit
from events.proof.note import (
    NoteError,
    Verifier,
    add_signature_lines,
    parse_checkpoint,
    verify_note,
)


class AuditError(RuntimeError):
    """An audit operation that cannot be done (unknown event, nothing checkpointed, …)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One difference: kind is altered, removed, inserted, reordered, checkpoint or witness."""

    kind: str
    log_index: int | None
    event_id: str | None
    detail: str

    def __str__(self) -> str:
        where = f"log index {self.log_index}" if self.log_index is not None else "log"
        who = f" (event {self.event_id})" if self.event_id else ""
        return f"{self.kind}: {where}{who}: {self.detail}"


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyReport:
    """The outcome of a full replay."""

    size: int
    checkpoints: int
    witnessed_size: int
    erased: tuple[int, ...]
    findings: tuple[Finding, ...]
    pending: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing differs."""
        return not self.findings

    @property
    def first_bad(self) -> Finding | None:
        """The finding at the lowest log index, else the first checkpoint finding."""
        at = [f for f in self.findings if f.log_index is not None]
        if at:
            return min(at, key=lambda f: f.log_index or 0)
        return self.findings[0] if self.findings else None


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckpointRow:
    """A stored checkpoint and its cosignature lines."""

    size: int
    root: bytes
    note: str
    lines: tuple[str, ...]


class LogRow(NamedTuple):
    """What is stored at one log index: the event (if any), payload, salt and leaf (if any)."""

    log_index: int
    event: dict[str, Any] | None
    payload: Any
    salt: bytes | None
    erased: bool
    leaf: bytes | None
    leaf_hash: bytes | None


class CheckedRow(NamedTuple):
    """One log index checked on its own: the hash the tree takes there, findings, erasure."""

    log_index: int
    tree_leaf_hash: bytes
    findings: tuple[Finding, ...] = ()
    erased: bool = False


_sha256 = hashlib.sha256


def check_row(row: LogRow) -> CheckedRow:
    """Check one log index against itself; the tree and the checkpoints are the replay's."""
    h = untouched_leaf_hash(row)
    if h is not None:
        return CheckedRow(row.log_index, h, (), row.erased)
    findings: list[Finding] = []
    recomputed, erased = _check_in_full(row, findings)
    stored = row.leaf if row.leaf is not None else recomputed
    h = merkle.leaf_hash(stored if stored is not None else b"")
    return CheckedRow(row.log_index, h, tuple(findings), erased)


def untouched_leaf_hash(row: LogRow) -> bytes | None:
    """The leaf hash when the row is exactly as sequenced, else None (`check_row` it in full).

    The stored leaf must hash to the stored leaf hash and equal, byte for byte, the leaf
    rebuilt from the event (its fields in leaf form), payload and salt. The rebuilt leaf is
    canonical, so the full check would then parse the same envelope, find the same event id
    and the same commitment, and report nothing.
    """
    leaf, e = row.leaf, row.event
    if leaf is None or e is None:
        return None
    h = _sha256(b"\x00" + leaf).digest()
    if h != row.leaf_hash:
        return None
    try:
        if row.erased:
            commitment = orjson.loads(leaf)["payload_commitment"]
        elif row.salt is None:
            return None
        else:
            commitment = commit(row.salt, row.payload)
        if record_leaf_bytes(row.log_index, e, commitment) != leaf:
            return None
    except (LeafError, KeyError, TypeError, ValueError):
        return None
    return h


def _leaf_of(row: LogRow, commitment: str) -> bytes:
    e = row.event
    assert e is not None
    return leaf_bytes(
        log_index=row.log_index,
        event_id=uuid.UUID(str(e["event_id"])),
        stream_id=e["stream_id"],
        stream_version=e["stream_version"],
        type=e["type"],
        schema_version=e["schema_version"],
        occurred_at=parse_timestamp(e["occurred_at"]),
        recorded_at=parse_timestamp(e["recorded_at"]),
        metadata=e["metadata"],
        payload_commitment=commitment,
    )


def _check_in_full(row: LogRow, findings: list[Finding]) -> tuple[bytes | None, bool]:
    """The leaf rebuilt from the row (None when it cannot be) and whether it is erased."""
    i, e = row.log_index, row.event

    def find(kind: str, event_id: object, detail: str) -> None:
        findings.append(_finding(kind, i, event_id, detail))

    envelope: dict[str, Any] | None = None
    if row.leaf is not None:
        try:
            envelope = parse_leaf(row.leaf)
        except LeafError as exc:
            find("altered", e and e["event_id"], f"stored leaf: {exc}")
            return None, False
        if row.leaf_hash != merkle.leaf_hash(row.leaf):
            find("altered", envelope["event_id"], "stored leaf hash is wrong")
    if e is None:
        who = envelope["event_id"] if envelope else None
        find("removed", who, "the event is gone but its leaf remains")
        return None, False
    if envelope is None:
        find("inserted", e["event_id"], "the event has no leaf in the tree")
        return None, False
    if str(envelope["event_id"]) != str(e["event_id"]):
        find(
            "reordered",
            e["event_id"],
            f"this position holds it, but its leaf is for {envelope['event_id']}",
        )
        return None, False
    if row.erased:
        commitment = str(envelope["payload_commitment"])
    elif row.salt is None:
        find("altered", e["event_id"], "the payload salt is gone without an erasure")
        return None, False
    else:
        try:
            commitment = commit(row.salt, row.payload)
        except LeafError as exc:
            find("altered", e["event_id"], f"payload: {exc}")
            return None, False
    try:
        recomputed = _leaf_of(row, commitment)
    except (LeafError, KeyError, TypeError, ValueError) as exc:
        find("altered", e["event_id"], f"envelope cannot be rebuilt: {exc}")
        return None, row.erased
    if recomputed != row.leaf:
        fresh = parse_leaf(recomputed)
        changed = sorted(k for k in fresh if fresh[k] != envelope.get(k))
        what = "payload" if changed == ["payload_commitment"] else ", ".join(changed)
        find("altered", e["event_id"], f"{what} differs from the leaf")
    return recomputed, row.erased


def _finding(kind: str, at: int | None, event_id: object, detail: str) -> Finding:
    return Finding(
        kind=kind, log_index=at, event_id=str(event_id) if event_id else None, detail=detail
    )


@dataclass(slots=True)
class Replay:
    """Checks log rows fed in log order against each other and against the checkpoints."""

    checkpoints: Sequence[CheckpointRow]
    log_verifier: Verifier
    witnesses: Sequence[Verifier]
    allow_pending: bool = False
    findings: list[Finding] = field(default_factory=list)
    erased: list[int] = field(default_factory=list)
    _tree: merkle.CompactRange = field(default_factory=merkle.CompactRange)
    _next_cp: int = 0
    _next_size: float = 0  # size of the next checkpoint to reach, inf when none is left
    _witnessed: list[int] = field(default_factory=list)
    _unwitnessed: list[tuple[int, str]] = field(default_factory=list)

    def _find(self, kind: str, at: int | None, event_id: object, detail: str) -> None:
        self.findings.append(_finding(kind, at, event_id, detail))

    def add(self, row: LogRow) -> None:
        """Check one log index and fold its leaf into the tree."""
        self._position(row.log_index)
        self.add_checked(check_row(row))

    def add_checked(self, checked: CheckedRow) -> None:
        """Fold in a log index already checked with `check_row` (perhaps in another process)."""
        self._position(checked.log_index)
        if checked.findings:
            self.findings.extend(checked.findings)
        if checked.erased:
            self.erased.append(checked.log_index)
        self._append(checked.tree_leaf_hash)

    def add_hash(self, log_index: int, tree_leaf_hash: bytes) -> None:
        """`add_checked` of a log index that `check_row` found nothing wrong with."""
        if log_index != self._tree.size:
            self._position(log_index)
        self._append(tree_leaf_hash)

    def _position(self, log_index: int) -> None:
        """Fill any gap before `log_index` as removed; refuse an index already passed."""
        if log_index == self._tree.size:
            return
        while self._tree.size < log_index:
            self._find("removed", self._tree.size, None, "no event and no leaf at this index")
            self._append(merkle.leaf_hash(b""))
        if log_index < self._tree.size:
            raise AuditError(f"log rows out of order at {log_index}")

    def _append(self, h: bytes) -> None:
        self._tree.append(h)
        if self._tree.size >= self._next_size:
            size = self._tree.size
            while (
                self._next_cp < len(self.checkpoints)
                and self.checkpoints[self._next_cp].size <= size
            ):
                cp = self.checkpoints[self._next_cp]
                self._next_cp += 1
                if cp.size == size:
                    self._check_checkpoint(cp, self._tree.root())
            self._next_size = (
                self.checkpoints[self._next_cp].size
                if self._next_cp < len(self.checkpoints)
                else math.inf
            )

    def _check_checkpoint(self, cp: CheckpointRow, tree_root: bytes | None) -> None:
        note = add_signature_lines(cp.note, cp.lines)
        try:
            text, verified = verify_note(note, [self.log_verifier, *self.witnesses])
            parsed = parse_checkpoint(text)
        except NoteError as exc:
            self._find("checkpoint", None, None, f"checkpoint {cp.size}: {exc}")
            return
        if self.log_verifier.name not in verified:
            self._find("checkpoint", None, None, f"checkpoint {cp.size} lacks the log signature")
        if parsed.size != cp.size or parsed.root != cp.root:
            self._find("checkpoint", None, None, f"checkpoint {cp.size}: note and row disagree")
        if tree_root is None:
            self._find("removed", None, None, f"checkpoint {cp.size} is beyond the end of the log")
        elif tree_root != parsed.root:
            self._find(
                "checkpoint",
                None,
                None,
                f"checkpoint {cp.size}: the replayed root differs from the signed root",
            )
        missing = [w.name for w in self.witnesses if w.name not in verified]
        if missing:
            self._unwitnessed.append((cp.size, ", ".join(missing)))
        else:
            self._witnessed.append(cp.size)

    def finish(self) -> VerifyReport:
        """The report, after checking any checkpoint larger than the log."""
        for cp in self.checkpoints[self._next_cp :]:
            self._check_checkpoint(cp, None)
        witnessed = max(self._witnessed, default=0)
        pending: list[int] = []
        for size, names in self._unwitnessed:
            if self.allow_pending and size > witnessed:
                pending.append(size)
            else:
                self._find("witness", None, None, f"checkpoint {size} is not cosigned by {names}")
        return VerifyReport(
            size=self._tree.size,
            checkpoints=len(self.checkpoints),
            witnessed_size=witnessed,
            erased=tuple(self.erased),
            findings=tuple(self.findings),
            pending=tuple(pending),
        )
