"""What the public pages have in common: their words, the directory's names, dates, periods,
signatures and publications, shaped from a published view.

Everything here and in the page modules beside it (promise_view, agreement_view, listing) is
pure: the published view (projections/promises.py, projections/agreements.py,
their `public` part), the directory's organisations and people, the page's language and the
day it is shown on go in; frozen records the templates lay out come out. Texts the page writes
itself come from the gettext catalogues in their English msgids (`N_` marks the tables), the
promise's own words are shown as written, and a unit takes its Swedish plural (units.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date
from babel.support import Translations


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
        return "" if day is None else long_date(day, self.language)


@functools.lru_cache(maxsize=4096)
def long_date(day: dt.date, language: str) -> str:
    """`day` as running text in `language` ("22 januari 2018"). Babel looks up the locale's
    pattern and formats it anew on every call, a tenth of a public page's time; a page shows
    the same few days again and again."""
    return format_date(day, format="long", locale=language)


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
