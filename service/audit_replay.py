"""The audit replay: each log index checked on its own, the tree against every checkpoint.

The replay is fed log rows in log order, from the database or from an export, and never reads
anything itself; the same checks therefore hold online and offline.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from events import merkle
from events.leaf import LeafError, leaf_bytes, parse_leaf, parse_timestamp
from events.leaf import payload_commitment as commit
from events.note import NoteError, Verifier, add_signature_lines, parse_checkpoint, verify_note


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


@dataclass(frozen=True, slots=True, kw_only=True)
class LogRow:
    """What is stored at one log index: the event (if any), payload, salt and leaf (if any)."""

    log_index: int
    event: dict[str, Any] | None
    payload: Any
    salt: bytes | None
    erased: bool
    leaf: bytes | None
    leaf_hash: bytes | None


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
    _witnessed: list[int] = field(default_factory=list)
    _unwitnessed: list[tuple[int, str]] = field(default_factory=list)

    def _find(self, kind: str, at: int | None, event_id: object, detail: str) -> None:
        self.findings.append(
            Finding(
                kind=kind, log_index=at, event_id=str(event_id) if event_id else None, detail=detail
            )
        )

    def add(self, row: LogRow) -> None:
        """Check one log index and fold its leaf into the tree."""
        while self._tree.size < row.log_index:
            self._find("removed", self._tree.size, None, "no event and no leaf at this index")
            self._append(merkle.leaf_hash(b""))
        if row.log_index < self._tree.size:
            raise AuditError(f"log rows out of order at {row.log_index}")
        recomputed = self._check_row(row)
        stored = row.leaf if row.leaf is not None else recomputed
        self._append(merkle.leaf_hash(stored if stored is not None else b""))

    def _check_row(self, row: LogRow) -> bytes | None:
        i, e = row.log_index, row.event
        envelope: dict[str, Any] | None = None
        if row.leaf is not None:
            try:
                envelope = parse_leaf(row.leaf)
            except LeafError as exc:
                self._find("altered", i, e and e["event_id"], f"stored leaf: {exc}")
                return None
            if row.leaf_hash != merkle.leaf_hash(row.leaf):
                self._find("altered", i, envelope["event_id"], "stored leaf hash is wrong")
        if e is None:
            who = envelope["event_id"] if envelope else None
            self._find("removed", i, who, "the event is gone but its leaf remains")
            return None
        if envelope is None:
            self._find("inserted", i, e["event_id"], "the event has no leaf in the tree")
            return None
        if str(envelope["event_id"]) != str(e["event_id"]):
            self._find(
                "reordered",
                i,
                e["event_id"],
                f"this position holds it, but its leaf is for {envelope['event_id']}",
            )
            return None
        if row.erased:
            self.erased.append(i)
            commitment = str(envelope["payload_commitment"])
        elif row.salt is None:
            self._find("altered", i, e["event_id"], "the payload salt is gone without an erasure")
            return None
        else:
            try:
                commitment = commit(row.salt, row.payload)
            except LeafError as exc:
                self._find("altered", i, e["event_id"], f"payload: {exc}")
                return None
        try:
            recomputed = _leaf_of(row, commitment)
        except (LeafError, KeyError, TypeError, ValueError) as exc:
            self._find("altered", i, e["event_id"], f"envelope cannot be rebuilt: {exc}")
            return None
        if recomputed != row.leaf:
            fresh = parse_leaf(recomputed)
            changed = sorted(k for k in fresh if fresh[k] != envelope.get(k))
            what = "payload" if changed == ["payload_commitment"] else ", ".join(changed)
            self._find("altered", i, e["event_id"], f"{what} differs from the leaf")
        return recomputed

    def _append(self, h: bytes) -> None:
        self._tree.append(h)
        while (
            self._next_cp < len(self.checkpoints)
            and self.checkpoints[self._next_cp].size <= self._tree.size
        ):
            cp = self.checkpoints[self._next_cp]
            self._next_cp += 1
            if cp.size == self._tree.size:
                self._check_checkpoint(cp, self._tree.root())

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
