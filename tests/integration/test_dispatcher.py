"""The dispatcher against a real PostgreSQL: concurrency, idempotency, the demo load."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import asyncpg

from events.log.store import VersionConflict
from events.messages import Principal
from events.promise.commands import (
    AddFocusArea,
    DraftPromise,
    ProposePromise,
    ReopenPromise,
    RevisePromiseDetails,
)
from events.promise.content import FocusArea, Period, PromiseDetails
from service.bootstrap import build_domain
from service.demo.load import load_demo
from service.dispatcher import MAX_REDECIDES, Dispatcher

AT = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)
# A promise of the demo's parties proposed for signing: the demo's own promises are all
# signed and past their periods (expired), so none of them can be edited any more.
PROMISE = "dispatcher-2026"


def editor(org: str, subject: str) -> Principal:
    return Principal(
        issuer="test", subject=subject, organisation_id=org, roles=frozenset({"editor"})
    )


async def events_in(pool: asyncpg.Pool, stream: str) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", stream))


async def load_demo_and_propose(dispatcher: Dispatcher) -> None:
    """The demo (its directory), then PROMISE drafted with one focus area and proposed."""
    await load_demo(dispatcher, at=AT)
    actor = editor("org-upplands-bro", "drafter")
    details = PromiseDetails(title="Trygg i Bro", period=Period(label="2026"))
    for command in (
        DraftPromise(
            command_id=str(uuid.uuid4()),
            actor=actor,
            at=AT,
            promise_id=PROMISE,
            parties=("org-upplands-bro", "org-lpo-jarfalla"),
            details=details,
        ),
        AddFocusArea(
            command_id=str(uuid.uuid4()),
            actor=actor,
            at=AT,
            promise_id=PROMISE,
            focus_area=FocusArea(focus_area_id="fa1", title="Bro centrum"),
        ),
        ProposePromise(command_id=str(uuid.uuid4()), actor=actor, at=AT, promise_id=PROMISE),
    ):
        await dispatcher.dispatch(command)


async def test_loading_the_demo_twice_adds_nothing(dispatcher: Dispatcher) -> None:
    first = await load_demo(dispatcher, at=AT)
    before = await dispatcher.pool.fetchval("SELECT count(*) FROM events")
    again = await load_demo(dispatcher, at=AT + dt.timedelta(days=1))
    assert first > 0 and again == 0
    assert await dispatcher.pool.fetchval("SELECT count(*) FROM events") == before


async def test_two_editors_at_the_same_version_one_wins_and_the_other_gets_a_conflict(
    dispatcher: Dispatcher,
) -> None:
    await load_demo_and_propose(dispatcher)
    stream = f"promise-{PROMISE}"
    version = int(
        await dispatcher.pool.fetchval("SELECT version FROM streams WHERE stream_id = $1", stream)
    )

    def revise(subject: str) -> RevisePromiseDetails:
        return RevisePromiseDetails(
            command_id=str(uuid.uuid4()),
            actor=editor("org-upplands-bro", subject),
            at=AT,
            promise_id=PROMISE,
            details=PromiseDetails(title=f"Titel av {subject}", period=Period(label="2026")),
        )

    outcomes = await asyncio.gather(
        dispatcher.dispatch(revise("a"), expected_version=version),
        dispatcher.dispatch(revise("b"), expected_version=version),
        return_exceptions=True,
    )
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    losers = [o for o in outcomes if isinstance(o, VersionConflict)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    # The winner's edit reopened the proposed revision: both of its events are there, once.
    assert await events_in(dispatcher.pool, stream) == winners[0].version


async def test_commands_without_an_expected_version_are_re_decided_and_both_land(
    dispatcher: Dispatcher,
) -> None:
    await load_demo_and_propose(dispatcher)
    stream = f"promise-{PROMISE}"
    before = await events_in(dispatcher.pool, stream)

    def add(area: str, org: str) -> AddFocusArea:
        return AddFocusArea(
            command_id=str(uuid.uuid4()),
            actor=editor(org, area),
            at=AT,
            promise_id=PROMISE,
            focus_area=FocusArea(focus_area_id=area, title=f"Område {area}"),
        )

    results = await asyncio.gather(
        dispatcher.dispatch(add("fa-x", "org-upplands-bro")),
        dispatcher.dispatch(add("fa-y", "org-lpo-jarfalla")),
    )
    assert sorted(r.version for r in results)[-1] == await events_in(dispatcher.pool, stream)
    rows = await dispatcher.pool.fetch(
        "SELECT p.data FROM events e JOIN payloads p ON p.event_pk = e.id "
        "WHERE e.stream_id = $1 AND e.type = 'FocusAreaAdded' AND e.stream_version > $2",
        stream,
        before,
    )
    assert {r[0]["focus_area"]["focus_area_id"] for r in rows} == {"fa-x", "fa-y"}


async def test_concurrent_commands_fold_the_directory_exactly_once(
    dispatcher: Dispatcher,
) -> None:
    await load_demo(dispatcher, at=AT)
    fresh = build_domain().dispatcher(dispatcher.pool)
    async with dispatcher.pool.acquire() as a, dispatcher.pool.acquire() as b:
        contexts = await asyncio.gather(fresh.context(a), fresh.context(b))
        expected = build_domain().dispatcher(dispatcher.pool)
        expected_directory = (await expected.context(a)).directory
    for context in contexts:
        assert context.directory == expected_directory
    assert fresh._directory_state == expected_directory


async def test_as_many_nodes_as_attempts_writing_one_stream_at_once_all_land(
    dispatcher: Dispatcher,
) -> None:
    """Without an expected version a conflict is decided again: a writer conflicts only when
    another one's write landed in between, so MAX_REDECIDES writers at once all land."""
    await load_demo_and_propose(dispatcher)
    actor = editor("org-upplands-bro", "drafter")
    reopened = ReopenPromise(
        command_id=str(uuid.uuid4()), actor=actor, at=AT, promise_id=PROMISE, reason="Fler områden"
    )
    await dispatcher.dispatch(reopened)
    nodes = [build_domain().dispatcher(dispatcher.pool) for _ in range(MAX_REDECIDES)]
    before = await events_in(dispatcher.pool, f"promise-{PROMISE}")
    for node in nodes:  # each node has folded the stream as it stands
        await node.dispatch(
            AddFocusArea(
                command_id=str(uuid.uuid4()),
                actor=actor,
                at=AT,
                promise_id=PROMISE,
                focus_area=FocusArea(focus_area_id=f"warm-{id(node)}", title="Förberedd"),
            )
        )
    written = await asyncio.gather(
        *(
            node.dispatch(
                AddFocusArea(
                    command_id=str(uuid.uuid4()),
                    actor=actor,
                    at=AT,
                    promise_id=PROMISE,
                    focus_area=FocusArea(focus_area_id=f"fa-node-{n}", title=f"Område {n}"),
                )
            )
            for n, node in enumerate(nodes)
        )
    )
    assert len({w.version for w in written}) == MAX_REDECIDES
    assert await events_in(dispatcher.pool, f"promise-{PROMISE}") == before + 2 * MAX_REDECIDES
