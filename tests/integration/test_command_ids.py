"""Command ids at the dispatcher: scoped to the caller's organisation, bound to one command."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from events.idempotency import IdempotencyKeyReused
from events.log import store
from events.log.store import NO_STREAM, CommandRecord, NewEvent
from events.messages import InvalidInput, Principal, Refusal
from events.promise.commands import AddFocusArea, DraftPromise, RevisePromiseDetails
from events.promise.content import FocusArea, Period, PromiseDetails
from service import database
from service.bootstrap import build_domain
from service.demo.load import load_demo
from service.dispatcher import Dispatcher
from tests.conftest import Database

AT = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)
UB, LPO_JARFALLA = "org-upplands-bro", "org-lpo-jarfalla"
ARJEPLOG, LPO_PITEA = "org-arjeplog", "org-lpo-pitea-alvdal"
PARTIES = {UB: (UB, LPO_JARFALLA), ARJEPLOG: (ARJEPLOG, LPO_PITEA)}


@pytest.fixture(scope="module")
async def dispatcher(db: Database) -> AsyncIterator[Dispatcher]:
    """A dispatcher on the module's database, with the demo directory and promises loaded."""
    pool = await database.create_pool(db.app_url, min_size=2, max_size=8)
    try:
        built = build_domain().dispatcher(pool)
        await load_demo(built, at=AT)
        yield built
    finally:
        await pool.close()


def editor(org: str, subject: str | None = None) -> Principal:
    return Principal(
        issuer="test",
        subject=subject or f"editor-{org}",
        organisation_id=org,
        roles=frozenset({"editor"}),
    )


def draft(
    command_id: str,
    org: str,
    promise_id: str,
    *,
    title: str = "Trygg by",
    at: dt.datetime = AT,
    subject: str | None = None,
) -> DraftPromise:
    return DraftPromise(
        command_id=command_id,
        actor=editor(org, subject),
        at=at,
        promise_id=promise_id,
        parties=PARTIES[org],
        details=PromiseDetails(title=title, period=Period(label="2027")),
    )


def add_area(command_id: str, org: str, promise_id: str, area: str) -> AddFocusArea:
    return AddFocusArea(
        command_id=command_id,
        actor=editor(org),
        at=AT,
        promise_id=promise_id,
        focus_area=FocusArea(focus_area_id=area, title=f"Område {area}"),
    )


async def log_counts(pool: asyncpg.Pool) -> tuple[int, int]:
    """How many events and recorded commands there are."""
    events = await pool.fetchval("SELECT count(*) FROM events")
    commands = await pool.fetchval("SELECT count(*) FROM commands")
    return int(events), int(commands)


async def events_in(pool: asyncpg.Pool, stream: str) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", stream))


def new_key() -> str:
    return str(uuid.uuid4())


async def test_another_organisation_reusing_a_command_id_gets_its_own_command_decided(
    dispatcher: Dispatcher,
) -> None:
    key = new_key()
    first = await dispatcher.dispatch(draft(key, UB, "ub-scope-1"))
    theirs = await dispatcher.dispatch(draft(key, ARJEPLOG, "arjeplog-scope-1"))
    assert not theirs.duplicate
    assert theirs.stream_id == "promise-arjeplog-scope-1"
    assert set(theirs.event_ids).isdisjoint(first.event_ids)
    assert await events_in(dispatcher.pool, "promise-arjeplog-scope-1") == 1


async def test_another_organisation_resending_the_first_organisations_command_is_refused_on_its_own_merits(  # noqa: E501
    dispatcher: Dispatcher,
) -> None:
    await dispatcher.dispatch(draft(new_key(), UB, "ub-scope-2"))
    key = new_key()
    await dispatcher.dispatch(add_area(key, UB, "ub-scope-2", "fa-1"))
    before = await events_in(dispatcher.pool, "promise-ub-scope-2")
    # Refused as Arjeplog's own command would be (not a party), never answered as a duplicate.
    with pytest.raises(Refusal):
        await dispatcher.dispatch(add_area(key, ARJEPLOG, "ub-scope-2", "fa-1"))
    assert await events_in(dispatcher.pool, "promise-ub-scope-2") == before


async def test_the_first_organisations_later_write_is_not_swallowed_by_another_organisations_earlier_use_of_the_id(  # noqa: E501
    dispatcher: Dispatcher,
) -> None:
    key = new_key()
    squatted = await dispatcher.dispatch(draft(key, ARJEPLOG, "arjeplog-scope-3"))
    rightful = await dispatcher.dispatch(draft(key, UB, "ub-scope-3"))
    assert not squatted.duplicate and not rightful.duplicate
    assert rightful.stream_id == "promise-ub-scope-3"
    assert await events_in(dispatcher.pool, "promise-ub-scope-3") == 1


async def test_an_over_long_or_non_printable_command_id_is_invalid_input_and_changes_nothing(
    dispatcher: Dispatcher,
) -> None:
    before = await log_counts(dispatcher.pool)
    bad = ["x" * 129, "k" * 10_240, "", "line\nbreak", "tab\there", "nul\x00", "åäö", "del\x7f"]
    for n, command_id in enumerate(bad):
        with pytest.raises(InvalidInput) as refused:
            await dispatcher.dispatch(draft(command_id, UB, f"ub-bad-id-{n}"))
        assert refused.value.field_path == ("command_id",), command_id
    assert await log_counts(dispatcher.pool) == before


