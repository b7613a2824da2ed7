"""The organisation directory read model: one document folded from the "directory" stream.

The directory is one stream, so it is one document: organisations, police area ↔ municipality
links with their validity, people, roles and signing mandates, folded with the directory
decider's own evolve. Who may see people, roles and mandates is decided when reading.
"""

from __future__ import annotations

from events.codec import Registry
from events.decider import Decider
from events.directory.decider import DIRECTORY_STREAM
from events.directory.state import DirectoryState
from projections.documents import Columns, DocumentProjection

NAME = "directory"
KEY = DIRECTORY_STREAM
"""The key of the one directory document: the directory's stream id."""


def columns(state: DirectoryState) -> Columns:
    """Every registered organisation, so a list filter by organisation finds the directory."""
    return Columns(organisations=tuple(o.org_id for o in state.organisations))


def directory_projection(
    decider: Decider[DirectoryState], registry: Registry
) -> DocumentProjection[DirectoryState]:
    """The directory document projection."""
    return DocumentProjection(
        name=NAME,
        decider=decider,
        registry=registry,
        state_type=DirectoryState,
        columns=columns,
    )
