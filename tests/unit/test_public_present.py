"""What the public pages write, shaped from published views without a server: plurals of
units, municipality addresses, what is left by when, signature marks, lists and versions."""

from __future__ import annotations

import datetime as dt

import pytest
from starlette.requests import Request

from schema.i18n.catalogue import translations
from service.web.public import freshness
from service.web.public.listing import grouped, listed_item
from service.web.public.present import (
    COLOUR_FILL,
    TRACK_FILL,
    TRACK_STROKE,
    Directory,
    Words,
    signatures,
)
from service.web.public.promise_view import remaining_text
from service.web.public.units import counted, plural

SV = Words(language="sv", catalogue=translations("sv"))
EN = Words(language="en", catalogue=translations("en"))
DIRECTORY = Directory.of(
    [
        {"org_id": "org-ub", "kind": "municipality", "name": "Upplands-Bro kommun",
         "kommunkod": "0139", "aliases": ["Bro"]},
        {"org_id": "org-arjeplog", "kind": "municipality", "name": "Arjeplogs kommun",
         "kommunkod": "2506"},
        {"org_id": "org-lpo", "kind": "police_area", "name": "Lokalpolisområde Järfälla"},
    ],
    [{"person_id": "p-1", "name": "Per Polisson"}],
)  # fmt: skip


@pytest.mark.parametrize(
    ("unit", "many"),
    [
        ("insats", "insatser"),
        ("möte", "möten"),
        ("vandring", "vandringar"),
        ("nattvandring", "nattvandringar"),
        ("trygghetsvandring", "trygghetsvandringar"),
        ("Insats", "Insatser"),
        ("st", "st"),
        ("kaffekoppar", "kaffekoppar"),
    ],
)
def test_a_unit_takes_its_swedish_plural_and_an_unknown_word_stays_as_written(
    unit: str, many: str
) -> None:
    assert plural(unit) == many
    assert counted(1, unit) == f"1 {unit}"
    assert counted(8, unit) == f"8 {many}"


def test_a_count_without_a_unit_is_the_number_alone() -> None:
    assert counted(3, None) == "3" and counted(3, "") == "3"


@pytest.mark.parametrize("code", ["0139", "upplands-bro", "UPPLANDS-BRO", "bro"])
def test_a_municipality_is_found_by_kommunkod_name_or_alias(code: str) -> None:
    assert DIRECTORY.municipality(code) == "org-ub"


@pytest.mark.parametrize("code", ["lokalpolisomrade-jarfalla", "9999", "", "org-ub"])
def test_nothing_else_names_a_municipality(code: str) -> None:
    assert DIRECTORY.municipality(code) is None


def test_a_municipality_is_addressed_by_its_kommunkod() -> None:
    assert DIRECTORY.municipality_path("org-ub") == "0139"
    assert DIRECTORY.name("org-unknown") == "org-unknown"  # never a blank where a name goes


def test_what_is_left_is_dated_before_the_end_and_short_after_it() -> None:
    end = dt.date(2018, 12, 31)
    before = remaining_text(8, 3, ">=", "insats", end, dt.date(2018, 6, 1), SV)
    assert before == "5 insatser kvar före 31 december 2018"
    after = remaining_text(8, 7, ">=", "insats", end, dt.date(2019, 1, 1), SV)
    assert after == "1 insats saknades när perioden slutade 31 december 2018"
    assert remaining_text(2, 2, ">=", "möte", end, dt.date(2018, 6, 1), SV) is None
    assert remaining_text(2, 5, "<=", "möte", end, dt.date(2018, 6, 1), SV) is None
    english = remaining_text(4, 0, ">=", "vandring", end, dt.date(2018, 6, 1), EN)
    assert english == "4 vandringar left before December 31, 2018"


def test_a_recorded_signature_carries_its_sources_and_a_live_one_its_signatory() -> None:
    recorded, live = signatures(
        [
            {
                "party_id": "org-ub",
                "person_id": None,
                "signatory_name": "Fredrik Kjos",
                "signatory_title": "kommunstyrelsens ordförande",
                "signed_on": "2018-01-22",
                "recorded_from_document": True,
                "evidence": {"url": "https://example.se/a.pdf", "registry_number": "KS 1/2"},
            },
            {
                "party_id": "org-lpo",
                "person_id": "p-1",
                "role_title": "lokalpolisområdeschef",
                "signed_on": None,
                "recorded_from_document": False,
                "evidence": {"url": "https://example.se/ignored"},
            },
        ],
        DIRECTORY,
        SV,
    )
    assert (recorded.party, recorded.name, recorded.title) == (
        "Upplands-Bro kommun",
        "Fredrik Kjos",
        "kommunstyrelsens ordförande",
    )
    assert recorded.recorded and recorded.date == "22 januari 2018"
    assert [(s.text, s.url) for s in recorded.sources] == [
        ("Källa", "https://example.se/a.pdf"),
        ("Diarienummer KS 1/2", None),
    ]
    assert (live.party, live.name, live.title, live.recorded) == (
        "Lokalpolisområde Järfälla",
        "Per Polisson",
        "lokalpolisområdeschef",
        False,
    )
    assert live.date == "datum okänt" and live.sources == ()


