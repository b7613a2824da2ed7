"""The survey and indicator read models: applied batch by batch, every stored document equals
time travel to that log index, and a blue/green rebuild equals the live documents row by row.
The survey numbers are made-up TEST DATA (tests.integration.test_indicators)."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from events.indicator import CorrectIndicatorValue, UnlinkIndicator, ValueSource
from events.survey import CorrectSurvey, SurveyResult
from projections.documents import DocumentProjection
from projections.rebuild import rebuild
from projections.runner import apply_next_batch, checkpoint, serving_version
from service import database
from service.bootstrap import build_domain
from service.demo.load import load_demo
from service.dispatcher import Dispatcher
from tests.conftest import Database
from tests.integration.test_indicators import AT, EDITOR, PROMISE_ID, QUESTION, key, scenario
from tests.integration.test_projections_promises import sequence

ROWS = """
SELECT key, doc, organisations, status, title, valid_from, valid_to, log_index, attention_from
FROM documents WHERE projection = $1 AND version = $2 ORDER BY key"""


def projection(name: str) -> DocumentProjection[Any]:
    found = next(p for p in build_domain().projections if p.name == name)
    assert isinstance(found, DocumentProjection)
    return found


async def rows(conn: asyncpg.Connection, name: str, version: int) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await conn.fetch(ROWS, name, version)]


@pytest.mark.parametrize("name", ["surveys", "indicators"])
async def test_surveys_and_indicators_project_batch_by_batch_as_time_travel_and_rebuild_say(
    fresh_db: Database, dispatcher: Dispatcher, name: str
) -> None:
    await load_demo(dispatcher, at=AT)
    for command in scenario():
        await dispatcher.dispatch(command)
    for command in (
        CorrectSurvey(
            **key(),
            actor=EDITOR,
            survey_id="test-enkat-2023",
            asked=800,
            respondents=372,
            results=(SurveyResult(question_id="otrygg-morker", question=QUESTION, share="24.5"),),
            reason="Ett sent svar (testdata)",
        ),
        CorrectIndicatorValue(
            **key(),
            actor=EDITOR,
            indicator_id="test-otrygga-centrum",
            period="2023",
            value="35.5",
            source=ValueSource(stated="Omräknad (testdata)"),
            reason="Viktad på nytt (testdata)",
        ),
        UnlinkIndicator(
            **key(), actor=EDITOR, indicator_id="test-otrygga-centrum", promise_id=PROMISE_ID
        ),
    ):
        await dispatcher.dispatch(command)
    head = await sequence(dispatcher.pool)
    folded = projection(name)
    conn = await database.connect(fresh_db.app_url)
    try:
        assert await serving_version(conn, name) == 1
        compared = 0
        while await apply_next_batch(conn, folded, 1, 7):
            at = await checkpoint(conn, name, 1)
            for key_, doc, *_ in await rows(conn, name, 1):
                assert doc == await folded.as_of(conn, str(key_), at), (key_, at)
                compared += 1
        assert compared > 0
        assert await checkpoint(conn, name, 1) == head - 1
        live = await rows(conn, name, 1)
        assert len(live) == 2  # two surveys, or two indicators

        result = await rebuild(projection(name), lambda: database.connect(fresh_db.app_url))
        assert await rows(conn, name, result.new_version) == live
    finally:
        await conn.close()
