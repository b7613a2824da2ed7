"""The PostgreSQL reader behind the GraphQL context: projections, the log, consistency waits.

With a streaming replica configured, reads go to the replica. A read with a consistency token
waits (bounded) until the replica has replayed and projected past the token's write, then falls
back to the primary for the rest of that request; so does a read the replica cannot serve.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from events.log import store
from projections import activities as activity_records
from projections import history, indicators, places, serving, situation, surveys, walks
from projections.agreements import NAME as AGREEMENTS
from projections.documents import DocumentProjection
from projections.promises import NAME as PROMISES
from service.settings import WITNESSES
from service.web import kept_answers
from service.web.group_read import GroupRead

_log = logging.getLogger(__name__)

REPLICA_FAILURES: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.SerializationError,
)
"""Errors after which a replica read is retried on the primary: the replica is unreachable,
restarting, or cancelled the query in a conflict with recovery."""


@dataclass(slots=True)
class ReadRoute:
    """Where reads go: a replica pool (if any) with the primary behind it.

    After a replica failure the replica is skipped for `retry_after_s`, so requests do not pay
    for a dead replica one by one.
    """

    primary: asyncpg.Pool
    replica: asyncpg.Pool | None = None
    wait_s: float = 1.0
    """How long a read with a consistency token waits for the replica."""
    retry_after_s: float = 2.0
    _down_until: float = field(default=0.0, repr=False)

    def read_pool(self) -> asyncpg.Pool:
        """The replica while it is usable, else the primary."""
        if self.replica is not None and time.monotonic() >= self._down_until:
            return self.replica
        return self.primary

    def replica_failed(self, exc: BaseException) -> None:
        """Skip the replica for a while after `exc`."""
        if time.monotonic() >= self._down_until:
            _log.warning(
                "replica read failed (%s: %s); reading the primary", type(exc).__name__, exc
            )
        self._down_until = time.monotonic() + self.retry_after_s


T = TypeVar("T")

LOCATE_EVENT = """
SELECT e.stream_id, l.log_index FROM events e JOIN log l ON l.event_pk = e.id
WHERE e.event_id = $1"""

LOG_INDEX_AT = """
SELECT max(l.log_index) FROM log l JOIN events e ON e.id = l.event_pk
WHERE e.recorded_at <= $1"""


def checkpoint_reads(projections: Sequence[str]) -> GroupRead[int]:
    """The serving checkpoint of `projections`, one read shared by concurrent waiters: a burst
    of reads waiting for their consistency tokens polls it a few times per round, not once per
    request."""
    names = tuple(projections)
    return GroupRead(lambda pool: serving.serving_checkpoint(pool, names))


@dataclass(slots=True)
class PgReader:
    """Reads for one request; `projections` names those a consistency wait must cover.

    `pool` is where this request reads now; with a `route` that has a replica it starts on the
    replica and moves to the primary (for the rest of the request) when the replica is behind a
    consistency token or fails.
    """

    pool: asyncpg.Pool
    projections: tuple[str, ...]
    folds: Mapping[str, DocumentProjection[Any]]
    witnesses: tuple[str, ...] = WITNESSES
    log_vkey_file: Path | None = None
    """The log's verifier key file (beside its signing key); None: not known to this reader."""
    poll_interval: float = 0.01
    route: ReadRoute | None = None
    checkpoints: GroupRead[int] | None = None
    """Where every one of `projections` stands (`serving_checkpoint`), read once for all the
    requests waiting at the same time (built once per app by `checkpoint_reads`); None reads
    it per request."""
    _replica_deadline: float | None = field(default=None, repr=False)

    def log_verifier_key(self) -> str | None:
        """The log's verifier key, read from its file when asked (the embedded default makes
        the key pair in the data directory after the app started); None without one."""
        if self.log_vkey_file is None:
            return None
        try:
            return self.log_vkey_file.read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    @property
    def on_replica(self) -> bool:
        """True while this request reads from the replica."""
        return self.route is not None and self.pool is self.route.replica

    def _to_primary(self) -> None:
        if self.route is not None:
            self.pool = self.route.primary

    async def _read(
        self, query: Callable[[asyncpg.Pool], Awaitable[T]], reads: Collection[str] | None = ()
    ) -> T:
        """Run `query` on this request's pool; on a replica failure, again on the primary.
        `reads` names the projections whose serving documents (and rows) the query reads and
        nothing else; empty: it reads something else too (the log, the streams), which an
        anonymous answer kept by the projections' checkpoints cannot follow
        (service.web.kept_answers); None: the caller notes what it read."""
        if not self.on_replica:
            found = await query(self.pool)
        else:
            try:
                found = await query(self.pool)
            except REPLICA_FAILURES as exc:
                assert self.route is not None
                self.route.replica_failed(exc)
                self._to_primary()
                found = await query(self.pool)
        if reads is not None:
            kept_answers.note(self.pool, reads)
        return found

    def _replica_wait_left(self) -> float:
        """Seconds this request may still wait for the replica (one budget per request)."""
        assert self.route is not None
        now = time.monotonic()
        if self._replica_deadline is None:
            self._replica_deadline = now + self.route.wait_s
        return max(0.0, self._replica_deadline - now)

    async def _until(
        self, probe: Callable[[asyncpg.Pool], Awaitable[T | None]], timeout_s: float
    ) -> T | None:
        """Poll `probe` until it answers; the replica for its budget, then the primary."""
        kept_answers.not_kept()  # what it waits for is the log's, not a projection's
        deadline = time.monotonic() + timeout_s
        if self.on_replica:
            replica_deadline = min(deadline, time.monotonic() + self._replica_wait_left())
            try:
                while True:
                    found = await probe(self.pool)
                    if found is not None:
                        return found
                    if time.monotonic() >= replica_deadline:
                        break
                    await asyncio.sleep(self.poll_interval)
            except REPLICA_FAILURES as exc:
                assert self.route is not None
                self.route.replica_failed(exc)
            _log.debug("replica behind a consistency token; reading the primary")
            self._to_primary()
        while True:
            found = await probe(self.pool)
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(self.poll_interval)

    async def audit(self, read: Callable[[Any], Awaitable[T]]) -> T:
        """Run an audit-log read on a pooled connection."""

        async def run(pool: asyncpg.Pool) -> T:
            async with pool.acquire() as conn:
                return await read(conn)

        return await self._read(run)

    async def locate_event(self, event_id: uuid.UUID) -> tuple[str, int] | None:
        """The stream and log index of a sequenced event."""
        row = await self._read(lambda p: p.fetchrow(LOCATE_EVENT, event_id))
        return None if row is None else (row[0], int(row[1]))

    async def document_at(self, projection: str, key: str) -> tuple[int, dict[str, Any]] | None:
        """One serving document with the log index it was last changed at (an anonymous
        answer made of such reads alone is kept by their marks: kept_answers.note_document)."""
        found = await self._read(lambda p: serving.marked_document(p, projection, key), None)
        kept_answers.note_document(self.pool, projection, key, None if found is None else found[0])
        return None if found is None else (found[0][1], found[1])

    async def log_index_at(self, moment: dt.datetime) -> int | None:
        """The last log index recorded at or before `moment` (None before the first)."""
        value = await self._read(lambda p: p.fetchval(LOG_INDEX_AT, moment))
        return None if value is None else int(value)

    async def documents_by_keys(
        self, keys: Sequence[tuple[str, str]]
    ) -> list[dict[str, Any] | None]:
        """Serving documents for (projection, key) pairs in one query, in the order asked."""
        return await self._read(
            lambda p: serving.serving_documents(p, keys), reads={k[0] for k in keys}
        )

    async def fold_as_of(self, projection: str, key: str, log_index: int) -> dict[str, Any] | None:
        """Time travel with the projection's own fold."""
        return await self._read(lambda p: self.folds[projection].as_of(p, key, log_index))

    async def first_log_index(
        self, projection: str, key: str, accept: Callable[[Any], bool]
    ) -> int | None:
        """The first log index at which the folded state of `key` satisfies `accept`."""
        return await self._read(lambda p: self.folds[projection].first_index(p, key, accept))

    async def promise_documents(
        self,
        *,
        organisation: str | None,
        status: Sequence[str] | None,
        title: str | None,
        after: str | None,
        limit: int,
        member_of: frozenset[str],
        everything: bool,
        active_on: dt.date | None = None,
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Promise documents in key order: those of `member_of`, published ones, or all."""
        return await self._read(
            lambda p: serving.promise_documents(
                p,
                organisation=organisation,
                status=status,
                title=title,
                after=after,
                limit=limit,
                member_of=member_of,
                everything=everything,
                active_on=active_on,
            ),
            reads=(PROMISES,),
        )

    async def agreement_documents(
        self,
        *,
        organisation: str | None,
        status: Sequence[str] | None,
        title: str | None,
        after: str | None,
        limit: int,
        member_of: frozenset[str],
        everything: bool,
        active_on: dt.date | None = None,
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Agreement documents in key order: those of `member_of`, published ones, or all."""
        return await self._read(
            lambda p: serving.agreement_documents(
                p,
                organisation=organisation,
                status=status,
                title=title,
                after=after,
                limit=limit,
                member_of=member_of,
                everything=everything,
                active_on=active_on,
            ),
            reads=(AGREEMENTS,),
        )

    async def place_documents(
        self, *, municipality: str | None, unsafe_only: bool, after: str | None, limit: int
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Serving place documents in key order: one municipality's, or those marked unsafe."""
        return await self._read(
            lambda p: places.place_documents(
                p, municipality=municipality, unsafe_only=unsafe_only, after=after, limit=limit
            ),
            reads=(places.NAME,),
        )

    async def situation_documents(
        self,
        *,
        projection: str,
        municipality: str | None,
        after: str | None,
        limit: int,
        member_of: frozenset[str],
        everything: bool,
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Lägesbild or åtgärdsplan documents in key order: the caller's, and adopted ones."""
        return await self._read(
            lambda p: situation.situation_documents(
                p,
                projection=projection,
                municipality=municipality,
                after=after,
                limit=limit,
                member_of=member_of,
                everything=everything,
            ),
            reads=(projection,),
        )

    async def plans_naming(
        self, *, kind: str, named_id: str, limit: int
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Adopted åtgärdsplan documents naming an agreement or promise."""
        return await self._read(
            lambda p: situation.plans_naming(p, kind=kind, named_id=named_id, limit=limit),
            reads=(situation.PLANS,),
        )

    async def awaiting(
        self, projection: str, organisation: str, day: dt.date
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Documents of `projection` that may ask something of `organisation` on `day`."""
        return await self._read(
            lambda p: serving.awaiting(p, projection, organisation, day), reads=(projection,)
        )

    async def walk_documents(
        self, *, municipality: str | None, organisation: str | None, after: str | None, limit: int
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Serving walk documents in key order: one municipality's, or one organisation's."""
        return await self._read(
            lambda p: walks.walk_documents(
                p, municipality=municipality, organisation=organisation, after=after, limit=limit
            ),
            reads=(walks.NAME,),
        )

    async def survey_documents(
        self,
        *,
        organisation: str | None,
        member_of: frozenset[str],
        everything: bool,
        after: str | None,
        limit: int,
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Serving survey documents in key order, of the surveys the caller may read."""
        return await self._read(
            lambda p: surveys.survey_documents(
                p,
                organisation=organisation,
                member_of=member_of,
                everything=everything,
                after=after,
                limit=limit,
            ),
            reads=(surveys.NAME,),
        )

    async def indicator_documents(
        self,
        *,
        municipality: str | None,
        linked_kind: str | None,
        linked_id: str | None,
        after: str | None,
        limit: int,
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Serving indicator documents in key order: one municipality's, or those a promise or
        agreement links to."""
        return await self._read(
            lambda p: indicators.indicator_documents(
                p,
                municipality=municipality,
                linked_kind=linked_kind,
                linked_id=linked_id,
                after=after,
                limit=limit,
            ),
            reads=(indicators.NAME,),
        )

    async def agreement_promises(
        self, *, agreement_id: str, member_of: frozenset[str], everything: bool, limit: int
    ) -> Sequence[str]:
        """Keys of the promises naming an agreement, as far as the caller may see them."""
        return await self._read(
            lambda p: serving.agreement_promises(
                p,
                agreement_id=agreement_id,
                member_of=member_of,
                everything=everything,
                limit=limit,
            ),
            reads=(PROMISES,),
        )

    async def area_promise_documents(
        self,
        *,
        police_areas: Sequence[str],
        municipalities: Sequence[str],
        member_of: frozenset[str],
        everything: bool,
        limit: int,
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Promise documents of police areas with municipalities they serve, in one query."""
        return await self._read(
            lambda p: serving.area_promise_documents(
                p,
                police_areas=police_areas,
                municipalities=municipalities,
                member_of=member_of,
                everything=everything,
                limit=limit,
            ),
            reads=(PROMISES,),
        )

    async def log_head(self) -> int:
        """How many events are sequenced."""
        return await self._read(store.log_size)

    async def stream_history(
        self, stream_id: str, after_version: int, limit: int
    ) -> Sequence[history.HistoryEntry]:
        """The audit history of one stream."""
        return await self._read(
            lambda p: history.stream_history(p, stream_id, after_version=after_version, limit=limit)
        )

    async def stream_parties(self, stream_id: str) -> frozenset[str]:
        """Organisations that are party to a stream."""
        return await self._read(lambda p: serving.stream_parties(p, stream_id))

    async def wait_for(self, log_index: int, timeout_s: float) -> bool:
        """Wait (bounded) until every serving projection applied `log_index`."""

        async def reached(pool: asyncpg.Pool) -> bool | None:
            if self.checkpoints is None:
                checkpoint = await serving.serving_checkpoint(pool, self.projections)
            else:
                checkpoint = await self.checkpoints.read(pool)
            return True if checkpoint >= log_index else None

        return await self._until(reached, timeout_s) is not None

    async def position_of(self, event_ids: Sequence[uuid.UUID], timeout_s: float) -> int | None:
        """The highest log index of `event_ids` once all are sequenced; None on timeout."""

        async def sequenced(pool: asyncpg.Pool) -> int | None:
            positions = await store.log_positions(pool, event_ids)
            if all(p is not None for p in positions):
                return max(p for p in positions if p is not None)
            return None

        return await self._until(sequenced, timeout_s)

    async def promise_records(self, key: str) -> list[dict[str, Any]]:
        """Every activity record of one serving promise, plain, in position order."""
        return await self._read(lambda p: serving.promise_records(p, key), reads=(PROMISES,))

    async def document(self, projection: str, key: str) -> dict[str, Any] | None:
        """One serving document."""
        found = await self.document_at(projection, key)
        return None if found is None else found[1]

    async def activities(
        self,
        *,
        promise_key: str | None,
        commitment_id: str | None,
        performed_by: str | None,
        member_of: frozenset[str] | None,
        after: tuple[str, int] | None,
        limit: int,
    ) -> Sequence[activity_records.ActivityRow]:
        """Activity records in (promise, position) order; `member_of` limits to its promises."""
        return await self._read(
            lambda p: serving.promise_activities(
                p,
                promise_key=promise_key,
                commitment_id=commitment_id,
                performed_by=performed_by,
                member_of=member_of,
                after=after,
                limit=limit,
            ),
            reads=(PROMISES,),
        )
