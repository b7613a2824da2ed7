"""Prometheus metrics, one registry per app (no module-level collectors).

Request latency is observed as each request ends, labelled with the GraphQL operation name
(bounded to names the server knows: see `OperationLabels`). Everything read from the
database — log size, sequencer, projection, checkpoint and witness lags, the oldest writing
transaction, replica lag — is refreshed by `refresh` when /metrics is scraped: one query on
the primary, one on the replica.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

ANONYMOUS = "anonymous"
OTHER = "other"
KNOWN_OPERATIONS: frozenset[str] = frozenset(
    {
        # docs/client-guide.md, which a unit test reads so this list follows it
        "Audit",
        "Before",
        "Commit",
        "Done",
        "Draft",
        "Edit",
        "EndSessions",
        "Frozen",
        "Mandate",
        "Person",
        "Propose",
        "Public",
        "Publish",
        "Published",
        "Sign",
    }
)
"""Operation names that get a label of their own; every other name is "other"."""

REFRESH_TIMEOUT_S = 2.0
REPLICA = "read"
"""The `replica` label of the replica series (absent when no replica is configured)."""
UNSEQUENCED_WINDOW = 10_000
"""How far below the newest sequenced event (by id) an unsequenced one is still counted.

While a writing transaction is open, only transactions that took their xid before it can be
sequenced, so a committed event is never passed by more than the concurrent writers' events;
a stopped sequencer leaves every new event above the newest sequenced one."""

graphql_operation: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "samverkan_graphql_operation", default=None
)
"""The name of the GraphQL operation the current request executed (set by RecordOperation)."""


class RecordOperation(SchemaExtension):
    """Remembers the executed operation's name (given, or from the document) for the label."""

    def on_operation(self) -> Iterator[None]:
        yield
        graphql_operation.set(self.execution_context.operation_name)


class OperationLabels:
    """Bounded values for the `operation` label, so callers can neither explode its
    cardinality nor fill it with names of their choosing.

    A name the server knows (`known`, the client guide's operations) is its own label; any
    other name is "other"; no name is "anonymous". Nothing a caller sends adds a label.
    """

    def __init__(self, known: frozenset[str] = KNOWN_OPERATIONS) -> None:
        self.known = known

    def __call__(self, name: str | None) -> str:
        if not name:
            return ANONYMOUS
        return name if name in self.known else OTHER


