"""The safety-walk decider: who records a walk and its findings, who moves a finding to its
closure, and every refusal given/when/then (a refusal decides no events, so the stream stays as
it was). A Hypothesis property checks any sequence of status moves."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.catalogue import event_registry
from events.context import DecisionContext
from events.directory.decider import DIRECTORY
from events.directory.events import PartnerRegistered, PoliceAreaMunicipalityLinkEnded
from events.erasure import ERASED_TEXT, redact
from events.messages import Command, Event, Forbidden, InvalidInput, NotFound, Refusal, RuleViolated
from events.place import PLACE, MunicipalPlaceRegistered, PlaceRetired
from events.promise.decider import PROMISE
from events.promise.events import ActivityPlanned, OccurrenceCancelled, PlannedOccurrence
from events.walk import (
    CLOSED,
    DONE,
    FINDING_STATUSES,
    IN_PROGRESS,
    WALK,
    WONT_FIX,
    CompleteFinding,
    DeclineFinding,
    FindingCompleted,
    FindingDeclined,
    FindingReassigned,
    FindingRecorded,
    FindingStarted,
    PlannedWalk,
    ReassignFinding,
    RecordFinding,
    RecordWalk,
    StartFinding,
    WalkParticipant,
    WalkRecorded,
    walk_links,
)
from tests.unit.decider_world import (
    AUDITOR,
    DIRECTORY_HISTORY,
    IN_FORCE,
    KOMMUN,
    KOMMUN_EDITOR,
    KOMMUN_SIGNER,
    LPO,
    LPO_EDITOR,
    OTHER_KOMMUN,
    OTHER_LPO,
    PARTNER,
    PROMISE_ID,
    TODAY,
    VIEWER,
    meta,
    principal,
)
from tests.unit.given_when_then import then_refused, when

# Test data: a made-up housing company, places and walk; nothing here comes from a seed text.
HOUSING = "org-bostadsbolaget"
HELD_ON = TODAY - dt.timedelta(days=7)
DUE = TODAY + dt.timedelta(days=30)
HOUSING_EDITOR = principal(HOUSING, "editor")
PARTNER_EDITOR = principal(PARTNER, "editor")
OTHER_LPO_EDITOR = principal(OTHER_LPO, "editor")
OTHER_KOMMUN_EDITOR = principal(OTHER_KOMMUN, "editor")


def _place(place_id: str, municipality: str = KOMMUN, *, retired: bool = False) -> Any:
    history: list[Event] = [
        MunicipalPlaceRegistered(
            place_id=place_id, municipality_id=municipality, name=place_id, kind="centrum"
        )
    ]
    if retired:
        history.append(PlaceRetired(reason="rivs", retired_on=TODAY))
    return PLACE.fold(history)


def _promise(*extra: Event) -> Any:
    planned = (
        ActivityPlanned(
            plan_id="vandringar",
            commitment_ids=("c2",),
            title="Trygghetsvandringar",
            occurrences=(
                PlannedOccurrence(occurrence_id="v-1", starts_on=HELD_ON, ends_on=HELD_ON),
                PlannedOccurrence(occurrence_id="v-2", starts_on=DUE, ends_on=DUE),
            ),
            kind="safety_walk",
        ),
        ActivityPlanned(
            plan_id="insatser",
            commitment_ids=("c2",),
            title="Gemensamma insatser",
            occurrences=(
                PlannedOccurrence(occurrence_id="i-1", starts_on=HELD_ON, ends_on=HELD_ON),
            ),
        ),
    )
    return PROMISE.fold((*IN_FORCE, *planned, *extra))


DIRECTORY_STATE = DIRECTORY.fold(
    (
        *DIRECTORY_HISTORY,
        PartnerRegistered(org_id=HOUSING, name="Bostadsbolaget", partner_kind="housing_company"),
    )
)
LINKED = {
    "place-torget": _place("torget"),
    "place-stationen": _place("stationen"),
    "place-annan": _place("annan", OTHER_KOMMUN),
    "place-riven": _place("riven", retired=True),
    f"promise-{PROMISE_ID}": _promise(),
}
CONTEXT = DecisionContext(directory=DIRECTORY_STATE, linked=LINKED)


def record_walk(**changes: Any) -> RecordWalk:
    command = RecordWalk(
        walk_id="w1",
        municipality_id=KOMMUN,
        held_on=HELD_ON,
        organiser_id=KOMMUN,
        participants=(
            WalkParticipant(organisation_id=LPO),
            WalkParticipant(organisation_id=HOUSING, count=2),
            WalkParticipant(group="boende och verksamma", count=14),
        ),
        route=("torget", "stationen"),
        carries_out=PlannedWalk(promise_id=PROMISE_ID, plan_id="vandringar", occurrence_id="v-1"),
        **meta(KOMMUN_EDITOR),
    )
    return replace(command, **changes)


WALK_RECORDED = WalkRecorded(
    walk_id="w1",
    municipality_id=KOMMUN,
    held_on=HELD_ON,
    organiser_id=KOMMUN,
    participants=record_walk().participants,
    route=("torget", "stationen"),
    carries_out=record_walk().carries_out,
)
WALKED: tuple[Event, ...] = (WALK_RECORDED,)
PHOTO = "a" * 64


def record_finding(**changes: Any) -> RecordFinding:
    command = RecordFinding(
        walk_id="w1",
        finding_id="f1",
        place_id="torget",
        description="Trasig belysning i gångtunneln",
        category="lighting",
        owner_id=HOUSING,
        due_on=DUE,
        photo_sha256=PHOTO,
        **meta(KOMMUN_EDITOR),
    )
    return replace(command, **changes)


FOUND: tuple[Event, ...] = (
    *WALKED,
    FindingRecorded(
        finding_id="f1",
        place_id="torget",
        description="Trasig belysning i gångtunneln",
        category="lighting",
        owner_id=HOUSING,
        due_on=DUE,
        photo_sha256=PHOTO,
    ),
)
STARTED: tuple[Event, ...] = (*FOUND, FindingStarted(finding_id="f1", started_on=TODAY))
DONE_HISTORY: tuple[Event, ...] = (
    *STARTED,
    FindingCompleted(finding_id="f1", completed_on=TODAY),
)
DECLINED: tuple[Event, ...] = (
    *FOUND,
    FindingDeclined(finding_id="f1", declined_on=TODAY, reason="Fastigheten säljs"),
)


def move(kind: type[Command], actor: Any = HOUSING_EDITOR, **fields: Any) -> Any:
    return kind(**{"walk_id": "w1", "finding_id": "f1", **fields}, **meta(actor))


# Recording a walk


def test_an_editor_of_the_municipality_records_a_walk_that_carries_out_a_planned_walk() -> None:
    assert when(WALK, (), record_walk(), CONTEXT) == list(WALKED)


def test_an_editor_of_the_police_area_serving_the_municipality_records_a_walk() -> None:
    events = when(WALK, (), record_walk(actor=LPO_EDITOR, carries_out=None), CONTEXT)
    assert events == [replace(WALK_RECORDED, carries_out=None)]


def test_a_signatory_of_the_municipality_may_record_a_walk_too() -> None:
    assert when(WALK, (), record_walk(actor=KOMMUN_SIGNER), CONTEXT) == list(WALKED)


def test_a_walk_reads_its_well_formed_route_places_and_promise_through_links() -> None:
    assert walk_links(record_walk()) == (
        "place-torget",
        "place-stationen",
        f"promise-{PROMISE_ID}",
    )
    assert walk_links(record_walk(carries_out=None)) == ("place-torget", "place-stationen")
    assert walk_links(record_finding()) == ()
    bad = PlannedWalk(promise_id="P 1", plan_id="vandringar", occurrence_id="v-1")
    assert walk_links(record_walk(route=("torget", "Torget\x00"), carries_out=bad)) == (
        "place-torget",
    )


def test_a_walk_is_recorded_once() -> None:
    then_refused(WALK, WALKED, record_walk(), CONTEXT, RuleViolated, "walk_exists")


def test_a_walk_in_an_unknown_municipality_is_not_found() -> None:
    refusal = then_refused(
        WALK, (), record_walk(municipality_id=LPO), CONTEXT, NotFound, "municipality_not_found"
    )
    assert refusal.field_path == ("municipality_id",)


@pytest.mark.parametrize(
    "actor",
    [PARTNER_EDITOR, OTHER_LPO_EDITOR, OTHER_KOMMUN_EDITOR],
    ids=["partner", "police area not serving it", "another municipality"],
)
def test_only_the_municipality_and_its_serving_police_areas_record_its_walks(actor: Any) -> None:
    then_refused(WALK, (), record_walk(actor=actor), CONTEXT, Forbidden, "not_a_party")


def test_a_police_area_no_longer_serving_the_municipality_on_the_walks_day_is_refused() -> None:
    ended = DIRECTORY.fold(
        (
            *DIRECTORY_HISTORY,
            PoliceAreaMunicipalityLinkEnded(link_id="l1", ended_on=HELD_ON - dt.timedelta(days=1)),
        )
    )
    context = replace(CONTEXT, directory=ended)
    then_refused(
        WALK, (), record_walk(actor=LPO_EDITOR, carries_out=None), context, Forbidden, "not_a_party"
    )


def test_a_viewer_and_an_auditor_of_the_municipality_record_no_walk() -> None:
    then_refused(WALK, (), record_walk(actor=VIEWER), CONTEXT, Forbidden, "missing_role")
    then_refused(WALK, (), record_walk(actor=AUDITOR), CONTEXT, Forbidden, "auditor_read_only")


def test_a_walk_held_after_the_day_it_is_recorded_is_refused() -> None:
    refusal = then_refused(
        WALK,
        (),
        record_walk(held_on=TODAY + dt.timedelta(days=1), carries_out=None),
        CONTEXT,
        InvalidInput,
        "date_in_future",
    )
    assert refusal.field_path == ("held_on",)


def test_an_organiser_missing_from_the_directory_is_not_found() -> None:
    refusal = then_refused(
        WALK, (), record_walk(organiser_id="org-okand"), CONTEXT, NotFound, "organisation_not_found"
    )
    assert refusal.field_path == ("organiser_id",)


def test_a_participating_organisation_missing_from_the_directory_is_not_found() -> None:
    participants = (WalkParticipant(group="boende"), WalkParticipant(organisation_id="org-okand"))
    refusal = then_refused(
        WALK,
        (),
        record_walk(participants=participants),
        CONTEXT,
        NotFound,
        "organisation_not_found",
    )
    assert refusal.field_path == ("participants", 1, "organisation_id")


@pytest.mark.parametrize(
    "participant",
    [WalkParticipant(), WalkParticipant(organisation_id=LPO, group="poliser")],
    ids=["neither", "both"],
)
def test_a_participant_is_an_organisation_or_a_group_one_of_them(
    participant: WalkParticipant,
) -> None:
    refusal = then_refused(
        WALK,
        (),
        record_walk(participants=(participant,)),
        CONTEXT,
        InvalidInput,
        "conflicting_fields",
    )
    assert refusal.field_path == ("participants", 0)


def test_a_participant_counted_as_none_is_refused() -> None:
    participants = (WalkParticipant(group="boende", count=0),)
    refusal = then_refused(
        WALK,
        (),
        record_walk(participants=participants),
        CONTEXT,
        InvalidInput,
        "quantity_not_positive",
    )
    assert refusal.field_path == ("participants", 0, "count")


def test_a_participating_organisation_listed_twice_is_refused() -> None:
    twice = (WalkParticipant(organisation_id=LPO), WalkParticipant(organisation_id=LPO, count=3))
    then_refused(
        WALK, (), record_walk(participants=twice), CONTEXT, InvalidInput, "duplicate_values"
    )


def test_a_walk_without_a_route_is_refused() -> None:
    refusal = then_refused(WALK, (), record_walk(route=()), CONTEXT, InvalidInput, "invalid_input")
    assert refusal.field_path == ("route",)


def test_a_route_visiting_a_place_twice_is_refused() -> None:
    then_refused(
        WALK,
        (),
        record_walk(route=("torget", "torget")),
        CONTEXT,
        InvalidInput,
        "duplicate_values",
    )


def test_a_malformed_route_place_or_promise_id_is_refused_by_its_field() -> None:
    refusal = then_refused(
        WALK, (), record_walk(route=("torget", "Torget 2")), CONTEXT, InvalidInput, "invalid_id"
    )
    assert refusal.field_path == ("route", 1)
    planned = PlannedWalk(promise_id="P 1", plan_id="vandringar", occurrence_id="v-1")
    refusal = then_refused(
        WALK, (), record_walk(carries_out=planned), CONTEXT, InvalidInput, "invalid_id"
    )
    assert refusal.field_path == ("carries_out", "promise_id")


def test_a_route_place_never_registered_is_not_found() -> None:
    refusal = then_refused(
        WALK,
        (),
        record_walk(route=("torget", "okand")),
        CONTEXT,
        NotFound,
        "place_not_found",
    )
    assert refusal.field_path == ("route", 1)


def test_a_route_place_of_another_municipality_is_refused() -> None:
    refusal = then_refused(
        WALK,
        (),
        record_walk(route=("annan",)),
        CONTEXT,
        RuleViolated,
        "place_of_another_municipality",
    )
    assert refusal.field_path == ("route", 0)


def test_a_route_place_that_is_retired_is_refused() -> None:
    refusal = then_refused(
        WALK, (), record_walk(route=("riven",)), CONTEXT, RuleViolated, "place_retired"
    )
    assert refusal.field_path == ("route", 0)


def test_a_walk_carrying_out_a_promise_the_municipality_is_not_party_to_is_not_found() -> None:
    planned = PlannedWalk(promise_id="okand", plan_id="vandringar", occurrence_id="v-1")
    refusal = then_refused(
        WALK, (), record_walk(carries_out=planned), CONTEXT, NotFound, "promise_not_found"
    )
    assert refusal.field_path == ("carries_out", "promise_id")


def test_a_walk_carrying_out_an_unknown_plan_is_not_found() -> None:
    planned = PlannedWalk(promise_id=PROMISE_ID, plan_id="okand", occurrence_id="v-1")
    refusal = then_refused(
        WALK, (), record_walk(carries_out=planned), CONTEXT, NotFound, "plan_not_found"
    )
    assert refusal.field_path == ("carries_out", "plan_id")


def test_a_walk_carrying_out_a_plan_that_is_not_a_safety_walk_is_refused() -> None:
    planned = PlannedWalk(promise_id=PROMISE_ID, plan_id="insatser", occurrence_id="i-1")
    refusal = then_refused(
        WALK, (), record_walk(carries_out=planned), CONTEXT, RuleViolated, "plan_not_a_safety_walk"
    )
    assert refusal.field_path == ("carries_out", "plan_id")


def test_a_walk_carrying_out_an_occurrence_the_plan_lacks_is_not_found() -> None:
    planned = PlannedWalk(promise_id=PROMISE_ID, plan_id="vandringar", occurrence_id="v-9")
    refusal = then_refused(
        WALK, (), record_walk(carries_out=planned), CONTEXT, NotFound, "occurrence_not_found"
    )
    assert refusal.field_path == ("carries_out", "occurrence_id")


def test_a_walk_carrying_out_a_cancelled_occurrence_is_refused() -> None:
    cancelled = _promise(OccurrenceCancelled(plan_id="vandringar", occurrence_id="v-1", reason="x"))
    context = replace(CONTEXT, linked={**LINKED, f"promise-{PROMISE_ID}": cancelled})
    then_refused(WALK, (), record_walk(), context, RuleViolated, "occurrence_cancelled")


# Recording findings


def test_an_editor_records_a_finding_at_a_place_of_the_route_owned_by_a_housing_company() -> None:
    assert when(WALK, WALKED, record_finding(), CONTEXT) == [FOUND[-1]]


def test_a_finding_of_a_walk_never_recorded_is_not_found() -> None:
    then_refused(WALK, (), record_finding(), CONTEXT, NotFound, "walk_not_found")


def test_a_finding_is_recorded_only_by_those_who_record_the_walk() -> None:
    then_refused(
        WALK, WALKED, record_finding(actor=HOUSING_EDITOR), CONTEXT, Forbidden, "not_a_party"
    )


def test_a_finding_id_is_used_once_per_walk() -> None:
    refusal = then_refused(WALK, FOUND, record_finding(), CONTEXT, RuleViolated, "finding_exists")
    assert refusal.field_path == ("finding_id",)


def test_a_finding_on_a_place_the_walk_did_not_visit_is_refused() -> None:
    refusal = then_refused(
        WALK, WALKED, record_finding(place_id="annan"), CONTEXT, RuleViolated, "place_not_on_route"
    )
    assert refusal.field_path == ("place_id",)


def test_a_finding_due_before_the_walk_was_held_is_refused() -> None:
    refusal = then_refused(
        WALK,
        WALKED,
        record_finding(due_on=HELD_ON - dt.timedelta(days=1)),
        CONTEXT,
        RuleViolated,
        "due_before_walk",
    )
    assert refusal.field_path == ("due_on",)


def test_a_finding_due_on_the_day_of_the_walk_is_accepted() -> None:
    [event] = when(WALK, WALKED, record_finding(due_on=HELD_ON), CONTEXT)
    assert isinstance(event, FindingRecorded) and event.due_on == HELD_ON


@pytest.mark.parametrize(
    "photo",
    ["A" * 64, "a" * 63, "a" * 65, "g" * 64, "sha256:" + "a" * 64],
    ids=["upper case", "too short", "too long", "not hex", "prefixed"],
)
def test_a_photo_reference_that_is_not_a_sha256_in_lower_case_hex_is_refused(photo: str) -> None:
    refusal = then_refused(
        WALK, WALKED, record_finding(photo_sha256=photo), CONTEXT, InvalidInput, "invalid_sha256"
    )
    assert refusal.field_path == ("photo_sha256",)


def test_a_finding_without_a_photo_is_accepted() -> None:
    [event] = when(WALK, WALKED, record_finding(photo_sha256=None), CONTEXT)
    assert isinstance(event, FindingRecorded) and event.photo_sha256 is None


def test_a_finding_of_a_category_outside_the_closed_set_is_refused() -> None:
    refusal = then_refused(
        WALK, WALKED, record_finding(category="graffiti"), CONTEXT, InvalidInput, "invalid_choice"
    )
    assert refusal.field_path == ("category",)


def test_a_finding_without_a_description_is_refused() -> None:
    then_refused(WALK, WALKED, record_finding(description=" "), CONTEXT, InvalidInput, "blank_text")


def test_a_finding_owned_by_an_organisation_missing_from_the_directory_is_not_found() -> None:
    refusal = then_refused(
        WALK,
        WALKED,
        record_finding(owner_id="org-okand"),
        CONTEXT,
        NotFound,
        "organisation_not_found",
    )
    assert refusal.field_path == ("owner_id",)


# Moving a finding to its closure


def test_the_owner_starts_and_then_fixes_a_finding() -> None:
    assert when(WALK, FOUND, move(StartFinding), CONTEXT) == [STARTED[-1]]
    assert when(WALK, STARTED, move(CompleteFinding), CONTEXT) == [DONE_HISTORY[-1]]
    assert WALK.fold(DONE_HISTORY).findings[0].status == DONE
    assert WALK.fold(DONE_HISTORY).fixed() == 1


def test_the_owner_may_close_an_assigned_finding_as_done_without_starting() -> None:
    [event] = when(WALK, FOUND, move(CompleteFinding), CONTEXT)
    assert event == FindingCompleted(finding_id="f1", completed_on=TODAY)


def test_the_owner_declines_a_finding_with_a_reason_erasable_as_personal_data() -> None:
    events = when(WALK, STARTED, move(DeclineFinding, reason="Fastigheten säljs"), CONTEXT)
    assert events == [DECLINED[-1]]
    registry = event_registry()
    for kind in ("FindingDeclined", "FindingReassigned"):
        erased = redact(registry, kind, {"finding_id": "f1", "reason": "Anna Andersson klagade"})
        assert erased == {"finding_id": "f1", "reason": ERASED_TEXT}
    erased = redact(registry, "FindingRecorded", {"finding_id": "f1", "description": "Annas port"})
    assert erased == {"finding_id": "f1", "description": ERASED_TEXT}
    declined = WALK.fold(DECLINED)
    assert declined.findings[0].status == WONT_FIX and declined.fixed() == 0


@pytest.mark.parametrize("kind", [StartFinding, CompleteFinding], ids=["start", "complete"])
def test_a_finding_closed_by_an_organisation_that_does_not_own_it_is_forbidden(
    kind: type[Command],
) -> None:
    refusal = then_refused(
        WALK, FOUND, move(kind, actor=KOMMUN_EDITOR), CONTEXT, Forbidden, "not_finding_owner"
    )
    assert refusal.params["owner"] == HOUSING


def test_a_finding_declined_by_an_organisation_that_does_not_own_it_is_forbidden() -> None:
    then_refused(
        WALK,
        FOUND,
        move(DeclineFinding, actor=LPO_EDITOR, reason="Inte vårt"),
        CONTEXT,
        Forbidden,
        "not_finding_owner",
    )


def test_a_viewer_of_the_owner_moves_no_finding() -> None:
    then_refused(
        WALK,
        FOUND,
        move(CompleteFinding, actor=principal(HOUSING, "viewer")),
        CONTEXT,
        Forbidden,
        "missing_role",
    )


def test_a_finding_the_walk_lacks_is_not_found() -> None:
    refusal = then_refused(
        WALK, FOUND, move(StartFinding, finding_id="f9"), CONTEXT, NotFound, "finding_not_found"
    )
    assert refusal.field_path == ("finding_id",)


@pytest.mark.parametrize("history", [DONE_HISTORY, DECLINED], ids=["done", "won't fix"])
@pytest.mark.parametrize(
    "command",
    [
        move(StartFinding),
        move(CompleteFinding),
        move(DeclineFinding, reason="Igen"),
        move(ReassignFinding, actor=KOMMUN_EDITOR, owner_id=KOMMUN),
    ],
    ids=["start", "complete", "decline", "reassign"],
)
def test_a_closed_finding_is_never_moved_again(
    history: tuple[Event, ...], command: Command
) -> None:
    then_refused(WALK, history, command, CONTEXT, RuleViolated, "finding_closed")


def test_a_finding_in_progress_is_not_started_again() -> None:
    then_refused(WALK, STARTED, move(StartFinding), CONTEXT, RuleViolated, "wrong_status")


def test_a_finding_declined_without_a_reason_is_refused() -> None:
    then_refused(WALK, FOUND, move(DeclineFinding, reason=""), CONTEXT, InvalidInput, "blank_text")


# Reassigning


def test_the_municipality_hands_a_finding_to_itself_with_a_new_due_date() -> None:
    later = DUE + dt.timedelta(days=30)
    command = move(ReassignFinding, actor=KOMMUN_EDITOR, owner_id=KOMMUN, due_on=later)
    [event] = when(WALK, STARTED, command, CONTEXT)
    assert event == FindingReassigned(
        finding_id="f1", owner_id=KOMMUN, due_on=later, reassigned_on=TODAY
    )
    finding = WALK.fold((*STARTED, event)).findings[0]
    assert (finding.owner_id, finding.status, finding.former_owners) == (
        KOMMUN,
        "assigned",
        (HOUSING,),
    )


def test_the_owner_hands_a_finding_on_keeping_its_due_date() -> None:
    command = move(ReassignFinding, owner_id=PARTNER, reason="Föreningens ansvar")
    [event] = when(WALK, FOUND, command, CONTEXT)
    assert isinstance(event, FindingReassigned)
    assert (event.owner_id, event.due_on, event.reason) == (PARTNER, DUE, "Föreningens ansvar")


def test_an_organisation_neither_owning_nor_recording_reassigns_no_finding() -> None:
    command = move(ReassignFinding, actor=PARTNER_EDITOR, owner_id=PARTNER)
    then_refused(WALK, FOUND, command, CONTEXT, Forbidden, "not_finding_owner")


def test_a_reassignment_due_before_the_walk_is_refused() -> None:
    command = move(ReassignFinding, owner_id=KOMMUN, due_on=HELD_ON - dt.timedelta(days=1))
    refusal = then_refused(WALK, FOUND, command, CONTEXT, RuleViolated, "due_before_walk")
    assert refusal.field_path == ("due_on",)


def test_a_reassignment_that_changes_nothing_is_refused() -> None:
    command = move(ReassignFinding, owner_id=HOUSING, due_on=DUE)
    then_refused(WALK, FOUND, command, CONTEXT, RuleViolated, "no_changes")


def test_a_reassignment_to_an_organisation_missing_from_the_directory_is_not_found() -> None:
    command = move(ReassignFinding, owner_id="org-okand")
    refusal = then_refused(WALK, FOUND, command, CONTEXT, NotFound, "organisation_not_found")
    assert refusal.field_path == ("owner_id",)


# Any sequence of moves

_MOVES = st.sampled_from(
    [
        move(StartFinding),
        move(CompleteFinding),
        move(DeclineFinding, reason="Skäl"),
        move(ReassignFinding, actor=KOMMUN_EDITOR, owner_id=KOMMUN),
        move(ReassignFinding, actor=KOMMUN_EDITOR, owner_id=HOUSING),
        move(CompleteFinding, actor=KOMMUN_EDITOR),
        move(StartFinding, actor=KOMMUN_EDITOR),
        move(DeclineFinding, actor=KOMMUN_EDITOR, reason="Skäl"),
    ]
)


@given(st.lists(_MOVES, max_size=12))
def test_any_sequence_of_moves_keeps_a_legal_status_and_a_closed_finding_never_reopens(
    commands: list[Command],
) -> None:
    history: list[Event] = list(FOUND)
    closed_as: str | None = None
    for command in commands:
        try:
            decided = when(WALK, history, command, CONTEXT)
        except Refusal:
            decided = []
        history.extend(decided)
        finding = WALK.fold(history).findings[0]
        assert finding.status in FINDING_STATUSES
        if closed_as is not None:
            assert finding.status == closed_as and not decided
        elif finding.status in CLOSED:
            closed_as = finding.status
        assert finding.status != IN_PROGRESS or any(isinstance(e, FindingStarted) for e in history)
