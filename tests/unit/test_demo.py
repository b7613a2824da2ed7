"""The demo history from the seeds folds through the deciders without a single refusal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from events.agreement import AgreementState
from events.catalogue import deciders, event_registry
from events.context import DecisionContext
from events.directory.decider import DIRECTORY
from events.directory.state import DirectoryState
from events.messages import Event
from events.promise.state import PromiseState
from service.demo.records import demo_commands

AT = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)


def _load() -> tuple[dict[str, Any], dict[str, list[Event]]]:
    states: dict[str, Any] = {}
    logs: dict[str, list[Event]] = {}
    context = DecisionContext()
    for stream, command in demo_commands(AT):
        decider = next(d for d in deciders() if d.handles(command))
        assert decider.stream_of(command) == stream
        state = states.get(stream, decider.initial_state)
        events = decider.decide(command, state, context)  # a refusal fails the test
        for event in events:
            state = decider.evolve(state, event)
        states[stream] = state
        logs.setdefault(stream, []).extend(events)
        if decider is DIRECTORY:
            context = DecisionContext(directory=state)
    return states, logs


def test_the_whole_demo_folds_through_the_deciders_with_no_refusal() -> None:
    states, logs = _load()
    registry = event_registry()
    for events in logs.values():
        for event in events:
            assert registry.decode(*registry.encode(event)) == event
    assert set(states) == {
        "directory",
        "agreement-upplands-bro-jarfalla-sok",
        "promise-upplands-bro-2018",
        "promise-medborgarlofte-2022",
        "promise-arjeplog-pitea-alvdal-2023-2024",
    }


def test_demo_command_ids_are_deterministic_and_unique() -> None:
    first = [c.command_id for _, c in demo_commands(AT)]
    again = [c.command_id for _, c in demo_commands(AT + dt.timedelta(days=1))]
    assert first == again
    assert len(set(first)) == len(first)


def test_the_directory_holds_the_seed_organisations_links_and_people() -> None:
    states, _ = _load()
    directory: DirectoryState = states["directory"]
    lpo = directory.organisation("org-lpo-jarfalla")
    assert lpo is not None and "Järfälla/Upplands-Bro" in lpo.aliases
    assert directory.served_municipalities("org-lpo-jarfalla", AT.date()) == (
        "org-upplands-bro",
        "org-jarfalla",
    )
    served = directory.served_municipalities("org-lpo-pitea-alvdal", AT.date())
    codes = {directory.organisation(m).kommunkod for m in served}  # type: ignore[union-attr]
    assert codes == {"2581", "2560", "2505", "2506"}
    unnamed = directory.organisation("org-kommun-medborgarlofte-2022")
    assert unnamed is not None and unnamed.kommunkod is None
    assert "namnges inte i källan" in unnamed.name
    titles = {r.title for r in directory.roles}
    assert {"kommunstyrelsens ordförande", "kommundirektör", "kommunalråd"} <= titles
    assert {m.person_id for m in directory.mandates} == {
        "person-kristine-hastmark",
        "person-hakan-boberg",
    }


def test_the_seed_agreement_and_promises_have_what_the_texts_say_and_nothing_more() -> None:
    states, _ = _load()
    agreement: AgreementState = states["agreement-upplands-bro-jarfalla-sok"]
    assert agreement.content is not None and len(agreement.content.focus_areas) == 4
    assert agreement.content.period.valid_from is None

    p2018: PromiseState = states["promise-upplands-bro-2018"]
    assert p2018.status == "proposed" and p2018.working is not None
    commitments = p2018.working.content.commitments
    assert len(commitments) == 6
    targets = {c.commitment_id: c.target for c in commitments if c.target is not None}
    assert {k: (t.comparator, t.quantity, t.unit) for k, t in targets.items()} == {
        "c2": (">=", 8, "insats"),
        "c4": (">=", 4, "insats"),
    }
    assert {c.commitment_id for c in commitments if c.pre_planned} == {"c2", "c4"}
    assert len(p2018.working.content.places) == 5
    assert p2018.working.content.details.period.label == "2018"

    p2022: PromiseState = states["promise-medborgarlofte-2022"]
    assert p2022.status == "signed"  # valid_from is unknown, so it never entered into force
    assert p2022.working is not None
    assert [s.signed_on for s in p2022.working.signatures] == [None, None]
    assert len(p2022.working.content.focus_areas) == 3

    p2023: PromiseState = states["promise-arjeplog-pitea-alvdal-2023-2024"]
    assert p2023.working is not None
    assert len(p2023.working.content.focus_areas) == 5
    assert p2023.working.content.details.period.label == "2023–2024"
    assert p2023.working.content.details.period.valid_from is None
