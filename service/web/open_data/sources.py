"""What the open-data files are made from: the public views and the directory's names.

Only public views are read (what the public pages show: published promises and agreements,
their published follow-ups and public activity records), and from the directory only the
names of organisations and of the people who signed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from projections import serving
from projections.agreements import NAME as AGREEMENTS
from projections.directory import KEY as DIRECTORY_KEY
from projections.directory import NAME as DIRECTORY
from projections.promises import NAME as PROMISES

PROJECTIONS = (AGREEMENTS, DIRECTORY, PROMISES)
"""The read models every file is made from; their positions make the ETag."""

FORMAT_VERSION = "1"
"""Part of the ETag: a new layout of the files must not be answered 304 from an old copy."""


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
    directory: Directory = field(default_factory=Directory)
    base_url: str = ""


def etag_of(positions: Sequence[tuple[str, int, int]], name: str) -> str:
    """The ETag of file `name` when the read models stand at `positions`."""
    seen = repr((FORMAT_VERSION, name, tuple(positions))).encode()
    return '"' + hashlib.sha256(seen).hexdigest()[:32] + '"'


async def positions(pool: asyncpg.Pool) -> tuple[tuple[str, int, int], ...]:
    """Where the read models stand now."""
    return await serving.serving_positions(pool, PROJECTIONS)


async def load(pool: asyncpg.Pool, base_url: str) -> Sources:
    """The public views and the directory's names, as they serve now."""
    found = await serving.serving_document(pool, DIRECTORY, DIRECTORY_KEY)
    return Sources(
        promises=[view for _key, view in await serving.public_views(pool)],
        agreements=[view for _key, view in await serving.public_views_of(pool, AGREEMENTS)],
        directory=Directory.of(None if found is None else found[1]),
        base_url=base_url.rstrip("/"),
    )
