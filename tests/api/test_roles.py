"""The served app's worker roles: a role whose connection dies is restarted by its supervisor,
the restart is counted in /metrics and /readyz reports each role."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
from prometheus_client.parser import text_string_to_metric_families

from events.log.sequencer import LOCK_KEY
from tests.api.conftest import RunningApp
from tests.conftest import Database

ROLES = {"sequencer", "projection:history", "projection:promises", "projection:directory"}

LOCK_HOLDER = """
SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND classid::bigint = (($1::bigint >> 32) & 4294967295)
  AND objid::bigint = ($1::bigint & 4294967295)"""


Roles = dict[str, dict[str, Any]]


async def roles_until(
    http: httpx.AsyncClient, app: RunningApp, check: Callable[[Roles], object], what: str
) -> Roles:
    """Poll /readyz (bounded: 30 s) until its `roles` satisfy `check`."""
    roles: Roles = {}
    try:
        async with asyncio.timeout(30):
            while True:
                roles = (await http.get(f"{app.url}/readyz")).json().get("roles", {})
                if check(roles):
                    return roles
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"/readyz never showed {what}: {roles}") from None


async def restarts(http: httpx.AsyncClient, app: RunningApp) -> dict[str, float]:
    text = (await http.get(f"{app.url}/metrics")).text
    return {
        s.labels["role"]: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "samverkan_role_restarts_total"
    }


async def test_readyz_reports_each_worker_role_running_and_which_one_leads(
    prod_app: RunningApp, http: httpx.AsyncClient
) -> None:
    roles = await roles_until(
        http, prod_app, lambda r: r.get("sequencer", {}).get("active"), "an active sequencer"
    )
    assert ROLES | {"checkpointer"} <= set(roles)
    assert all(r["state"] == "running" for r in roles.values()), roles
    assert all(isinstance(r["active"], bool) for r in roles.values()), roles
    counted = await restarts(http, prod_app)
    assert ROLES | {"checkpointer"} <= set(counted), "each role's series exists from 0"


async def test_a_role_whose_connection_is_killed_is_restarted_counted_and_reported(
    prod_app: RunningApp, db: Database, http: httpx.AsyncClient
) -> None:
    await roles_until(
        http, prod_app, lambda r: r.get("sequencer", {}).get("active"), "an active sequencer"
    )
    before = (await restarts(http, prod_app)).get("sequencer", 0.0)
    admin = await asyncpg.connect(db.admin_url)
    try:
        pid = await admin.fetchval(LOCK_HOLDER, LOCK_KEY)
        assert pid is not None, "nobody holds the sequencer's lock"
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()

    roles = await roles_until(
        http,
        prod_app,
        lambda r: r["sequencer"]["restarts"] > before and r["sequencer"].get("active"),
        "the sequencer restarted and active again",
    )
    assert roles["sequencer"]["state"] == "running"
    assert roles["sequencer"]["lastError"]  # the type of what ended the run
    assert (await restarts(http, prod_app))["sequencer"] > before