@dataclass(frozen=True, slots=True)
class Metrics:
    """The service's collectors, registered on their own registry."""

    registry: CollectorRegistry
    request_seconds: Histogram
    appends: Counter
    responses: Counter
    role_restarts: Counter
    kept_answers: Counter
    sequencer_lag: Gauge
    projection_lag: Gauge
    checkpoint_age: Gauge
    pool_in_use: Gauge
    log_size: Gauge
    sequencer_lag_seconds: Gauge
    projection_lag_seconds: Gauge
    checkpoint_size: Gauge
    checkpoint_unsigned: Gauge
    witness_lag_seconds: Gauge
    witness_lag_entries: Gauge
    oldest_transaction: Gauge
    pool_size: Gauge
    pool_idle: Gauge
    pool_max: Gauge
    replica_lag_seconds: Gauge
    replica_behind: Gauge
    replica_up: Gauge
    db_up: Gauge
    refresh_seconds: Gauge
    operation_label: OperationLabels = field(default_factory=OperationLabels)

    @classmethod
    def create(cls) -> Metrics:
        """Fresh collectors on a fresh registry."""
        registry = CollectorRegistry()

        def gauge(name: str, text: str, labels: tuple[str, ...] = ()) -> Gauge:
            return Gauge(name, text, list(labels), registry=registry)

        return cls(
            registry=registry,
            request_seconds=Histogram(
                "samverkan_request_seconds",
                "Request latency by route and GraphQL operation",
                ["route", "operation"],
                registry=registry,
                buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            ),
            appends=Counter(
                "samverkan_appends_total",
                "Commands appended to the log",
                ["command"],
                registry=registry,
            ),
            responses=Counter(
                "samverkan_http_responses_total",
                "HTTP responses by status class (2xx, 3xx, 4xx, 5xx)",
                ["status"],
                registry=registry,
            ),
            role_restarts=Counter(
                "samverkan_role_restarts_total",
                "Restarts of a background role by its supervisor after it failed",
                ["role"],
                registry=registry,
            ),
            kept_answers=Counter(
                "samverkan_kept_answers_total",
                "Anonymous GraphQL reads sent again from a kept answer (sent_again), run, "
                "or answered by a run another request of the same query started (shared_run)",
                ["outcome"],
                registry=registry,
            ),
            sequencer_lag=gauge(
                "samverkan_sequencer_lag_events", "Committed events not yet in the log"
            ),
            projection_lag=gauge(
                "samverkan_projection_lag_events",
                "Log head minus the projection checkpoint",
                ("projection",),
            ),
            checkpoint_age=gauge(
                "samverkan_checkpoint_age_seconds", "Age of the newest signed checkpoint"
            ),
            pool_in_use=gauge("samverkan_db_pool_in_use", "Database connections in use"),
            log_size=gauge("samverkan_log_size", "Entries in the log (the Merkle tree size)"),
            sequencer_lag_seconds=gauge(
                "samverkan_sequencer_lag_seconds",
                "Age of the oldest committed event not yet in the log (0: none waiting)",
            ),
            projection_lag_seconds=gauge(
                "samverkan_projection_lag_seconds",
                "How long the oldest log entry a projection has not applied has waited",
                ("projection",),
            ),
            checkpoint_size=gauge(
                "samverkan_checkpoint_size", "Tree size of the newest signed checkpoint"
            ),
            checkpoint_unsigned=gauge(
                "samverkan_checkpoint_unsigned_entries",
                "Log entries beyond the newest signed checkpoint",
            ),
            witness_lag_seconds=gauge(
                "samverkan_witness_lag_seconds",
                "How long the oldest checkpoint this witness has not cosigned has waited",
                ("witness",),
            ),
            witness_lag_entries=gauge(
                "samverkan_witness_lag_entries",
                "Newest checkpoint size minus the largest size this witness cosigned",
                ("witness",),
            ),
            oldest_transaction=gauge(
                "samverkan_db_oldest_transaction_seconds",
                "Age of the oldest open writing transaction the runtime role can see",
            ),
            pool_size=gauge("samverkan_db_pool_size", "Database connections open in the pool"),
            pool_idle=gauge("samverkan_db_pool_idle", "Open pool connections not in use"),
            pool_max=gauge("samverkan_db_pool_max", "The pool's maximum size"),
            replica_lag_seconds=gauge(
                "samverkan_replica_lag_seconds",
                "Replay lag of the read replica (0 when it holds every log entry the primary "
                "holds, else the age of the last transaction it replayed while WAL waits)",
                ("replica",),
            ),
            replica_behind=gauge(
                "samverkan_replica_behind_entries",
                "Log entries on the primary not yet visible on the read replica",
                ("replica",),
            ),
            replica_up=gauge(
                "samverkan_replica_up",
                "1 when the last scrape could read the read replica",
                ("replica",),
            ),
            db_up=gauge("samverkan_db_up", "1 when the last scrape could read the database"),
            refresh_seconds=gauge(
                "samverkan_metrics_refresh_seconds", "Time the last scrape spent in the database"
            ),
        )


REFRESH_SQL = """
WITH RECURSIVE names(witness) AS (
    (SELECT witness FROM cosignatures ORDER BY witness LIMIT 1)
  UNION ALL
    SELECT (SELECT c.witness FROM cosignatures c WHERE c.witness > n.witness
            ORDER BY c.witness LIMIT 1)
    FROM names n WHERE n.witness IS NOT NULL
), witnessed AS (
    SELECT n.witness, (SELECT max(c.size) FROM cosignatures c WHERE c.witness = n.witness) AS size
    FROM names n WHERE n.witness IS NOT NULL
), head AS (
    SELECT coalesce(max(log_index) + 1, 0) AS size, coalesce(max(event_pk), 0) AS max_pk FROM log
), latest AS (
    SELECT size, signed_at FROM checkpoints ORDER BY size DESC LIMIT 1
), waiting AS (
    SELECT count(*) AS n, min(e.recorded_at) AS oldest FROM events e
    WHERE e.id > (SELECT max_pk FROM head) - $1
      AND NOT EXISTS (SELECT 1 FROM log l
                      WHERE l.event_pk = e.id AND l.event_pk > (SELECT max_pk FROM head) - $1)
), serving AS (
    SELECT p.projection, p.checkpoint,
           (SELECT l.sequenced_at FROM log l WHERE l.log_index = p.checkpoint + 1) AS waiting_since
    FROM projection_state p WHERE p.status = 'serving'
)
SELECT now() AS now,
       (SELECT size FROM head) AS log_size,
       (SELECT n FROM waiting) AS unsequenced,
       (SELECT oldest FROM waiting) AS unsequenced_since,
       (SELECT size FROM latest) AS checkpoint_size,
       (SELECT signed_at FROM latest) AS checkpoint_at,
       ARRAY(SELECT projection FROM serving ORDER BY projection) AS projections,
       ARRAY(SELECT checkpoint FROM serving ORDER BY projection) AS applied,
       ARRAY(SELECT waiting_since FROM serving ORDER BY projection) AS projection_waiting,
       ARRAY(SELECT witness FROM witnessed ORDER BY witness) AS witnesses,
       ARRAY(SELECT size FROM witnessed ORDER BY witness) AS cosigned,
       ARRAY(SELECT (SELECT c.signed_at FROM checkpoints c WHERE c.size > w.size
                     ORDER BY c.size LIMIT 1)
             FROM witnessed w ORDER BY witness) AS witness_waiting,
       (SELECT min(xact_start) FROM pg_stat_activity
        WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()) AS oldest_xact"""

