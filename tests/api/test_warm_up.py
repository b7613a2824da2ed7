"""The warm-up a node sends itself before it listens: every request answered, nothing written,
on a database with published promises and on an empty one."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from pathlib import Path

import asyncpg
import orjson
from starlette.applications import Starlette

from service.web.app import create_app
from service.web.warm import PROMISES, call, warm_up
from tests.api.conftest import settings_for
from tests.api.test_open_data_demo import PROMISE_2018, PROMISE_2023
from tests.conftest import Database

COPIES = 3


async def written(db: Database) -> tuple[int, int]:
    """Events in the log and command rows: what a write would add to."""
    conn = await asyncpg.connect(db.admin_url)
    try:
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM log), (SELECT count(*) FROM commands)"
        )
        assert row is not None
        return int(row[0]), int(row[1])
    finally:
        await conn.close()


async def listed(app: Starlette, state: dict[str, object]) -> set[str]:
    answer = await call(
        app,
        state,
        "POST",
        "/graphql",
        body=orjson.dumps({"query": "{ promises(first: 100) { promises { id } } }"}),
        headers={"content-type": "application/json"},
        request_id="test",
    )
    assert answer.status == 200, answer.body[:300]
    return {p["id"] for p in orjson.loads(answer.body)["data"]["promises"]["promises"]}


async def load_and_project_the_demo(db: Database, data_dir: Path) -> None:
    """Run a dev-mode app (it loads the demo; its workers project it) until the demo's
    published promises are listed anonymously."""
    app = create_app(settings_for(db, data_dir, dev=True))
    async with app.router.lifespan_context(app) as state:
        async with asyncio.timeout(60):
            while not {PROMISE_2018, PROMISE_2023} <= await listed(app, state):
                await asyncio.sleep(0.1)


async def test_a_warm_up_answers_every_public_path_of_published_promises_and_writes_nothing(
    fresh_db: Database, tmp_path: Path
) -> None:
    await load_and_project_the_demo(fresh_db, tmp_path / "demo")
    # As deployed, and without workers: nothing but the warm-up's requests may write.
    app = create_app(settings_for(fresh_db, tmp_path / "node", dev=False), run_workers=False)
    async with app.router.lifespan_context(app) as state:
        published = sorted(await listed(app, state))
        before = await written(fresh_db)
        warmed = await warm_up(app, state, parallel=COPIES)
        assert await written(fresh_db) == before

    assert len(published) >= PROMISES
    statuses = Counter(warmed.answers)
    assert statuses[("POST", "/graphql", 200)] == COPIES * (1 + PROMISES)
    assert statuses[("GET", "/p/", 200)] == COPIES
    assert statuses[("GET", "/open-data/promises.csv", 200)] == COPIES
    pages = [path for method, path, _ in warmed.answers if path.startswith("/p/") and path != "/p/"]
    assert len(set(pages)) == PROMISES and set(pages) <= {f"/p/{p}" for p in published}
    for page in set(pages):
        # each copy asks for the page, then again with its ETag: the second is a 304
        assert statuses[("GET", page, 200)] == COPIES
        assert statuses[("GET", page, 304)] == COPIES
    assert warmed.answered == len(warmed.answers) == COPIES * (3 + 3 * PROMISES)


async def test_a_warm_up_on_an_empty_database_answers_the_list_the_index_and_open_data(
    fresh_db: Database, tmp_path: Path
) -> None:
    settings = replace(settings_for(fresh_db, tmp_path, dev=False), warm_up=COPIES)
    app = create_app(settings, run_workers=False)
    async with app.router.lifespan_context(app) as state:
        warmed = await warm_up(app, state, parallel=settings.warm_up)
        assert await written(fresh_db) == (0, 0)
    assert Counter(warmed.answers) == {
        ("POST", "/graphql", 200): COPIES,
        ("GET", "/p/", 200): COPIES,
        ("GET", "/open-data/promises.csv", 200): COPIES,
    }
