"""The Starlette application, built in `create_app(settings)`; resources live in lifespan state."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import strawberry
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

from events.messages import Command, Principal
from schema.api import build_schema
from schema.context import Dispatch, Dispatched
from service import database, logs
from service.audit.keys import log_key_path, vkey_path_for
from service.bootstrap import Domain, build_domain, dispatch_for, running
from service.demo.load import load_demo
from service.dispatcher import Dispatcher
from service.identity.bearer import BearerValidator, JwksCache
from service.identity.cookies import csrf_valid, current_session
from service.identity.dev_issuer import DevIssuer
from service.identity.errors import CsrfMissing, InvalidToken
from service.identity.login import LoginSettings, build_login
from service.identity.registry import IssuerRegistry, load_registry
from service.identity.sessions import SessionStore
from service.settings import Settings
from service.supervisor import Role, Supervisor
from service.web import errors, health, open_data, public_page, workspace
from service.web.graphql_view import Contexts, GraphQLEndpoint, View
from service.web.kept_answers import KeptAnswers
from service.web.metrics import CountResponses, Metrics, graphql_operation
from service.web.metrics_access import metrics_refusal
from service.web.middleware import AnswerUnavailable, SecurityHeaders
from service.web.public.freshness import Versions
from service.web.reader import PgReader, ReadRoute, checkpoint_reads
from service.workers import worker_roles

_log = logging.getLogger("service.app")  # the name operators filter on


@dataclass(slots=True)
class Services:
    """Everything a request may need, created in the lifespan and torn down after it."""

    settings: Settings
    pool: asyncpg.Pool
    app_url: str
    metrics: Metrics
    bearer: BearerValidator
    dev_issuer: DevIssuer | None
    projections: tuple[str, ...]
    dispatcher: Dispatcher
    reads: ReadRoute
    """GraphQL reads: the replica when one is configured, else the primary pool."""
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    supervisor: Supervisor | None = None
    """Runs this node's worker roles (None with --no-workers); /readyz reports them."""
    page_versions: Versions = field(default_factory=Versions)
    """The last version made of each public page and open-data file, for conditional GETs."""


def create_app(
    settings: Settings,
    *,
    run_workers: bool = True,
    extra_routes: list[BaseRoute] | None = None,
    on_ready: Callable[[Starlette, Services], Awaitable[object]] | None = None,
) -> Starlette:
    """Build the app: health, readiness, metrics and GraphQL, with workers when asked."""
    domain = build_domain()
    registry = (
        load_registry(settings.issuer_registry)
        if settings.issuer_registry
        else IssuerRegistry(entries=())
    )
    holder: dict[str, Services] = {}
    login = build_login(
        registry,
        LoginSettings(
            public_url=settings.base_url,
            session_secret=session_secret(settings),
            dev=settings.dev,
            max_age_s=settings.session_max_age_s,
        ),
        secrets_env=os.environ,
        pool=lambda: holder["services"].pool,  # sessions live on the primary
    )
    schema = build_schema(dev=settings.dev)
    contexts = _contexts(domain, holder, login.sessions, vkey_path_for(log_key_path(settings)))
    graphql = _graphql(settings, schema, contexts, holder)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        async with _services(settings, registry, run_workers) as services:
            holder["services"] = services
            if on_ready is not None:
                await on_ready(app, services)
            yield {"services": services}

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/graphql", graphql),  # any method: the view refuses all but POST, typed
        WebSocketRoute("/graphql", graphql),
        *login.routes,
        *public_page.routes(),
        *open_data.routes(),
        Mount(
            "/app",
            app=workspace.app(schema, contexts, login.providers),
        ),
        *(extra_routes or []),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(logs.RequestIds),
            Middleware(SecurityHeaders),
            Middleware(CountResponses),
            Middleware(AnswerUnavailable),
            *login.middleware,
        ],
        exception_handlers={HTTPException: errors.http_exception},
    )


@contextlib.asynccontextmanager
async def _services(
    settings: Settings, registry: IssuerRegistry, run_workers: bool
) -> AsyncIterator[Services]:
    """The lifespan's resources, from the composition root, and the workers when asked."""
    async with running(settings) as run:
        replica = None
        if settings.replica_url:
            # No connection at start: an unreachable replica only sends reads to the primary.
            replica = await database.create_pool(
                settings.replica_url, min_size=0, connect_timeout=5.0
            )
        dev = DevIssuer.load_or_create(settings.data_dir) if settings.dev else None
        http = httpx.AsyncClient()
        services = Services(
            settings=settings,
            pool=run.pool,
            app_url=run.app_url,
            metrics=Metrics.create(),
            bearer=BearerValidator(
                registry, JwksCache(http), dev_issuer=dev, dev_mode=settings.dev
            ),
            dev_issuer=dev,
            projections=run.domain.projection_names,
            dispatcher=run.dispatcher,
            reads=ReadRoute(primary=run.pool, replica=replica, wait_s=settings.replica_wait_s),
        )
        if run_workers:
            services.supervisor = _supervise_workers(
                services, worker_roles(settings, run.domain, run.app_url)
            )
        if settings.dev:
            await load_demo(services.dispatcher)
        try:
            yield services
        finally:
            services.stop.set()
            await asyncio.gather(*services.tasks, return_exceptions=True)
            await http.aclose()
            if replica is not None:
                await replica.close()


def _supervise_workers(services: Services, roles: list[Role]) -> Supervisor:
    """Start the worker roles under a supervisor that counts restarts in /metrics."""
    restarts = services.metrics.role_restarts
    supervisor = Supervisor(on_restart=lambda role: restarts.labels(role=role).inc())
    for role in roles:
        restarts.labels(role=role.name)  # each role's series exists from 0
    services.tasks.extend(supervisor.start(roles, services.stop))
    return supervisor


