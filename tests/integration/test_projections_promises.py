"""The promise projection on a real log: killed runners, rebuilds, time travel, the public view,
and the `samverkan projections` commands."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg
import pytest

from events.consequences import VOID_SIGNATURES
from events.directory.decider import GrantSigningMandate, RegisterPerson
from events.log.sequencer import load_state, sequence_batch
from events.log.store import StoredEvent, log_size
from events.messages import Command, Principal
from events.promise.commands import (
    AddCommitment,
    AddFocusArea,
    ApproveFollowUp,
    AssessCommitment,
    DraftFollowUp,
    DraftPromise,
    ProposePromise,
    PublishFollowUp,
    PublishPromise,
    RecordActivity,
    RevisePromiseDetails,
    SignPromise,
    StartPromiseAmendment,
)
from events.promise.content import Commitment, FocusArea, Period, PromiseDetails, Target
from projections.documents import DocumentProjection
from projections.rebuild import rebuild
from projections.runner import Runner, apply_next_batch, checkpoint, serving_version
from service import cli, database
from service.bootstrap import build_domain
from service.demo.load import load_demo
from service.dispatcher import Dispatcher
from service.supervisor import Role, Supervisor
from tests.conftest import Database

AT = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)
UB, LPO = "org-upplands-bro", "org-lpo-jarfalla"
PROMISE_ID = "ub-2026-projection"
KEY = f"promise-{PROMISE_ID}"
_ids = itertools.count()

DOCUMENT_ROWS = """
SELECT key, doc, organisations, status, title, valid_from, valid_to, log_index, attention_from
FROM documents WHERE projection = 'promises' AND version = $1 ORDER BY key"""

LIVE_DOCUMENT = """
SELECT p.checkpoint, d.doc, p.version FROM projection_state p
LEFT JOIN documents d ON d.projection = p.projection AND d.version = p.version AND d.key = $1
WHERE p.projection = 'promises' AND p.status = 'serving'"""


class Flaky:
    """A promise projection whose connection dies inside its third batch, like a killed process."""

    def __init__(self, inner: DocumentProjection[Any]) -> None:
        self.inner, self.name, self.batches = inner, inner.name, 0
        self.died = asyncio.Event()

    async def apply(
        self, conn: asyncpg.Connection, version: int, events: Sequence[StoredEvent]
    ) -> None:
        self.batches += 1
        await self.inner.apply(conn, version, events)
        if self.batches == 3:
            self.died.set()  # the process is gone: its runner must not come back
            await conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    async def drop(self, conn: asyncpg.Connection, version: int) -> None:
        await self.inner.drop(conn, version)


class Slow(Flaky):
    """A promise projection that takes its time per batch, so a rebuild can be stopped."""

    async def apply(
        self, conn: asyncpg.Connection, version: int, events: Sequence[StoredEvent]
    ) -> None:
        await self.inner.apply(conn, version, events)
        await asyncio.sleep(0.05)


def projection() -> DocumentProjection[Any]:
    return build_domain().promises


async def sequence(pool: asyncpg.Pool) -> int:
    """Sequence every appended event into the log; return the log size."""
    async with pool.acquire() as conn:
        state = await load_state(conn)
        while await sequence_batch(conn, state, 500):
            pass
        return await log_size(conn)


async def demo_log(dispatcher: Dispatcher) -> int:
    await load_demo(dispatcher, at=AT)
    return await sequence(dispatcher.pool)


async def document_rows(conn: asyncpg.Connection, version: int) -> list[tuple[object, ...]]:
    """Every promise document of `version` with its columns, whole: its activity records read
    back from their rows."""
    rows = await conn.fetch(DOCUMENT_ROWS, version)
    whole = await projection().whole(conn, version, {r[0]: r[1] for r in rows})
    return [(r[0], whole[r[0]], *r[2:]) for r in rows]


def principal(org: str, role: str, person: str | None = None) -> Principal:
    return Principal(
        issuer="test",
        subject=f"{org}-{role}",
        organisation_id=org,
        roles=frozenset({role}),
        person_id=person,
    )


def key() -> dict[str, Any]:
    return {"command_id": f"projection-test-{next(_ids)}", "at": AT}


EDITOR = principal(UB, "editor")
POLICE_EDITOR = principal(LPO, "editor")
PUBLISHER = principal(UB, "publisher")
SIGNERS = {UB: principal(UB, "signatory", "p-ub-kso"), LPO: principal(LPO, "signatory", "p-lpo")}

Step = Callable[[dict[str, Any]], Command]
"""A command built from the promise's current state (for revision numbers and hashes)."""


