"""What a public page shows, shaped from a published view and the directory.

Everything here is pure: the published view (projections/promises.py, projections/agreements.py,
their `public` part), the directory's organisations and people, the page's language and the
day it is shown on go in; frozen records the templates lay out come out. Texts the page writes
itself come from the gettext catalogues in their English msgids (`N_` marks the tables), the
promise's own words are shown as written, and a unit takes its Swedish plural (units.py).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from babel.dates import format_date
from babel.support import Translations

from service.web.public.units import counted


def N_(message: str) -> str:
    """Mark `message` for extraction; it is translated where it is shown."""
    return message


MUNICIPALITY, POLICE_AREA = "municipality", "police_area"

# Bars and tracks meet WCAG 2.1 1.4.11 (3:1 against what is beside them): each fill is at
# least 4.5:1 on white, and the track is a white box with a #595959 outline (7:1).
COLOUR_FILL = {"green": "#2e7d32", "yellow": "#8a5a00", "red": "#c62828", "grey": "#595959"}
TRACK_FILL, TRACK_STROKE = "#ffffff", "#595959"

STATUS_LABEL = {
    "met": N_("Met"),
    "partly": N_("Partly met"),
    "not_met": N_("Not met"),
    "no_target": N_("No measurable target"),
}
PROMISE_STATUS_LABEL = {
    "in_force": N_("In force"),
    "signed": N_("Signed"),
    "expired": N_("Ended"),
    "closed": N_("Ended"),
    "archived": N_("Ended"),
    "superseded": N_("Superseded"),
    "terminated": N_("Ended early"),
    "ended": N_("Ended"),
}
FOLLOW_UP_KIND = {"interim": N_("Interim report"), "final": N_("Final report")}
TARGET_PHRASE = {
    ">=": N_("at least {amount}"),
    "<=": N_("at most {amount}"),
    "==": N_("exactly {amount}"),
    "=": N_("exactly {amount}"),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Words:
    """The page's language: its catalogue, and dates as running text ("22 januari 2018")."""

    language: str
    catalogue: Translations

    def __call__(self, message: str, **params: object) -> str:
        """`message` translated, its `{name}` placeholders filled in."""
        text = self.catalogue.gettext(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, count: int, **params: object) -> str:
        """The form of a message that `count` takes, with `{count}` and `params` filled in."""
        return self.catalogue.ngettext(singular, plural, count).format(count=count, **params)

    def label(self, table: Mapping[str, str], key: str) -> str:
        """The translated label of `key` in one of the tables above (the key if unknown)."""
        return self.catalogue.gettext(table[key]) if key in table else key

    def date(self, value: dt.date | str | None) -> str:
        """A date as running text in the page's language; empty when unknown."""
        day = as_date(value)
        return "" if day is None else format_date(day, format="long", locale=self.language)


def as_date(value: dt.date | str | None) -> dt.date | None:
    """An ISO date (as the views store it) as a date; None when absent or not a date."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def slug(name: str) -> str:
    """A path segment for a name: "Upplands-Bro kommun" → "upplands-bro"."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return re.sub(r"-kommun$", "", words)


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact:
    """A party's public contact point as the directory holds it."""

    name: str
    phone: str | None
    email: str | None
    web: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Directory:
    """The directory's organisations and people, for the names pages show."""

    organisations: Mapping[str, Mapping[str, Any]]
    people: Mapping[str, str]

    @classmethod
    def of(
        cls, organisations: Iterable[Mapping[str, Any]], people: Iterable[Mapping[str, Any]]
    ) -> Directory:
        """From the directory document's lists."""
        return cls(
            organisations={str(o.get("org_id")): o for o in organisations},
            people={str(p.get("person_id")): str(p.get("name")) for p in people},
        )

    def name(self, org_id: str) -> str:
        """The organisation's name (its id when the directory does not know it)."""
        org = self.organisations.get(org_id)
        return str(org.get("name")) if org and org.get("name") else org_id

    def kind(self, org_id: str) -> str | None:
        """municipality, police_area, …; None when unknown."""
        org = self.organisations.get(org_id)
        return None if org is None else org.get("kind")

    def municipality_path(self, org_id: str) -> str:
        """The municipality page's path segment: its kommunkod, or its name as a slug."""
        org = self.organisations.get(org_id) or {}
        return str(org.get("kommunkod") or slug(self.name(org_id)))

    def municipality(self, code: str) -> str | None:
        """The municipality a path segment names (kommunkod, or a slug of its name or an
        alias); None when none does."""
        wanted = code.strip().lower()
        for org_id, org in self.organisations.items():
            if org.get("kind") != MUNICIPALITY:
                continue
            names = [str(org.get("name") or ""), *[str(a) for a in org.get("aliases") or []]]
            if wanted == str(org.get("kommunkod") or "").lower() or wanted in {
                slug(n) for n in names if n
            }:
                return org_id
        return None

    def contact(self, org_id: str) -> Contact | None:
        """The public contact point of `org_id`; None when it has none."""
        org = self.organisations.get(org_id) or {}
        point = org.get("public_contact") or {}
        phone, email, web = point.get("phone"), point.get("email"), point.get("web")
        if not (phone or email or web):
            return None
        return Contact(name=self.name(org_id), phone=phone, email=email, web=web)


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """One reference a recorded fact can be checked against."""

    text: str
    url: str | None = None
    code: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SignatureView:
    """One party's signature: who signed, as what, when, and how it reached the record."""

    party: str
    name: str | None
    title: str | None
    date: str
    recorded: bool
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicationView:
    """Where and when the text was published."""

    date: str
    channel: str | None
    url: str | None
    recorded: bool
    sources: tuple[Source, ...] = ()


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
class Fact:
    """One line of the facts list at the top of a page."""

    term: str
    value: str
    url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Party:
    """A party named, linked to its municipality page when it is a municipality."""

    name: str
    url: str | None


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


