"""A promise's page and its embed: commitments with their honest status, grouped under their
focus areas, the public activity records, signatures, publications and follow-ups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from service.web.public.present import (
    COLOUR_FILL,
    FOLLOW_UP_KIND,
    N_,
    PROMISE_STATUS_LABEL,
    STATUS_LABEL,
    TARGET_PHRASE,
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
from service.web.public.units import counted


@dataclass(frozen=True, slots=True, kw_only=True)
class Bar:
    """An SVG progress bar's geometry (viewBox 0 0 400 40, track from x=10, 380 wide)."""

    width: int
    fill: str
    target_x: int | None
    described: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    """The latest published assessment of a commitment."""

    report: str
    status: str | None
    comment: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitmentView:
    """One commitment with its honest status."""

    commitment_id: str
    text: str
    status: str
    status_label: str | None
    achieved: int
    done: str
    remaining: str | None
    bar: Bar | None
    assessment: Assessment | None
    places: tuple[str, ...] = ()
    who: str | None = None
    when: str | None = None
    planned: str | None = None
    """Planned against done: "2 av 8 planerade tillfällen genomförda" (none when nothing is
    planned)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FocusGroup:
    """The commitments under one focus area (fokusområde), the area named once."""

    title: str | None
    description: str | None
    commitments: tuple[CommitmentView, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityView:
    """One public activity record: when, where and toward what (never who or a summary)."""

    date: str
    iso_date: str
    places: str
    commitment: str
    amount: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PromisePage:
    """A promise's public page (and its embed)."""

    promise_id: str
    title: str
    parties: tuple[Party, ...]
    facts: tuple[Fact, ...]
    texts: tuple[tuple[str, str], ...]
    groups: tuple[FocusGroup, ...]
    places: tuple[str, ...]
    activities: tuple[ActivityView, ...]
    activities_count: str
    signatures: tuple[SignatureView, ...]
    publications: tuple[PublicationView, ...]
    follow_up_plan: str | None
    follow_ups: tuple[str, ...]
    contacts: tuple[Contact, ...]
    embed_height: int
    agreement_url: str | None = None


def target_phrase(target: int, comparator: str | None, unit: str | None, words: Words) -> str:
    """The target in words: "minst 8 insatser"."""
    template = TARGET_PHRASE.get(comparator or ">=", TARGET_PHRASE[">="])
    return words(template, amount=counted(target, unit))


def latest_assessments(
    follow_ups: Iterable[Mapping[str, Any]], words: Words
) -> dict[str, Assessment]:
    """The newest published assessment of each commitment, with the report it is from."""
    latest: dict[str, tuple[str, Assessment]] = {}
    for report in follow_ups:
        covers_to = str(report.get("covers_to") or "")
        kind = words.label(FOLLOW_UP_KIND, str(report.get("kind")))
        name = words(
            N_("{report}, {start} – {end}"),
            report=kind,
            start=words.date(report.get("covers_from")),
            end=words.date(report.get("covers_to")),
        )
        for a in report.get("assessments") or []:
            cid = str(a.get("commitment_id"))
            if cid in latest and latest[cid][0] > covers_to:
                continue
            status = str(a.get("status"))
            latest[cid] = (
                covers_to,
                Assessment(
                    report=name,
                    # "Inget mätbart mål" stands beside the commitment already.
                    status=None if status == "no_target" else words.label(STATUS_LABEL, status),
                    comment=a.get("comment"),
                ),
            )
    return {cid: found for cid, (_when, found) in latest.items()}


