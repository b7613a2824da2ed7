"""The transparency log in PostgreSQL: leaves and Merkle nodes per batch, proofs, checkpoints.

`integrate_batch` is the sequencer's batch hook: it runs inside the batch transaction, so a
log row, its leaf, its salt and the tree nodes it completes commit together or not at all.
Every other function reads what is committed; nodes never change once written, so a proof for
any size up to the stored tree size is stable whatever else commits meanwhile.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import asyncpg

from events.log.store import StoredEvent, read_log
from events.proof import leaf as leaves_
from events.proof import merkle
from events.proof.note import Signer, add_signature_lines, format_checkpoint, sign_note

Conn: TypeAlias = "asyncpg.Connection | asyncpg.Pool"


class AuditLogError(RuntimeError):
    """The stored tree cannot answer: missing nodes, a size beyond the tree, a broken border."""


class Finality(enum.Enum):
    """How final an event is: in the log, under a signed checkpoint, cosigned by all witnesses."""

    SEQUENCED = "SEQUENCED"
    CHECKPOINTED = "CHECKPOINTED"
    WITNESSED = "WITNESSED"


@dataclass(frozen=True, slots=True, kw_only=True)
class Cosignature:
    """One witness's cosignature line on a checkpoint."""

    witness: str
    line: str
    received_at: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredCheckpoint:
    """A signed checkpoint as stored, with the cosignatures collected so far."""

    size: int
    root: bytes
    note: str
    signed_at: dt.datetime
    cosignatures: tuple[Cosignature, ...] = ()

    @property
    def cosigned_note(self) -> str:
        """The log-signed note with every cosignature line appended."""
        return add_signature_lines(self.note, (c.line for c in self.cosignatures))


@dataclass(frozen=True, slots=True, kw_only=True)
class LeafRow:
    """The stored leaf of one log index."""

    log_index: int
    leaf: bytes
    leaf_hash: bytes


def leaf_for(event: StoredEvent, salt: bytes) -> bytes:
    """The leaf bytes of a sequenced event with the given payload salt."""
    if event.log_index is None:
        raise AuditLogError(f"event {event.event_id} has no log index")
    return leaves_.leaf_bytes(
        log_index=event.log_index,
        event_id=event.event_id,
        stream_id=event.stream_id,
        stream_version=event.stream_version,
        type=event.type,
        schema_version=event.schema_version,
        occurred_at=event.occurred_at,
        recorded_at=event.recorded_at,
        metadata=event.metadata,
        payload_commitment=leaves_.payload_commitment(salt, event.data),
    )


FETCH_NODES = """
SELECT n.level, n.idx, n.hash
FROM unnest($1::smallint[], $2::bigint[]) AS k (level, idx)
JOIN merkle_nodes n ON n.level = k.level AND n.idx = k.idx"""


