"""A promise's record positions (events.promise.positions) answer what a scan answers.

Any history of tuples made from one another (appending to the newest or to an older one,
replacing in place, ids repeating), looked up in any order: the position found is the first
position of the id in that tuple, or none when the tuple lacks it.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from events.promise import positions


@dataclass(frozen=True, slots=True)
class Record:
    record_id: str
    n: int = 0


IDS = st.sampled_from([f"r{i}" for i in range(40)])

STEPS = st.lists(
    st.tuples(
        st.sampled_from(["append", "replace", "look"]),
        st.integers(0, 10**6),  # which tuple made so far
        st.lists(IDS, min_size=1, max_size=12),
    ),
    min_size=1,
    max_size=40,
)


def scanned(records: tuple[Record, ...], record_id: str) -> int | None:
    return next((i for i, r in enumerate(records) if r.record_id == record_id), None)


@settings(max_examples=300)
@given(start=st.lists(IDS, max_size=30), steps=STEPS, kept=st.sampled_from([1, 3, 4096]))
def test_a_position_is_the_first_place_of_the_id_in_that_tuple_whatever_it_was_made_from(
    start: list[str], steps: list[tuple[str, int, list[str]]], kept: int
) -> None:
    was = positions.KEPT
    positions.KEPT = kept  # a small table drops entries a tuple made later still needs
    try:
        made = [tuple(Record(i) for i in start)]
        for n, (what, which, ids) in enumerate(steps):
            base = made[which % len(made)]
            if what == "append":
                longer = (*base, *(Record(i, n) for i in ids))
                positions.extended(base, longer)
                made.append(longer)
            elif what == "replace" and base:
                at = which % len(base)
                changed = (*base[:at], Record(base[at].record_id, n), *base[at + 1 :])
                positions.replaced(base, changed)
                made.append(changed)
            for record_id in ids:
                assert positions.position(base, record_id) == scanned(base, record_id)
        for records in made:
            for record_id in {*start, *(i for _, _, ids in steps for i in ids), "absent"}:
                assert positions.position(records, record_id) == scanned(records, record_id)
    finally:
        positions.KEPT = was


def test_a_long_tuple_is_indexed_once_and_its_appended_successor_shares_the_index() -> None:
    records = tuple(Record(f"r{i}") for i in range(100))
    assert positions.position(records, "r7") == 7  # indexed here
    longer = (*records, Record("new"))
    positions.extended(records, longer)
    entry = positions._kept.get(id(longer))
    assert entry is not None and entry[0] is longer
    assert positions.position(longer, "new") == 100
    assert positions.position(longer, "r99") == 99
    assert id(records) not in positions._kept  # its successor took the index
    assert positions.position(records, "new") is None  # indexed afresh, still right
