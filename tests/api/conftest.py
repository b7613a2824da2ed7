"""A real `samverkan serve` app on 127.0.0.1, on its own migrated database."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from service.identity.dev_issuer import DevIssuer
from service.settings import Settings
from service.web.app import create_app
from tests.conftest import Database


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True, slots=True)
class RunningApp:
    """A served app: its base URL, settings and the dev issuer (dev mode only)."""

    url: str
    settings: Settings
    dev_issuer: DevIssuer | None

    def token(self, org: str, roles: str, person: str | None = None, subject: str = "") -> str:
        assert self.dev_issuer is not None
        return self.dev_issuer.mint(
            organisation_id=org,
            roles=roles.split(","),
            subject=subject or f"{org}-{roles}",
            person_id=person,
        )


@contextlib.asynccontextmanager
async def serve_app(settings: Settings) -> AsyncIterator[RunningApp]:
    """Serve `create_app(settings)` with uvicorn on a free loopback port until the block ends."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(30):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
    dev = DevIssuer.load_or_create(settings.data_dir) if settings.dev else None
    try:
        yield RunningApp(url=f"http://127.0.0.1:{port}", settings=settings, dev_issuer=dev)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)


def settings_for(db: Database, data_dir: Path, *, dev: bool) -> Settings:
    """Settings pointing the app at a test database."""
    return Settings(
        database_url=db.admin_url, app_database_url=db.app_url, data_dir=data_dir, dev=dev
    )


@pytest.fixture(scope="module")
async def dev_app(
    db: Database, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningApp]:
    """The app in dev mode (dev issuer accepted, introspection on)."""
    async with serve_app(settings_for(db, tmp_path_factory.mktemp("dev"), dev=True)) as app:
        yield app


@pytest.fixture(scope="module")
async def prod_app(
    db: Database, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningApp]:
    """The app as deployed: no dev issuer, no introspection, no GraphiQL."""
    async with serve_app(settings_for(db, tmp_path_factory.mktemp("prod"), dev=False)) as app:
        yield app


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client