def commitment_view(
    commitment: Mapping[str, Any],
    progress: Mapping[str, Any] | None,
    assessment: Assessment | None,
    period_end: dt.date | None,
    today: dt.date,
    place_names: Mapping[str, str],
    words: Words,
) -> CommitmentView:
    """One commitment's status as a resident reads it.

    With a target: how many of it are done, the bar, and what is left by when ("5 insatser
    kvar före 31 december 2018"). Without one: what was done and the latest published
    assessment, and no bar (a full grey bar over nothing done says nothing true).
    """
    progress = progress or {}
    target = commitment.get("target") or {}
    quantity = progress.get("target", target.get("quantity"))
    unit = progress.get("unit") or target.get("unit")
    comparator = progress.get("comparator") or target.get("comparator")
    achieved = int(progress.get("achieved") or 0)
    records = int(progress.get("records") or 0)
    status = str(progress.get("status") or ("no_target" if quantity is None else "not_met"))
    places = tuple(place_names.get(str(p), str(p)) for p in commitment.get("place_ids") or () if p)
    cid = str(commitment.get("commitment_id"))
    text = str(commitment.get("text") or "")
    planned = planned_text(progress, words)
    if quantity is None:
        done = (
            words.ngettext("{count} activity recorded", "{count} activities recorded", records)
            if records
            else words(N_("No activity recorded yet"))
        )
        return CommitmentView(
            commitment_id=cid,
            text=text,
            status=status,
            status_label=None,
            achieved=achieved,
            done=done,
            remaining=None,
            bar=None,
            assessment=assessment,
            places=places,
            planned=planned,
        )
    goal = int(quantity)
    phrase = target_phrase(goal, comparator, unit, words)
    if records == 0 and assessment is None and period_end is not None and today > period_end:
        # A promise entered after its period (from its documents) with nothing recorded here:
        # no verdict, since an empty record says nothing about what was done.
        return CommitmentView(
            commitment_id=cid,
            text=text,
            status="not_recorded",
            status_label=None,
            achieved=0,
            done=words(N_("Target: {target}. Nothing done was recorded here."), target=phrase),
            remaining=None,
            bar=None,
            assessment=None,
            places=places,
            planned=planned,
        )
    done = words(N_("of {target}"), target=phrase)
    remaining = remaining_text(goal, achieved, comparator, unit, period_end, today, words)
    scale = max(achieved, goal, 1)
    track = 380
    described = words(
        N_("Done: {achieved} of {target}. {status}."),
        achieved=achieved,
        target=phrase,
        status=words.label(STATUS_LABEL, status),
    )
    bar = Bar(
        width=max(round(track * achieved / scale), 0),
        fill=COLOUR_FILL.get(str(progress.get("colour")), COLOUR_FILL["grey"]),
        target_x=10 + round(track * goal / scale),
        described=described,
    )
    return CommitmentView(
        commitment_id=cid,
        text=text,
        status=status,
        status_label=words.label(STATUS_LABEL, status),
        achieved=achieved,
        done=done,
        remaining=remaining,
        bar=bar,
        assessment=assessment,
        places=places,
        planned=planned,
    )


def planned_text(progress: Mapping[str, Any], words: Words) -> str | None:
    """How many of the occurrences planned for the commitment (not cancelled) were carried
    out; None when none is planned."""
    planned = int(progress.get("planned") or 0)
    if planned == 0:
        return None
    return words.ngettext(
        "{done} of {count} planned occasion carried out",
        "{done} of {count} planned occasions carried out",
        planned,
        done=int(progress.get("planned_performed") or 0),
    )


def who_text(commitment: Mapping[str, Any], directory: Directory) -> str | None:
    """Who carries the commitment out: the responsible organisations and partners by name,
    and the participants as the promise describes them."""
    ids = [*(commitment.get("responsible_ids") or []), *(commitment.get("partner_ids") or [])]
    named = [directory.name(str(o)) for o in ids]
    participants = commitment.get("participants")
    parts = [", ".join(dict.fromkeys(named))] if named else []
    if participants:
        parts.append(str(participants))
    return "; ".join(parts) or None


def remaining_text(
    goal: int,
    achieved: int,
    comparator: str | None,
    unit: str | None,
    period_end: dt.date | None,
    today: dt.date,
    words: Words,
) -> str | None:
    """What is left and by when; None when nothing is (an "at most" target, or met)."""
    if comparator == "<=" or achieved >= goal:
        return None
    left = counted(goal - achieved, unit)
    if period_end is None:
        return words(N_("{left} left"), left=left)
    end = words.date(period_end)
    if today <= period_end:
        return words(N_("{left} left before {date}"), left=left, date=end)
    return words(N_("{left} short when the period ended on {date}"), left=left, date=end)


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseInput:
    """Everything a promise page is made from."""

    public: Mapping[str, Any]
    activities: Sequence[Mapping[str, Any]]
    directory: Directory
    today: dt.date
    updated: dt.datetime | None = None
    agreement_ids: frozenset[str] = field(default_factory=frozenset)


