"""What the open-data files are made from: the public views and the directory's names.

Only public views are read (what the public pages show: published promises and agreements,
their published follow-ups and public activity records; the adopted versions of
åtgärdsplaner; safety walks without their free-text reasons), and from the directory only the
names of organisations and of the people who signed.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from events.messages import HOME
from projections import indicators, serving
from projections.agreements import NAME as AGREEMENTS
from projections.directory import KEY as DIRECTORY_KEY
from projections.directory import NAME as DIRECTORY
from projections.promises import NAME as PROMISES
from projections.situation import PLANS
from projections.walks import NAME as WALKS

PROJECTIONS = (AGREEMENTS, DIRECTORY, PROMISES, PLANS, WALKS)
"""The read models every file is made from; where their documents stand makes the ETag."""

HERE = Path(__file__).resolve().parent


@functools.cache
def release_digest() -> str:
    """A digest of this package's code, part of every ETag: a release that changes the files'
    layout or labels must not answer 304 to a copy made by the one before."""
    digest = hashlib.sha256()
    for path in sorted(HERE.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@dataclass(frozen=True, slots=True, kw_only=True)
class Directory:
    """Names from the organisation directory."""

    organisations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    people: Mapping[str, str] = field(default_factory=dict)

    def name(self, org_id: object) -> str | None:
        """The organisation's name, or None when the directory does not know it."""
        org = self.organisations.get(str(org_id))
        return None if org is None else org.get("name")

    def kind(self, org_id: object) -> str | None:
        """municipality, police_area, police_region or partner; None when unknown."""
        org = self.organisations.get(str(org_id))
        return None if org is None else org.get("kind")

    def person(self, person_id: object) -> str | None:
        """A registered person's name."""
        return None if person_id is None else self.people.get(str(person_id))

    @classmethod
    def of(cls, doc: Mapping[str, Any] | None) -> Directory:
        """The names in the directory document (empty before anything is registered)."""
        state = (doc or {}).get("state") or {}
        return cls(
            organisations={str(o["org_id"]): o for o in state.get("organisations") or []},
            people={str(p["person_id"]): str(p["name"]) for p in state.get("people") or []},
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Sources:
    """Everything one answer is made from."""

    promises: Sequence[Mapping[str, Any]] = ()
    agreements: Sequence[Mapping[str, Any]] = ()
    action_plans: Sequence[Mapping[str, Any]] = ()
    walks: Sequence[Mapping[str, Any]] = ()
    directory: Directory = field(default_factory=Directory)
    base_url: str = ""
    indicators: Sequence[Mapping[str, Any]] = ()
    """The documents of the indicators a published promise links to."""
    today: dt.date | None = None
    """The day the indicators' latest values and trends are given for."""


Positions = tuple[tuple[str, int, int, int], ...]


def etag_of(positions: Positions, name: str) -> str:
    """The ETag of file `name` when the documents it is made from stand at `positions`."""
    seen = hashlib.sha256(repr(tuple(positions)).encode()).hexdigest()[:20]
    return f'"{name}-{seen}-{release_digest()}"'


async def positions(pool: asyncpg.Pool) -> Positions:
    """Where the published documents, the directory and the public indicators stand now."""
    published = await serving.published_positions(pool, PROJECTIONS, (DIRECTORY_KEY,))
    return published + await indicators.public_positions(pool, PROMISES)


async def last_modified(pool: asyncpg.Pool, found: Positions) -> dt.datetime | None:
    """When the log took the newest of `found` (None before anything is published)."""
    newest = max((position[3] for position in found), default=-1)
    return None if newest < 0 else await serving.log_time(pool, newest)


async def load(pool: asyncpg.Pool, base_url: str) -> Sources:
    """The public views and the directory's names, as they serve now."""
    found = await serving.serving_document(pool, DIRECTORY, DIRECTORY_KEY)
    return Sources(
        promises=[view for _key, view in await serving.public_views(pool)],
        agreements=[view for _key, view in await serving.public_views_of(pool, AGREEMENTS)],
        action_plans=[view for _key, view in await serving.public_views_of(pool, PLANS)],
        walks=[view for _key, view in await serving.public_views_of(pool, WALKS)],
        directory=Directory.of(None if found is None else found[1]),
        base_url=base_url.rstrip("/"),
        indicators=[doc for _key, doc in await indicators.public_indicators(pool, PROMISES)],
        today=dt.datetime.now(HOME).date(),
    )
