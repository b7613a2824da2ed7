"""Audit proofs over GraphQL: checkpoints with cosignatures, inclusion and consistency proofs,
and each event's finality (sequenced → checkpointed → witnessed by every witness)."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from enum import Enum

import strawberry
from strawberry.types import Info

from events.log import transparency
from schema.access import can_read_history, reads_as_member
from schema.context import Context
from schema.errors import ClientError


@strawberry.enum(description="How final an event is.")
class Finality(Enum):
    SEQUENCED = "SEQUENCED"
    CHECKPOINTED = "CHECKPOINTED"
    WITNESSED = "WITNESSED"


@strawberry.type(description="A witness's cosignature on a checkpoint.")
class Cosignature:
    witness: str
    line: str
    received_at: dt.datetime


@strawberry.type(description="A signed checkpoint (C2SP signed note) of the Merkle tree.")
class Checkpoint:
    size: int
    root_hash: str = strawberry.field(description="Base64 RFC 9162 root hash.")
    note: str = strawberry.field(description="The log-signed note with every cosignature line.")
    signed_at: dt.datetime
    cosignatures: list[Cosignature]


@strawberry.type(description="Proof that an event's leaf is in the tree of a checkpoint.")
class InclusionProof:
    event_id: strawberry.ID
    log_index: int
    tree_size: int
    leaf: str = strawberry.field(description="Base64 RFC 8785 leaf bytes.")
    leaf_hash: str
    hashes: list[str] = strawberry.field(description="Base64 audit path, leaf to root.")
    checkpoint: Checkpoint
    finality: Finality


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _checkpoint(stored: transparency.StoredCheckpoint) -> Checkpoint:
    return Checkpoint(
        size=stored.size,
        root_hash=_b64(stored.root),
        note=stored.cosigned_note,
        signed_at=stored.signed_at,
        cosignatures=[
            Cosignature(witness=c.witness, line=c.line, received_at=c.received_at)
            for c in stored.cosignatures
        ],
    )


def _signed_in(ctx: Context) -> None:
    # A token whose roles map to nothing reads what anonymous callers read.
    if not reads_as_member(ctx):
        raise ClientError("sign in to read proofs")


@strawberry.type
class ProofQuery:
    @strawberry.field(description="The newest signed checkpoint with its cosignatures.")
    async def latest_checkpoint(self, info: Info[Context, None]) -> Checkpoint | None:
        _signed_in(info.context)
        stored = await info.context.reader.audit(transparency.latest_checkpoint)
        return None if stored is None else _checkpoint(stored)

    @strawberry.field(
        description=(
            "The log's note verifier key (C2SP: name+key id+base64 Ed25519 key) its checkpoints"
            " are signed with, to check proofs against; compare its key id with the one you"
            " trust. Null where the server has none."
        )
    )
    def log_verifier_key(self, info: Info[Context, None]) -> str | None:
        _signed_in(info.context)
        return info.context.reader.log_verifier_key()

    @strawberry.field(description="Proof that an event is in the latest checkpoint's tree.")
    async def inclusion_proof(
        self, info: Info[Context, None], event_id: strawberry.ID
    ) -> InclusionProof | None:
        ctx = info.context
        _signed_in(ctx)
        try:
            wanted = uuid.UUID(str(event_id))
        except ValueError:
            raise ClientError("eventId is not a UUID") from None
        located = await ctx.reader.locate_event(wanted)
        if located is None:
            return None
        stream_id, log_index = located
        if not await can_read_history(ctx, stream_id):
            return None
        stored = await ctx.reader.audit(transparency.latest_checkpoint)
        if stored is None or log_index >= stored.size:
            return None
        leaf = await ctx.reader.audit(lambda c: transparency.leaf(c, log_index))
        hashes = await ctx.reader.audit(
            lambda c: transparency.inclusion_proof(c, log_index, stored.size)
        )
        final = await ctx.reader.audit(
            lambda c: transparency.finality(c, log_index, ctx.reader.witnesses)
        )
        assert leaf is not None and final is not None
        return InclusionProof(
            event_id=event_id,
            log_index=log_index,
            tree_size=stored.size,
            leaf=_b64(leaf.leaf),
            leaf_hash=_b64(leaf.leaf_hash),
            hashes=[_b64(h) for h in hashes],
            checkpoint=_checkpoint(stored),
            finality=Finality(final.value),
        )

    @strawberry.field(description="Consistency proof between two tree sizes (base64 hashes).")
    async def consistency_proof(
        self, info: Info[Context, None], from_size: int, to_size: int
    ) -> list[str]:
        _signed_in(info.context)
        if not 0 < from_size <= to_size:
            raise ClientError("need 0 < fromSize <= toSize")
        try:
            hashes = await info.context.reader.audit(
                lambda c: transparency.consistency_proof(c, from_size, to_size)
            )
        except transparency.AuditLogError as exc:
            raise ClientError(str(exc)) from None
        return [_b64(h) for h in hashes]
