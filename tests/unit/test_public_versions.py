"""The kept versions of public pages and open-data files (service/web/public/freshness.py)."""

from __future__ import annotations

import datetime as dt

from service.web.public.freshness import Known, Versions

DAY = dt.date(2026, 12, 4)


def known(stand: str, tag: str = '"t"', day: dt.date = DAY) -> Known:
    return Known(stand=stand, today=day, tag=tag, modified=None)


def test_a_kept_version_is_current_only_where_the_projections_stood_when_it_was_made() -> None:
    versions = Versions()
    versions.keep(("promise", "p1"), known("promises:1:10"))
    assert versions.current(("promise", "p1"), "promises:1:10", DAY) == known("promises:1:10")
    assert versions.current(("promise", "p1"), "promises:1:11", DAY) is None
    assert versions.current(("promise", "p1"), "promises:2:10", DAY) is None
    assert versions.current(("promise", "p2"), "promises:1:10", DAY) is None


def test_a_kept_version_is_not_current_on_another_day() -> None:
    versions = Versions()
    versions.keep("promises.csv", known("s"))
    assert versions.current("promises.csv", "s", DAY + dt.timedelta(days=1)) is None


def test_a_newer_version_replaces_the_kept_one() -> None:
    versions = Versions()
    versions.keep("page", known("s1", '"old"'))
    versions.keep("page", known("s2", '"new"'))
    assert versions.current("page", "s1", DAY) is None
    assert versions.current("page", "s2", DAY) == known("s2", '"new"')
    assert len(versions) == 1


def test_the_kept_versions_are_bounded_and_the_oldest_goes_first() -> None:
    versions = Versions(limit=3)
    for n in range(5):
        versions.keep(n, known("s", f'"{n}"'))
    assert len(versions) == 3
    assert versions.current(0, "s", DAY) is None and versions.current(1, "s", DAY) is None
    assert [versions.current(n, "s", DAY) for n in (2, 3, 4)] == [
        known("s", f'"{n}"') for n in (2, 3, 4)
    ]


def test_kept_bodies_stay_within_their_byte_budget_least_recently_sent_out() -> None:
    versions = Versions(body_bytes=100)
    for n in range(5):
        versions.keep_body(f'"t{n}"', "http://a/", bytes(30))
    assert versions.body_bytes <= 100
    assert versions.body('"t0"', "http://a/") is None  # the oldest went
    assert versions.body('"t4"', "http://a/") == bytes(30)
    versions.body('"t2"', "http://a/")  # sent again: now the most recent
    versions.keep_body('"t5"', "http://a/", bytes(30))
    assert versions.body('"t2"', "http://a/") is not None
    assert versions.body('"t3"', "http://a/") is None
    versions.keep_body('"huge"', "http://a/", bytes(101))  # larger than the budget: not kept
    assert versions.body('"huge"', "http://a/") is None and versions.body_bytes <= 100


def test_a_kept_body_is_the_one_made_for_its_tag_and_base() -> None:
    versions = Versions()
    versions.keep_body('"t"', "http://a/", b"a")
    versions.keep_body('"t"', "http://b/", b"b")
    assert versions.body('"t"', "http://a/") == b"a"
    assert versions.body('"t"', "http://b/") == b"b"
    assert versions.body('"u"', "http://a/") is None
