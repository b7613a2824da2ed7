"""Anonymous GraphQL reads are sent again from a kept answer while every projection they read
stands where it stood, and never otherwise: a kept answer always equals the answer a fresh run
gives at that moment (random reads and writes, hypothesis), and signed-in reads, mutations,
answers with errors and reads that wait for a consistency token are always run. Requests that
ask the same while its answer is being made share the next run."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import asyncpg
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schema import promises
from service.web.group_read import SharedRuns
from tests.api.conftest import RunningApp, serve_app
from tests.api.test_promise_lifecycle import Client
from tests.api.test_public_page import COVERS, DAYS, LPO, SUMMARY, TODAY, UB, publish_promise

FIRST, SECOND = "ub-kept-answers-1", "ub-kept-answers-2"
ONE = """query($id: ID!) { promise(id: $id) { id status title
  progress { commitmentId achieved target status colour } } }"""
LIST = """query { promises(first: 20) { promises { id title periodLabel
  progress { commitmentId achieved status } } pageInfo { endCursor hasNextPage } } }"""
WITH_TOKEN = "query($id: ID!, $t: String) { promise(id: $id, consistencyToken: $t) { id } }"
SENT_AGAIN = re.compile(r'^samverkan_kept_answers_total\{outcome="sent_again"\} (\S+)$', re.M)
OUTCOMES = re.compile(r'^samverkan_kept_answers_total\{outcome="(\w+)"\} (\S+)$', re.M)
_records = itertools.count()


@pytest.fixture(scope="module")
async def published(dev_app: RunningApp) -> AsyncIterator[RunningApp]:
    async with httpx.AsyncClient(timeout=10) as http:
        await publish_promise(dev_app, http, FIRST)
        await publish_promise(dev_app, http, SECOND, days=DAYS, covers=COVERS)
    yield dev_app


async def post(
    http: httpx.AsyncClient,
    app: RunningApp,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    language: str | None = None,
    token: str | None = None,
) -> bytes:
    headers = {"content-type": "application/json"}
    if language:
        headers["accept-language"] = language
    if token:
        headers["authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables or {}})
    response = await http.post(f"{app.url}/graphql", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.content


async def sent_again(http: httpx.AsyncClient, app: RunningApp) -> float:
    found = SENT_AGAIN.search((await http.get(f"{app.url}/metrics")).text)
    return 0.0 if found is None else float(found.group(1))


async def outcomes(http: httpx.AsyncClient, app: RunningApp) -> dict[str, float]:
    text = (await http.get(f"{app.url}/metrics")).text
    return {name: float(n) for name, n in OUTCOMES.findall(text)}


async def record(http: httpx.AsyncClient, app: RunningApp, promise_id: str) -> str:
    """Record an activity and wait until the projections show it; its consistency token."""
    editor = Client(http, app, app.token(LPO, "editor"))
    done = await editor.ok(
        "recordActivity",
        promiseId=promise_id,
        recordId=f"kept-{next(_records)}",
        commitmentId="c2",
        occurredOn=TODAY.isoformat(),
        performedBy=[LPO],
        summary=SUMMARY,
        placeIds=["bro-centrum"],
    )
    await editor.query(WITH_TOKEN, id=promise_id, t=done["consistencyToken"])
    return str(done["consistencyToken"])


def achieved(answer: bytes) -> int:
    progress = json.loads(answer)["data"]["promise"]["progress"]
    return int(next(p["achieved"] for p in progress if p["commitmentId"] == "c2"))


async def test_an_anonymous_read_is_sent_again_until_what_it_read_changes(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    first = await post(http, published, ONE, {"id": FIRST})
    before = await sent_again(http, published)
    again = await post(http, published, ONE, {"id": FIRST})
    assert again == first
    assert await sent_again(http, published) == before + 1

    await record(http, published, FIRST)
    changed = await post(http, published, ONE, {"id": FIRST})
    assert achieved(changed) == achieved(first) + 1
    assert await sent_again(http, published) == before + 1  # run anew, not sent again
    assert await post(http, published, ONE, {"id": FIRST}) == changed
    # Another language is another answer (the progress rows' words are the same here).
    await post(http, published, ONE, {"id": FIRST}, language="en")
    assert await sent_again(http, published) == before + 2


async def test_an_answer_about_one_promise_is_sent_again_while_only_others_change(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    first = await post(http, published, ONE, {"id": FIRST})
    listed = await post(http, published, LIST)
    before = await sent_again(http, published)
    await record(http, published, SECOND)
    assert await post(http, published, ONE, {"id": FIRST}) == first
    assert await sent_again(http, published) == before + 1
    # The list read the whole projection, a promise of which changed: it runs again.
    assert await post(http, published, LIST) != listed
    assert await sent_again(http, published) == before + 1


async def test_signed_in_reads_waits_for_a_token_and_mutations_are_always_run(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    editor = published.token(UB, "editor")
    mutation = (
        f'mutation {{ result: recordActivity(commandId: "{uuid.uuid4()}", input: {{promiseId: '
        f'"{FIRST}", recordId: "anon", commitmentId: "c2", occurredOn: "{TODAY.isoformat()}", '
        f'performedBy: ["{LPO}"], summary: "x", placeIds: []}}) {{ __typename }} }}'
    )
    token = await record(http, published, SECOND)  # a read with it waits for it every time
    before = await sent_again(http, published)
    for _ in range(2):
        await post(http, published, ONE, {"id": FIRST}, token=editor)
        refused = json.loads(await post(http, published, mutation))
        assert refused == {"data": {"result": {"__typename": "Forbidden"}}}
        await post(http, published, WITH_TOKEN, {"id": FIRST, "t": token})
    assert await sent_again(http, published) == before


async def test_an_answer_with_an_error_is_not_kept(
    published: RunningApp, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = promises.visible
    failures = iter([RuntimeError("the typing said no")])

    def failing_once(*args: Any, **kwargs: Any) -> Any:
        failure = next(failures, None)
        if failure is not None:  # after the document was read
            raise failure
        return shown(*args, **kwargs)

    monkeypatch.setattr(promises, "visible", failing_once)
    query = ONE.replace("query(", "query Failing(")
    failed = json.loads(await post(http, published, query, {"id": SECOND}))
    assert failed["errors"][0]["message"] == "Internal error"
    answered = json.loads(await post(http, published, query, {"id": SECOND}))
    assert "errors" not in answered and answered["data"]["promise"]["id"] == SECOND


READS = st.one_of(
    st.tuples(st.just(ONE), st.sampled_from((FIRST, SECOND, "no-such-promise"))),
    st.tuples(st.just(LIST), st.none()),
)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("read"), READS, st.sampled_from((None, "en", "sv"))),
        st.tuples(st.just("write"), st.sampled_from((FIRST, SECOND)), st.none()),
    ),
    min_size=1,
    max_size=8,
)
_fresh = itertools.count(1)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=STEPS)
async def test_a_kept_answer_always_equals_a_fresh_run(
    published: RunningApp, http: httpx.AsyncClient, steps: list[tuple[str, Any, Any]]
) -> None:
    for kind, what, language in steps:
        if kind == "write":
            await record(http, published, what)
            continue
        query, promise_id = what
        variables = {} if promise_id is None else {"id": promise_id}
        kept = await post(http, published, query, variables, language=language)
        # The same query with whitespace of its own: a body never asked before, so it runs.
        fresh = await post(
            http, published, query + " " * next(_fresh), variables, language=language
        )
        assert kept == fresh


async def test_with_no_budget_nothing_is_kept(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    async with serve_app(replace(published.settings, kept_answers_mb=0)) as app:
        first = await post(http, app, ONE, {"id": FIRST})
        assert await post(http, app, ONE, {"id": FIRST}) == first
        assert await sent_again(http, app) == 0
        assert (
            'samverkan_kept_answers_total{outcome="run"}'
            not in (await http.get(f"{app.url}/metrics")).text
        )


async def test_requests_that_ask_while_their_answer_is_made_share_one_run_of_the_current_answer(
    published: RunningApp, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The list's kept answer stops standing; while the first request's run is held (its
    documents locked), eleven more ask the same: they share one run, made after they asked."""
    asked = 0
    run = SharedRuns.run

    async def counting(self: SharedRuns[Any, Any], key: Any, make: Any) -> Any:
        nonlocal asked
        if isinstance(key, tuple):  # an answer's run (a group read's key is its pool's id)
            asked += 1
        return await run(self, key, make)

    listed = await post(http, published, LIST)
    await record(http, published, FIRST)
    before = await outcomes(http, published)
    monkeypatch.setattr(SharedRuns, "run", counting)
    admin = await asyncpg.connect(published.settings.database_url)
    try:
        locked = admin.transaction()
        await locked.start()
        await admin.execute("LOCK TABLE documents IN ACCESS EXCLUSIVE MODE")
        burst = [asyncio.create_task(post(http, published, LIST)) for _ in range(12)]
        try:
            async with asyncio.timeout(30):
                while asked < len(burst):
                    await asyncio.sleep(0.01)
        finally:
            await locked.rollback()
        answers = await asyncio.gather(*burst)
    finally:
        await admin.close()
    monkeypatch.undo()
    after = await outcomes(http, published)
    fresh = await post(http, published, LIST + " " * next(_fresh))
    assert answers == [fresh] * len(burst)
    assert fresh != listed
    # The first request's run, held by the lock, then one run for the other eleven.
    assert after["run"] - before.get("run", 0) == 2
    assert after["shared_run"] - before.get("shared_run", 0) == len(burst) - 2
    assert after.get("sent_again", 0) == before.get("sent_again", 0)


