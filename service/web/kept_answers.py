"""Answers to anonymous GraphQL reads, kept and sent again while what they were read from stands.

An anonymous query's answer is a function of its request body, the language, the day and the
serving documents of the projections its resolvers read. A projection's documents change only
in a batch that writes its rows, which records where it did (`changed_at`, in the standing),
or with a new serving version, so while each projection a query read stands where it stood
before the query ran, the same body in the same
language on the same day has the same answer: it is sent again without running the query.

An answer made only from documents read one by one (`note_document`: one promise, one
agreement) is kept by the marks of those documents instead — their serving version and the
log index each was last changed at — and sent again while a read of those marks finds them
unchanged, whatever else changed in their projections: under writes to some promises, the
answers about the others stay kept.

While an anonymous query runs, the request's reader notes which projections it reads
(`note`). Anything else — the log, the streams, a consistency wait, time travel, a read on
another pool than the one the standing was read on (a replica that failed over), an error in
the answer, an operation that is not a query — makes the answer one that is not kept. Where
the projections stand is one shared read per burst of requests, the one the public pages make
(`freshness.Versions.standing`), read before the query runs: documents are read after it, so
they are never older than the marks they are kept under.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field

import asyncpg
from starlette.types import Message
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from projections.serving import DocumentMark, document_marks
from service.web.byte_budget import ByteBudget
from service.web.public.freshness import parse_standing

KEPT_BYTES = 32 * 2**20
"""Bytes of kept answers (request bodies included) per API process; least recently sent out."""

MAX_KEPT_BODY = 16 * 1024
"""Requests with a larger body are answered as always, never kept."""

Key = tuple[bytes, str, dt.date]
"""The request body, the language and the day (in Sweden, as the resolvers' `today`)."""


@dataclass(slots=True)
class Reading:
    """What one anonymous query read: the projections, and whether all of it was theirs."""

    pool: asyncpg.Pool
    projections: set[str] = field(default_factory=set)
    documents: dict[tuple[str, str], DocumentMark | None] = field(default_factory=dict)
    """Documents read one by one: their marks as read (None: there was none)."""
    exact: bool = True


_reading: contextvars.ContextVar[Reading | None] = contextvars.ContextVar(
    "kept_answer_reading", default=None
)


def note(pool: asyncpg.Pool, projections: Collection[str]) -> None:
    """A read of the serving documents of `projections` on `pool` (none: something else)."""
    reading = _reading.get()
    if reading is None:
        return
    if not projections or pool is not reading.pool:
        reading.exact = False
    else:
        reading.projections.update(projections)


def note_document(pool: asyncpg.Pool, projection: str, key: str, mark: DocumentMark | None) -> None:
    """A read of one serving document (of `projection`, `key`) that found it at `mark`."""
    reading = _reading.get()
    if reading is None:
        return
    if pool is not reading.pool or reading.documents.get((projection, key), mark) != mark:
        reading.exact = False  # another pool, or the document changed between two reads
    else:
        reading.documents[(projection, key)] = mark


def not_kept() -> None:
    """The answer being made must not be kept (an error, a mutation, …)."""
    reading = _reading.get()
    if reading is not None:
        reading.exact = False


@dataclass(frozen=True, slots=True)
class Answer:
    """A kept answer and the marks it was read at: of each projection (its version and where
    it last changed), or of each document when it was read from documents alone."""

    marks: tuple[tuple[str, str], ...]
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    operation: str | None
    documents: tuple[tuple[tuple[str, str], DocumentMark | None], ...] = ()

    def current(self, stand: Mapping[str, str]) -> bool:
        """Whether each projection it was read from stands as it did (never, for an answer
        kept by its documents: `documents_current`)."""
        return not self.documents and all(
            stand.get(projection) == mark for projection, mark in self.marks
        )

    def documents_current(self, now: Mapping[tuple[str, str], DocumentMark]) -> bool:
        """Whether each document it was read from is where it was (`now`: the marks of those
        that exist)."""
        return bool(self.documents) and all(now.get(key) == mark for key, mark in self.documents)


class KeptAnswers:
    """The kept answers of one API process (bounded by bytes, least recently sent out).
    `standing` reads where the serving projections stand (`freshness.STANDING`'s string, one
    read shared by concurrent callers: the public pages' own, `freshness.Versions.standing`)."""

    def __init__(
        self,
        standing: Callable[[asyncpg.Pool], Awaitable[str]],
        budget: int = KEPT_BYTES,
    ) -> None:
        self._answers: ByteBudget[Key, Answer] = ByteBudget(budget, _size)
        self._standing = standing

    async def standing(self, pool: asyncpg.Pool) -> dict[str, str]:
        """Where every serving projection stands on `pool`, read after this call began."""
        return parse_standing(await self._standing(pool))

    def kept(self, key: Key) -> Answer | None:
        """The answer kept for `key`, current or not."""
        return self._answers.get(key)

    async def documents_current(self, pool: asyncpg.Pool, answer: Answer) -> bool:
        """Whether the documents `answer` was read from are where they were on `pool` (read
        after this call began); False for an answer kept by its projections."""
        if not answer.documents:
            return False
        now = await document_marks(pool, [key for key, _ in answer.documents])
        return answer.documents_current(now)

    def keep(self, key: Key, reading: Reading, stand: Mapping[str, str], made: Made) -> None:
        """Keep what `reading` made: by its documents when it read documents alone, else by
        the projections it read (a document read one by one counts as a read of its
        projection), when they all stand in `stand`."""
        if not reading.exact or made.status != 200:
            return
        documents: tuple[tuple[tuple[str, str], DocumentMark | None], ...] = ()
        projections = set(reading.projections)
        if not projections:
            documents = tuple(sorted(reading.documents.items()))
        else:
            projections.update(projection for projection, _ in reading.documents)
        if not projections and not documents:
            return
        if any(p not in stand for p in projections):
            return  # a projection that does not serve yet
        answer = Answer(
            marks=tuple(sorted((p, stand[p]) for p in projections)),
            status=made.status,
            headers=list(made.headers),
            body=b"".join(made.body),
            operation=made.operation,
            documents=documents,
        )
        self._answers.put(key, answer)

    @property
    def budget(self) -> int:
        """Bytes of answers kept at most."""
        return self._answers.budget

    @property
    def kept_bytes(self) -> int:
        return self._answers.kept_bytes

    def __len__(self) -> int:
        return len(self._answers)


def _size(key: Key, answer: Answer) -> int:
    return len(key[0]) + len(answer.body) + sum(len(k) + len(v) for k, v in answer.headers) + 200


@dataclass(slots=True)
class Made:
    """A response as the view sends it, held while `reading` may still be kept and it fits
    `budget`: nothing is held of one that will not be (a subscription's stream over HTTP may
    run for an hour)."""

    reading: Reading
    budget: int
    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: list[bytes] = field(default_factory=list)
    size: int = 0
    operation: str | None = None

    def take(self, message: Message) -> None:
        """Hold what `message` (an ASGI send) adds to the response."""
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", ()))
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            self.size += len(chunk)
            if self.reading.exact and self.size <= self.budget:
                self.body.append(chunk)
            else:
                self.reading.exact = False
                self.body.clear()


@contextlib.contextmanager
def reading(pool: asyncpg.Pool) -> Iterator[Reading]:
    """Note what the query run in this block reads (on `pool`)."""
    found = Reading(pool)
    token = _reading.set(found)
    try:
        yield found
    finally:
        _reading.reset(token)


class QueriesOnly(SchemaExtension):
    """A mutation's or subscription's answer is never kept."""

    def on_execute(self) -> Iterator[None]:
        if _reading.get() is not None:
            try:
                operation = self.execution_context.operation_type
            except RuntimeError:  # no document: nothing ran
                operation = None
            if operation is not OperationType.QUERY:
                not_kept()
        yield
