"""Write the schema's SDL to schema/schema.graphql (`make schema`); a test compares them."""

from __future__ import annotations

import sys
from pathlib import Path

from schema.api import build_schema

SDL_PATH = Path(__file__).resolve().parent / "schema.graphql"


def sdl() -> str:
    """The SDL of the schema as deployed (dev mode only adds introspection, not types)."""
    return build_schema(dev=False).as_str() + "\n"


def main() -> int:
    """Export the SDL; with --check, exit 1 when the file differs from the code."""
    if "--check" in sys.argv[1:]:
        if SDL_PATH.read_text(encoding="utf-8") != sdl():
            print("schema/schema.graphql is stale: run `make schema`", file=sys.stderr)
            return 1
        return 0
    SDL_PATH.write_text(sdl(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
