"""The bookkeeping of kept anonymous answers (service/web/kept_answers.py): what a reading
may be kept under, the marks it is current for, the byte budget, and that only a query's
answer is kept."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import asyncpg
import strawberry

from service.web import kept_answers
from service.web.kept_answers import KeptAnswers, Made, QueriesOnly, parse_standing

POOL = cast(asyncpg.Pool, object())
OTHER_POOL = cast(asyncpg.Pool, object())
DAY = dt.date(2026, 12, 4)
STAND = parse_standing("agreements:1:40,directory:2:41,promises:1:42")


async def unread(pool: asyncpg.Pool) -> str:
    raise AssertionError("these tests give the standing themselves")


def made(body: bytes = b'{"data":{}}', status: int = 200) -> Made:
    response = Made(kept_answers.Reading(POOL), budget=2**20)
    response.take(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    response.take({"type": "http.response.body", "body": body})
    return response


def current(answers: KeptAnswers, key: kept_answers.Key, stand: dict[str, str]) -> bool:
    """Whether the answer kept for `key` is current at `stand` (as the view asks)."""
    kept = answers.kept(key)
    return kept is not None and kept.current(stand)


def kept_after(*reads: tuple[asyncpg.Pool, tuple[str, ...]]) -> kept_answers.Reading:
    with kept_answers.reading(POOL) as found:
        for pool, projections in reads:
            kept_answers.note(pool, projections)
    return found


def test_the_standing_is_read_as_each_projections_version_and_checkpoint() -> None:
    assert STAND == {"agreements": "1:40", "directory": "2:41", "promises": "1:42"}
    assert parse_standing("") == {}


def test_an_answer_is_current_while_the_projections_it_read_stand_where_they_stood() -> None:
    answers = KeptAnswers(unread)
    key = (b"{}", "sv", DAY)
    answers.keep(key, kept_after((POOL, ("promises",))), STAND, made())
    assert current(answers, key, STAND)
    moved_elsewhere = {**STAND, "agreements": "1:99"}
    assert current(answers, key, moved_elsewhere)  # it read no agreement
    assert not current(answers, key, {**STAND, "promises": "1:43"})
    assert not current(answers, key, {**STAND, "promises": "2:42"})  # a new version serves
    assert not current(answers, (b"{}", "en", DAY), STAND)


def test_an_answer_read_from_documents_alone_is_current_while_they_stand_where_they_stood() -> None:
    answers = KeptAnswers(unread)
    key = (b"one", "sv", DAY)
    with kept_answers.reading(POOL) as found:
        kept_answers.note_document(POOL, "promises", "promise-a", (1, 42))
        kept_answers.note_document(POOL, "promises", "promise-none", None)
    answers.keep(key, found, STAND, made())
    kept = answers.kept(key)
    assert kept is not None and kept.marks == ()
    assert not kept.current(STAND)  # never by the projections' standing
    assert kept.documents_current({("promises", "promise-a"): (1, 42)})
    assert kept.documents_current({("promises", "promise-a"): (1, 42), ("promises", "b"): (1, 9)})
    assert not kept.documents_current({("promises", "promise-a"): (1, 43)})  # changed
    assert not kept.documents_current({("promises", "promise-a"): (2, 42)})  # a new version
    assert not kept.documents_current({})  # promise-a is gone
    assert not kept.documents_current(
        {("promises", "promise-a"): (1, 42), ("promises", "promise-none"): (1, 50)}
    )  # the one that was not there is there now


def test_documents_read_beside_a_whole_projection_keep_the_answer_by_the_projections() -> None:
    answers = KeptAnswers(unread)
    key = (b"mixed", "sv", DAY)
    with kept_answers.reading(POOL) as found:
        kept_answers.note_document(POOL, "agreements", "agreement-a", (1, 40))
        kept_answers.note(POOL, ("promises",))
    answers.keep(key, found, STAND, made())
    kept = answers.kept(key)
    assert kept is not None and kept.documents == ()
    assert kept.marks == (("agreements", "1:40"), ("promises", "1:42"))


def test_a_document_that_changed_between_two_reads_of_one_answer_is_not_kept() -> None:
    answers = KeptAnswers(unread)
    with kept_answers.reading(POOL) as found:
        kept_answers.note_document(POOL, "promises", "promise-a", (1, 42))
        kept_answers.note_document(POOL, "promises", "promise-a", (1, 43))
    answers.keep((b"torn", "sv", DAY), found, STAND, made())
    with kept_answers.reading(POOL) as elsewhere:
        kept_answers.note_document(OTHER_POOL, "promises", "promise-a", (1, 42))
    answers.keep((b"elsewhere", "sv", DAY), elsewhere, STAND, made())
    assert len(answers) == 0


def test_what_read_anything_else_or_elsewhere_or_failed_is_not_kept() -> None:
    answers = KeptAnswers(unread)
    cases = {
        b"log": kept_after((POOL, ("promises",)), (POOL, ())),
        b"other pool": kept_after((OTHER_POOL, ("promises",))),
        b"nothing": kept_after(),
        b"not serving": kept_after((POOL, ("surveys",))),
    }
    for body, found in cases.items():
        answers.keep((body, "sv", DAY), found, STAND, made())
    answers.keep((b"500", "sv", DAY), kept_after((POOL, ("promises",))), STAND, made(status=500))
    with kept_answers.reading(POOL) as failed:
        kept_answers.note(POOL, ("promises",))
        kept_answers.not_kept()
    answers.keep((b"failed", "sv", DAY), failed, STAND, made())
    assert len(answers) == 0


def test_noting_outside_an_anonymous_read_records_nothing() -> None:
    kept_answers.note(POOL, ())
    kept_answers.not_kept()
    assert kept_answers._reading.get() is None


def test_kept_answers_stay_within_their_byte_budget_least_recently_sent_out() -> None:
    answers = KeptAnswers(unread, budget=3000)
    reading = kept_after((POOL, ("promises",)))
    for n in range(6):
        answers.keep((b"q%d" % n, "sv", DAY), reading, STAND, made(bytes(500)))
    assert answers.kept_bytes <= 3000
    assert not current(answers, (b"q0", "sv", DAY), STAND)
    assert current(answers, (b"q5", "sv", DAY), STAND)
    answers.keep((b"huge", "sv", DAY), reading, STAND, made(bytes(4000)))
    assert not current(answers, (b"huge", "sv", DAY), STAND)


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        kept_answers.note(POOL, ("promises",))
        return "hej"


@strawberry.type
class Mutation:
    @strawberry.mutation
    def touch(self) -> str:
        kept_answers.note(POOL, ("promises",))
        return "ok"


SCHEMA = strawberry.Schema(query=Query, mutation=Mutation, extensions=[QueriesOnly])


async def run(document: str) -> tuple[Any, bool]:
    with kept_answers.reading(POOL) as found:
        result = await SCHEMA.execute(document)
    return result.data, found.exact


async def test_only_a_querys_answer_may_be_kept() -> None:
    assert await run("{ hello }") == ({"hello": "hej"}, True)
    assert await run("mutation { touch }") == ({"touch": "ok"}, False)


def test_nothing_is_held_of_a_response_that_will_not_be_kept_or_does_not_fit() -> None:
    streamed = Made(kept_answers.Reading(POOL), budget=1000)
    streamed.take({"type": "http.response.start", "status": 200, "headers": []})
    streamed.take({"type": "http.response.body", "body": bytes(400), "more_body": True})
    assert streamed.body == [bytes(400)]
    for _ in range(50):  # a stream far beyond the budget: nothing of it stays once past it
        streamed.take({"type": "http.response.body", "body": bytes(400), "more_body": True})
        assert sum(map(len, streamed.body)) == (0 if streamed.size > 1000 else streamed.size)
    assert not streamed.reading.exact

    with kept_answers.reading(POOL) as subscription:
        kept_answers.not_kept()
    pushed = Made(subscription, budget=2**20)
    for _ in range(50):
        pushed.take({"type": "http.response.body", "body": b"--graphql\r\n", "more_body": True})
    assert pushed.body == []
