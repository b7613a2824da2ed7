"""The expiry job on a real log: a promise in force and a signed agreement whose periods ended
are moved to expired with an event, as the platform's service principal; a second run appends
nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from events.agreement import (
    AgreementContent,
    AgreementProposed,
    DraftAgreement,
    ExpireAgreement,
    ProposeAgreement,
    RecordAgreementSignature,
)
from events.log.sequencer import load_state, sequence_batch
from events.log.store import log_size, read_stream
from events.messages import Command, Principal
from events.promise.commands import (
    AddFocusArea,
    DraftPromise,
    ProposePromise,
    RecordPromiseSignature,
)
from events.promise.content import FocusArea, Period, PromiseDetails
from events.promise.events import PromiseProposedForSigning
from events.recorded import Evidence
from projections.documents import LAST_LOG_INDEX
from projections.runner import apply_next_batch, serving_version
from projections.serving import serving_document
from service import database
from service.bootstrap import Domain, build_domain
from service.demo.load import load_demo
from service.dispatcher import Dispatcher
from service.expiry import EXPIRY_PRINCIPAL, LOCK_KEY, ExpiryJob, expiry_command_id, sweep
from service.settings import Settings, SettingsError
from tests.conftest import Database

UB, LPO = "org-upplands-bro", "org-lpo-jarfalla"
SIGNED_AT = dt.datetime(2025, 6, 2, 9, tzinfo=dt.UTC)
AFTER_THE_PERIOD = dt.datetime(2026, 1, 5, 3, tzinfo=dt.UTC)
PERIOD = Period(valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2025, 12, 31), label="2025")
EVIDENCE = Evidence(description="Undertecknat original", registry_number="KS 2025/117")
PROMISE_ID, AGREEMENT_ID = "expiry-promise", "expiry-agreement"
_ids = itertools.count()


def editor(org: str) -> Principal:
    return Principal(
        issuer="test", subject=f"{org}-editor", organisation_id=org, roles=frozenset({"editor"})
    )


def key() -> dict[str, Any]:
    return {"command_id": f"expiry-test-{next(_ids)}", "at": SIGNED_AT}


@pytest.fixture
async def world(fresh_db: Database) -> AsyncIterator[tuple[Domain, Dispatcher]]:
    domain = build_domain()
    pool = await database.create_pool(fresh_db.app_url, min_size=2, max_size=6)
    try:
        yield domain, domain.dispatcher(pool)
    finally:
        await pool.close()


async def project(domain: Domain, pool: asyncpg.Pool) -> int:
    """Sequence everything appended and bring every projection up to date; the log size."""
    async with pool.acquire() as conn:
        state = await load_state(conn)
        while await sequence_batch(conn, state, 500):
            pass
        for projection in domain.projections:
            version = await serving_version(conn, projection.name)
            while await apply_next_batch(conn, projection, version, 500):
                pass
        return await log_size(conn)


async def status(pool: asyncpg.Pool, projection: str, key: str) -> str:
    found = await serving_document(pool, projection, key)
    assert found is not None, key
    value: str = found[1]["state"]["status"]
    return value


async def enter_a_promise_and_an_agreement_for_2025(dispatcher: Dispatcher) -> None:
    """Both signed (recorded from paper) in June 2025, while their period ran."""
    ub, lpo = editor(UB), editor(LPO)

    async def run(command: Command) -> Any:
        return await dispatcher.dispatch(command)

    details = PromiseDetails(title="Medborgarlöfte 2025", period=PERIOD)
    await run(
        DraftPromise(**key(), actor=ub, promise_id=PROMISE_ID, parties=(UB, LPO), details=details)
    )
    await run(
        AddFocusArea(
            **key(),
            actor=ub,
            promise_id=PROMISE_ID,
            focus_area=FocusArea(focus_area_id="fa1", title="Trygghet"),
        )
    )
    (proposed,) = (await run(ProposePromise(**key(), actor=ub, promise_id=PROMISE_ID))).events
    assert isinstance(proposed, PromiseProposedForSigning)
    for actor, party in ((ub, UB), (lpo, LPO)):
        await run(
            RecordPromiseSignature(
                **key(),
                actor=actor,
                promise_id=PROMISE_ID,
                revision_no=proposed.revision_no,
                content_hash=proposed.content_hash,
                party_id=party,
                evidence=EVIDENCE,
                signed_on=dt.date(2025, 6, 1),
            )
        )
    content = AgreementContent(
        parties=(UB, LPO), title="Samverkansöverenskommelse 2025", period=PERIOD
    )
    await run(DraftAgreement(**key(), actor=ub, agreement_id=AGREEMENT_ID, content=content))
    (frozen,) = (await run(ProposeAgreement(**key(), actor=ub, agreement_id=AGREEMENT_ID))).events
    assert isinstance(frozen, AgreementProposed)
    for actor, party in ((ub, UB), (lpo, LPO)):
        await run(
            RecordAgreementSignature(
                **key(),
                actor=actor,
                agreement_id=AGREEMENT_ID,
                revision_no=frozen.revision_no,
                content_hash=frozen.content_hash,
                party_id=party,
                evidence=EVIDENCE,
                signed_on=dt.date(2025, 6, 1),
            )
        )


async def test_the_expiry_job_expires_a_promise_and_an_agreement_whose_period_ended_once(
    world: tuple[Domain, Dispatcher],
) -> None:
    domain, dispatcher = world
    pool = dispatcher.pool
    await load_demo(dispatcher, at=SIGNED_AT)
    await enter_a_promise_and_an_agreement_for_2025(dispatcher)
    await project(domain, pool)
    promise, agreement = f"promise-{PROMISE_ID}", f"agreement-{AGREEMENT_ID}"
    assert await status(pool, "promises", promise) == "in_force"
    assert await status(pool, "agreements", agreement) == "signed"

    # While the period runs, nothing is due.
    during = await sweep(dispatcher, dt.datetime(2025, 12, 31, 22, 59, tzinfo=dt.UTC))
    assert promise not in during.expired and agreement not in during.expired

    done = await sweep(dispatcher, AFTER_THE_PERIOD)
    assert {promise, agreement} <= set(done.expired)
    size = await project(domain, pool)
    assert await status(pool, "promises", promise) == "expired"
    assert await status(pool, "agreements", agreement) == "expired"
    expiries = [
        stored
        for stream in (promise, agreement)
        for stored in await read_stream(pool, stream, up_to_log_index=LAST_LOG_INDEX)
        if stored.type in ("PromiseExpired", "AgreementExpired")
    ]
    assert [(e.type, e.data["expired_on"]) for e in expiries] == [
        ("PromiseExpired", "2026-01-01"),
        ("AgreementExpired", "2026-01-01"),
    ]
    assert all(e.metadata["actor"]["subject"] == EXPIRY_PRINCIPAL.subject for e in expiries)

    # Run again, after the read models caught up and before: nothing more is appended.
    again = await sweep(dispatcher, AFTER_THE_PERIOD)
    assert again.expired == () and again.refused == ()
    assert await project(domain, pool) == size
    replay = await dispatcher.dispatch(
        domain_expire_agreement(AFTER_THE_PERIOD), metadata={"source": "expiry"}
    )
    assert replay.duplicate
    assert await project(domain, pool) == size


def domain_expire_agreement(at: dt.datetime) -> Command:
    """The very command the job sent for the agreement: a stale read model would resend it."""
    return ExpireAgreement(
        command_id=expiry_command_id(f"agreement-{AGREEMENT_ID}", PERIOD.valid_to or dt.date.min),
        actor=EXPIRY_PRINCIPAL,
        at=at,
        agreement_id=AGREEMENT_ID,
    )


def expiry_job(dispatcher: Dispatcher, db: Database, standby_interval: float = 1.0) -> ExpiryJob:
    """The expiry role on `db`, sweeping through `dispatcher` as if after the period."""

    async def opener() -> tuple[Dispatcher, Any]:
        async def close() -> None:
            return None

        return dispatcher, close

    return ExpiryJob(
        connect=lambda: database.connect(db.app_url),
        dispatcher=opener,
        interval=3600,
        standby_interval=standby_interval,
        clock=lambda: AFTER_THE_PERIOD,
    )


async def first_sweep(job: ExpiryJob) -> None:
    """Wait (bounded) until `job` leads and has swept once."""
    async with asyncio.timeout(20):
        while job.sweeps < 1:
            await asyncio.sleep(0.05)
    assert job.is_leader


async def test_the_expiry_role_sweeps_when_it_starts_and_stops_when_asked(
    world: tuple[Domain, Dispatcher], fresh_db: Database
) -> None:
    domain, dispatcher = world
    await load_demo(dispatcher, at=SIGNED_AT)
    await enter_a_promise_and_an_agreement_for_2025(dispatcher)
    await project(domain, dispatcher.pool)

    job = expiry_job(dispatcher, fresh_db)
    stop = asyncio.Event()
    running = asyncio.create_task(job.run(stop))
    await first_sweep(job)
    stop.set()
    await asyncio.wait_for(running, timeout=10)
    assert not job.is_leader
    await project(domain, dispatcher.pool)
    assert await status(dispatcher.pool, "agreements", f"agreement-{AGREEMENT_ID}") == "expired"
    assert await status(dispatcher.pool, "promises", f"promise-{PROMISE_ID}") == "expired"


@pytest.mark.parametrize(
    ("value", "message"),
    [("daily", "number of seconds"), ("10", "between 60 and 604800")],
)
def test_the_expiry_interval_is_read_from_the_environment_and_bad_values_refused(
    value: str, message: str
) -> None:
    assert Settings.from_env({}).expiry_interval_s == 86_400
    assert Settings.from_env({"SAMVERKAN_EXPIRY_INTERVAL_S": "3600"}).expiry_interval_s == 3600
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"SAMVERKAN_EXPIRY_INTERVAL_S": value})


async def test_a_leading_expiry_role_whose_connection_is_cut_ends_its_run_and_stops_leading(
    world: tuple[Domain, Dispatcher], fresh_db: Database
) -> None:
    """Between sweeps the leader touches its connection: when the database drops it (a restart
    takes the lock with it) the run ends with the error for the supervisor, instead of waiting
    out the day believing it leads while another node takes the lock."""
    _, dispatcher = world

    job = expiry_job(dispatcher, fresh_db, standby_interval=0.05)
    stop = asyncio.Event()
    running = asyncio.create_task(job.run(stop))
    await first_sweep(job)
    admin = await asyncpg.connect(fresh_db.admin_url)
    try:
        cut = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
            "WHERE locktype = 'advisory' AND objid = $1 AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            LOCK_KEY,
        )
    finally:
        await admin.close()
    assert cut == 1
    await asyncio.wait({running}, timeout=10)
    assert running.done(), "the leader did not notice it lost its connection"
    assert database.unreachable(running.exception()), running.exception()
    assert not job.is_leader
    assert not stop.is_set()