async def fetch_nodes(conn: Conn, keys: Sequence[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
    """The stored nodes named by `keys`, in one query."""
    if not keys:
        return {}
    rows = await conn.fetch(FETCH_NODES, [k[0] for k in keys], [k[1] for k in keys])
    return {(int(r[0]), int(r[1])): bytes(r[2]) for r in rows}


async def _nodes_or_fail(conn: Conn, keys: Sequence[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
    nodes = await fetch_nodes(conn, keys)
    missing = [k for k in keys if k not in nodes]
    if missing:
        raise AuditLogError(f"merkle nodes missing: {missing[:5]}")
    return nodes


INSERT_NODES = """
INSERT INTO merkle_nodes (level, idx, hash)
SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])"""

LEAF_COLUMNS = ("log_index", "leaf", "leaf_hash")
SALT_COLUMNS = ("log_index", "salt")
NODE_COLUMNS = ("level", "idx", "hash")


async def integrate_batch(conn: asyncpg.Connection, events: Sequence[StoredEvent]) -> None:
    """Append a sequenced batch to the tree: leaves, salts and new nodes (the sequencer hook).

    The batch must start at the current tree size; the border of that size is read in one
    query and the new nodes are computed in memory. Leaves, salts and nodes then go in with
    one binary COPY per table, so a batch costs four round trips whatever its size.
    """
    if not events:
        return
    size = events[0].log_index
    if size is None:
        raise AuditLogError("integrate_batch needs sequenced events")
    indexes = range(size, size + len(events))
    salts = leaves_.new_salts(len(events))
    leaf_list: list[bytes] = []
    for i, event, salt in zip(indexes, events, salts, strict=True):
        if event.log_index != i:
            raise AuditLogError(f"batch is not contiguous at log index {event.log_index}")
        leaf_list.append(leaf_for(event, salt))
    hashes = [merkle.leaf_hash(data) for data in leaf_list]
    border = await _nodes_or_fail(conn, merkle.border_keys(size))
    rows = merkle.append_leaves(size, hashes, border)
    await conn.copy_records_to_table(
        "leaves", records=zip(indexes, leaf_list, hashes, strict=True), columns=LEAF_COLUMNS
    )
    await conn.copy_records_to_table(
        "payload_salts", records=zip(indexes, salts, strict=True), columns=SALT_COLUMNS
    )
    await conn.copy_records_to_table("merkle_nodes", records=rows, columns=NODE_COLUMNS)


TREE_SIZE = "SELECT coalesce(max(log_index) + 1, 0) FROM leaves"


async def tree_size(conn: Conn) -> int:
    """How many leaves the tree holds."""
    return int(await conn.fetchval(TREE_SIZE))


async def integrate_backlog(conn: asyncpg.Connection, batch_size: int = 2000) -> int:
    """Bring the tree up to the log for rows sequenced before the tree existed; returns count.

    Run it while no sequencer is active (e.g. once at start-up, under the sequencer's lock):
    each chunk is one transaction, as the sequencer's own batches are.
    """
    total = 0
    while True:
        async with conn.transaction():
            size = await tree_size(conn)
            events = await read_log(conn, size - 1, batch_size)
            await integrate_batch(conn, events)
        total += len(events)
        if len(events) < batch_size:
            return total


async def root(conn: Conn, size: int) -> bytes:
    """The root hash of the tree of the first `size` leaves."""
    if size == 0:
        return merkle.EMPTY_ROOT
    keys = merkle.needed_nodes_for_root(size)
    return merkle.root_from_nodes(size, await _nodes_or_fail(conn, keys))


async def inclusion_proof(conn: Conn, log_index: int, size: int) -> list[bytes]:
    """The RFC 9162 inclusion proof of leaf `log_index` in the tree of `size` leaves."""
    if not 0 <= log_index < size:
        raise AuditLogError(f"log index {log_index} is outside a tree of size {size}")
    keys = merkle.needed_nodes_for_inclusion(log_index, size)
    return merkle.inclusion_proof_from_nodes(log_index, size, await _nodes_or_fail(conn, keys))


async def consistency_proof(conn: Conn, size1: int, size2: int) -> list[bytes]:
    """The RFC 9162 consistency proof from the tree of `size1` leaves to that of `size2`."""
    if not 0 <= size1 <= size2:
        raise AuditLogError(f"no consistency proof from size {size1} to size {size2}")
    keys = merkle.needed_nodes_for_consistency(size1, size2)
    return merkle.consistency_proof_from_nodes(size1, size2, await _nodes_or_fail(conn, keys))


LEAF = "SELECT log_index, leaf, leaf_hash FROM leaves WHERE log_index = $1"


async def leaf(conn: Conn, log_index: int) -> LeafRow | None:
    """The stored leaf at `log_index`, or None."""
    row = await conn.fetchrow(LEAF, log_index)
    if row is None:
        return None
    return LeafRow(log_index=int(row[0]), leaf=bytes(row[1]), leaf_hash=bytes(row[2]))


CHECKPOINT_WITH_COSIGNATURES = """
SELECT c.size, c.root, c.note, c.signed_at,
       coalesce(array_agg(s.witness ORDER BY s.witness) FILTER (WHERE s.witness IS NOT NULL), '{}'),
       coalesce(array_agg(s.line ORDER BY s.witness) FILTER (WHERE s.witness IS NOT NULL), '{}'),
       coalesce(array_agg(s.received_at ORDER BY s.witness)
                FILTER (WHERE s.witness IS NOT NULL), '{}')
FROM (SELECT * FROM checkpoints
      WHERE $1::bigint IS NULL OR size = $1 ORDER BY size DESC LIMIT 1) c
LEFT JOIN cosignatures s ON s.size = c.size
GROUP BY c.size, c.root, c.note, c.signed_at"""


async def checkpoint(conn: Conn, size: int | None = None) -> StoredCheckpoint | None:
    """The checkpoint of `size` (default: the latest) with its cosignatures, or None."""
    row = await conn.fetchrow(CHECKPOINT_WITH_COSIGNATURES, size)
    if row is None:
        return None
    cosigs = tuple(
        Cosignature(witness=w, line=line, received_at=at)
        for w, line, at in zip(row[4], row[5], row[6], strict=True)
    )
    return StoredCheckpoint(
        size=int(row[0]), root=bytes(row[1]), note=row[2], signed_at=row[3], cosignatures=cosigs
    )


async def latest_checkpoint(conn: Conn) -> StoredCheckpoint | None:
    """The newest checkpoint with its cosignatures, or None before the first."""
    return await checkpoint(conn)


INSERT_CHECKPOINT = """
INSERT INTO checkpoints (size, root, note) VALUES ($1, $2, $3)
ON CONFLICT (size) DO NOTHING"""


async def write_checkpoint(
    conn: asyncpg.Connection, signer: Signer, origin: str
) -> StoredCheckpoint | None:
    """Sign and store a checkpoint of the current tree if it grew; None when it did not.

    Before signing, the latest checkpoint's root is recomputed from the stored nodes: a log
    must never sign two inconsistent checkpoints, so a tree that no longer matches what was
    signed is refused instead of being signed over.
    """
    size = await tree_size(conn)
    latest = await latest_checkpoint(conn)
    if size == 0 or (latest is not None and size <= latest.size):
        return None
    if latest is not None and await root(conn, latest.size) != latest.root:
        raise AuditLogError(
            f"the stored tree no longer matches checkpoint {latest.size}; refusing to sign"
        )
    tree_root = await root(conn, size)
    note = sign_note(format_checkpoint(origin, size, tree_root), [signer])
    await conn.execute(INSERT_CHECKPOINT, size, tree_root, note)
    return await checkpoint(conn, size)


INSERT_COSIGNATURE = """
INSERT INTO cosignatures (size, witness, line) VALUES ($1, $2, $3)
ON CONFLICT (size, witness) DO NOTHING"""


async def add_cosignature(conn: Conn, size: int, witness: str, line: str) -> bool:
    """Store a witness's cosignature line; False when that witness had already cosigned."""
    status = await conn.execute(INSERT_COSIGNATURE, size, witness, line)
    return bool(status == "INSERT 0 1")


FINALITY = """
SELECT EXISTS (SELECT 1 FROM leaves WHERE log_index = $1),
       EXISTS (SELECT 1 FROM checkpoints WHERE size > $1),
       ARRAY(SELECT w FROM unnest($2::text[]) AS w
             WHERE NOT EXISTS (SELECT 1 FROM cosignatures s WHERE s.witness = w AND s.size > $1))"""


async def finality(conn: Conn, log_index: int, witnesses: Sequence[str]) -> Finality | None:
    """How final the event at `log_index` is; None when it is not in the tree.

    WITNESSED means every named witness cosigned some checkpoint that contains the event: each
    witness cosigns only consistent extensions of what it cosigned before, so a later
    cosignature covers every earlier leaf.
    """
    row = await conn.fetchrow(FINALITY, log_index, list(witnesses))
    assert row is not None
    if not row[0]:
        return None
    if not row[1]:
        return Finality.SEQUENCED
    if witnesses and not row[2]:
        return Finality.WITNESSED
    return Finality.CHECKPOINTED
