"""Schema evolution: breaking changes against the last release must be listed in CHANGELOG.md.

Fields are deprecated (`@deprecated(reason:)`) before they are removed. A removal, a type
change or anything else graphql-core's `find_breaking_changes` reports, compared with the SDL of
the last release (schema/releases/<version>.graphql), fails the check unless CHANGELOG.md names
it: the change's description, e.g. "Field Query.promise was removed.", on a line of its entry.
"""

from __future__ import annotations

import sys
from pathlib import Path

from graphql import build_schema, find_breaking_changes

from schema.export import SDL_PATH

RELEASES = Path(__file__).resolve().parent / "releases"
CHANGELOG = Path(__file__).resolve().parent.parent / "CHANGELOG.md"


def last_release() -> Path:
    """The SDL file of the newest release (versions compare numerically)."""

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in path.stem.split("."))

    return max(RELEASES.glob("*.graphql"), key=version)


def breaking_changes(old_sdl: str, new_sdl: str) -> list[str]:
    """The descriptions of every breaking change from `old_sdl` to `new_sdl`."""
    changes = find_breaking_changes(build_schema(old_sdl), build_schema(new_sdl))
    return sorted(change.description for change in changes)


def unlisted(changes: list[str], changelog: str) -> list[str]:
    """The breaking changes the changelog does not name."""
    return [change for change in changes if change not in changelog]


def check(old_sdl: str, new_sdl: str, changelog: str) -> list[str]:
    """Breaking changes from the last release that CHANGELOG.md does not list."""
    return unlisted(breaking_changes(old_sdl, new_sdl), changelog)


def main() -> int:
    """Print each unlisted breaking change; exit 1 when there is one."""
    release = last_release()
    missing = check(
        release.read_text(encoding="utf-8"),
        SDL_PATH.read_text(encoding="utf-8"),
        CHANGELOG.read_text(encoding="utf-8"),
    )
    for change in missing:
        print(
            f"breaking change since {release.stem} not in CHANGELOG.md: {change}", file=sys.stderr
        )
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
