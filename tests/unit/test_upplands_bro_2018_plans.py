"""The Upplands-Bro 2018 promise (seed 003), built by the demo's own commands, planned and
carried out through one year: the eight pre-planned joint interventions at the three places
perceived as most unsafe (c2), the four pre-planned narcotics operations (c4), and the three
safety walks a year of the municipality's agreement with the police (seed 001: "Tre gånger
om året genomför kommunen trygghetsvandringar med polis och räddningstjänst"), added to the
promise by an amendment as commitment c7. Some occasions are performed, one moved, one
cancelled; progress and pace are checked on several days of 2018.

The days of the plans and what happens on them are test data: the texts give none.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from events.catalogue import deciders
from events.context import DecisionContext
from events.directory.decider import DIRECTORY
from events.messages import Command, Principal
from events.promise.commands import (
    AddCommitment,
    CancelOccurrence,
    MoveOccurrence,
    PerformOccurrence,
    PlanActivity,
    PromiseCommand,
    ProposePromise,
    RecordPromiseSignature,
    StartPromiseAmendment,
)
from events.promise.content import Commitment, Recurrence, Target, content_hash
from events.promise.state import PromiseState
from events.recorded import Evidence
from projections.progress import AT_RISK, BEHIND, ON_TRACK, Progress, pace, progress
from service.demo.history import LPO_JARFALLA, UPPLANDS_BRO
from service.demo.promises import PROMISE_2018_ID
from service.demo.records import demo_commands

STREAM = "promise-" + PROMISE_2018_ID
CENTRAL = ("p1", "p2", "p3")  # Bro centrum, stationsområdet i Bro, centrala Kungsängen
WALKS = Commitment(
    commitment_id="c7",
    text="Tre gånger om året genomför kommunen trygghetsvandringar med polis och räddningstjänst.",
    focus_area_id="fa1",
    responsible_ids=(UPPLANDS_BRO,),
    participants="polis, räddningstjänst, boende och verksamma i området",
    target=Target(comparator="=", quantity=3, unit="trygghetsvandring", per="year"),
    pre_planned=True,
)
JOINT_DAYS = tuple(dt.date(2018, m, 15) for m in (2, 3, 4, 5, 6, 8, 9, 10))
NARCOTICS_DAYS = tuple(dt.date(2018, m, 1) for m in (3, 5, 9, 11))


class World:
    """The demo's directory and 2018 promise, folded through the deciders; then commands at
    chosen times (a refusal fails the test)."""

    def __init__(self) -> None:
        self.states: dict[str, Any] = {}
        self.context = DecisionContext()
        at = dt.datetime(2018, 1, 10, 9, tzinfo=dt.UTC)
        for stream, command in demo_commands(at):
            if stream == STREAM or stream.startswith(DIRECTORY.stream_prefix):
                self.apply(stream, command)

    def apply(self, stream: str, command: Command) -> None:
        decider = next(d for d in deciders() if d.handles(command))
        state = self.states.get(stream, decider.initial_state)
        for event in decider.decide(command, state, self.context):
            state = decider.evolve(state, event)
        self.states[stream] = state
        if decider is DIRECTORY:
            self.context = DecisionContext(directory=state)

    def do(
        self, day: dt.date, actor: Principal, command: type[PromiseCommand], **fields: Any
    ) -> None:
        at = dt.datetime.combine(day, dt.time(12), dt.UTC)
        key: dict[str, Any] = {"command_id": str(uuid.uuid4()), "at": at, "actor": actor}
        self.apply(STREAM, command(**key, promise_id=PROMISE_2018_ID, **fields))

    @property
    def promise(self) -> PromiseState:
        state: PromiseState = self.states[STREAM]
        return state

    def row(self, commitment_id: str) -> Progress:
        return next(r for r in progress(self.promise) if r.commitment_id == commitment_id)

    def pace_of(self, commitment_id: str, day: dt.date) -> tuple[str, int | None, int]:
        assert self.promise.in_force is not None
        period = self.promise.in_force.content.details.period
        found = pace(self.row(commitment_id), period, day)
        return found.status, found.expected, found.achieved


def official(org: str, role: str = "editor") -> Principal:
    return Principal(
        issuer="test", subject=f"{role}-{org}", organisation_id=org, roles=frozenset({role})
    )


KOMMUN, POLIS = official(UPPLANDS_BRO), official(LPO_JARFALLA)


def amend_with_the_agreements_walks(world: World) -> None:
    """c7 from the agreement's text, signed on paper by both parties (recorded here)."""
    day = dt.date(2018, 1, 12)
    signatory = official(UPPLANDS_BRO, "signatory")
    world.do(day, signatory, StartPromiseAmendment, reason="Trygghetsvandringarna läggs till")
    world.do(day, KOMMUN, AddCommitment, commitment=WALKS)
    world.do(day, KOMMUN, ProposePromise)
    working = world.promise.working
    assert working is not None
    for party in (UPPLANDS_BRO, LPO_JARFALLA):
        world.do(
            day,
            KOMMUN if party == UPPLANDS_BRO else POLIS,
            RecordPromiseSignature,
            revision_no=working.revision_no,
            content_hash=content_hash(working.content),
            party_id=party,
            evidence=Evidence(
                description="Underskrivet tillägg (testdata)", registry_number="KS 18/0001"
            ),
            signed_on=day,
        )


