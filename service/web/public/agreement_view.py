"""A published cooperation agreement's page (samverkansöverenskommelse)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from service.web.public.present import (
    N_,
    PROMISE_STATUS_LABEL,
    Contact,
    Directory,
    Fact,
    Party,
    PublicationView,
    SignatureView,
    Words,
    approval_text,
    approved_by_all,
    as_date,
    party_links,
    period_text,
    publications,
    signatures,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementPage:
    """A published agreement's page."""

    agreement_id: str
    title: str
    parties: tuple[Party, ...]
    facts: tuple[Fact, ...]
    goal: str | None
    focus_areas: tuple[tuple[str, str | None], ...]
    signatures: tuple[SignatureView, ...]
    publications: tuple[PublicationView, ...]
    extensions: tuple[str, ...]
    promises: tuple[Party, ...]
    contacts: tuple[Contact, ...]


def agreement_page(
    agreement_id: str,
    public: Mapping[str, Any],
    directory: Directory,
    promises: Iterable[tuple[str, str]],
    updated: dt.datetime | None,
    today: dt.date,
    words: Words,
) -> AgreementPage:
    """The agreement page's content; `promises` are (id, title) of the published promises
    that name it."""
    content = public.get("content") or {}
    parties = [str(p) for p in content.get("parties") or []]
    signed = list(public.get("signatures") or [])
    facts = [Fact(term=words(N_("Period")), value=period_text(content.get("period"), words))]
    facts.append(Fact(term=words(N_("Status")), value=status_text(public, content, today, words)))
    if approved_by_all(parties, signed):
        facts.append(Fact(term=words(N_("Signed")), value=approval_text(parties, words)))
    if updated is not None:
        facts.append(Fact(term=words(N_("Last updated")), value=words.date(updated.date())))
    extensions = []
    for e in public.get("extensions") or []:
        line = words(N_("Extended to {date}"), date=words.date(e.get("new_valid_to")))
        if e.get("reason"):
            line = f"{line}: {e['reason']}"
        if e.get("decision_ref"):
            line = f"{line} ({e['decision_ref']})"
        extensions.append(line)
    return AgreementPage(
        agreement_id=agreement_id,
        title=str(content.get("title") or agreement_id),
        parties=party_links(parties, directory),
        facts=tuple(facts),
        goal=content.get("goal"),
        focus_areas=tuple(
            (str(f.get("title")), f.get("description")) for f in content.get("focus_areas") or []
        ),
        signatures=signatures(signed, directory, words),
        publications=publications(public.get("publications") or [], words),
        extensions=tuple(extensions),
        promises=tuple(Party(name=title, url=f"/p/{pid}") for pid, title in promises),
        contacts=tuple(c for p in parties if (c := directory.contact(p)) is not None),
    )


def status_text(
    public: Mapping[str, Any], content: Mapping[str, Any], today: dt.date, words: Words
) -> str:
    """ "Gäller" while a signed agreement's period covers today; its status otherwise.

    The fold does not read a clock, so a signed agreement stays `signed` through its period:
    whether it is in force on the day the page is shown is read here, from the period.
    """
    status = str(public.get("status") or "")
    period = content.get("period") or {}
    start, end = as_date(period.get("valid_from")), as_date(period.get("valid_to"))
    if status == "signed" and (start is None or start <= today) and (end is None or today <= end):
        return words.label(PROMISE_STATUS_LABEL, "in_force")
    return words.label(PROMISE_STATUS_LABEL, status)