def period_text(period: Mapping[str, Any] | None, words: Words) -> str:
    """The period as running text: "2018 (1 januari 2018 – 31 december 2018)"."""
    period = period or {}
    named = period.get("label")
    start, end = words.date(period.get("valid_from")), words.date(period.get("valid_to"))
    dates = f"{start or '…'} – {end or '…'}" if start or end else ""
    if named and dates:
        return f"{named} ({dates})"
    return str(named or dates or words(N_("not given")))


def evidence_sources(evidence: Mapping[str, Any] | None, words: Words) -> tuple[Source, ...]:
    """A recorded fact's evidence as references: the document, its link, diarienummer, hash."""
    if not evidence:
        return ()
    sources = []
    if evidence.get("description"):
        sources.append(Source(text=str(evidence["description"])))
    if evidence.get("url"):
        sources.append(Source(text=words(N_("Source")), url=str(evidence["url"])))
    if evidence.get("registry_number"):
        number = str(evidence["registry_number"])
        sources.append(Source(text=words(N_("Registry number {number}"), number=number)))
    if evidence.get("document_sha256"):
        digest = str(evidence["document_sha256"])
        sources.append(Source(text=words(N_("SHA-256 of the document: {digest}"), digest=digest)))
    return tuple(sources)


def signatures(
    items: Iterable[Mapping[str, Any]], directory: Directory, words: Words
) -> tuple[SignatureView, ...]:
    """Each signature with the signatory's name and title, its date, and its source."""
    shown = []
    for s in items:
        recorded = bool(s.get("recorded_from_document"))
        person = s.get("person_id")
        name = s.get("signatory_name") or (directory.people.get(str(person)) if person else None)
        title = s.get("signatory_title") or s.get("role_title")
        shown.append(
            SignatureView(
                party=directory.name(str(s.get("party_id"))),
                name=name,
                title=title,
                date=words.date(s.get("signed_on")) or words(N_("date not known")),
                recorded=recorded,
                sources=evidence_sources(s.get("evidence"), words) if recorded else (),
            )
        )
    return tuple(shown)


def publications(items: Iterable[Mapping[str, Any]], words: Words) -> tuple[PublicationView, ...]:
    """Each publication with its date, channel and link."""
    shown = []
    for p in items:
        recorded = bool(p.get("recorded_from_document"))
        shown.append(
            PublicationView(
                date=words.date(p.get("published_on")) or words(N_("date not known")),
                channel=p.get("channel"),
                url=p.get("url"),
                recorded=recorded,
                sources=evidence_sources(p.get("evidence"), words) if recorded else (),
            )
        )
    return tuple(shown)


def approved_by_all(parties: Sequence[str], signed: Iterable[Mapping[str, Any]]) -> bool:
    """True when every party has signed."""
    return bool(parties) and set(parties) <= {str(s.get("party_id")) for s in signed}


def approval_text(parties: Sequence[str], words: Words) -> str:
    """ "godkänt av båda parterna" for two, "av alla parterna" for more."""
    if len(parties) == 2:
        return words(N_("Approved by both parties"))
    return words(N_("Approved by all parties"))


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
        )
    goal = int(quantity)
    phrase = target_phrase(goal, comparator, unit, words)
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
    )


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


def party_links(parties: Iterable[str], directory: Directory) -> tuple[Party, ...]:
    """Each party by name; a municipality links to its page."""
    return tuple(
        Party(
            name=directory.name(p),
            url=(
                f"/p/kommun/{directory.municipality_path(p)}"
                if directory.kind(p) == MUNICIPALITY
                else None
            ),
        )
        for p in parties
    )


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
        lambda c: commitment_view(
            c,
            progress.get(str(c.get("commitment_id"))),
            assessed.get(str(c.get("commitment_id"))),
            period_end,
            source.today,
            places,
            words,
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
    words: Words,
) -> AgreementPage:
    """The agreement page's content; `promises` are (id, title) of the published promises
    that name it."""
    content = public.get("content") or {}
    parties = [str(p) for p in content.get("parties") or []]
    signed = list(public.get("signatures") or [])
    facts = [Fact(term=words(N_("Period")), value=period_text(content.get("period"), words))]
    if public.get("status"):
        facts.append(
            Fact(
                term=words(N_("Status")),
                value=words.label(PROMISE_STATUS_LABEL, str(public.get("status"))),
            )
        )
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


PROMISE_KIND, AGREEMENT_KIND = "promises", "agreements"


def listed_item(projection: str, key: str, public: Mapping[str, Any], words: Words) -> ListedItem:
    """A published document as a line in a list."""
    if projection == AGREEMENT_KIND:
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
    return ListedItem(
        kind=kind,
        title=title,
        url=url,
        period=period_text(period, words),
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