def promise_page(source: PromiseInput, words: Words) -> PromisePage:
    """The promise page's content."""
    public, directory = source.public, source.directory
    revision = public.get("revision") or {}
    content = revision.get("content") or {}
    details = content.get("details") or {}
    period = details.get("period") or {}
    parties = [str(p) for p in content.get("parties") or []]
    places = {str(p.get("place_id")): str(p.get("name")) for p in content.get("places") or []}
    progress = {str(p.get("commitment_id")): p for p in public.get("progress") or []}
    follow_ups = list(public.get("follow_ups") or [])
    assessed = latest_assessments(follow_ups, words)
    period_end = as_date(period.get("valid_to"))
    groups = focus_groups(
        content,
        lambda c: replace(
            commitment_view(
                c,
                progress.get(str(c.get("commitment_id"))),
                assessed.get(str(c.get("commitment_id"))),
                period_end,
                source.today,
                places,
                words,
            ),
            who=who_text(c, directory),
            when=c.get("schedule_hint") or None,
        ),
    )
    commitment_texts = {
        str(c.get("commitment_id")): str(c.get("text")) for c in content.get("commitments") or []
    }
    units = {
        str(c.get("commitment_id")): (c.get("target") or {}).get("unit")
        for c in content.get("commitments") or []
    }
    activities = activity_views(source.activities, places, commitment_texts, units, words)
    signed = list(revision.get("signatures") or [])
    facts = [
        Fact(term=words(N_("Period")), value=period_text(period, words)),
        Fact(
            term=words(N_("Status")),
            value=words.label(PROMISE_STATUS_LABEL, str(public.get("status"))),
        ),
    ]
    if approved_by_all(parties, signed):
        facts.append(Fact(term=words(N_("Signed")), value=approval_text(parties, words)))
    next_follow_up = words.date(public.get("next_follow_up_on"))
    if next_follow_up:
        facts.append(Fact(term=words(N_("Next follow-up")), value=next_follow_up))
    if source.updated is not None:
        facts.append(Fact(term=words(N_("Last updated")), value=words.date(source.updated.date())))
    agreement_id = details.get("agreement_id")
    texts = tuple(
        (words(heading), str(details[key]))
        for key, heading in (
            ("problem_picture", N_("Why")),
            ("goal", N_("Goal")),
            ("expected_effect", N_("Expected effect")),
        )
        if details.get(key)
    )
    commitments = sum(len(g.commitments) for g in groups)
    return PromisePage(
        promise_id=str(public.get("promise_id")),
        title=str(details.get("title") or public.get("promise_id")),
        parties=party_links(parties, directory),
        facts=tuple(facts),
        texts=texts,
        groups=groups,
        places=tuple(places.values()),
        activities=activities,
        activities_count=words.ngettext("{count} recorded", "{count} recorded", len(activities)),
        signatures=signatures(signed, directory, words),
        publications=publications(public.get("publications") or [], words),
        follow_up_plan=details.get("follow_up_plan"),
        follow_ups=tuple(
            words(
                N_("{report}, {start} – {end}"),
                report=words.label(FOLLOW_UP_KIND, str(f.get("kind"))),
                start=words.date(f.get("covers_from")),
                end=words.date(f.get("covers_to")),
            )
            for f in follow_ups
        ),
        contacts=tuple(c for p in parties if (c := directory.contact(p)) is not None),
        # The embed's suggested height: a heading, and a commitment block each (in CSS px).
        embed_height=260 + 190 * commitments,
        agreement_url=(
            f"/p/overenskommelse/{agreement_id}"
            if agreement_id and str(agreement_id) in source.agreement_ids
            else None
        ),
    )


def focus_groups(content: Mapping[str, Any], view: Any) -> tuple[FocusGroup, ...]:
    """Commitments grouped under their focus area in the order the promise lists the areas;
    those without one last."""
    areas = list(content.get("focus_areas") or [])
    commitments = list(content.get("commitments") or [])
    known = {str(a.get("focus_area_id")) for a in areas}
    groups = []
    for area in areas:
        aid = str(area.get("focus_area_id"))
        members = tuple(view(c) for c in commitments if str(c.get("focus_area_id")) == aid)
        groups.append(
            FocusGroup(
                title=str(area.get("title")),
                description=area.get("description"),
                commitments=members,
            )
        )
    rest = tuple(view(c) for c in commitments if str(c.get("focus_area_id")) not in known)
    if rest:
        groups.append(FocusGroup(title=None, description=None, commitments=rest))
    return tuple(groups)


def activity_views(
    records: Iterable[Mapping[str, Any]],
    places: Mapping[str, str],
    commitments: Mapping[str, str],
    units: Mapping[str, str | None],
    words: Words,
) -> tuple[ActivityView, ...]:
    """The public activity records, newest first."""
    shown = []
    for r in records:
        cid = str(r.get("commitment_id"))
        named = [places.get(str(p), str(p)) for p in r.get("place_ids") or []]
        shown.append(
            ActivityView(
                date=words.date(r.get("occurred_on")),
                iso_date=str(r.get("occurred_on") or ""),
                places=", ".join(named) or words(N_("not given")),
                commitment=commitments.get(cid, cid),
                amount=counted(int(r.get("quantity") or 1), units.get(cid)),
            )
        )
    return tuple(sorted(shown, key=lambda a: a.iso_date, reverse=True))