def _contexts(
    domain: Domain, holder: dict[str, Services], sessions: SessionStore, log_vkey_file: Path
) -> Contexts:
    """How a GraphQL context is built per request, from the lifespan's services in `holder`;
    `log_vkey_file` is the log's verifier key the proofs are checked against."""

    checkpoints = checkpoint_reads(domain.projection_names)

    def make_reader() -> PgReader:
        route = holder["services"].reads
        return PgReader(
            route.read_pool(),
            domain.projection_names,
            {domain.promises.name: domain.promises, domain.agreements.name: domain.agreements},
            route=route,
            checkpoints=checkpoints,
            log_vkey_file=log_vkey_file,
        )

    def make_dispatch(principal: Principal | None, request_id: str) -> Dispatch:
        dispatch = dispatch_for(holder["services"].dispatcher, principal, request_id)

        async def logged(command: Command, expected_version: int | None) -> Dispatched:
            done = await dispatch(command, expected_version)
            if not done.duplicate:
                holder["services"].metrics.appends.labels(command=type(command).__name__).inc()
            _log.info(
                "%s accepted: %s at version %d%s",
                type(command).__name__,
                done.stream_id,
                done.version,
                " (duplicate)" if done.duplicate else "",
                extra={"command": type(command).__name__, "stream_id": done.stream_id},
            )
            return done

        return logged

    return Contexts(make_dispatch=make_dispatch, make_reader=make_reader, sessions=sessions)


def _graphql(
    settings: Settings,
    schema: strawberry.Schema,
    contexts: Contexts,
    holder: dict[str, Services],
) -> GraphQLEndpoint:
    """The GraphQL endpoint on `schema`, its contexts built by `contexts`; per request it reads
    the lifespan's services from `holder`."""

    async def validate(token: str) -> Principal:
        return await holder["services"].bearer.validate(token)

    view = View(
        schema,
        dev=settings.dev,
        validate=validate,
        contexts=contexts,
        recheck_s=settings.session_recheck_s,
    )

    def observe(route: str, seconds: float) -> None:
        m = holder["services"].metrics
        operation = m.operation_label(graphql_operation.get())
        m.request_seconds.labels(route=route, operation=operation).observe(seconds)

    async def standing(pool: asyncpg.Pool) -> str:
        return await holder["services"].page_versions.standing(pool)

    def counted(outcome: str) -> None:
        holder["services"].metrics.kept_answers.labels(outcome=outcome).inc()

    return GraphQLEndpoint(
        view,
        authenticate,
        request_id,
        observe,
        answers=KeptAnswers(standing, settings.kept_answers_mb * 2**20)
        if settings.kept_answers_mb
        else None,
        read_pool=lambda: holder["services"].reads.read_pool(),
        counted=counted,
    )


def session_secret(settings: Settings) -> str:
    """The cookie-signing secret: from the environment, else kept in the data directory."""
    if settings.session_secret:
        return settings.session_secret
    path = settings.data_dir / "session-secret"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def services_of(request: Request) -> Services:
    """The lifespan's services for this request."""
    services: Services = request.state.services
    return services


async def healthz(request: Request) -> Response:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Readiness: database reachable, migrations applied, sequencer and runners active.

    `roles` reports this node's own worker roles (running, restarting with the last error
    type, active or standby); readiness itself asks whether any process runs each role.
    """
    services = services_of(request)
    roles = services.supervisor.report() if services.supervisor is not None else {}
    try:
        pending = tuple(await database.pending_migrations(services.app_url))
        state = await health.readiness(services.pool, pending, services.projections)
    except Exception as exc:  # any class asyncpg raises while the server goes away
        if not (database.unreachable(exc) or isinstance(exc, asyncpg.PostgresError)):
            raise
        return JSONResponse(
            {"ready": False, "database": False, "error": type(exc).__name__, "roles": roles},
            status_code=503,
        )
    body = {
        "ready": state.ready,
        "database": state.database,
        "pendingMigrations": list(state.pending_migrations),
        "sequencerActive": state.sequencer_active,
        "projectionsActive": state.projections_active,
        "projectionLag": state.projection_lag,
        "roles": roles,
    }
    return JSONResponse(body, status_code=200 if state.ready else 503)


async def metrics(request: Request) -> Response:
    """Prometheus exposition, with lags read from the database at scrape time."""
    from service.web.metrics import refresh

    services = services_of(request)
    refused = metrics_refusal(
        request.client.host if request.client else None,
        request.headers.get("authorization"),
        allow=services.settings.metrics_allow,
        token=services.settings.metrics_token,
    )
    if refused is not None:
        return refused
    await refresh(services.metrics, services.pool, services.reads.replica)
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)


async def authenticate(request: Request) -> Principal | None:
    """The bearer token's or the cookie session's principal; None for anonymous.

    An invalid bearer is InvalidToken (401), never anonymous. A cookie session counts only with
    the session's CSRF header, so a cross-site form cannot act with the user's cookie; a cookie
    whose session ended (logout, revocation, expiry) is SessionEnded (401), never anonymous.
    """
    header = request.headers.get("authorization")
    if header is None:
        session = await current_session(request)
        if session is None:
            return None
        if not csrf_valid(request, session):
            raise CsrfMissing("cookie-authenticated requests need the X-CSRF-Token header")
        return session.principal
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("the Authorization header must be 'Bearer <token>'")
    return await services_of(request).bearer.validate(token.strip())


def request_id() -> str:
    """The current request's id (from X-Request-Id or generated) for event metadata."""
    return logs.current_request_id()