async def test_a_readable_command_id_of_128_printable_characters_is_accepted(
    dispatcher: Dispatcher,
) -> None:
    readable = ("ub-readable id/" + "~" * 128)[:128]
    done = await dispatcher.dispatch(draft(readable, UB, "ub-scope-readable"))
    again = await dispatcher.dispatch(draft(readable, UB, "ub-scope-readable"))
    assert not done.duplicate and again.duplicate
    assert again.event_ids == done.event_ids


async def test_the_same_id_with_a_different_input_type_or_target_is_idempotency_key_reused_and_appends_nothing(  # noqa: E501
    dispatcher: Dispatcher,
) -> None:
    key = new_key()
    await dispatcher.dispatch(draft(key, UB, "ub-scope-4"))
    before = await log_counts(dispatcher.pool)
    revise = RevisePromiseDetails(
        command_id=key,
        actor=editor(UB),
        at=AT,
        promise_id="ub-scope-4",
        details=PromiseDetails(title="Trygg by", period=Period(label="2027")),
    )
    for other in (
        draft(key, UB, "ub-scope-4", title="Tryggare by"),
        draft(key, UB, "ub-scope-4-elsewhere"),
        revise,
    ):
        with pytest.raises(IdempotencyKeyReused) as refused:
            await dispatcher.dispatch(other)
        assert refused.value.command_id == key
    assert await log_counts(dispatcher.pool) == before
    assert await events_in(dispatcher.pool, "promise-ub-scope-4-elsewhere") == 0


async def test_the_same_id_with_the_same_command_returns_the_first_result_even_when_deciding_it_again_would_be_refused(  # noqa: E501
    dispatcher: Dispatcher,
) -> None:
    key = new_key()
    first = await dispatcher.dispatch(draft(key, UB, "ub-scope-5"), metadata={"request_id": "a"})
    await dispatcher.dispatch(add_area(new_key(), UB, "ub-scope-5", "fa-later"))
    # Drafting ub-scope-5 again would be refused (it exists); the retry, an hour later on
    # another request, is recognised and answered with what the first attempt did.
    retry = draft(key, UB, "ub-scope-5", at=AT + dt.timedelta(hours=1))
    again = await dispatcher.dispatch(retry, metadata={"request_id": "b"})
    assert again.duplicate and not first.duplicate
    assert (again.stream_id, again.version, again.event_ids) == (
        first.stream_id,
        first.version,
        first.event_ids,
    )
    assert await events_in(dispatcher.pool, "promise-ub-scope-5") == 2


async def test_a_colleague_reusing_someone_elses_command_id_for_the_same_command_is_idempotency_key_reused(  # noqa: E501
    dispatcher: Dispatcher,
) -> None:
    key = new_key()
    await dispatcher.dispatch(draft(key, UB, "ub-scope-6", subject="anna"))
    with pytest.raises(IdempotencyKeyReused):
        await dispatcher.dispatch(draft(key, UB, "ub-scope-6", subject="bertil"))


async def test_concurrent_different_commands_under_one_key_append_exactly_one(
    dispatcher: Dispatcher,
) -> None:
    key = new_key()
    outcomes = await asyncio.gather(
        *(dispatcher.dispatch(draft(key, UB, f"ub-scope-7-{n}")) for n in range(4)),
        return_exceptions=True,
    )
    accepted = [o for o in outcomes if not isinstance(o, BaseException)]
    reused = [o for o in outcomes if isinstance(o, IdempotencyKeyReused)]
    assert len(accepted) == 1 and len(reused) == 3, outcomes
    streams = [f"promise-ub-scope-7-{n}" for n in range(4)]
    assert [await events_in(dispatcher.pool, s) for s in streams].count(1) == 1


async def test_the_store_itself_keeps_keys_per_organisation_and_refuses_a_different_command(
    dispatcher: Dispatcher,
) -> None:
    # What the dispatcher's lookup cannot see (a concurrent first use of the key), the append
    # decides on its own, in the same transaction as the insert of the key.
    pool, key = dispatcher.pool, uuid.uuid4()

    def record(org: str, fingerprint: bytes) -> CommandRecord:
        return CommandRecord(organisation_id=org, command_type="Noted", fingerprint=fingerprint)

    async def append(stream: str, command: CommandRecord) -> store.AppendResult:
        event = NewEvent(event_id=uuid.uuid4(), type="Noted", data={}, occurred_at=AT)
        return await store.append(
            pool, stream, NO_STREAM, [event], command_id=key, metadata={}, command=command
        )

    first = await append(f"s-{key}-a", record(UB, b"a" * 32))
    with pytest.raises(IdempotencyKeyReused):
        await append(f"s-{key}-a", record(UB, b"b" * 32))
    with pytest.raises(IdempotencyKeyReused):
        await append(f"s-{key}-b", record(UB, b"a" * 32))
    again = await append(f"s-{key}-a", record(UB, b"a" * 32))
    other = await append(f"s-{key}-c", record(ARJEPLOG, b"a" * 32))
    assert again.duplicate and again.event_ids == first.event_ids
    assert not other.duplicate and set(other.event_ids).isdisjoint(first.event_ids)
    assert await events_in(pool, f"s-{key}-b") == 0
    assert await pool.fetchval("SELECT count(*) FROM commands WHERE command_id = $1", key) == 2
