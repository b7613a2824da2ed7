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
from events.promise.events import PromiseEnteredIntoForce
from events.promise.state import PromiseState
from service.demo.records import demo_commands
from service.demo.sources import AGREEMENT_2021, PROMISE_2018, PROMISE_2022, PROMISE_2023, SOURCES

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
    # No text names a signing mandate: every seed signature is recorded from its text.
    assert directory.mandates == ()
    arjeplog = directory.organisation("org-arjeplog")
    assert arjeplog is not None and arjeplog.public_contact is not None
    assert arjeplog.public_contact.email == "kommun@arjeplog.se"


def test_the_seed_agreement_and_promises_have_what_the_texts_say_and_nothing_more() -> None:
    states, _ = _load()
    agreement: AgreementState = states["agreement-upplands-bro-jarfalla-sok"]
    assert agreement.content is not None and len(agreement.content.focus_areas) == 4
    assert agreement.content.period.valid_from is None

    p2018: PromiseState = states["promise-upplands-bro-2018"]
    assert p2018.in_force is not None
    commitments = p2018.in_force.content.commitments
    assert len(commitments) == 6
    targets = {c.commitment_id: c.target for c in commitments if c.target is not None}
    assert {k: (t.comparator, t.quantity, t.unit) for k, t in targets.items()} == {
        "c2": (">=", 8, "insats"),
        "c4": (">=", 4, "insats"),
    }
    assert {c.commitment_id for c in commitments if c.pre_planned} == {"c2", "c4"}
    assert len(p2018.in_force.content.places) == 5
    assert p2018.in_force.content.details.period.label == "2018"
    for state in (p2018, states["promise-medborgarlofte-2022"]):
        assert state.activities == () and state.follow_ups == ()

    p2022: PromiseState = states["promise-medborgarlofte-2022"]
    assert p2022.in_force is not None
    assert [(s.signatory_name, s.signed_on) for s in p2022.in_force.signatures] == [
        ("Kristine Hästmark (M)", None),
        ("Håkan Boberg", None),
    ]
    assert p2022.publications == ()  # the text tells of the signing, not of a publication
    assert len(p2022.in_force.content.focus_areas) == 3

    p2023: PromiseState = states["promise-arjeplog-pitea-alvdal-2023-2024"]
    assert p2023.in_force is not None
    assert len(p2023.in_force.content.focus_areas) == 5
    assert [p.published_on for p in p2023.publications] == [dt.date(2023, 4, 27)]


def test_the_seed_promises_are_dated_by_their_periods_and_expired_by_now() -> None:
    states, logs = _load()
    expected = {
        "promise-upplands-bro-2018": (dt.date(2018, 1, 1), dt.date(2018, 12, 31)),
        "promise-medborgarlofte-2022": (dt.date(2022, 1, 1), dt.date(2022, 12, 31)),
        "promise-arjeplog-pitea-alvdal-2023-2024": (dt.date(2023, 1, 1), dt.date(2024, 12, 31)),
    }
    for stream, (start, end) in expected.items():
        state: PromiseState = states[stream]
        assert state.status == "expired", stream
        assert state.in_force is not None
        assert (state.in_force.in_force_from, state.in_force.in_force_until) == (start, end)
        entered = [e for e in logs[stream] if isinstance(e, PromiseEnteredIntoForce)]
        assert [e.valid_from for e in entered] == [start]


def test_every_seed_signature_and_publication_is_marked_recorded_with_its_source() -> None:
    states, _ = _load()
    hashes = {source.evidence().document_sha256 for source in SOURCES}
    for stream, state in states.items():
        if not stream.startswith("promise-"):
            continue
        assert state.in_force is not None
        for signature in state.in_force.signatures:
            assert signature.recorded_from_document and signature.person_id is None
            assert signature.evidence is not None
            assert signature.evidence.document_sha256 in hashes
        for publication in state.publications:
            assert publication.recorded_from_document
            assert publication.evidence is not None
            assert publication.evidence.document_sha256 in hashes
    agreement: AgreementState = states["agreement-upplands-bro-jarfalla-sok"]
    assert agreement.status not in {"draft", "proposed", "partially_signed"}


def test_the_kept_source_texts_are_the_published_texts_they_name() -> None:
    texts = {source.file: source.text() for source in SOURCES}
    assert "har tecknat en gemensam överenskommelse" in texts[AGREEMENT_2021.file]
    assert "Kristine Hästmark" in texts[PROMISE_2022.file]
    assert "Minst åtta i förväg planerade" in texts[PROMISE_2018.file]
    assert "27 april 2023" in texts[PROMISE_2023.file]