def sign(party: str) -> Step:
    def step(state: dict[str, Any]) -> Command:
        working = state["working"]
        return SignPromise(
            **key(),
            actor=SIGNERS[party],
            promise_id=PROMISE_ID,
            revision_no=working["revision_no"],
            content_hash=working["content_hash"],
            party_id=party,
        )

    return step


def fixed(command: Callable[[], Command]) -> Step:
    return lambda _: command()


def setup_commands() -> list[Command]:
    """People with signing mandates for both parties (by each party's org_admin)."""
    commands: list[Command] = []
    for org, signer in SIGNERS.items():
        admin = principal(org, "org_admin")
        person = signer.person_id
        assert person is not None
        commands.append(RegisterPerson(**key(), actor=admin, person_id=person, name=person))
        commands.append(
            GrantSigningMandate(
                **key(), actor=admin, mandate_id=f"m-{person}", person_id=person, org_id=org
            )
        )
    return commands


def details(title: str) -> PromiseDetails:
    return PromiseDetails(
        title=title,
        period=Period(valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 12, 31), label="2026"),
    )


def lifecycle() -> list[Step]:
    """Propose, sign once, edit (voiding it), sign again, publish, amend, follow up."""
    p = PROMISE_ID
    commitment = Commitment(
        commitment_id="c1",
        text="Gemensamma trygghetsvandringar i Bro centrum",
        focus_area_id="fa1",
        responsible_ids=(UB, LPO),
        target=Target(comparator=">=", quantity=8, unit="insats"),
    )
    return [
        fixed(
            lambda: DraftPromise(
                **key(),
                actor=EDITOR,
                promise_id=p,
                parties=(UB, LPO),
                details=details("Trygghet i Bro"),
            )
        ),
        fixed(
            lambda: AddFocusArea(
                **key(),
                actor=EDITOR,
                promise_id=p,
                focus_area=FocusArea(focus_area_id="fa1", title="Bro centrum"),
            )
        ),
        fixed(lambda: AddCommitment(**key(), actor=EDITOR, promise_id=p, commitment=commitment)),
        fixed(lambda: ProposePromise(**key(), actor=EDITOR, promise_id=p)),
        sign(LPO),
        fixed(
            lambda: RevisePromiseDetails(
                **key(),
                actor=EDITOR,
                promise_id=p,
                details=details("Trygghet i Bro och Kungsängen"),
                acknowledge=frozenset({VOID_SIGNATURES}),  # it voids the police's signature
            )
        ),
        fixed(lambda: ProposePromise(**key(), actor=EDITOR, promise_id=p)),
        sign(LPO),
        sign(UB),
        fixed(lambda: PublishPromise(**key(), actor=PUBLISHER, promise_id=p, channel="webb")),
        fixed(
            lambda: RecordActivity(
                **key(),
                actor=POLICE_EDITOR,
                promise_id=p,
                record_id="r1",
                commitment_id="c1",
                occurred_on=dt.date(2026, 3, 1),
                performed_by=(LPO, UB),
                summary="Trygghetsvandring",
            )
        ),
        fixed(
            lambda: StartPromiseAmendment(
                **key(), actor=SIGNERS[UB], promise_id=p, reason="Fler platser"
            )
        ),
        fixed(
            lambda: RevisePromiseDetails(
                **key(), actor=EDITOR, promise_id=p, details=details("Ändrat utkast")
            )
        ),
        fixed(
            lambda: DraftFollowUp(
                **key(),
                actor=EDITOR,
                promise_id=p,
                report_id="u1",
                kind="interim",
                covers_from=dt.date(2026, 1, 1),
                covers_to=dt.date(2026, 6, 30),
            )
        ),
        fixed(
            lambda: AssessCommitment(
                **key(),
                actor=EDITOR,
                promise_id=p,
                report_id="u1",
                commitment_id="c1",
                status="partly",
                achieved=1,
            )
        ),
        fixed(lambda: ApproveFollowUp(**key(), actor=SIGNERS[UB], promise_id=p, report_id="u1")),
        fixed(lambda: ApproveFollowUp(**key(), actor=SIGNERS[LPO], promise_id=p, report_id="u1")),
        fixed(
            lambda: PublishFollowUp(
                **key(), actor=PUBLISHER, promise_id=p, report_id="u1", channel="webb"
            )
        ),
    ]


