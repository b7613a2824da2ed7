"""The first day a document may ask something of a party (`attention_from`, kept beside each
promise and walk document) is never later than a day the inbox lists something of it: the
inbox reads only documents whose day has come, so a later day would lose an item. Random
promise and walk states against the inbox's own rules (hypothesis)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from events.codec import to_plain
from events.promise.decider import PROMISE
from events.promise.revision import STAGE_PROPOSED, STAGE_SIGNED
from events.promise.state import FollowUpReport, PromiseState, Publication, ScheduledFollowUp
from events.walk.state import FINDING_STATUSES, Finding, WalkState
from projections import promises as promise_projection
from projections import walks as walk_projection
from schema.promises import inbox_items, overdue_findings
from tests.unit.decider_world import IN_FORCE, PARTIES

BASE: PromiseState = PROMISE.fold(IN_FORCE)
KINDS = ("interim", "annual")
DAYS = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2028, 12, 31))
SPAN = st.tuples(DAYS, DAYS).map(sorted)


@st.composite
def reports(draw: st.DrawFn) -> FollowUpReport:
    start, end = draw(SPAN)
    return FollowUpReport(
        report_id=f"r{draw(st.integers(0, 9))}",
        kind=draw(st.sampled_from(KINDS)),
        covers_from=start,
        covers_to=end,
        approved_by=tuple(draw(st.lists(st.sampled_from(PARTIES), unique=True))),
        published=draw(st.booleans()),
    )


@st.composite
def dues(draw: st.DrawFn) -> ScheduledFollowUp:
    start, end = draw(SPAN)
    return ScheduledFollowUp(
        due_id=f"d{draw(st.integers(0, 9))}",
        kind=draw(st.sampled_from(KINDS)),
        covers_from=start,
        covers_to=end,
        due_on=draw(DAYS),
    )


@st.composite
def promise_states(draw: st.DrawFn) -> PromiseState:
    """An in-force promise with or without its publication, a working revision proposed,
    signed or none, and random follow-up reports and planned follow-ups."""
    assert BASE.in_force is not None
    in_force = BASE.in_force
    published = (
        (
            Publication(
                revision_no=in_force.revision_no, channel="webb", published_on=None, url=None
            ),
        )
        if draw(st.booleans())
        else ()
    )
    working = draw(
        st.sampled_from(
            (
                None,
                replace(in_force, revision_no=in_force.revision_no + 1, stage=STAGE_PROPOSED),
                replace(in_force, revision_no=in_force.revision_no + 1, stage=STAGE_SIGNED),
            )
        )
    )
    return replace(
        BASE,
        working=working,
        publications=published,
        follow_ups=tuple(draw(st.lists(reports(), max_size=3))),
        follow_up_schedule=tuple(draw(st.lists(dues(), max_size=4))),
    )


def listed(state: PromiseState, day: dt.date) -> bool:
    doc = {"state": to_plain(state)}
    return any(inbox_items(org, "promise-p1", doc, day) for org in PARTIES)


@given(promise_states(), DAYS)
def test_a_promise_asks_nothing_of_anyone_before_its_attention_day(
    state: PromiseState, day: dt.date
) -> None:
    first = promise_projection.attention_from(state)
    if listed(state, day):
        assert first <= day
    else:
        assert first > day or first == dt.date.min  # at once: a party may have acted already


@given(promise_states())
def test_a_planned_follow_up_is_listed_from_its_attention_day_and_not_the_day_before(
    state: PromiseState,
) -> None:
    first = promise_projection.attention_from(state)
    if first in (dt.date.min, dt.date.max):
        return
    assert listed(state, first)
    assert not listed(state, first - dt.timedelta(days=1))


def test_a_promise_that_waits_for_nothing_is_never_read_for_the_inbox() -> None:
    published = Publication(
        revision_no=BASE.in_force.revision_no if BASE.in_force else 0,
        channel="webb",
        published_on=None,
        url=None,
    )
    quiet = replace(BASE, publications=(published,))
    assert promise_projection.attention_from(quiet) == dt.date.max
    assert promise_projection.attention_from(BASE) == dt.date.min  # its publication waits


@st.composite
def walk_states(draw: st.DrawFn) -> WalkState:
    findings = draw(
        st.lists(
            st.builds(
                Finding,
                finding_id=st.sampled_from(("f1", "f2", "f3")),
                place_id=st.just("pl1"),
                description=st.just("Trasig belysning"),
                category=st.just("belysning"),
                owner_id=st.sampled_from(PARTIES),
                due_on=DAYS,
                status=st.sampled_from(FINDING_STATUSES),
            ),
            max_size=4,
        )
    )
    return WalkState(walk_id="w1", status="held", findings=tuple(findings))


@given(walk_states(), DAYS)
def test_a_walk_lists_no_overdue_finding_before_its_attention_day(
    state: WalkState, day: dt.date
) -> None:
    first = walk_projection.attention_from(state)
    doc = {"state": to_plain(state)}
    overdue = any(overdue_findings(org, doc, day) for org in PARTIES)
    assert overdue == (first <= day)
