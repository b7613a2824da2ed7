"""Where a fact recorded from a document can be checked (events.recorded.Evidence), as GraphQL
shows it beside a recorded signature or publication."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry


@strawberry.type(
    description="The source of a fact recorded from a document: a web address, a registry "
    "number (diarienummer) and/or the document's SHA-256, with a line saying what it is."
)
class Evidence:
    description: str | None
    url: str | None
    registry_number: str | None
    document_sha256: str | None


def evidence_of(plain: Mapping[str, Any] | None) -> Evidence | None:
    """The GraphQL evidence of a stored (plain JSON) one; None when there is none."""
    if plain is None:
        return None
    return Evidence(
        description=plain.get("description"),
        url=plain.get("url"),
        registry_number=plain.get("registry_number"),
        document_sha256=plain.get("document_sha256"),
    )
