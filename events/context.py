"""What `decide` may consult beyond its own stream: the folded organisation directory."""

from __future__ import annotations

from dataclasses import dataclass, field

from events.directory.state import DirectoryState


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionContext:
    """Read-only facts from other streams (organisation kinds, party links, signing mandates)."""

    directory: DirectoryState = field(default_factory=DirectoryState)
