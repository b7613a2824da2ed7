"""Targets that mean what they say: one activity may count towards several commitments (each
link explicit, refused when it names the record's own or no commitment in force), a correction
or a void moves every count the record touched, and a target per year or per month is evaluated
per year or month of the period; a property: progress always equals a recount of the standing
records."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.messages import Event, InvalidInput, RuleViolated
from events.promise.commands import CorrectActivityRecord, RecordActivity
from events.promise.content import Period, Target
from events.promise.decider import PROMISE
from events.promise.events import (
    ActivityPerformed,
    ActivityRecordCorrected,
    ActivityRecordVoided,
)
from events.promise.state import PromiseState
from projections.progress import Progress, pace, progress, sub_periods
from tests.unit.decider_world import CONTEXT, IN_FORCE, KOMMUN, LPO, LPO_EDITOR, promise_meta
from tests.unit.given_when_then import then_refused, when

DAY = dt.date(2026, 2, 10)


def record(record_id: str = "a1", *, links: tuple[str, ...] = ("c1",)) -> RecordActivity:
    return RecordActivity(
        **promise_meta(LPO_EDITOR),
        record_id=record_id,
        commitment_id="c2",
        occurred_on=DAY,
        performed_by=(LPO, KOMMUN),
        summary="Gemensam insats i centrum som också var närvaro",
        place_ids=("pl1",),
        also_counts_for=links,
    )


def performed(record_id: str, commitment_id: str, day: dt.date, **more: object) -> Event:
    return ActivityPerformed(
        record_id=record_id,
        commitment_id=commitment_id,
        revision_no=1,
        occurred_on=day,
        place_ids=(),
        performed_by=(LPO,),
        quantity=int(more.get("quantity", 1)),  # type: ignore[call-overload]
        summary="Insats",
        reported_by="p",
        also_counts_for=tuple(more.get("links", ())),  # type: ignore[arg-type]
    )


def by_id(rows: list[Progress]) -> dict[str, Progress]:
    return {row.commitment_id: row for row in rows}


def test_one_activity_counts_for_two_commitments_and_a_void_drops_both_counts() -> None:
    events = when(PROMISE, IN_FORCE, record(), CONTEXT)
    assert isinstance(events[0], ActivityPerformed) and events[0].also_counts_for == ("c1",)
    counted = by_id(progress(PROMISE.fold((*IN_FORCE, *events))))
    assert (counted["c1"].achieved, counted["c1"].records) == (1, 1)
    assert (counted["c2"].achieved, counted["c2"].records) == (1, 1)

    voided = (*IN_FORCE, *events, ActivityRecordVoided(record_id="a1", reason="dubblett"))
    dropped = by_id(progress(PROMISE.fold(voided)))
    assert (dropped["c1"].achieved, dropped["c2"].achieved) == (0, 0)
    assert (dropped["c1"].records, dropped["c2"].records) == (0, 0)


def test_a_correction_moves_the_counts_of_the_links_it_changes_and_keeps_them_when_silent() -> None:
    recorded = (*IN_FORCE, *when(PROMISE, IN_FORCE, record(), CONTEXT))
    silent = CorrectActivityRecord(
        **promise_meta(LPO_EDITOR),
        record_id="a1",
        occurred_on=DAY,
        performed_by=(LPO,),
        summary="Två insatser",
        reason="det var två",
        quantity=2,
    )
    kept = (*recorded, *when(PROMISE, recorded, silent, CONTEXT))
    assert isinstance(kept[-1], ActivityRecordCorrected) and kept[-1].also_counts_for is None
    counted = by_id(progress(PROMISE.fold(kept)))
    assert (counted["c1"].achieved, counted["c2"].achieved) == (2, 2)

    unlinked = dataclasses.replace(silent, also_counts_for=(), command_id="c-unlink")
    moved = (*kept, *when(PROMISE, kept, unlinked, CONTEXT))
    counted = by_id(progress(PROMISE.fold(moved)))
    assert (counted["c1"].achieved, counted["c2"].achieved) == (0, 2)


LINK_REFUSALS = [
    pytest.param(
        record(links=("c2",)),
        InvalidInput,
        "counted_twice",
        ("also_counts_for", "0"),
        id="a record does not link its own commitment",
    ),
    pytest.param(
        record(links=("c9",)),
        RuleViolated,
        "commitment_not_in_force",
        ("also_counts_for", "0"),
        id="a link names a commitment of the revision in force",
    ),
    pytest.param(
        record(links=("c1", "c1")),
        InvalidInput,
        "duplicate_values",
        ("also_counts_for",),
        id="a link is named once",
    ),
]


@pytest.mark.parametrize(("command", "kind", "code", "path"), LINK_REFUSALS)
def test_links_refuse(
    command: RecordActivity, kind: type[Exception], code: str, path: tuple[str, ...]
) -> None:
    refusal = then_refused(PROMISE, IN_FORCE, command, CONTEXT, kind, code)  # type: ignore[arg-type]
    assert tuple(refusal.field_path or ()) == path


def test_a_correction_with_a_link_to_its_own_commitment_is_refused() -> None:
    recorded = (*IN_FORCE, *when(PROMISE, IN_FORCE, record(), CONTEXT))
    command = CorrectActivityRecord(
        **promise_meta(LPO_EDITOR),
        record_id="a1",
        occurred_on=DAY,
        performed_by=(LPO,),
        summary="x",
        reason="y",
        also_counts_for=("c2",),
    )
    then_refused(PROMISE, recorded, command, CONTEXT, InvalidInput, "counted_twice")


# ---------------------------------------------------------------------------------------------
# Targets per year and per month

TWO_YEARS = Period(
    valid_from=dt.date(2023, 1, 1), valid_to=dt.date(2024, 12, 31), label="2023–2024"
)


def in_force_with(target: Target, period: Period = TWO_YEARS) -> PromiseState:
    """A promise in force over `period` whose commitment c2 has `target`."""
    state = PROMISE.fold(IN_FORCE)
    revision = state.in_force
    assert revision is not None
    content = revision.content
    commitments = tuple(
        dataclasses.replace(c, target=target) if c.commitment_id == "c2" else c
        for c in content.commitments
    )
    details = dataclasses.replace(content.details, period=period)
    content = dataclasses.replace(content, commitments=commitments, details=details)
    return dataclasses.replace(state, in_force=dataclasses.replace(revision, content=content))


def with_records(state: PromiseState, *events: Event) -> PromiseState:
    for event in events:
        state = PROMISE.evolve(state, event)
    return state


def test_four_per_year_over_two_years_is_counted_per_year_and_the_whole_period_says_so() -> None:
    state = in_force_with(Target(comparator=">=", quantity=4, unit="insats", per="year"))
    days = [dt.date(2023, m, 15) for m in (2, 5, 8, 11)] + [dt.date(2024, m, 15) for m in (3, 6, 9)]
    state = with_records(state, *(performed(f"a{i}", "c2", d) for i, d in enumerate(days)))
    row = by_id(progress(state))["c2"]
    assert row.per == "year"
    assert [(p.label, p.target, p.achieved, p.status) for p in row.periods] == [
        ("2023", 4, 4, "met"),
        ("2024", 4, 3, "partly"),
    ]
    assert (row.target, row.achieved, row.records, row.status, row.colour) == (
        8,
        7,
        7,
        "partly",
        "yellow",
    )
    # The fourth of 2024 meets the second year, and with it the whole period.
    done = by_id(progress(with_records(state, performed("a9", "c2", dt.date(2024, 12, 1)))))["c2"]
    assert [p.status for p in done.periods] == ["met", "met"] and done.status == "met"
    # Eight in the first year and none in the second: the count is reached, the promise is not.
    front = in_force_with(Target(comparator=">=", quantity=4, unit="insats", per="year"))
    front = with_records(
        front, *(performed(f"f{i}", "c2", dt.date(2023, 3, 1 + i)) for i in range(8))
    )
    lopsided = by_id(progress(front))["c2"]
    assert (lopsided.achieved, lopsided.target) == (8, 8)
    assert [p.status for p in lopsided.periods] == ["met", "not_met"]
    assert lopsided.status == "partly"


def test_a_period_that_starts_mid_year_is_cut_into_years_from_its_first_day() -> None:
    period = Period(valid_from=dt.date(2023, 7, 1), valid_to=dt.date(2024, 12, 31))
    assert sub_periods(period, "year") == [
        (dt.date(2023, 7, 1), dt.date(2024, 6, 30)),
        (dt.date(2024, 7, 1), dt.date(2024, 12, 31)),
    ]
    state = in_force_with(Target(comparator=">=", quantity=1, unit="vandring", per="year"), period)
    row = by_id(progress(state))["c2"]
    assert [p.label for p in row.periods] == ["2023-07-01–2024-06-30", "2024-07-01–2024-12-31"]


def test_months_are_cut_from_the_first_day_and_named_when_they_are_calendar_months() -> None:
    period = Period(valid_from=dt.date(2024, 1, 31), valid_to=dt.date(2024, 4, 30))
    assert sub_periods(period, "month") == [
        (dt.date(2024, 1, 31), dt.date(2024, 2, 28)),
        (dt.date(2024, 2, 29), dt.date(2024, 3, 30)),
        (dt.date(2024, 3, 31), dt.date(2024, 4, 29)),
        (dt.date(2024, 4, 30), dt.date(2024, 4, 30)),
    ]
    calendar = Period(valid_from=dt.date(2024, 1, 1), valid_to=dt.date(2024, 12, 31))
    state = in_force_with(
        Target(comparator=">=", quantity=1, unit="kontroll", per="month"), calendar
    )
    row = by_id(progress(with_records(state, performed("m1", "c2", dt.date(2024, 5, 2)))))["c2"]
    assert len(row.periods) == 12 and row.periods[4].label == "2024-05"
    assert [p.achieved for p in row.periods] == [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    assert (row.target, row.status) == (12, "partly")


def test_at_most_per_year_is_met_only_while_every_year_stays_within_it() -> None:
    state = in_force_with(Target(comparator="<=", quantity=1, unit="incident", per="year"))
    within = with_records(state, performed("x1", "c2", dt.date(2023, 4, 1)))
    assert by_id(progress(within))["c2"].status == "met"
    over = with_records(within, performed("x2", "c2", dt.date(2023, 9, 1)))
    row = by_id(progress(over))["c2"]
    assert [p.status for p in row.periods] == ["not_met", "met"] and row.status == "not_met"


def test_a_target_per_period_or_a_period_without_dates_is_evaluated_as_one() -> None:
    assert sub_periods(TWO_YEARS, "period") == []
    assert sub_periods(TWO_YEARS, "occurrence") == []
    assert sub_periods(Period(valid_from=dt.date(2023, 1, 1)), "year") == []
    state = in_force_with(Target(comparator=">=", quantity=4, unit="insats", per="year"), Period())
    row = by_id(progress(state))["c2"]
    assert (row.periods, row.target) == ((), 4)


# ---------------------------------------------------------------------------------------------
# The property: progress equals a recount

COMMITMENTS = ("c1", "c2")
STEP = st.one_of(
    st.tuples(
        st.just("record"),
        st.sampled_from(COMMITMENTS),
        st.booleans(),  # also counts for the other commitment
        st.integers(min_value=1, max_value=3),
        st.integers(min_value=0, max_value=700),  # days into the period
    ),
    st.tuples(
        st.just("correct"),
        st.integers(0, 20),
        st.sampled_from((None, True, False)),
        st.integers(1, 3),
        st.integers(0, 700),
    ),
    st.tuples(st.just("void"), st.integers(0, 20), st.none(), st.none(), st.none()),
)


@settings(max_examples=150, deadline=None)
@given(steps=st.lists(STEP, max_size=25), per=st.sampled_from(("period", "year", "month")))
def test_progress_equals_a_recount_of_the_standing_records(
    steps: list[tuple[object, ...]], per: str
) -> None:
    target = Target(comparator=">=", quantity=2, unit="insats", per=per)
    state = in_force_with(target)
    records: dict[str, dict[str, object]] = {}  # the recount's own bookkeeping
    order: list[str] = []
    for n, (kind, a, b, quantity, days) in enumerate(steps):
        if kind == "record":
            rid = f"r{n}"
            own = str(a)
            links = tuple(c for c in COMMITMENTS if c != own) if b else ()
            day = TWO_YEARS.valid_from + dt.timedelta(days=int(days))  # type: ignore[operator, arg-type]
            event: Event = performed(rid, own, day, quantity=quantity, links=links)
            records[rid] = {"own": own, "links": links, "q": quantity, "day": day, "void": False}
            order.append(rid)
        elif not order:
            continue
        else:
            rid = order[int(a) % len(order)]  # type: ignore[call-overload]
            if records[rid]["void"]:
                continue
            if kind == "void":
                event = ActivityRecordVoided(record_id=rid, reason="x")
                records[rid]["void"] = True
            else:
                own = str(records[rid]["own"])
                links = (
                    None if b is None else (tuple(c for c in COMMITMENTS if c != own) if b else ())
                )
                day = TWO_YEARS.valid_from + dt.timedelta(days=int(days))  # type: ignore[operator, arg-type]
                event = ActivityRecordCorrected(
                    record_id=rid,
                    occurred_on=day,
                    place_ids=(),
                    performed_by=(LPO,),
                    quantity=int(quantity),  # type: ignore[call-overload]
                    summary="x",
                    reason="y",
                    also_counts_for=links,
                )
                records[rid].update(q=quantity, day=day)
                if links is not None:
                    records[rid]["links"] = links
        state = PROMISE.evolve(state, event)
    rows = by_id(progress(state))
    for commitment in COMMITMENTS:
        counting = [
            r
            for r in records.values()
            if not r["void"] and (r["own"] == commitment or commitment in r["links"])  # type: ignore[operator]
        ]
        assert rows[commitment].achieved == sum(int(r["q"]) for r in counting)  # type: ignore[call-overload]
        assert rows[commitment].records == len(counting)
    row = rows["c2"]
    cuts = sub_periods(TWO_YEARS, per)
    assert len(row.periods) == len(cuts)
    for period, (start, end) in zip(row.periods, cuts, strict=True):
        inside = [
            r
            for r in records.values()
            if not r["void"]
            and (r["own"] == "c2" or "c2" in r["links"])  # type: ignore[operator]
            and start <= r["day"] <= end  # type: ignore[operator]
        ]
        assert period.achieved == sum(int(r["q"]) for r in inside)  # type: ignore[call-overload]
    if cuts:
        assert row.status == (
            "met"
            if all(p.achieved >= 2 for p in row.periods)
            else "not_met"
            if row.achieved == 0
            else "partly"
        )


# ---------------------------------------------------------------------------------------------
# Pace (takt)

EIGHT_IN_2026 = Period(valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 12, 31))


@pytest.mark.parametrize(
    ("day", "done", "expected", "status"),
    [
        (dt.date(2025, 12, 31), 0, 0, "on_track"),  # nothing is due before the period
        (dt.date(2026, 1, 1), 0, 0, "on_track"),
        (dt.date(2026, 7, 1), 3, 3, "on_track"),  # 182 of 365 days begun: 8 × 182 // 365
        (dt.date(2026, 7, 3), 4, 4, "on_track"),  # 184 days: 4
        (dt.date(2026, 7, 3), 2, 4, "behind"),
        (dt.date(2026, 7, 3), 1, 4, "at_risk"),
        (dt.date(2026, 12, 31), 7, 8, "behind"),
        (dt.date(2027, 3, 1), 8, 8, "on_track"),  # after the period: all of it was due
        (dt.date(2027, 3, 1), 3, 8, "at_risk"),
    ],
)
def test_pace_compares_what_is_done_with_what_was_due_by_the_day(
    day: dt.date, done: int, expected: int, status: str
) -> None:
    state = in_force_with(Target(comparator=">=", quantity=8, unit="insats"), EIGHT_IN_2026)
    state = with_records(
        state, *(performed(f"p{i}", "c2", dt.date(2026, 1, 2 + i)) for i in range(done))
    )
    found = pace(by_id(progress(state))["c2"], EIGHT_IN_2026, day)
    assert (found.expected, found.achieved, found.status) == (expected, done, status)


def test_pace_of_a_yearly_target_looks_at_the_year_holding_the_day() -> None:
    state = in_force_with(Target(comparator=">=", quantity=4, unit="insats", per="year"))
    state = with_records(
        state, *(performed(f"y{i}", "c2", dt.date(2023, 2 + i, 1)) for i in range(4))
    )
    row = by_id(progress(state))["c2"]
    assert pace(row, TWO_YEARS, dt.date(2023, 12, 31)).status == "on_track"
    second = pace(row, TWO_YEARS, dt.date(2024, 7, 1))  # 2024: 183 of 366 days begun, none done
    assert (second.expected, second.achieved, second.status) == (2, 0, "at_risk")


def test_pace_without_a_target_or_dates_or_for_at_most() -> None:
    plain = by_id(progress(PROMISE.fold(IN_FORCE)))["c1"]
    assert pace(plain, EIGHT_IN_2026, dt.date(2026, 6, 1)).status == "no_target"
    undated = in_force_with(Target(comparator=">=", quantity=8, unit="insats"), Period())
    row = by_id(progress(undated))["c2"]
    assert pace(row, Period(), dt.date(2026, 6, 1)).status == "not_assessable"
    ceiling = in_force_with(Target(comparator="<=", quantity=1, unit="incident"), EIGHT_IN_2026)
    ceiling = with_records(
        ceiling, *(performed(f"c{i}", "c2", dt.date(2026, 3, 1 + i)) for i in range(2))
    )
    assert pace(by_id(progress(ceiling))["c2"], EIGHT_IN_2026, dt.date(2026, 4, 1)).status == (
        "at_risk"
    )
