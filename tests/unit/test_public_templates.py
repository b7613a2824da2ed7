"""The public pages' templates are compiled before a process serves (templates.compile_all)."""

from __future__ import annotations

from pathlib import Path

from service.web.public import templates


def test_compile_all_leaves_every_public_template_compiled_in_the_environment() -> None:
    env = templates.environment()
    env.cache.clear()  # as in a new process
    on_disk = {
        p.relative_to(templates.WEB / "templates" / "public").as_posix()
        for p in Path(templates.WEB / "templates" / "public").rglob("*.html")
    }
    assert templates.compile_all() == len(on_disk) > 0
    assert env.cache is not None
    compiled = {name for (_, name) in env.cache}
    assert compiled == on_disk
