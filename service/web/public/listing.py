"""Lists of what is published: the index (/p/), grouped by municipality and police area, and
a municipality's page, newest first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from projections.agreements import NAME as AGREEMENTS
from service.web.public.present import (
    MUNICIPALITY,
    N_,
    POLICE_AREA,
    Directory,
    Party,
    Words,
    party_links,
    period_text,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ListedItem:
    """One published promise or agreement in a list."""

    kind: str
    title: str
    url: str
    period: str
    newest: str
    parties: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """The published items of one set of municipalities and police areas."""

    municipalities: tuple[Party, ...]
    police_areas: tuple[str, ...]
    items: tuple[ListedItem, ...]


def listed_item(projection: str, key: str, public: Mapping[str, Any], words: Words) -> ListedItem:
    """A published document as a line in a list."""
    if projection == AGREEMENTS:
        agreement_id = str(public.get("agreement_id") or key.removeprefix("agreement-"))
        content = public.get("content") or {}
        period = content.get("period") or {}
        title = str(content.get("title") or agreement_id)
        url, kind = f"/p/overenskommelse/{agreement_id}", words(N_("Cooperation agreement"))
        parties = tuple(str(p) for p in content.get("parties") or [])
    else:
        content = (public.get("revision") or {}).get("content") or {}
        details = content.get("details") or {}
        period = details.get("period") or {}
        promise_id = str(public.get("promise_id") or key.removeprefix("promise-"))
        title = str(details.get("title") or promise_id)
        url, kind = f"/p/{promise_id}", words(N_("Citizen promise"))
        parties = tuple(str(p) for p in content.get("parties") or [])
    dates = [str(p.get("published_on") or "") for p in public.get("publications") or []]
    newest = max([str(period.get("valid_from") or ""), str(period.get("label") or ""), *dates])
    published = [words.date(d) for d in sorted(dates) if d]
    shown = (
        period_text(period, words)
        if period.get("label") or period.get("valid_from") or period.get("valid_to")
        else words(N_("published {date}"), date=published[0])
        if published
        else ""
    )
    return ListedItem(
        kind=kind,
        title=title,
        url=url,
        period=shown,
        newest=newest,
        parties=parties,
    )


def grouped(items: Iterable[ListedItem], directory: Directory) -> tuple[Group, ...]:
    """Items grouped by their municipalities and police areas, newest first in each group;
    groups in the order of their municipalities' names."""
    groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[ListedItem]] = {}
    for item in items:
        towns = tuple(sorted(p for p in item.parties if directory.kind(p) == MUNICIPALITY))
        areas = tuple(sorted(p for p in item.parties if directory.kind(p) == POLICE_AREA))
        groups.setdefault((towns, areas), []).append(item)
    ordered = sorted(
        groups.items(),
        key=lambda g: ([directory.name(t) for t in g[0][0]], [directory.name(a) for a in g[0][1]]),
    )
    return tuple(
        Group(
            municipalities=party_links(towns, directory),
            police_areas=tuple(directory.name(a) for a in areas),
            items=tuple(sorted(listed, key=lambda i: (i.newest, i.title), reverse=True)),
        )
        for (towns, areas), listed in ordered
    )
