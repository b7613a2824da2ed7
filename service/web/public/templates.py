"""The public pages' Jinja2 templates (service/web/templates/public) and static files.

One environment per process, built the first time a page is rendered; every value is
escaped (autoescape), and a name a template uses but the page does not give is an error,
not an empty string. The page's words come in per render (`_`, in the page's language).
The styles and the embed's script are served from the package, never from elsewhere.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from service.web.public.freshness import release_digest
from service.web.public.present import TRACK_FILL, TRACK_STROKE, Words

WEB = Path(__file__).resolve().parent.parent
STATIC = WEB / "static"
ASSETS = {"public.css": "text/css; charset=utf-8", "embed.js": "text/javascript; charset=utf-8"}
"""The static files the pages load, with their media types: nothing else is served."""
ASSET_PATH = "/p/assets/"


@functools.cache
def environment() -> jinja2.Environment:
    """The templates' environment."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(WEB / "templates" / "public"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def compile_all() -> int:
    """Compile every template now (they are kept in the environment); how many there are.

    A process about to serve calls this once: compiled on first use, the pages' templates
    cost a new process 0.09 s of CPU (on an idle machine; more on a busy one) inside its first
    page requests, just when a cold process has the most to do (`samverkan serve`'s start;
    see ops/bench/README.md)."""
    env = environment()
    names = env.list_templates()
    for name in names:
        env.get_template(name)
    return len(names)


def asset(name: str) -> str:
    """The path of a static file, versioned so a new release is fetched afresh."""
    return f"{ASSET_PATH}{name}?v={release_digest()}"


@functools.cache
def asset_bytes(name: str) -> bytes:
    """The bytes of a static file named in ASSETS."""
    return (STATIC / name).read_bytes()


def render(template: str, words: Words, *, embed: bool = False, **values: Any) -> str:
    """A whole page from `template`, in the language of `words`."""
    context: Mapping[str, Any] = {
        "_": words,
        "language": words.language,
        "embed": embed,
        "asset": asset,
        "track_fill": TRACK_FILL,
        "track_stroke": TRACK_STROKE,
        "suggested_height": 0,
        "body": "",
        **values,
    }
    return environment().get_template(template).render(context)
