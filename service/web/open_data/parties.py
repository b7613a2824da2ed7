"""Parties, signatures and publications as open-data cells, shared by promises and agreements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from service.web.open_data.labels import DATE_NOT_GIVEN, RECORDED_FROM_DOCUMENT
from service.web.open_data.sources import Directory

MUNICIPALITY = "municipality"
POLICE_AREA = "police_area"


def party_cells(parties: Sequence[str], directory: Directory) -> dict[str, Any]:
    """Every party with its name, and the municipalities and police areas among them."""

    def of_kind(kind: str) -> list[str]:
        return [p for p in parties if directory.kind(p) == kind]

    municipalities, police_areas = of_kind(MUNICIPALITY), of_kind(POLICE_AREA)
    return {
        "parties": list(parties),
        "party_names": [directory.name(p) or p for p in parties],
        "municipality_ids": municipalities,
        "municipality_names": [directory.name(p) or p for p in municipalities],
        "police_area_ids": police_areas,
        "police_area_names": [directory.name(p) or p for p in police_areas],
    }


def evidence_text(evidence: Mapping[str, Any] | None) -> str | None:
    """Where a recorded fact can be checked: its address, registry number or description."""
    if not evidence:
        return None
    for key in ("url", "registry_number", "description"):
        if evidence.get(key):
            return str(evidence[key])
    digest = evidence.get("document_sha256")
    return None if digest is None else f"SHA-256 {digest}"


def signature_text(signature: Mapping[str, Any], directory: Directory) -> str:
    """One signature as a resident reads it: party, signatory, title, date, and whether it
    was recorded from a document (and from which)."""
    party = signature.get("party_id")
    who = signature.get("signatory_name") or directory.person(signature.get("person_id"))
    title = signature.get("signatory_title") or signature.get("role_title")
    signed = ", ".join(str(p) for p in (who, title) if p)
    text = f"{directory.name(party) or party}: {signed or '–'}, "
    text += str(signature.get("signed_on") or DATE_NOT_GIVEN)
    if signature.get("recorded_from_document"):
        source = evidence_text(signature.get("evidence"))
        text += f" ({RECORDED_FROM_DOCUMENT}{': ' + source if source else ''})"
    return text


def signature_cells(
    signatures: Sequence[Mapping[str, Any]], directory: Directory
) -> dict[str, Any]:
    """The signatures in one cell, the latest signing date, and whether any was recorded from
    a document rather than given here."""
    dates = sorted(str(s["signed_on"]) for s in signatures if s.get("signed_on"))
    return {
        "signatures": [signature_text(s, directory) for s in signatures],
        "signed_on": dates[-1] if dates else None,
        "recorded_from_document": any(s.get("recorded_from_document") for s in signatures),
    }


def publication_cells(publications: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """When it was first published (as far as known), where and at which addresses."""
    dates = sorted(str(p["published_on"]) for p in publications if p.get("published_on"))
    urls = [str(p["url"]) for p in publications if p.get("url")]
    channels = [str(p["channel"]) for p in publications if p.get("channel")]
    return {
        "published_on": dates[0] if dates else None,
        "publication_channels": list(dict.fromkeys(channels)),
        "publication_urls": list(dict.fromkeys(urls)),
    }
