"""The session store on a real PostgreSQL, as the runtime role: create, read, revoke, purge."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from events.messages import Principal
from service import database
from service.admin import backup
from service.identity.sessions import SessionStore, hash_id
from tests.conftest import Database

UB, ARJEPLOG = "org-upplands-bro", "org-arjeplog"


def person(subject: str, org: str = UB, person_id: str | None = None) -> Principal:
    return Principal(
        issuer="https://idp.example",
        subject=subject,
        organisation_id=org,
        roles=frozenset({"viewer", "editor"}),
        person_id=person_id,
    )


@pytest.fixture
async def store(pool: asyncpg.Pool) -> SessionStore:
    return SessionStore(lambda: pool, max_age_s=3600)


@pytest.fixture
async def admin(db: Database) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(db.admin_url)
    yield conn
    await conn.close()


async def test_a_new_session_is_live_and_keeps_only_the_hash_of_its_id(
    store: SessionStore, admin: asyncpg.Connection
) -> None:
    session_id, created = await store.create(person("s-create"), "kommun")
    live = await store.live(session_id)
    assert live is not None and live.principal == person("s-create")
    assert live.csrf == created.csrf and live.provider == "kommun"
    rows = await admin.fetch("SELECT id_hash FROM sessions WHERE subject = 's-create'")
    assert [bytes(r["id_hash"]) for r in rows] == [hash_id(session_id)]
    assert (
        await admin.fetchval(
            "SELECT count(*) FROM sessions WHERE id_hash = $1", session_id.encode()
        )
        == 0
    )


async def test_a_made_up_id_names_no_session(store: SessionStore) -> None:
    assert await store.live("not-a-session-id") is None


async def test_a_revoked_session_is_no_longer_live_and_cannot_be_revived(
    store: SessionStore, pool: asyncpg.Pool
) -> None:
    session_id, created = await store.create(person("s-revoke"), "kommun")
    assert await store.revoke(session_id, by="logout") == "kommun"
    assert await store.live(session_id) is None
    assert not await store.still_live(created.id_hash)
    assert await store.revoke(session_id, by="logout") is None
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="revocation is final"):
        await pool.execute(
            "UPDATE sessions SET revoked_at = NULL, revoked_by = NULL WHERE id_hash = $1",
            created.id_hash,
        )


async def test_an_expired_session_is_not_live(
    store: SessionStore, admin: asyncpg.Connection
) -> None:
    session_id, created = await store.create(person("s-expire"), "kommun")
    await admin.execute(
        "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id_hash = $1",
        created.id_hash,
    )
    assert await store.live(session_id) is None


async def test_revoking_a_person_ends_their_sessions_in_that_organisation_only(
    store: SessionStore,
) -> None:
    first, _ = await store.create(person("s-many", person_id="p-many"), "kommun")
    second, _ = await store.create(person("s-many", person_id="p-many"), "kommun")
    elsewhere, _ = await store.create(person("s-many", org=ARJEPLOG), "kommun")
    other, _ = await store.create(person("s-other"), "kommun")
    assert await store.revoke_person(ARJEPLOG, "s-nobody", by="org_admin a") == 0
    assert await store.revoke_person(UB, "p-many", by="org_admin a") == 2
    assert await store.live(first) is None and await store.live(second) is None
    assert await store.live(elsewhere) is not None
    assert await store.live(other) is not None
    assert await store.revoke_person(ARJEPLOG, "s-many", by="org_admin b") == 1
    assert await store.live(elsewhere) is None


async def test_a_watcher_on_this_node_hears_of_a_revocation_at_once(store: SessionStore) -> None:
    session_id, created = await store.create(person("s-watch"), "kommun")
    with store.watching(created.id_hash) as revoked:
        assert not revoked.is_set()
        await store.revoke_person(UB, "s-watch", by="org_admin a")
        await asyncio.wait_for(revoked.wait(), timeout=5)
    with store.watching(created.id_hash) as again:
        await store.revoke(session_id, by="logout")
        assert again.is_set()


async def test_the_runtime_role_may_delete_only_expired_sessions(
    store: SessionStore, pool: asyncpg.Pool, admin: asyncpg.Connection
) -> None:
    live_id, live = await store.create(person("s-purge-live"), "kommun")
    _, old = await store.create(person("s-purge-old"), "kommun")
    await admin.execute(
        "UPDATE sessions SET created_at = now() - interval '2 days', "
        "expires_at = now() - interval '1 day' WHERE id_hash = $1",
        old.id_hash,
    )
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await pool.execute("DELETE FROM sessions WHERE id_hash = $1", live.id_hash)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await pool.execute(
            "UPDATE sessions SET expires_at = expires_at + interval '1 day' WHERE id_hash = $1",
            live.id_hash,
        )
    assert await pool.fetchval("SELECT purge_expired_sessions(100)") >= 1
    left = await admin.fetch(
        "SELECT id_hash FROM sessions WHERE id_hash = ANY($1::bytea[])",
        [live.id_hash, old.id_hash],
    )
    assert [bytes(r["id_hash"]) for r in left] == [live.id_hash]
    assert await store.live(live_id) is not None


async def test_the_event_tables_stay_insert_only_for_the_runtime_role(db: Database) -> None:
    conn = await database.connect(db.app_url)
    try:
        with pytest.raises(asyncpg.PostgresError):
            await conn.execute("DELETE FROM events")
        grants = await conn.fetch(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = 'samverkan_app' AND table_name = 'sessions' ORDER BY 1"
        )
    finally:
        await conn.close()
    assert [g["privilege_type"] for g in grants] == ["INSERT", "SELECT"]


async def test_a_backup_holds_no_session_so_a_restore_revives_none(
    store: SessionStore, db: Database, tmp_path: Path
) -> None:
    await store.create(person("s-backup"), "kommun")
    file = tmp_path / "sessions.dump"
    done = await backup.backup(db.admin_url, file, log_vkey=tmp_path / "no.vkey")
    pg_restore = await backup.find_tool("pg_restore", done.state.server_major)
    listing = await backup.run_tool(pg_restore, ["--list", str(file)])
    entries = [line for line in listing.splitlines() if " sessions " in f"{line} "]
    assert any(" TABLE public sessions " in e for e in entries), entries
    # A session revoked after the dump would live again after a restore: no rows are kept.
    assert not any(" TABLE DATA public sessions " in e for e in entries), entries
