"""What the public pages show of safety walks (trygghetsvandringar): how many were held, and how
many of their findings were fixed ("12 av 15 brister åtgärdade"; won't fix is not fixed), in
all and walk by walk, newest first. Counts and days only: no free text of a walk reaches a page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from projections.walks import PublicWalk
from service.web.public.present import N_, Words


@dataclass(frozen=True, slots=True)
class WalkLine:
    """One walk: the day it was held, the places it visited and its findings fixed."""

    date: str
    places: str
    fixed: str


@dataclass(frozen=True, slots=True)
class WalksSection:
    """The walks held and their findings fixed, in all and walk by walk."""

    held: str
    fixed: str
    walks: tuple[WalkLine, ...]


def fixed_text(fixed: int, total: int, words: Words) -> str:
    """How many findings were fixed, in the page's language: "1 av 3 brister åtgärdade", or
    "inga brister" without any."""
    if total == 0:
        return words(N_("no findings"))
    return words(N_("{fixed} of {total} findings fixed"), fixed=fixed, total=total)


def walks_section(walks: Iterable[PublicWalk], words: Words) -> WalksSection | None:
    """The section from projections.walks.public_walks; None without walks."""
    lines, fixed, total = [], 0, 0
    for walk in walks:
        summary = walk.summary
        walk_fixed, walk_total = int(summary.get("fixed", 0)), int(summary.get("findings", 0))
        fixed, total = fixed + walk_fixed, total + walk_total
        lines.append(
            WalkLine(
                date=words.date(walk.held_on),
                places=", ".join(walk.places),
                fixed=fixed_text(walk_fixed, walk_total, words),
            )
        )
    if not lines:
        return None
    held = words.ngettext("{count} safety walk held", "{count} safety walks held", len(lines))
    return WalksSection(held=held, fixed=fixed_text(fixed, total, words), walks=tuple(lines))