def plan_the_year(world: World) -> None:
    day = dt.date(2018, 1, 15)
    world.do(
        day,
        POLIS,
        PlanActivity,
        plan_id="gemensamma",
        commitment_ids=("c2",),
        title="Gemensam insats med synlig närvaro",
        dates=JOINT_DAYS,
        place_ids=CENTRAL,
        responsible_ids=(LPO_JARFALLA, UPPLANDS_BRO),
    )
    world.do(
        day,
        POLIS,
        PlanActivity,
        plan_id="narkotika",
        commitment_ids=("c4",),
        title="Narkotikainsats med socialtjänsten",
        dates=NARCOTICS_DAYS,
        place_ids=CENTRAL,
        responsible_ids=(LPO_JARFALLA, UPPLANDS_BRO),
    )
    world.do(
        day,
        KOMMUN,
        PlanActivity,
        plan_id="vandringar",
        commitment_ids=("c7",),
        title="Trygghetsvandring",
        kind="safety_walk",
        recurrence=Recurrence(times_per_year=3),
        place_ids=CENTRAL,
        responsible_ids=(UPPLANDS_BRO,),
    )


def perform(world: World, plan_id: str, n: int, day: dt.date, actor: Principal) -> None:
    world.do(
        day,
        actor,
        PerformOccurrence,
        plan_id=plan_id,
        occurrence_id=f"{plan_id}-{n}",
        record_id=f"{plan_id}-r{n}",
        occurred_on=day,
        performed_by=(LPO_JARFALLA, UPPLANDS_BRO),
        summary="Genomförd enligt plan (testdata)",
        place_ids=("p1",),
    )


def test_the_2018_promise_is_planned_as_its_texts_say() -> None:
    world = World()
    amend_with_the_agreements_walks(world)
    plan_the_year(world)
    plans = {p.plan_id: p for p in world.promise.plans}
    assert [len(plans[p].occurrences) for p in ("gemensamma", "narkotika", "vandringar")] == [
        8,
        4,
        3,
    ]
    assert plans["vandringar"].kind == "safety_walk"
    # Three walks in 2018: one in each third of its 365 days.
    assert [(o.starts_on, o.ends_on) for o in plans["vandringar"].occurrences] == [
        (dt.date(2018, 1, 1), dt.date(2018, 5, 1)),
        (dt.date(2018, 5, 2), dt.date(2018, 8, 31)),
        (dt.date(2018, 9, 1), dt.date(2018, 12, 31)),
    ]
    for cid, planned in (("c2", 8), ("c4", 4), ("c7", 3)):
        row = world.row(cid)
        assert (row.planned, row.planned_performed, row.achieved) == (planned, 0, 0)


def test_progress_and_pace_follow_the_year_as_occasions_are_performed_moved_and_cancelled() -> None:
    world = World()
    amend_with_the_agreements_walks(world)
    plan_the_year(world)

    # 31 March: two joint interventions and the first narcotics operation done.
    perform(world, "gemensamma", 1, dt.date(2018, 2, 15), POLIS)
    perform(world, "narkotika", 1, dt.date(2018, 3, 1), POLIS)
    perform(world, "gemensamma", 2, dt.date(2018, 3, 15), KOMMUN)
    march = dt.date(2018, 3, 31)  # day 90 of 365
    assert (world.row("c2").achieved, world.row("c2").planned_performed) == (2, 2)
    assert world.pace_of("c2", march) == (ON_TRACK, 1, 2)  # 8 × 90 / 365, rounded down
    assert world.pace_of("c4", march) == (ON_TRACK, 0, 1)
    assert world.pace_of("c7", march) == (ON_TRACK, 0, 0)

    # The third joint intervention is moved, the second narcotics operation cancelled, the
    # first walk held.
    world.do(
        dt.date(2018, 4, 10),
        POLIS,
        MoveOccurrence,
        plan_id="gemensamma",
        occurrence_id="gemensamma-3",
        starts_on=dt.date(2018, 4, 25),
        reason="Krockar med valborg (testdata)",
    )
    perform(world, "vandringar", 1, dt.date(2018, 4, 12), KOMMUN)
    world.do(
        dt.date(2018, 4, 30),
        POLIS,
        CancelOccurrence,
        plan_id="narkotika",
        occurrence_id="narkotika-2",
        reason="Personalen behövdes till annat (testdata)",
    )
    occurrences = {o.occurrence_id: o for p in world.promise.plans for o in p.occurrences}
    assert occurrences["gemensamma-3"].status == "moved"
    assert occurrences["gemensamma-3"].starts_on == dt.date(2018, 4, 25)
    assert occurrences["narkotika-2"].status == "cancelled"
    c4 = world.row("c4")
    assert (c4.planned, c4.planned_performed) == (3, 1)  # the cancelled one is not planned

    july = dt.date(2018, 7, 1)  # day 182
    assert world.pace_of("c2", july) == (BEHIND, 3, 2)  # 2 of 3 due: at least half
    assert world.pace_of("c4", july) == (ON_TRACK, 1, 1)
    assert world.pace_of("c7", july) == (ON_TRACK, 1, 1)

    # Nothing more is done by 1 October.
    october = dt.date(2018, 10, 1)  # day 274
    assert world.pace_of("c2", october) == (AT_RISK, 6, 2)  # below half of 6
    assert world.pace_of("c4", october) == (AT_RISK, 3, 1)
    assert world.pace_of("c7", october) == (BEHIND, 2, 1)

    # At the year's end the whole target is due; c7 counts per year (one year here).
    year_end = dt.date(2018, 12, 31)
    assert world.pace_of("c2", year_end) == (AT_RISK, 8, 2)
    c7 = world.row("c7")
    assert [(p.starts_on, p.target, p.achieved) for p in c7.periods] == [
        (dt.date(2018, 1, 1), 3, 1)
    ]
    assert (c7.planned, c7.planned_performed) == (3, 1)
