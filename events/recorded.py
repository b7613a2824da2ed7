"""Facts recorded after they happened (efterregistrering): their evidence and their periods.

A signature given on paper, a publication on a web page, an agreement signed at a meeting: an
editor records them later from the document that shows them. Such a fact carries its business
date (when it happened, possibly unknown) and its `Evidence` (where anyone can check it), and
is never confused with a signature given here by an authenticated signatory.

A period given only as a label ("2018", "2023–2024") resolves to dates when the label says them
unambiguously; the dates stay editable like every other part of a draft.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from events.messages import FieldPath, InvalidInput, RuleViolated, as_path
from events.promise.content import Period
from events.well_formed import require_not_after, require_text

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")
_YEAR = r"(\d{4})"
_YEARS = re.compile(rf"^{_YEAR}(?:\s*[-–—/]\s*{_YEAR})?$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """Where a recorded fact can be checked: a web address, a registry number (diarienummer),
    and/or the SHA-256 of the document, with a line saying what the document is."""

    description: str | None = None
    url: str | None = None
    registry_number: str | None = None
    document_sha256: str | None = None


def _refuse(*, code: str, message: str, path: FieldPath, **params: object) -> InvalidInput:
    named = ".".join(str(segment) for segment in path)
    return InvalidInput(
        code=code, message=message, params={"field": named, **params}, field_path=path
    )


def require_evidence(evidence: Evidence, field_name: str | FieldPath) -> None:
    """At least one reference anyone can follow; each one well formed."""
    path = as_path(field_name)
    references = (evidence.url, evidence.registry_number, evidence.document_sha256)
    if all(reference is None for reference in references):
        raise _refuse(
            code="evidence_missing",
            message="{field} needs a url, a registry_number or a document_sha256.",
            path=path,
        )
    if evidence.description is not None:
        require_text(evidence.description, (*path, "description"), max_length=300)
    if evidence.url is not None:
        require_text(evidence.url, (*path, "url"), max_length=2000)
        if not _URL.match(evidence.url):
            raise _refuse(
                code="invalid_url",
                message="{field} must be an http or https address, got {value!r}.",
                path=(*path, "url"),
                value=evidence.url,
            )
    if evidence.registry_number is not None:
        require_text(evidence.registry_number, (*path, "registry_number"), max_length=100)
    if evidence.document_sha256 is not None and not _SHA256.match(evidence.document_sha256):
        raise _refuse(
            code="invalid_sha256",
            message="{field} must be a SHA-256 digest: 64 lower-case hexadecimal digits.",
            path=(*path, "document_sha256"),
        )


def require_recorded_name(value: str | None, field_name: str | FieldPath) -> None:
    """A name or title as the document states it (None: the document does not state it)."""
    if value is not None:
        require_text(value, field_name, max_length=200)


def label_dates(label: str) -> tuple[dt.date, dt.date] | None:
    """The dates an unambiguous label names: "2018" → the year, "2023–2024" → both years."""
    found = _YEARS.match(label.strip())
    if found is None:
        return None
    first = int(found.group(1))
    last = int(found.group(2) or first)
    if not 1900 <= first <= last <= 2200:
        return None
    return dt.date(first, 1, 1), dt.date(last, 12, 31)


def resolved_period(period: Period, field_name: str | FieldPath) -> Period:
    """`period` with its dates filled from its label when both dates are unknown.

    A label that names no dates is refused when no date is given beside it; dates given
    explicitly always win over the label.
    """
    if period.label is None or period.valid_from is not None or period.valid_to is not None:
        return period
    dates = label_dates(period.label)
    if dates is None:
        raise _refuse(
            code="period_unresolvable",
            message="{field} {value!r} names no dates; give valid_from and valid_to, or a "
            "label such as 2018 or 2023–2024.",
            path=(*as_path(field_name), "label"),
            value=period.label,
        )
    return replace(period, valid_from=dates[0], valid_to=dates[1])


def check_recorded_signature(
    *,
    party_id: str,
    parties: tuple[str, ...],
    signed_on: dt.date | None,
    signatory_name: str | None,
    signatory_title: str | None,
    evidence: Evidence,
    today: dt.date,
) -> None:
    """A signature recorded from a document: for a party, not dated in the future, named as
    the document names the signatory, with evidence anyone can follow."""
    if party_id not in parties:
        raise InvalidInput(
            code="unknown_party",
            message="{party} is not a party.",
            params={"party": party_id},
            field_path=("party_id",),
        )
    if signed_on is not None:
        require_not_after(signed_on, today, "signed_on")
    require_recorded_name(signatory_name, "signatory_name")
    require_recorded_name(signatory_title, "signatory_title")
    require_evidence(evidence, "evidence")


def checked_publication(
    *,
    channel: str,
    url: str | None,
    published_on: dt.date | None,
    evidence: Evidence | None,
    last_signed_on: dt.date | None,
    today: dt.date,
) -> None:
    """A publication (made here or recorded): a channel, an address, a day that is neither in
    the future nor before the last known signature, and well-formed evidence."""
    require_text(channel, "channel", max_length=200)
    if url is not None:
        require_text(url, "url", max_length=2000)
    if published_on is not None:
        require_not_after(published_on, today, "published_on")
        if last_signed_on is not None and published_on < last_signed_on:
            raise RuleViolated(
                code="published_before_signing",
                message="{field} ({day}) is before the last signature ({signed}).",
                params={"field": "published_on", "day": published_on, "signed": last_signed_on},
                field_path=("published_on",),
            )
    if evidence is not None:
        require_evidence(evidence, "evidence")
