"""Prometheus metrics, one registry per app (no module-level collectors)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass(frozen=True, slots=True)
class Metrics:
    """The service's collectors, registered on their own registry."""

    registry: CollectorRegistry
    request_seconds: Histogram
    appends: Counter
    sequencer_lag: Gauge
    projection_lag: Gauge
    checkpoint_age: Gauge
    pool_in_use: Gauge

    @classmethod
    def create(cls) -> Metrics:
        """Fresh collectors on a fresh registry."""
        registry = CollectorRegistry()
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
            sequencer_lag=Gauge(
                "samverkan_sequencer_lag_events",
                "Committed events not yet in the log",
                registry=registry,
            ),
            projection_lag=Gauge(
                "samverkan_projection_lag_events",
                "Log head minus the projection checkpoint",
                ["projection"],
                registry=registry,
            ),
            checkpoint_age=Gauge(
                "samverkan_checkpoint_age_seconds",
                "Age of the newest signed checkpoint",
                registry=registry,
            ),
            pool_in_use=Gauge(
                "samverkan_db_pool_in_use",
                "Database connections in use",
                registry=registry,
            ),
        )