async def live_document(conn: asyncpg.Connection) -> tuple[int, dict[str, Any] | None]:
    """The serving checkpoint and the promise's whole document, read in one snapshot."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        row = await conn.fetchrow(LIVE_DOCUMENT, KEY)
        if row is None or row[1] is None:
            return (-1, None) if row is None else (int(row[0]), None)
        whole = await projection().whole(conn, row[2], {KEY: row[1]})
    return int(row[0]), whole[KEY]


async def drive(
    dispatcher: Dispatcher,
    conn: asyncpg.Connection,
    app_url: str,
    seen: Callable[[int, dict[str, Any]], None],
) -> None:
    """Run the lifecycle one command at a time under a live runner; report each document."""
    await load_demo(dispatcher, at=AT)
    for command in setup_commands():
        await dispatcher.dispatch(command)
    await sequence(dispatcher.pool)
    live = Runner(
        projection=projection(),
        connect=lambda: database.connect(app_url),
        poll_interval=0.02,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(live.run(stop))
    try:
        doc: dict[str, Any] = {"state": {}}
        for step in lifecycle():
            await dispatcher.dispatch(step(doc["state"]))
            head = await sequence(dispatcher.pool)
            async with asyncio.timeout(10):
                while True:
                    at, found = await live_document(conn)
                    if at == head - 1:
                        break
                    await asyncio.sleep(0.01)
            assert found is not None
            doc = found
            seen(at, doc)
    finally:
        stop.set()
        await task


async def test_a_promise_runner_killed_mid_batch_is_resumed_and_equals_a_fold_of_the_log(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    head = await demo_log(dispatcher)
    assert head > 50
    conn = await database.connect(fresh_db.app_url)
    try:
        dying = Flaky(projection())
        flaky = Runner(
            projection=dying,
            connect=lambda: database.connect(fresh_db.app_url),
            batch_size=10,
            standby_interval=0.05,
        )
        standby = Runner(
            projection=projection(),
            connect=lambda: database.connect(fresh_db.app_url),
            batch_size=10,
            standby_interval=0.05,
        )
        stop = asyncio.Event()
        # Crash-only: the killed runner's run ends with the error; its supervisor sees
        # `dying.died` set and lets it end.
        first = asyncio.create_task(Supervisor().supervise(Role("promises", flaky.run), dying.died))
        async with asyncio.timeout(10):
            while not (flaky.is_leader or dying.batches):
                await asyncio.sleep(0.01)
        second = asyncio.create_task(standby.run(stop))
        async with asyncio.timeout(20):
            while await checkpoint(conn, "promises", 1) < head - 1:
                await asyncio.sleep(0.02)
        stop.set()
        await asyncio.gather(first, second)
        assert dying.batches >= 3, "the runner was never killed"
        assert standby.applied > 0, "the standby never took over"

        fold = projection()
        rows = await document_rows(conn, 1)
        streams = await conn.fetch(
            "SELECT DISTINCT stream_id FROM events WHERE stream_id LIKE 'promise-%'"
        )
        assert sorted(str(r[0]) for r in rows) == sorted(r[0] for r in streams)
        for key, doc, *_ in rows:
            assert doc == await fold.as_of(conn, str(key), head - 1), key
    finally:
        await conn.close()


async def test_a_rebuild_of_the_promises_equals_the_live_documents_even_after_a_crash(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    head = await demo_log(dispatcher)
    conn = await database.connect(fresh_db.app_url)
    try:
        live = Runner(
            projection=projection(),
            connect=lambda: database.connect(fresh_db.app_url),
            batch_size=25,
        )
        await live.run(asyncio.Event(), until_caught_up=True)
        expected = await document_rows(conn, 1)
        assert len(expected) >= 3

        crashing = asyncio.create_task(
            rebuild(Slow(projection()), lambda: database.connect(fresh_db.app_url), batch_size=10)
        )
        async with asyncio.timeout(10):
            while await checkpoint(conn, "promises", 2) < 30:
                await asyncio.sleep(0.01)
        crashing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await crashing
        assert 0 < await checkpoint(conn, "promises", 2) < head - 1
        assert await serving_version(conn, "promises") == 1

        result = await rebuild(
            projection(), lambda: database.connect(fresh_db.app_url), batch_size=10
        )
        assert (result.old_version, result.new_version, result.events) == (1, 2, head)
        assert await serving_version(conn, "promises") == 2
        assert await document_rows(conn, 2) == expected
        assert await document_rows(conn, 1) == []
    finally:
        await conn.close()


async def test_a_promise_as_of_each_checkpoint_equals_the_live_document_seen_then(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    recorded: dict[int, dict[str, Any]] = {}
    conn = await database.connect(fresh_db.app_url)
    try:
        await drive(dispatcher, conn, fresh_db.app_url, lambda k, doc: recorded.update({k: doc}))
        assert len(recorded) == len(lifecycle())
        fold = projection()
        for k, doc in recorded.items():
            assert await fold.as_of(conn, KEY, k) == doc, f"as of {k}"
        statuses = [doc["state"]["status"] for _, doc in sorted(recorded.items())]
        assert statuses[0] == "draft" and "in_force" in statuses
    finally:
        await conn.close()


def check_public(doc: dict[str, Any]) -> str | None:
    """Assert the public view shows nothing unpublished; return the public title if any."""
    state, public = doc["state"], doc.get("public")
    if public is None:
        return None
    revision = public["revision"]
    in_force = state["in_force"]
    assert in_force is not None and revision == in_force, "only the revision in force is public"
    assert revision["stage"] == "in_force"
    assert any(p["revision_no"] == revision["revision_no"] for p in public["publications"])
    voided = {
        (s["revision_no"], s["content_hash"], s["party_id"]) for s in state["voided_signatures"]
    }
    for signature in revision["signatures"]:
        assert signature["content_hash"] == revision["content_hash"]
        assert (
            signature["revision_no"],
            signature["content_hash"],
            signature["party_id"],
        ) not in voided
    working = state.get("working")
    if working is not None:
        assert working["revision_no"] != revision["revision_no"]
    unpublished = {f["report_id"] for f in state["follow_ups"] if not f["published"]}
    assert all(f["published"] for f in public["follow_ups"])
    assert not unpublished & {f["report_id"] for f in public["follow_ups"]}
    title: str = revision["content"]["details"]["title"]
    return title


async def test_the_public_view_never_shows_a_draft_a_voided_revision_or_an_unpublished_follow_up(
    fresh_db: Database, dispatcher: Dispatcher
) -> None:
    seen: list[tuple[str, str | None, int, bool]] = []

    def observe(_: int, doc: dict[str, Any]) -> None:
        public = doc.get("public")
        follow_ups = len(public["follow_ups"]) if public else 0
        seen.append(
            (
                doc["state"]["status"],
                check_public(doc),
                follow_ups,
                bool(doc["state"]["voided_signatures"]),
            )
        )

    conn = await database.connect(fresh_db.app_url)
    try:
        await drive(dispatcher, conn, fresh_db.app_url, observe)
    finally:
        await conn.close()
    titles = [title for _, title, _, _ in seen]
    published_at = titles.index("Trygghet i Bro och Kungsängen")
    assert published_at == 9, seen  # nothing is public before PublishPromise
    assert all(t is None for t in titles[:published_at])
    assert seen[5][3], "the edit after the first signature voided it"
    # The amendment's draft never reaches citizens; the revision in force stays public.
    assert titles[published_at:] == ["Trygghet i Bro och Kungsängen"] * (len(seen) - published_at)
    assert [n for _, _, n, _ in seen] == [0] * (len(seen) - 1) + [1]


async def test_the_projections_commands_print_status_and_rebuild_the_promises(
    fresh_db: Database,
    dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Any,
) -> None:
    head = await demo_log(dispatcher)
    live = Runner(projection=projection(), connect=lambda: database.connect(fresh_db.app_url))
    await live.run(asyncio.Event(), until_caught_up=True)
    monkeypatch.setenv("DATABASE_URL", fresh_db.admin_url)
    monkeypatch.setenv("SAMVERKAN_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SAMVERKAN_APP_DATABASE_URL", raising=False)

    assert await asyncio.to_thread(cli.main, ["projections", "status"]) == 0
    status = capsys.readouterr().out.splitlines()
    assert status[0].split() == ["projection", "version", "status", "checkpoint", "lag"]
    assert status[1].split() == ["promises", "1", "serving", str(head - 1), "0"]

    assert await asyncio.to_thread(cli.main, ["projections", "rebuild", "promises"]) == 0
    out = capsys.readouterr().out
    assert f"rebuilt promises: version 1 -> 2, {head} events" in out

    assert await asyncio.to_thread(cli.main, ["projections", "status"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    assert ["promises", "1", "retired", str(head - 1), "0"] in rows
    assert ["promises", "2", "serving", str(head - 1), "0"] in rows


async def test_a_directory_with_people_but_no_organisation_yet_is_projected(
    dispatcher: Dispatcher,
) -> None:
    admin = principal("org-upplands-bro", "org_admin")
    await dispatcher.dispatch(RegisterPerson(**key(), actor=admin, person_id="p-1", name="P"))
    await sequence(dispatcher.pool)
    directory = next(p for p in build_domain().projections if p.name == "directory")
    async with dispatcher.pool.acquire() as conn:
        version = await serving_version(conn, "directory")
        assert await apply_next_batch(conn, directory, version, 100) == 1
        orgs = await conn.fetchval(
            "SELECT organisations FROM documents WHERE projection = 'directory' AND version = $1",
            version,
        )
    assert orgs == []
