"""What the public pages and open data show of safety walks, from a walk's public view: counts
fixed (done, not won't fix) in Swedish and English, rows with exactly their files' columns, and
no free text (description, reason) in any file; and no walk in the demo."""

from __future__ import annotations

import datetime as dt

from events.walk import (
    WALK,
    FindingCompleted,
    FindingDeclined,
    FindingRecorded,
    PlannedWalk,
    WalkParticipant,
    WalkRecorded,
)
from projections.walks import PublicWalk, public_view, views
from schema.i18n.catalogue import translations
from service.demo.places import place_commands
from service.demo.records import demo_commands
from service.web.open_data.sources import Directory, Sources
from service.web.open_data.tables import BY_NAME
from service.web.open_data.walk_files import finding_rows, walk_rows
from service.web.public.present import Words
from service.web.public.walk_view import walks_section

SV = Words(language="sv", catalogue=translations("sv"))
EN = Words(language="en", catalogue=translations("en"))
# Test data: a made-up walk of a made-up municipality.
KOMMUN, LPO, HOUSING = "org-kommun", "org-lpo", "org-bostader"
DESCRIPTION, REASON = "Trasig lampa vid Annas port", "Fastigheten säljs"


def finding(finding_id: str, owner: str) -> FindingRecorded:
    return FindingRecorded(
        finding_id=finding_id,
        place_id="torget",
        description=DESCRIPTION,
        category="lighting",
        owner_id=owner,
        due_on=dt.date(2026, 4, 1),
    )


STATE = WALK.fold(
    (
        WalkRecorded(
            walk_id="w1",
            municipality_id=KOMMUN,
            held_on=dt.date(2026, 3, 10),
            organiser_id=KOMMUN,
            participants=(
                WalkParticipant(organisation_id=LPO),
                WalkParticipant(group="boende", count=7),
                WalkParticipant(group="verksamma", count=3),
            ),
            route=("torget",),
            carries_out=PlannedWalk(promise_id="p1", plan_id="vandringar", occurrence_id="v-1"),
        ),
        finding("f1", KOMMUN),
        finding("f2", HOUSING),
        finding("f3", HOUSING),
        FindingCompleted(finding_id="f1", completed_on=dt.date(2026, 3, 20)),
        FindingDeclined(finding_id="f3", declined_on=dt.date(2026, 3, 21), reason=REASON),
    )
)
DIRECTORY = Directory(
    organisations={
        KOMMUN: {"name": "Testkommun", "kind": "municipality"},
        LPO: {"name": "LPO Test", "kind": "police_area"},
        HOUSING: {"name": "Bostadsbolaget", "kind": "partner"},
    }
)


def row(held_on: str, findings: int, fixed: int, *places: str) -> PublicWalk:
    return PublicWalk(
        key="walk-x",
        log_index=1,
        held_on=held_on,
        summary={"findings": findings, "fixed": fixed},
        places=places,
    )


def test_a_walk_counts_done_as_fixed_and_wont_fix_as_not() -> None:
    assert views(STATE)["summary"] == {"findings": 3, "fixed": 1}


def test_the_section_says_how_many_walks_and_how_many_findings_fixed_in_swedish() -> None:
    walks = [row("2026-09-01", 0, 0, "Torget"), row("2026-03-10", 3, 1, "Torget", "Stationen")]
    section = walks_section(walks, SV)
    assert section is not None
    assert (section.held, section.fixed) == (
        "2 trygghetsvandringar genomförda",
        "1 av 3 brister åtgärdade",
    )
    assert [(w.date, w.places, w.fixed) for w in section.walks] == [
        ("1 september 2026", "Torget", "inga brister"),
        ("10 mars 2026", "Torget, Stationen", "1 av 3 brister åtgärdade"),
    ]


def test_the_section_reads_in_english_and_is_left_out_without_walks() -> None:
    section = walks_section([row("2026-03-10", 15, 12)], EN)
    assert section is not None
    assert (section.held, section.fixed) == ("1 safety walk held", "12 of 15 findings fixed")
    assert walks_section([], SV) is None


def test_the_walk_rows_have_names_beside_ids_and_count_free_groups_only() -> None:
    sources = Sources(walks=[public_view(STATE)], directory=DIRECTORY)
    [walk] = walk_rows(sources)
    assert list(walk) == [c.key for c in BY_NAME["walks"].columns]
    assert walk["participant_names"] == ["LPO Test"]
    assert walk["other_participants"] == 10
    assert (walk["promise_id"], walk["findings"], walk["findings_fixed"]) == ("p1", 3, 1)
    rows = list(finding_rows(sources))
    assert all(list(r) == [c.key for c in BY_NAME["findings"].columns] for r in rows)
    assert [(r["owner_name"], r["status_label"], r["category_label"]) for r in rows] == [
        ("Testkommun", "Åtgärdad", "Belysning"),
        ("Bostadsbolaget", "Tilldelad", "Belysning"),
        ("Bostadsbolaget", "Åtgärdas inte", "Belysning"),
    ]
    for r in (walk, *rows):
        assert DESCRIPTION not in str(r) and REASON not in str(r)


def test_the_demo_holds_no_walk_since_the_seed_texts_report_none_held() -> None:
    at = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)
    streams = [stream for stream, _ in (*demo_commands(at), *place_commands(at))]
    assert streams and not [s for s in streams if s.startswith(WALK.stream_prefix)]
