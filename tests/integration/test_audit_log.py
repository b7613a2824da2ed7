"""The transparency log in PostgreSQL: tree integration, proofs, checkpoints, witnesses."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest

from events.log import store, transparency
from events.log.sequencer import Sequencer, load_state, sequence_batch
from events.log.store import NO_STREAM, NewEvent
from events.log.transparency import Finality, integrate_batch
from events.proof import merkle
from events.proof.leaf import LeafError, payload_commitment
from events.proof.note import (
    CosignatureSigner,
    Signer,
    format_checkpoint,
    generate_skey,
    sign_note,
    verify_note,
)
from service import database
from service.audit.checkpointer import run_checkpointer
from service.audit.keys import load_signer, vkey_path_for
from service.audit.witness import Witness, read_state, run_witness, witness_once
from tests.conftest import Database

ORIGIN = "samverkan.test/log/v1"
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
META = {"actor": {"issuer": "test", "subject": "s1"}, "organisation_id": "polisen"}


@dataclass(slots=True)
class World:
    """A database with a log, the log key and two witnesses with their own state."""

    db: Database
    conn: asyncpg.Connection
    signer: Signer
    witnesses: list[Witness]
    ids: list[uuid.UUID] = field(default_factory=list)

    @property
    def witness_vkeys(self) -> list[str]:
        return [w.signer.vkey for w in self.witnesses]

    @property
    def witness_names(self) -> list[str]:
        return [w.signer.name for w in self.witnesses]

    async def append(self, n: int, batch_size: int = 5) -> list[uuid.UUID]:
        ids: list[uuid.UUID] = []
        for k in range(n):
            event = NewEvent(
                event_id=uuid.uuid4(),
                type="Noted",
                data={"n": k, "text": f"note {k}"},
                occurred_at=NOW,
            )
            result = await store.append(
                self.conn, f"s-{uuid.uuid4()}", NO_STREAM, [event], command_id=None, metadata=META
            )
            ids.extend(result.event_ids)
        state = await load_state(self.conn)
        while await sequence_batch(self.conn, state, batch_size, integrate_batch):
            pass
        return ids

    async def checkpoint_and_witness(self) -> transparency.StoredCheckpoint:
        written = await transparency.write_checkpoint(self.conn, self.signer, ORIGIN)
        assert written is not None
        for w in self.witnesses:
            outcomes = await witness_once(self.conn, w)
            assert all(o.refused is None for o in outcomes), outcomes
        latest = await transparency.latest_checkpoint(self.conn)
        assert latest is not None
        return latest


async def make_world(db: Database, tmp: Path) -> World:
    conn = await database.connect(db.app_url)
    signer = Signer.from_skey(generate_skey(ORIGIN))
    witnesses = [
        Witness(
            signer=CosignatureSigner.from_skey(generate_skey(name)),
            log_verifier=signer.verifier,
            state_dir=tmp / name,
        )
        for name in ("polisen", "kommun")
    ]
    return World(db=db, conn=conn, signer=signer, witnesses=witnesses)


async def stored_leaf_hashes(conn: asyncpg.Connection) -> list[bytes]:
    rows = await conn.fetch("SELECT leaf FROM leaves ORDER BY log_index")
    return [merkle.leaf_hash(bytes(r[0])) for r in rows]


@pytest.fixture
async def world(fresh_db: Database, tmp_path: Path) -> AsyncIterator[World]:
    w = await make_world(fresh_db, tmp_path)
    yield w
    await w.conn.close()


async def test_the_stored_root_equals_the_root_recomputed_from_the_leaves(world: World) -> None:
    await world.append(37, batch_size=6)
    assert await transparency.tree_size(world.conn) == 37
    hashes = await stored_leaf_hashes(world.conn)
    tree = merkle.CompactRange()
    for size, h in enumerate(hashes, start=1):
        tree.append(h)
        assert await transparency.root(world.conn, size) == tree.root()
    assert await transparency.root(world.conn, 0) == merkle.EMPTY_ROOT
    with pytest.raises(transparency.AuditLogError):
        await transparency.root(world.conn, 38)


async def test_each_leaf_is_the_canonical_envelope_of_its_event(world: World) -> None:
    [event_id] = await world.append(1)
    stored = await transparency.leaf(world.conn, 0)
    assert stored is not None
    envelope = json.loads(stored.leaf)
    assert envelope["event_id"] == str(event_id)
    assert envelope["metadata"] == META
    assert "note 0" not in stored.leaf.decode(), "the payload must enter only as a commitment"
    assert stored.leaf_hash == merkle.leaf_hash(stored.leaf)


async def test_each_stored_salt_opens_the_commitment_in_its_own_leaf(world: World) -> None:
    await world.append(9, batch_size=4)
    rows = await world.conn.fetch(
        "SELECT f.leaf, s.salt, p.data FROM leaves f JOIN payload_salts s USING (log_index) "
        "JOIN event_payloads p USING (log_index) ORDER BY log_index"
    )
    assert len(rows) == 9
    for r in rows:
        envelope = json.loads(r["leaf"])
        assert envelope["payload_commitment"] == payload_commitment(bytes(r["salt"]), r["data"])
    assert len({bytes(r["salt"]) for r in rows}) == 9


async def test_an_event_that_cannot_form_a_leaf_stops_its_batch_and_nothing_of_it_commits(
    world: World,
) -> None:
    await world.append(3)
    root = await transparency.root(world.conn, 3)
    # JCS refuses integers beyond 2**53; jsonb and the store take them.
    event = NewEvent(event_id=uuid.uuid4(), type="Noted", data={"n": 2**60}, occurred_at=NOW)
    await store.append(world.conn, "s-big", NO_STREAM, [event], command_id=None, metadata=META)
    state = await load_state(world.conn)
    with pytest.raises(LeafError):
        await sequence_batch(world.conn, state, 10, integrate_batch)
    assert await store.log_size(world.conn) == 3
    assert await transparency.tree_size(world.conn) == 3
    assert await world.conn.fetchval("SELECT count(*) FROM payload_salts") == 3
    assert await world.conn.fetchval("SELECT max(idx) FROM merkle_nodes WHERE level = 0") == 2
    assert await transparency.root(world.conn, 3) == root


async def test_inclusion_and_consistency_proofs_from_the_database_verify(world: World) -> None:
    await world.append(21, batch_size=4)
    roots = {s: await transparency.root(world.conn, s) for s in range(22)}
    hashes = await stored_leaf_hashes(world.conn)
    for size in (1, 2, 7, 8, 13, 21):
        for index in range(size):
            proof = await transparency.inclusion_proof(world.conn, index, size)
            assert merkle.verify_inclusion(index, size, hashes[index], proof, roots[size])
    for size1 in range(0, 22, 3):
        for size2 in range(size1, 22, 4):
            proof = await transparency.consistency_proof(world.conn, size1, size2)
            assert merkle.verify_consistency(size1, size2, proof, roots[size1], roots[size2])


async def test_an_event_goes_from_sequenced_to_checkpointed_to_witnessed(world: World) -> None:
    await world.append(3)
    names = world.witness_names
    assert await transparency.finality(world.conn, 2, names) is Finality.SEQUENCED
    assert await transparency.finality(world.conn, 3, names) is None

    written = await transparency.write_checkpoint(world.conn, world.signer, ORIGIN)
    assert written is not None and written.size == 3
    assert await transparency.write_checkpoint(world.conn, world.signer, ORIGIN) is None
    assert await transparency.finality(world.conn, 2, names) is Finality.CHECKPOINTED

    await witness_once(world.conn, world.witnesses[0])
    assert await transparency.finality(world.conn, 2, names) is Finality.CHECKPOINTED
    await witness_once(world.conn, world.witnesses[1])
    assert await transparency.finality(world.conn, 2, names) is Finality.WITNESSED

    latest = await transparency.latest_checkpoint(world.conn)
    assert latest is not None
    verifiers = [world.signer.verifier, *(w.signer.verifier for w in world.witnesses)]
    _, verified = verify_note(latest.cosigned_note, verifiers)
    assert set(verified) == {ORIGIN, *names}

    await world.append(2)
    assert await transparency.finality(world.conn, 4, names) is Finality.SEQUENCED
    await world.checkpoint_and_witness()
    assert read_state(world.witnesses[0].state_dir).size == 5
    assert await transparency.finality(world.conn, 4, names) is Finality.WITNESSED


async def test_a_witness_refuses_an_inconsistent_checkpoint_and_keeps_evidence(
    world: World,
) -> None:
    await world.append(4)
    await world.checkpoint_and_witness()
    await world.append(3)
    # A checkpoint validly signed by the log key over a root this history never had.
    forged_root = bytes(32)
    note = sign_note(format_checkpoint(ORIGIN, 7, forged_root), [world.signer])
    admin = await asyncpg.connect(world.db.admin_url)
    try:
        await admin.execute(
            "INSERT INTO checkpoints (size, root, note) VALUES ($1, $2, $3)", 7, forged_root, note
        )
    finally:
        await admin.close()

    police = world.witnesses[0]
    [outcome] = await witness_once(world.conn, police)
    assert outcome.refused is not None and "not consistent" in outcome.refused
    assert outcome.evidence is not None and outcome.evidence.exists()
    evidence = json.loads(outcome.evidence.read_text())
    assert evidence["checkpoint_note"] == note and evidence["witness_state"]["size"] == 4
    assert read_state(police.state_dir).size == 4, "a refused checkpoint must not move the state"
    assert await world.conn.fetchval("SELECT count(*) FROM cosignatures WHERE size = 7") == 0
    [again] = await witness_once(world.conn, police)
    assert again.refused == outcome.refused and again.evidence is None


async def test_the_real_sequencer_integrates_the_tree_in_each_batch(world: World) -> None:
    for k in range(25):
        event = NewEvent(event_id=uuid.uuid4(), type="Noted", data={"n": k}, occurred_at=NOW)
        await store.append(world.conn, f"s-{k}", NO_STREAM, [event], command_id=None, metadata=META)
    seq = Sequencer(
        connect=lambda: database.connect(world.db.app_url), batch_size=7, on_batch=integrate_batch
    )
    stop = asyncio.Event()
    task = asyncio.create_task(seq.run(stop))
    try:
        async with asyncio.timeout(10):
            while await transparency.tree_size(world.conn) < 25:
                await asyncio.sleep(0.02)
    finally:
        stop.set()
        await task
    assert await store.log_size(world.conn) == 25
    tree = merkle.CompactRange()
    for h in await stored_leaf_hashes(world.conn):
        tree.append(h)
    assert await transparency.root(world.conn, 25) == tree.root()


async def test_a_log_sequenced_before_the_tree_existed_is_brought_up_to_date(
    world: World,
) -> None:
    for k in range(9):
        event = NewEvent(event_id=uuid.uuid4(), type="Noted", data={"n": k}, occurred_at=NOW)
        await store.append(world.conn, f"s-{k}", NO_STREAM, [event], command_id=None, metadata=META)
    state = await load_state(world.conn)
    await sequence_batch(world.conn, state, 100)
    assert await transparency.tree_size(world.conn) == 0
    assert await transparency.integrate_backlog(world.conn, batch_size=4) == 9
    assert await transparency.tree_size(world.conn) == 9
    assert len(await stored_leaf_hashes(world.conn)) == 9


async def test_the_checkpointer_and_a_witness_process_run_until_stopped(
    world: World, tmp_path: Path
) -> None:
    await world.append(5)
    key = tmp_path / "log.key"
    signer = load_signer(key, ORIGIN, create=True)
    assert vkey_path_for(key).read_text().strip() == signer.vkey
    assert load_signer(key, ORIGIN).vkey == signer.vkey
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(
            run_checkpointer(
                lambda: database.connect(world.db.app_url), signer, ORIGIN, stop, interval=0.05
            )
        ),
        asyncio.create_task(
            run_witness(
                world.db.app_url,
                "polisen",
                tmp_path / "polisen.key",
                tmp_path / "polisen-state",
                signer.vkey,
                stop,
                interval=0.05,
            )
        ),
    ]
    try:
        async with asyncio.timeout(10):
            while not await world.conn.fetchval("SELECT count(*) FROM cosignatures"):
                await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    assert await world.conn.fetchval("SELECT witness FROM cosignatures") == "polisen"
    assert read_state(tmp_path / "polisen-state").size == 5
