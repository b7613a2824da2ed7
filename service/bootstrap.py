"""The composition root: names the concrete deciders, projections and readers and wires them.

The app's lifespan, every CLI command and the workers start from here: `build_domain` for the
pure parts, `running` for a process's database, pool and dispatcher.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg

from events.agreement import AGREEMENT
from events.catalogue import deciders, event_registry
from events.codec import Registry
from events.directory.decider import DIRECTORY
from events.indicator import INDICATOR
from events.messages import Command, Principal
from events.place import PLACE
from events.promise.decider import PROMISE
from events.situation import ACTION_PLAN, SITUATION_PICTURE
from events.survey import SURVEY
from events.walk import WALK
from projections.agreements import agreement_projection
from projections.directory import directory_projection
from projections.documents import DocumentProjection
from projections.history import HistoryProjection
from projections.indicators import indicator_projection
from projections.places import place_projection
from projections.promises import promise_projection
from projections.runner import Projection, Runner, SharedLog
from projections.situation import action_plan_projection, situation_picture_projection
from projections.surveys import survey_projection
from projections.walks import walk_projection
from schema.context import Dispatch, Dispatched
from service import database
from service.dispatcher import Dispatcher
from service.runtime import database_up
from service.settings import Settings


@dataclass(frozen=True, slots=True)
class Domain:
    """The domain's concrete parts: event registry, deciders and the projections over them."""

    registry: Registry
    projections: tuple[Projection, ...]
    promises: DocumentProjection[Any]
    agreements: DocumentProjection[Any]

    @property
    def projection_names(self) -> tuple[str, ...]:
        """Names of every projection (for readiness and consistency waits)."""
        return tuple(p.name for p in self.projections)

    def runners(self, app_url: str) -> list[Runner]:
        """One runner per projection, each on a connection of its own, sharing their reads of
        the log and checkpoint passes (projections.runner.SharedLog)."""
        shared = SharedLog()
        return [
            Runner(projection=p, connect=lambda: database.connect(app_url), shared=shared)
            for p in self.projections
        ]

    def dispatcher(self, pool: asyncpg.Pool) -> Dispatcher:
        """A dispatcher over the store behind `pool`."""
        return Dispatcher(
            pool=pool, deciders=deciders(), directory=DIRECTORY, registry=self.registry
        )


def build_domain() -> Domain:
    """Build the registry and projections (once per process, never at import)."""
    registry = event_registry()
    promises = promise_projection(PROMISE, registry)
    directory = directory_projection(DIRECTORY, registry)
    agreements = agreement_projection(AGREEMENT, registry)
    places = place_projection(PLACE, registry)
    pictures = situation_picture_projection(SITUATION_PICTURE, registry)
    plans = action_plan_projection(ACTION_PLAN, registry)
    walks = walk_projection(WALK, registry)
    surveys = survey_projection(SURVEY, registry)
    indicators = indicator_projection(INDICATOR, registry)
    return Domain(
        registry=registry,
        projections=(
            HistoryProjection(),
            promises,
            directory,
            agreements,
            places,
            pictures,
            plans,
            walks,
            surveys,
            indicators,
        ),
        promises=promises,
        agreements=agreements,
    )


def dispatch_for(dispatcher: Dispatcher, principal: Principal | None, request_id: str) -> Dispatch:
    """The schema's dispatch callable for one request."""

    async def dispatch(command: Command, expected_version: int | None) -> Dispatched:
        outcome = await dispatcher.dispatch(
            command, expected_version=expected_version, metadata={"request_id": request_id}
        )
        return Dispatched(
            stream_id=outcome.stream_id,
            version=outcome.version,
            event_ids=outcome.event_ids,
            duplicate=outcome.duplicate,
            event_types=outcome.event_types,
        )

    return dispatch


@dataclass(frozen=True, slots=True, kw_only=True)
class Running:
    """What a running process holds: the domain, the database's URLs, a pool and a dispatcher."""

    settings: Settings
    domain: Domain
    admin_url: str
    app_url: str
    pool: asyncpg.Pool
    dispatcher: Dispatcher


@contextlib.asynccontextmanager
async def running(settings: Settings, *, min_pool: int = 2) -> AsyncIterator[Running]:
    """Bring the database up (migrated), open the runtime pool and build the dispatcher."""
    domain = build_domain()
    async with database_up(settings) as db:
        pool = await database.create_pool(db.app_url, min_size=min_pool)
        try:
            yield Running(
                settings=settings,
                domain=domain,
                admin_url=db.admin_url,
                app_url=db.app_url,
                pool=pool,
                dispatcher=domain.dispatcher(pool),
            )
        finally:
            await pool.close()
