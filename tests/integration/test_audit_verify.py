"""Audit verify: tamper drills as the superuser, erasure, forged history, export and proofs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from events.log import transparency
from events.proof import merkle
from events.proof.leaf import canonical_json, payload_commitment
from service.admin.erasure import record_erasure
from service.audit import verify as audit
from service.audit.witness import witness_once
from tests.conftest import Database
from tests.integration.test_audit_log import ORIGIN, World, make_world


@pytest.fixture
async def world(fresh_db: Database, tmp_path: Path) -> AsyncIterator[World]:
    """Twelve events under two checkpoints (8 and 12), both cosigned by both witnesses."""
    w = await make_world(fresh_db, tmp_path)
    w.ids = await w.append(8)
    await w.checkpoint_and_witness()
    w.ids += await w.append(4)
    await w.checkpoint_and_witness()
    yield w
    await w.conn.close()


async def tamper(world: World, *statements: tuple[object, ...]) -> None:
    """Run statements as the superuser with triggers and foreign keys switched off."""
    admin = await asyncpg.connect(world.db.admin_url)
    try:
        await admin.execute("SET session_replication_role = replica")
        for sql, *args in statements:
            await admin.execute(str(sql), *args)
    finally:
        await admin.close()


async def verify(world: World) -> audit.VerifyReport:
    return await audit.verify_database(world.db.app_url, world.signer.vkey, world.witness_vkeys)


def event_pk_at(index: int) -> str:
    return f"(SELECT event_pk FROM log WHERE log_index = {index})"


async def test_an_untouched_log_verifies(world: World) -> None:
    report = await verify(world)
    assert report.ok, report.findings
    assert (report.size, report.checkpoints, report.witnessed_size) == (12, 2, 12)


async def test_a_changed_payload_is_named_as_altered(world: World) -> None:
    await tamper(
        world, (f"UPDATE payloads SET data = '{{\"n\": 99}}' WHERE event_pk = {event_pk_at(5)}",)
    )
    report = await verify(world)
    assert not report.ok
    bad = report.first_bad
    assert bad is not None and (bad.kind, bad.log_index) == ("altered", 5)
    assert bad.event_id == str(world.ids[5])
    assert "payload" in bad.detail


async def test_a_deleted_event_is_named_as_removed(world: World) -> None:
    pk = await world.conn.fetchval("SELECT event_pk FROM log WHERE log_index = 4")
    await tamper(
        world,
        ("DELETE FROM log WHERE log_index = 4",),
        ("DELETE FROM events WHERE id = $1", pk),
    )
    bad = (await verify(world)).first_bad
    assert bad is not None and (bad.kind, bad.log_index) == ("removed", 4)
    assert bad.event_id == str(world.ids[4])


async def test_two_swapped_events_are_named_as_reordered(world: World) -> None:
    a = await world.conn.fetchval("SELECT event_pk FROM log WHERE log_index = 3")
    b = await world.conn.fetchval("SELECT event_pk FROM log WHERE log_index = 6")
    await tamper(
        world,
        ("UPDATE log SET event_pk = -1 WHERE log_index = 3",),
        ("UPDATE log SET event_pk = $1 WHERE log_index = 6", a),
        ("UPDATE log SET event_pk = $1 WHERE log_index = 3", b),
    )
    report = await verify(world)
    bad = report.first_bad
    assert bad is not None and (bad.kind, bad.log_index) == ("reordered", 3)
    assert [f.log_index for f in report.findings if f.kind == "reordered"] == [3, 6]


async def test_a_forged_event_is_named_as_inserted(world: World) -> None:
    await tamper(
        world,
        (
            """INSERT INTO events (event_id, stream_id, stream_version, type, metadata,
                                   occurred_at)
               VALUES (gen_random_uuid(), 'forged', 1, 'Noted', '{}', now())""",
        ),
        (
            "INSERT INTO payloads (event_pk, data) "
            "SELECT id, '{}' FROM events WHERE stream_id = 'forged'",
        ),
        (
            "INSERT INTO log (log_index, event_pk) "
            "SELECT 12, id FROM events WHERE stream_id = 'forged'",
        ),
    )
    bad = (await verify(world)).first_bad
    assert bad is not None and (bad.kind, bad.log_index) == ("inserted", 12)


async def test_a_deleted_last_event_is_caught_by_its_checkpoint(world: World) -> None:
    await tamper(
        world,
        ("DELETE FROM leaves WHERE log_index = 11",),
        ("DELETE FROM log WHERE log_index = 11",),
    )
    report = await verify(world)
    assert not report.ok
    assert any("beyond the end of the log" in f.detail for f in report.findings)


async def test_salts_cannot_be_deleted_without_an_erasure(world: World) -> None:
    admin = await asyncpg.connect(world.db.admin_url)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await admin.execute("DELETE FROM payload_salts WHERE log_index = 1")
    finally:
        await admin.close()
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await world.conn.execute("DELETE FROM leaves WHERE log_index = 1")


async def test_a_history_re_signed_with_the_log_key_but_not_witnessed_is_detected(
    world: World,
) -> None:
    # The operator rewrites event 5 consistently: payload, leaf, every node, new checkpoints.
    row = await world.conn.fetchrow(
        "SELECT s.salt, f.leaf FROM payload_salts s JOIN leaves f USING (log_index) "
        "WHERE log_index = 5"
    )
    forged_payload = {"n": 99}
    envelope = json.loads(row["leaf"])
    envelope["payload_commitment"] = payload_commitment(bytes(row["salt"]), forged_payload)
    forged_leaf = canonical_json(envelope)
    await tamper(
        world,
        (f"UPDATE payloads SET data = '{{\"n\": 99}}' WHERE event_pk = {event_pk_at(5)}",),
        (
            "UPDATE leaves SET leaf = $1, leaf_hash = $2 WHERE log_index = 5",
            forged_leaf,
            merkle.leaf_hash(forged_leaf),
        ),
        ("DELETE FROM merkle_nodes",),
        ("DELETE FROM cosignatures",),
        ("DELETE FROM checkpoints",),
    )
    hashes = [
        merkle.leaf_hash(bytes(r[0]))
        for r in await world.conn.fetch("SELECT leaf FROM leaves ORDER BY log_index")
    ]
    rows = merkle.append_leaves(0, hashes, {})
    await tamper(
        world,
        (
            transparency.INSERT_NODES,
            [r[0] for r in rows],
            [r[1] for r in rows],
            [r[2] for r in rows],
        ),
    )
    assert await transparency.write_checkpoint(world.conn, world.signer, ORIGIN) is not None

    report = await verify(world)
    assert not report.ok
    assert {f.kind for f in report.findings} == {"witness"}
    assert report.witnessed_size == 0
    # The witnesses, holding the real size-12 root, refuse to cosign the forgery.
    for w in world.witnesses:
        [outcome] = await witness_once(world.conn, w)
        assert outcome.refused is not None and outcome.evidence is not None


async def test_a_pending_checkpoint_is_excused_only_when_asked(world: World) -> None:
    await world.append(2)
    await transparency.write_checkpoint(world.conn, world.signer, ORIGIN)
    assert not (await verify(world)).ok
    report = await audit.verify_database(
        world.db.app_url, world.signer.vkey, world.witness_vkeys, allow_pending=True
    )
    assert report.ok and report.pending == (14,) and report.witnessed_size == 12


async def test_an_export_verifies_offline_and_names_a_change_made_to_it(
    world: World, tmp_path: Path
) -> None:
    await record_erasure(world.conn, world.ids[1], "retention", "anna", "bertil", {"n": None})
    path = tmp_path / "log.jsonl"
    assert await audit.export(world.db.app_url, path) == 12
    report = audit.verify_export(path, world.signer.vkey, world.witness_vkeys)
    assert report.ok, report.findings
    assert report.erased == (1,) and report.witnessed_size == 12

    lines = path.read_text().splitlines()
    entry = json.loads(lines[-5])
    assert entry["entry"]["log_index"] == 7
    entry["entry"]["payload"]["n"] = 1000
    lines[-5] = json.dumps(entry)
    path.write_text("\n".join(lines) + "\n")
    bad = audit.verify_export(path, world.signer.vkey, world.witness_vkeys).first_bad
    assert bad is not None and (bad.kind, bad.log_index) == ("altered", 7)


async def test_worker_processes_report_exactly_what_one_process_reports(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await record_erasure(world.conn, world.ids[1], "retention", "anna", "bertil", {"n": None})
    path = tmp_path / "log.jsonl"
    await audit.export(world.db.app_url, path)
    monkeypatch.setattr(audit, "CHUNK_BYTES", 1500)  # a few entries per chunk
    assert len(audit._chunks(path, 0, path.stat().st_size)) >= 4

    def both() -> tuple[audit.VerifyReport, audit.VerifyReport]:
        one = audit.verify_export(path, world.signer.vkey, world.witness_vkeys, workers=1)
        two = audit.verify_export(path, world.signer.vkey, world.witness_vkeys, workers=2)
        return one, two

    one, two = both()
    assert one.ok and one == two and two.erased == (1,)

    lines = path.read_text().splitlines()  # header, 2 checkpoints, entries 0..11
    entry = json.loads(lines[3 + 7])
    entry["entry"]["payload"]["n"] = 1000
    lines[3 + 7] = json.dumps(entry)
    del lines[3 + 3]
    path.write_text("\n".join(lines) + "\n")
    one, two = both()
    assert one == two
    assert [(f.kind, f.log_index) for f in two.findings if f.log_index is not None] == [
        ("removed", 3),
        ("altered", 7),
    ]
    assert two.first_bad is not None and two.first_bad.log_index == 3
    assert two.erased == (1,)


@pytest.mark.parametrize("workers", [1, 2])
async def test_a_malformed_export_line_is_an_audit_error_naming_the_line(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    path = tmp_path / "log.jsonl"
    await audit.export(world.db.app_url, path)
    monkeypatch.setattr(audit, "CHUNK_BYTES", 1500)
    lines = path.read_text().splitlines()
    for bad, why in [("{not json", "not a log entry"), ('{"entry": {}}', "log_index")]:
        broken = [*lines[:12], bad, *lines[13:]]
        path.write_text("\n".join(broken) + "\n")
        with pytest.raises(audit.AuditError, match=f"line 13: .*{why}"):
            audit.verify_export(path, world.signer.vkey, world.witness_vkeys, workers=workers)
    path.write_text("\n".join([*lines[3:], *lines[:3]]) + "\n")
    with pytest.raises(audit.AuditError, match="not a samverkan-audit-export"):
        audit.verify_export(path, world.signer.vkey, world.witness_vkeys, workers=workers)
    path.write_text("\n".join([*lines[:4], lines[1], *lines[4:]]) + "\n")
    with pytest.raises(audit.AuditError, match=r"line 5: .*checkpoints must come before"):
        audit.verify_export(path, world.signer.vkey, world.witness_vkeys, workers=workers)


async def test_an_inclusion_proof_can_be_checked_by_a_third_party(world: World) -> None:
    bundle = await audit.prove(world.db.app_url, world.ids[9])
    bundle = json.loads(json.dumps(bundle))
    assert bundle["log_index"] == 9 and bundle["tree_size"] == 12
    assert audit.check_proof(bundle, world.signer.vkey, world.witness_vkeys) == []
    bundle["log_index"] = 8
    assert audit.check_proof(bundle, world.signer.vkey, world.witness_vkeys)