def promise(promise_id: str, start: str, parties: list[str]) -> dict[str, object]:
    return {
        "promise_id": promise_id,
        "revision": {
            "content": {
                "parties": parties,
                "details": {"title": promise_id, "period": {"valid_from": start}},
            }
        },
    }


def test_the_list_groups_by_municipality_and_police_area_newest_first() -> None:
    items = [
        listed_item("promises", "promise-a", promise("a", "2018-01-01", ["org-ub", "org-lpo"]), SV),
        listed_item("promises", "promise-b", promise("b", "2022-01-01", ["org-ub", "org-lpo"]), SV),
        listed_item("promises", "promise-c", promise("c", "2023-01-01", ["org-arjeplog"]), SV),
    ]
    groups = grouped(items, DIRECTORY)
    assert [[m.name for m in g.municipalities] for g in groups] == [
        ["Arjeplogs kommun"],
        ["Upplands-Bro kommun"],
    ]
    assert groups[1].police_areas == ("Lokalpolisområde Järfälla",)
    assert [i.url for i in groups[1].items] == ["/p/b", "/p/a"]
    assert groups[1].municipalities[0].url == "/p/kommun/0139"


def request(**headers: str) -> Request:
    raw = [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/p/", "headers": raw})


def test_a_conditional_get_matches_its_etag_in_a_list_weak_or_strong() -> None:
    tag = freshness.etag("promise", [12, 3], language="sv", embed=False, today=dt.date(2026, 1, 2))
    assert freshness.not_modified(request(if_none_match=tag), tag, None)
    assert freshness.not_modified(request(if_none_match=f'"x", W/{tag}'), tag, None)
    assert freshness.not_modified(request(if_none_match="*"), tag, None)
    assert not freshness.not_modified(request(if_none_match='"other"'), tag, None)
    assert not freshness.not_modified(request(), tag, None)


def test_a_page_changes_version_with_its_log_positions_language_view_and_day() -> None:
    day = dt.date(2026, 1, 2)
    tag = freshness.etag("promise", [12, 3], language="sv", embed=False, today=day)
    others = {
        freshness.etag("promise", [13, 3], language="sv", embed=False, today=day),
        freshness.etag("promise", [12, 4], language="sv", embed=False, today=day),
        freshness.etag("promise", [12, 3], language="en", embed=False, today=day),
        freshness.etag("promise", [12, 3], language="sv", embed=True, today=day),
        freshness.etag("promise", [12, 3], language="sv", embed=False, today=dt.date(2026, 1, 3)),
    }
    assert tag not in others and len(others) == 5


def test_if_modified_since_is_honoured_only_without_if_none_match() -> None:
    at = dt.datetime(2026, 1, 2, 10, 0, 0, 500, tzinfo=dt.UTC)
    stamp = freshness.http_date(at)
    assert stamp == "Fri, 02 Jan 2026 10:00:00 GMT"
    assert freshness.not_modified(request(if_modified_since=stamp), '"t"', at)
    earlier = freshness.http_date(at - dt.timedelta(seconds=1))
    assert not freshness.not_modified(request(if_modified_since=earlier), '"t"', at)
    assert not freshness.not_modified(request(if_modified_since="nonsense"), '"t"', at)
    both = request(if_modified_since=stamp, if_none_match='"other"')
    assert not freshness.not_modified(both, '"t"', at)


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_bars_and_their_track_stand_out_at_3_to_1_as_wcag_1_4_11_asks() -> None:
    assert contrast(TRACK_STROKE, "#ffffff") >= 3  # the track's outline on the page
    for colour, fill in COLOUR_FILL.items():
        assert contrast(fill, TRACK_FILL) >= 3, colour  # the bar inside its track
        assert contrast(fill, "#ffffff") >= 3, colour


def test_an_ended_commitment_with_nothing_recorded_gets_no_verdict_only_its_target() -> None:
    from service.web.public.promise_view import commitment_view

    commitment = {
        "commitment_id": "c2",
        "text": "Minst åtta insatser",
        "target": {"comparator": ">=", "quantity": 8, "unit": "insats"},
        "place_ids": [],
    }
    empty = {"target": 8, "achieved": 0, "records": 0, "status": "not_met", "colour": "red"}
    end = dt.date(2018, 12, 31)
    ended = commitment_view(commitment, empty, None, end, dt.date(2026, 1, 1), {}, SV)
    assert (ended.status_label, ended.bar, ended.remaining) == (None, None, None)
    assert ended.done == "Mål: minst 8 insatser. Inga genomförda insatser är registrerade här."
    running = commitment_view(commitment, empty, None, end, dt.date(2018, 6, 1), {}, SV)
    assert running.bar is not None
    assert running.remaining == "8 insatser kvar före 31 december 2018"
    recorded = {**empty, "achieved": 3, "records": 3}
    judged = commitment_view(commitment, recorded, None, end, dt.date(2026, 1, 1), {}, SV)
    assert judged.status_label == "Inte uppfyllt"
    assert judged.remaining == "5 insatser saknades när perioden slutade 31 december 2018"