REPLICA_SQL = """
SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0
            WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)
       END AS lag,
       (SELECT coalesce(max(log_index) + 1, 0) FROM log) AS log_size"""


def _age(now: dt.datetime, then: dt.datetime | None) -> float:
    return max(0.0, (now - then).total_seconds()) if then is not None else 0.0


def apply_row(m: Metrics, row: Any) -> int:
    """Set the database gauges from one REFRESH_SQL row; return the log size."""
    now: dt.datetime = row["now"]
    size = int(row["log_size"])
    m.log_size.set(size)
    m.sequencer_lag.set(int(row["unsequenced"]))
    m.sequencer_lag_seconds.set(_age(now, row["unsequenced_since"]))
    checkpoint = int(row["checkpoint_size"] or 0)
    m.checkpoint_size.set(checkpoint)
    m.checkpoint_unsigned.set(max(0, size - checkpoint))
    if row["checkpoint_at"] is not None:
        m.checkpoint_age.set(_age(now, row["checkpoint_at"]))
    for name, applied, since in zip(
        row["projections"], row["applied"], row["projection_waiting"], strict=True
    ):
        m.projection_lag.labels(projection=name).set(max(0, size - 1 - int(applied)))
        m.projection_lag_seconds.labels(projection=name).set(_age(now, since))
    for name, cosigned, since in zip(
        row["witnesses"], row["cosigned"], row["witness_waiting"], strict=True
    ):
        m.witness_lag_entries.labels(witness=name).set(max(0, checkpoint - int(cosigned)))
        m.witness_lag_seconds.labels(witness=name).set(_age(now, since))
    m.oldest_transaction.set(_age(now, row["oldest_xact"]))
    return size


def set_pool(m: Metrics, pool: asyncpg.Pool) -> None:
    """Pool gauges, from the pool itself (no database round trip)."""
    size, idle = pool.get_size(), pool.get_idle_size()
    m.pool_size.set(size)
    m.pool_idle.set(idle)
    m.pool_in_use.set(size - idle)
    m.pool_max.set(pool.get_max_size())


async def refresh(
    m: Metrics,
    pool: asyncpg.Pool,
    replica: asyncpg.Pool | None = None,
    *,
    timeout: float = REFRESH_TIMEOUT_S,
) -> bool:
    """Refresh every database gauge (one query, bounded by `timeout`); False when it failed.

    A failed refresh sets `samverkan_db_up` to 0 and leaves the other gauges as they were.
    """
    set_pool(m, pool)
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout), pool.acquire() as conn:
            row = await conn.fetchrow(REFRESH_SQL, UNSEQUENCED_WINDOW)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
        m.db_up.set(0)
        return False
    assert row is not None
    size = apply_row(m, row)
    m.db_up.set(1)
    if replica is not None:
        try:
            async with asyncio.timeout(timeout), replica.acquire() as conn:
                lag = await conn.fetchrow(REPLICA_SQL)
            assert lag is not None
            behind = max(0, size - int(lag["log_size"]))
            # A replica holding every log entry lags nothing a reader could see. Its WAL
            # positions alone can say otherwise while it is idle: a standby may wait with the
            # tail of the WAL it received unreplayed (no transaction in it) until more arrives,
            # and its "replayed" timestamp then only ages.
            m.replica_lag_seconds.labels(replica=REPLICA).set(
                0.0 if behind == 0 else float(lag["lag"])
            )
            m.replica_behind.labels(replica=REPLICA).set(behind)
            m.replica_up.labels(replica=REPLICA).set(1)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            m.replica_up.labels(replica=REPLICA).set(0)  # reads go to the primary meanwhile
    m.refresh_seconds.set(time.perf_counter() - started)
    return True


class CountResponses:
    """ASGI middleware: counts HTTP responses by status class on the app's Metrics.

    The Metrics come from the lifespan state (`scope["state"]["services"].metrics`); a request
    that raises before answering counts as 5xx (the server answers it with 500).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            services = scope.get("state", {}).get("services")
            metrics: Metrics | None = getattr(services, "metrics", None)
            if metrics is not None:
                metrics.responses.labels(status=f"{status // 100}xx").inc()
