"""/metrics on a served app: every series is there with values that match the database."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path

import asyncpg
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from events.directory.decider import RegisterPerson
from events.messages import Principal
from events.proof.note import Verifier
from service import database
from service.audit.keys import read_key_file
from service.audit.witness import Witness, load_witness_key, witness_once
from service.bootstrap import build_domain
from tests.api.conftest import RunningApp
from tests.conftest import Database

PROJECTIONS = {"history", "promises", "directory", "agreements"}
SERVICE = Principal(
    issuer="test", subject="ops", organisation_id="samverkan", roles=frozenset({"service"})
)

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(http: httpx.AsyncClient, app: RunningApp) -> Samples:
    response = await http.get(f"{app.url}/metrics")
    assert response.status_code == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    assert key in samples, f"{name}{labels} is missing"
    return samples[key]


async def scrape_until(
    http: httpx.AsyncClient, app: RunningApp, check: Callable[[Samples], bool], what: str
) -> Samples:
    """Scrape until `check` holds (bounded: 30 s)."""
    try:
        async with asyncio.timeout(30):
            while True:
                samples = await scrape(http, app)
                if check(samples):
                    return samples
                await asyncio.sleep(0.2)
    except TimeoutError:
        pytest.fail(f"timed out waiting for {what}")


def caught_up(samples: Samples) -> bool:
    size = samples.get(("samverkan_log_size", ()), 0)
    return (
        size > 0
        and samples.get(("samverkan_checkpoint_size", ())) == size
        and samples.get(("samverkan_sequencer_lag_events", ())) == 0
        and all(
            samples.get(("samverkan_projection_lag_events", (("projection", p),))) == 0
            for p in PROJECTIONS
        )
    )


async def register(app_url: str, count: int) -> None:
    pool = await database.create_pool(app_url, min_size=1, max_size=2)
    try:
        dispatcher = build_domain().dispatcher(pool)
        for _ in range(count):
            await dispatcher.dispatch(
                RegisterPerson(
                    command_id=str(uuid.uuid4()),
                    actor=SERVICE,
                    at=dt.datetime.now(dt.UTC),
                    person_id=f"person-{uuid.uuid4().hex[:8]}",
                    name="Metrics Person",
                )
            )
    finally:
        await pool.close()


async def graphql(http: httpx.AsyncClient, app: RunningApp, body: dict[str, object]) -> None:
    response = await http.post(f"{app.url}/graphql", json=body)
    assert response.status_code == 200, response.text


async def test_request_latency_is_labelled_by_known_operation_name_other_or_anonymous(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    for _ in range(3):
        await graphql(http, dev_app, {"query": "query Published { logSize }"})
    await graphql(
        http,
        dev_app,
        {"query": "query Frozen { logSize } query Public { logSize }", "operationName": "Public"},
    )
    await graphql(http, dev_app, {"query": "{ logSize }"})
    for n in range(5):
        await graphql(http, dev_app, {"query": f"query Invented{n} {{ logSize }}"})
    samples = await scrape(http, dev_app)
    count = "samverkan_request_seconds_count"
    assert value(samples, count, route="http", operation="Published") == 3
    assert value(samples, count, route="http", operation="Public") == 1
    labels = {dict(key).get("operation") for name, key in samples if name == count}
    assert "Frozen" not in labels
    assert not any(str(label).startswith("Invented") for label in labels), labels
    assert value(samples, count, route="http", operation="other") >= 5
    assert value(samples, count, route="http", operation="anonymous") >= 1


async def test_every_series_is_there_with_plausible_values_after_catch_up(
    dev_app: RunningApp, db: Database, http: httpx.AsyncClient
) -> None:
    samples = await scrape_until(http, dev_app, caught_up, "the demo to be caught up")
    conn = await asyncpg.connect(db.app_url)
    try:
        log_size = int(await conn.fetchval("SELECT count(*) FROM log"))
    finally:
        await conn.close()
    assert value(samples, "samverkan_log_size") == log_size
    assert value(samples, "samverkan_db_up") == 1
    assert 0 < value(samples, "samverkan_metrics_refresh_seconds") < 2
    assert value(samples, "samverkan_sequencer_lag_seconds") == 0
    assert value(samples, "samverkan_checkpoint_unsigned_entries") == 0
    assert 0 <= value(samples, "samverkan_checkpoint_age_seconds") < 120
    for projection in PROJECTIONS:
        assert value(samples, "samverkan_projection_lag_seconds", projection=projection) == 0
    size = value(samples, "samverkan_db_pool_size")
    idle = value(samples, "samverkan_db_pool_idle")
    assert value(samples, "samverkan_db_pool_max") == 10
    assert 1 <= size <= 10 and value(samples, "samverkan_db_pool_in_use") == size - idle
    assert value(samples, "samverkan_db_oldest_transaction_seconds") >= 0
    assert not any(name.startswith("samverkan_replica_") for name, _ in samples), (
        "no replica is configured, so no replica series"
    )


async def test_witness_lag_shows_per_witness_and_grows_when_it_falls_behind(
    dev_app: RunningApp, db: Database, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    await scrape_until(http, dev_app, caught_up, "the demo to be caught up")
    log_vkey = read_key_file(dev_app.settings.data_dir / "log.key.vkey")
    witness = Witness(
        signer=load_witness_key(tmp_path / "polisen.key", "polisen"),
        log_verifier=Verifier.from_vkey(log_vkey),
        state_dir=tmp_path / "witness-polisen",
    )
    conn = await database.connect(db.app_url)
    try:
        assert all(o.cosigned for o in await witness_once(conn, witness))
    finally:
        await conn.close()
    samples = await scrape(http, dev_app)
    assert value(samples, "samverkan_witness_lag_entries", witness="polisen") == 0
    assert value(samples, "samverkan_witness_lag_seconds", witness="polisen") == 0
    cosigned = value(samples, "samverkan_checkpoint_size")

    await register(db.app_url, 2)
    samples = await scrape_until(
        http,
        dev_app,
        lambda s: s.get(("samverkan_checkpoint_size", ()), 0) > cosigned,
        "a checkpoint the witness has not cosigned",
    )
    newest = value(samples, "samverkan_checkpoint_size")
    assert value(samples, "samverkan_witness_lag_entries", witness="polisen") == newest - cosigned
    assert value(samples, "samverkan_witness_lag_seconds", witness="polisen") > 0


async def test_an_open_writing_transaction_shows_as_oldest_transaction_and_sequencer_lag(
    dev_app: RunningApp, db: Database, http: httpx.AsyncClient
) -> None:
    await scrape_until(http, dev_app, caught_up, "the demo to be caught up")
    holder = await asyncpg.connect(db.app_url)
    try:
        async with holder.transaction():
            await holder.fetchval("SELECT pg_current_xact_id()")  # takes an xid: holds the horizon
            await register(db.app_url, 1)  # commits after the holder began: must wait
            await asyncio.sleep(1.2)
            samples = await scrape(http, dev_app)
            assert value(samples, "samverkan_db_oldest_transaction_seconds") >= 1.0
            assert value(samples, "samverkan_sequencer_lag_events") == 1
            assert value(samples, "samverkan_sequencer_lag_seconds") >= 1.0
    finally:
        await holder.close()
    after = await scrape_until(http, dev_app, caught_up, "the held-back event to be sequenced")
    assert value(after, "samverkan_sequencer_lag_seconds") == 0


async def test_responses_are_counted_by_status_class(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    before = await scrape(http, dev_app)
    assert (await http.get(f"{dev_app.url}/healthz")).status_code == 200
    assert (await http.get(f"{dev_app.url}/p/no-such-promise")).status_code == 404
    after = await scrape(http, dev_app)

    def count(samples: Samples, status: str) -> float:
        return samples.get(("samverkan_http_responses_total", (("status", status),)), 0)

    assert count(after, "2xx") >= count(before, "2xx") + 2  # /healthz and the first scrape
    assert count(after, "4xx") == count(before, "4xx") + 1
