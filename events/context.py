"""What `decide` may consult beyond its own stream: the folded organisation directory."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from events.directory.state import DirectoryState


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionContext:
    """Read-only facts from other streams (organisation kinds, party links, signing mandates)."""

    directory: DirectoryState = field(default_factory=DirectoryState)
    linked: Mapping[str, Any] = field(default_factory=dict)
    """Folded states of the streams the command names (Decider.links), by stream id; a stream
    that does not exist is there with its decider's initial state."""