async def test_a_request_that_asks_after_a_write_never_gets_a_run_that_began_before_it(
    published: RunningApp, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run reads the list, then is held; an activity is recorded and shown; requests for the
    list asked after that must each get an answer with the activity, never the held run's."""
    from service.web.graphql_view import GraphQLEndpoint

    run, share = GraphQLEndpoint._run, SharedRuns.run
    read, gate = asyncio.Event(), asyncio.Event()
    runs = asked = 0

    async def held_once(self: GraphQLEndpoint, *args: Any) -> None:
        nonlocal runs
        await run(self, *args)
        runs += 1
        if runs == 1:  # the first run has read (and kept) its answer: hold it here
            read.set()
            await gate.wait()

    async def counting(self: SharedRuns[Any, Any], key: Any, make: Any) -> Any:
        nonlocal asked
        if isinstance(key, tuple):  # an answer's run (a group read's key is its pool's id)
            asked += 1
        return await share(self, key, make)

    await record(http, published, FIRST)  # the kept list no longer stands
    monkeypatch.setattr(GraphQLEndpoint, "_run", held_once)
    monkeypatch.setattr(SharedRuns, "run", counting)
    before = asyncio.create_task(post(http, published, LIST))
    async with asyncio.timeout(30):
        await read.wait()
    await record(http, published, FIRST)  # recorded and shown while the first run is held
    after = [asyncio.create_task(post(http, published, LIST)) for _ in range(6)]
    try:
        async with asyncio.timeout(30):  # each has asked for a run while the first is held
            while asked < 1 + len(after):
                await asyncio.sleep(0.01)
    finally:
        gate.set()
    old, new = await before, await asyncio.gather(*after)
    monkeypatch.undo()
    fresh = await post(http, published, LIST + " " * next(_fresh))
    assert new == [fresh] * len(after)
    assert old != fresh
    assert runs == 2  # the held one, then one for the six
