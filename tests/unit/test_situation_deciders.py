"""The lägesbild and åtgärdsplan deciders: who may compile, draft, revise and adopt them, the
versions they keep, and every refusal (each decides no events, so the stream stays as it was).
The places, agreements and promises they name arrive folded in the context, as the dispatcher
reads them through the deciders' links."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.agreement import AGREEMENT
from events.agreement.events import AgreementContent, AgreementDrafted
from events.context import DecisionContext
from events.directory.decider import DIRECTORY
from events.directory.events import PoliceAreaMunicipalityLinkEnded
from events.indicator import IndicatorState
from events.indicator.state import DEFINED
from events.messages import Event, Forbidden, InvalidInput, NotFound, RuleViolated
from events.place import PLACE, MunicipalPlaceRegistered
from events.promise.decider import PROMISE
from events.promise.events import PromiseDrafted
from events.situation import (
    ACTION_PLAN,
    SITUATION_PICTURE,
    ActionPlanAdopted,
    ActionPlanContent,
    ActionPlanDrafted,
    ActionPlanRevised,
    AdoptActionPlan,
    AdoptSituationPicture,
    Basis,
    CompileSituationPicture,
    Decision,
    DraftActionPlan,
    Measure,
    ReviseActionPlan,
    ReviseSituationPicture,
    SituationPictureAdopted,
    SituationPictureCompiled,
    SituationPictureContent,
    SituationPictureRevised,
    SituationProblem,
    status_of,
)
from tests.unit.decider_world import (
    AUDITOR,
    DETAILS,
    DIRECTORY_HISTORY,
    DIRECTORY_STATE,
    KOMMUN,
    KOMMUN_EDITOR,
    KOMMUN_SIGNER,
    LPO,
    LPO_EDITOR,
    OTHER_KOMMUN,
    OTHER_LPO,
    PARTNER,
    TODAY,
    VIEWER,
    meta,
    principal,
)
from tests.unit.given_when_then import then_refused, when

OTHER_KOMMUN_EDITOR = principal(OTHER_KOMMUN, "editor")
OTHER_LPO_EDITOR = principal(OTHER_LPO, "editor")


def place(place_id: str, municipality_id: str) -> tuple[str, Any]:
    registered = MunicipalPlaceRegistered(
        place_id=place_id, municipality_id=municipality_id, name=place_id, kind="centrum"
    )
    return "place-" + place_id, PLACE.fold([registered])


def agreement(agreement_id: str, parties: tuple[str, ...]) -> tuple[str, Any]:
    drafted = AgreementDrafted(
        agreement_id=agreement_id, content=AgreementContent(parties=parties, title="SÖK")
    )
    return "agreement-" + agreement_id, AGREEMENT.fold([drafted])


def indicator(indicator_id: str, municipality_id: str) -> tuple[str, Any]:
    defined = IndicatorState(
        indicator_id=indicator_id, status=DEFINED, municipality_id=municipality_id
    )
    return "indicator-" + indicator_id, defined


def promise(promise_id: str, parties: tuple[str, ...]) -> tuple[str, Any]:
    drafted = PromiseDrafted(promise_id=promise_id, parties=parties, details=DETAILS)
    return "promise-" + promise_id, PROMISE.fold([drafted])


PICTURE_CONTENT = SituationPictureContent(
    covers_from=dt.date(2025, 1, 1),
    covers_to=dt.date(2025, 12, 31),
    compiled_on=dt.date(2026, 2, 1),
    summary="Otryggheten är störst i centrum kvällstid.",
    problems=(
        SituationProblem(problem_id="centrum", text="Otrygghet i centrum", place_ids=("torget",)),
    ),
    inputs=(
        Basis(kind="survey", summary="Trygghetsenkät 2025"),
        Basis(kind="statistics", summary="Anmälda brott 2025"),
    ),
    indicator_ids=("otrygga-centrum",),
)
COMPILED_EVENT = SituationPictureCompiled(
    situation_picture_id="lb", municipality_id=KOMMUN, police_area_id=None, content=PICTURE_CONTENT
)
COMPILED: tuple[Event, ...] = (COMPILED_EVENT,)
DECISION = Decision(
    decided_by="kommunstyrelsen", decided_on=dt.date(2026, 2, 20), diarienummer="KS 2026/17"
)
PICTURE_ADOPTED: tuple[Event, ...] = (
    *COMPILED,
    SituationPictureAdopted(version=1, decision=DECISION),
)
LINKED = dict(
    (
        place("torget", KOMMUN),
        place("annat-torg", OTHER_KOMMUN),
        agreement("sok", (KOMMUN, LPO)),
        agreement("annan-sok", (OTHER_KOMMUN, LPO)),
        promise("lofte", (KOMMUN, LPO)),
        promise("annat-lofte", (OTHER_KOMMUN, LPO)),
        indicator("otrygga-centrum", KOMMUN),
        indicator("annan-kommuns", OTHER_KOMMUN),
    )
)


def context(*picture_history: Event, **more: Any) -> DecisionContext:
    """The directory, the linked places, agreements and promises, and lägesbild "lb" after
    `picture_history` (and the joint one "lb-joint" when given as `joint`)."""
    linked = {**LINKED, "situation-picture-lb": SITUATION_PICTURE.fold(picture_history)}
    for name, history in more.items():
        linked["situation-picture-" + name.replace("_", "-")] = SITUATION_PICTURE.fold(history)
    return DecisionContext(directory=DIRECTORY_STATE, linked=linked)


CONTEXT = context()


def compile_(**changes: Any) -> CompileSituationPicture:
    command = CompileSituationPicture(
        situation_picture_id="lb",
        municipality_id=KOMMUN,
        content=PICTURE_CONTENT,
        **meta(KOMMUN_EDITOR),
    )
    return replace(command, **changes)


def with_content(**changes: Any) -> SituationPictureContent:
    return replace(PICTURE_CONTENT, **changes)


def adopt_picture(**changes: Any) -> AdoptSituationPicture:
    command = AdoptSituationPicture(
        situation_picture_id="lb", version=1, decision=DECISION, **meta(KOMMUN_EDITOR)
    )
    return replace(command, **changes)


# Compiling a lägesbild


def test_an_editor_of_the_municipality_compiles_its_lagesbild() -> None:
    assert when(SITUATION_PICTURE, (), compile_(), CONTEXT) == list(COMPILED)


def test_a_police_area_serving_the_municipality_compiles_a_joint_lagesbild() -> None:
    events = when(SITUATION_PICTURE, (), compile_(police_area_id=LPO, actor=LPO_EDITOR), CONTEXT)
    assert events == [replace(COMPILED_EVENT, police_area_id=LPO)]


def test_a_joint_owner_that_does_not_serve_the_municipality_is_refused() -> None:
    refused = then_refused(
        SITUATION_PICTURE,
        (),
        compile_(police_area_id=OTHER_LPO),
        CONTEXT,
        RuleViolated,
        "police_area_not_serving",
    )
    assert refused.field_path == ("police_area_id",)


def test_a_joint_owner_whose_link_ended_before_the_day_is_refused() -> None:
    ended = (
        *DIRECTORY_HISTORY,
        PoliceAreaMunicipalityLinkEnded(link_id="l1", ended_on=TODAY - dt.timedelta(days=1)),
    )
    after_link = replace(CONTEXT, directory=DIRECTORY.fold(ended))
    then_refused(
        SITUATION_PICTURE,
        (),
        compile_(police_area_id=LPO),
        after_link,
        RuleViolated,
        "police_area_not_serving",
    )


def test_a_joint_owner_that_is_not_a_police_area_is_refused() -> None:
    then_refused(
        SITUATION_PICTURE,
        (),
        compile_(police_area_id=PARTNER),
        CONTEXT,
        RuleViolated,
        "wrong_organisation_kind",
    )


def test_a_lagesbild_of_an_organisation_that_is_no_municipality_is_refused() -> None:
    then_refused(
        SITUATION_PICTURE,
        (),
        compile_(municipality_id=LPO),
        CONTEXT,
        NotFound,
        "municipality_not_found",
    )


def test_an_editor_of_another_municipality_cannot_compile_it() -> None:
    then_refused(
        SITUATION_PICTURE,
        (),
        compile_(actor=OTHER_KOMMUN_EDITOR),
        CONTEXT,
        Forbidden,
        "not_a_party",
    )


def test_the_police_area_cannot_compile_the_municipalitys_own_lagesbild() -> None:
    then_refused(
        SITUATION_PICTURE, (), compile_(actor=LPO_EDITOR), CONTEXT, Forbidden, "not_a_party"
    )


def test_a_viewer_cannot_compile_and_an_auditor_changes_nothing() -> None:
    then_refused(SITUATION_PICTURE, (), compile_(actor=VIEWER), CONTEXT, Forbidden, "missing_role")
    then_refused(
        SITUATION_PICTURE, (), compile_(actor=AUDITOR), CONTEXT, Forbidden, "auditor_read_only"
    )


def test_a_problem_on_a_place_of_another_municipality_is_refused_with_its_path() -> None:
    problem = SituationProblem(problem_id="x", text="Otryggt", place_ids=("annat-torg",))
    refused = then_refused(
        SITUATION_PICTURE,
        (),
        compile_(content=with_content(problems=(problem,))),
        CONTEXT,
        RuleViolated,
        "place_of_another_municipality",
    )
    assert refused.field_path == ("content", "problems", 0, "place_ids", 0)


def test_a_problem_on_a_place_nobody_registered_is_refused() -> None:
    problem = SituationProblem(problem_id="x", text="Otryggt", place_ids=("torget", "okand"))
    refused = then_refused(
        SITUATION_PICTURE,
        (),
        compile_(content=with_content(problems=(problem,))),
        CONTEXT,
        NotFound,
        "place_not_found",
    )
    assert refused.field_path == ("content", "problems", 0, "place_ids", 1)


def test_an_input_of_an_unknown_kind_is_refused() -> None:
    inputs = (Basis(kind="rykten", summary="Hörsägen"),)
    refused = then_refused(
        SITUATION_PICTURE,
        (),
        compile_(content=with_content(inputs=inputs)),
        CONTEXT,
        InvalidInput,
        "invalid_choice",
    )
    assert refused.field_path == ("content", "inputs", 0, "kind")


def test_a_lagesbild_names_defined_indicators_of_its_municipality() -> None:
    command = compile_(content=with_content(indicator_ids=("otrygga-centrum", "okand")))
    assert SITUATION_PICTURE.links(command)[-2:] == (
        "indicator-otrygga-centrum",
        "indicator-okand",
    )
    refused = then_refused(SITUATION_PICTURE, (), command, CONTEXT, NotFound, "indicator_not_found")
    assert refused.field_path == ("content", "indicator_ids", 1)
    other = compile_(content=with_content(indicator_ids=("annan-kommuns",)))
    refused = then_refused(
        SITUATION_PICTURE, (), other, CONTEXT, RuleViolated, "indicator_of_other_municipality"
    )
    assert refused.field_path == ("content", "indicator_ids", 0)


def test_a_measure_names_defined_indicators_of_its_municipality() -> None:
    measure = replace(MEASURE, indicator_ids=("okand",))
    command = draft(content=plan_content(measures=(measure,)))
    assert "indicator-okand" in ACTION_PLAN.links(command)
    refused = then_refused(
        ACTION_PLAN, (), command, ADOPTED_CONTEXT, NotFound, "indicator_not_found"
    )
    assert refused.field_path == ("content", "measures", 0, "indicator_ids", 0)


def test_indicator_ids_are_checked_for_form_and_repetition() -> None:
    refused = then_refused(
        SITUATION_PICTURE,
        (),
        compile_(content=with_content(indicator_ids=("otrygga-centrum", "Not An Id"))),
        CONTEXT,
        InvalidInput,
        "invalid_id",
    )
    assert refused.field_path == ("content", "indicator_ids", 1)
    then_refused(
        SITUATION_PICTURE,
        (),
        compile_(content=with_content(indicator_ids=("otrygga-centrum", "otrygga-centrum"))),
        CONTEXT,
        InvalidInput,
        "duplicate_values",
    )


def test_a_lagesbild_compiled_in_the_future_or_covering_a_reversed_period_is_refused() -> None:
    then_refused(
        SITUATION_PICTURE,
        (),
        compile_(content=with_content(compiled_on=TODAY + dt.timedelta(days=1))),
        CONTEXT,
        InvalidInput,
        "date_in_future",
    )
    then_refused(
        SITUATION_PICTURE,
        (),
        compile_(content=with_content(covers_to=dt.date(2024, 12, 31))),
        CONTEXT,
        InvalidInput,
        "period_reversed",
    )


def test_a_lagesbild_is_compiled_once() -> None:
    then_refused(
        SITUATION_PICTURE, COMPILED, compile_(), CONTEXT, RuleViolated, "situation_picture_exists"
    )


# Versions and adoption


def test_a_revision_makes_the_next_version_and_the_first_stays_readable() -> None:
    content = with_content(summary="Otryggheten har flyttat till stationen.")
    revise = ReviseSituationPicture(
        situation_picture_id="lb", content=content, **meta(KOMMUN_EDITOR)
    )
    events = when(SITUATION_PICTURE, COMPILED, revise, CONTEXT)
    assert events == [SituationPictureRevised(version=2, content=content)]
    state = SITUATION_PICTURE.fold((*COMPILED, *events))
    assert [(v.version, v.content.summary) for v in state.versions] == [
        (1, PICTURE_CONTENT.summary),
        (2, content.summary),
    ]


def test_a_revision_that_changes_nothing_is_refused() -> None:
    revise = ReviseSituationPicture(
        situation_picture_id="lb", content=PICTURE_CONTENT, **meta(KOMMUN_EDITOR)
    )
    then_refused(SITUATION_PICTURE, COMPILED, revise, CONTEXT, RuleViolated, "no_changes")


def test_a_signatory_adopts_a_version_by_a_decision() -> None:
    events = when(SITUATION_PICTURE, COMPILED, adopt_picture(actor=KOMMUN_SIGNER), CONTEXT)
    assert events == [SituationPictureAdopted(version=1, decision=DECISION)]


def test_revising_after_adoption_makes_a_new_version_and_the_adopted_one_stays_adopted() -> None:
    content = with_content(summary="Ny kartläggning 2026.")
    revise = ReviseSituationPicture(
        situation_picture_id="lb", content=content, **meta(KOMMUN_EDITOR)
    )
    revised = (*PICTURE_ADOPTED, *when(SITUATION_PICTURE, PICTURE_ADOPTED, revise, CONTEXT))
    state = SITUATION_PICTURE.fold(revised)
    assert [(v.version, v.adopted) for v in state.versions] == [(1, DECISION), (2, None)]
    assert status_of(state.versions) == "revising"
    then_refused(
        SITUATION_PICTURE,
        revised,
        adopt_picture(version=1),
        CONTEXT,
        RuleViolated,
        "already_adopted",
    )


def test_only_the_latest_version_is_adopted() -> None:
    content = with_content(summary="Version två.")
    revised = (*COMPILED, SituationPictureRevised(version=2, content=content))
    refused = then_refused(
        SITUATION_PICTURE,
        revised,
        adopt_picture(version=1),
        CONTEXT,
        RuleViolated,
        "stale_revision",
    )
    assert refused.field_path == ("version",)
    then_refused(
        SITUATION_PICTURE, revised, adopt_picture(version=3), CONTEXT, NotFound, "version_not_found"
    )


def test_an_adoption_without_a_diarienummer_is_refused_with_its_path() -> None:
    decision = replace(DECISION, diarienummer=" ")
    refused = then_refused(
        SITUATION_PICTURE,
        COMPILED,
        adopt_picture(decision=decision),
        CONTEXT,
        InvalidInput,
        "decision_reference_missing",
    )
    assert refused.field_path == ("decision", "diarienummer")


def test_a_decision_taken_in_the_future_is_refused() -> None:
    decision = replace(DECISION, decided_on=TODAY + dt.timedelta(days=1))
    refused = then_refused(
        SITUATION_PICTURE,
        COMPILED,
        adopt_picture(decision=decision),
        CONTEXT,
        InvalidInput,
        "date_in_future",
    )
    assert refused.field_path == ("decision", "decided_on")


def test_a_decision_names_who_decided() -> None:
    decision = replace(DECISION, decided_by="")
    then_refused(
        SITUATION_PICTURE,
        COMPILED,
        adopt_picture(decision=decision),
        CONTEXT,
        InvalidInput,
        "blank_text",
    )


def test_a_non_member_finds_no_draft_lagesbild_and_may_not_revise_an_adopted_one() -> None:
    then_refused(
        SITUATION_PICTURE,
        COMPILED,
        adopt_picture(actor=OTHER_KOMMUN_EDITOR),
        CONTEXT,
        NotFound,
        "situation_picture_not_found",
    )
    revise = ReviseSituationPicture(
        situation_picture_id="lb",
        content=with_content(summary="Annan"),
        **meta(OTHER_KOMMUN_EDITOR),
    )
    then_refused(SITUATION_PICTURE, PICTURE_ADOPTED, revise, CONTEXT, Forbidden, "not_a_party")


def test_a_command_on_a_lagesbild_nobody_compiled_is_refused() -> None:
    then_refused(
        SITUATION_PICTURE, (), adopt_picture(), CONTEXT, NotFound, "situation_picture_not_found"
    )


# The åtgärdsplan

MEASURE = Measure(
    measure_id="belysning",
    text="Se över belysningen på torget",
    responsible_ids=(KOMMUN,),
    place_ids=("torget",),
    indicator_ids=("otrygga-centrum",),
)
PLAN_CONTENT = ActionPlanContent(
    title="Åtgärdsplan 2026",
    situation_picture_id="lb",
    situation_picture_version=1,
    measures=(MEASURE,),
    agreement_id="sok",
    promise_ids=("lofte",),
)
DRAFTED: tuple[Event, ...] = (
    ActionPlanDrafted(
        action_plan_id="ap", municipality_id=KOMMUN, police_area_id=None, content=PLAN_CONTENT
    ),
)
ADOPTED_CONTEXT = context(*PICTURE_ADOPTED)


def draft(**changes: Any) -> DraftActionPlan:
    command = DraftActionPlan(
        action_plan_id="ap", municipality_id=KOMMUN, content=PLAN_CONTENT, **meta(KOMMUN_EDITOR)
    )
    return replace(command, **changes)


def plan_content(**changes: Any) -> ActionPlanContent:
    return replace(PLAN_CONTENT, **changes)


def adopt_plan(**changes: Any) -> AdoptActionPlan:
    command = AdoptActionPlan(
        action_plan_id="ap", version=1, decision=DECISION, **meta(KOMMUN_EDITOR)
    )
    return replace(command, **changes)


def test_a_plan_on_an_adopted_lagesbild_names_its_agreement_and_promise() -> None:
    assert when(ACTION_PLAN, (), draft(), ADOPTED_CONTEXT) == list(DRAFTED)


def test_the_links_name_the_lagesbild_agreement_promises_places_and_indicators() -> None:
    assert ACTION_PLAN.links(draft()) == (
        "situation-picture-lb",
        "agreement-sok",
        "promise-lofte",
        "place-torget",
        "indicator-otrygga-centrum",
    )
    assert SITUATION_PICTURE.links(compile_()) == ("place-torget", "indicator-otrygga-centrum")


def test_a_plan_on_a_lagesbild_not_adopted_is_refused() -> None:
    refused = then_refused(
        ACTION_PLAN, (), draft(), context(*COMPILED), RuleViolated, "situation_picture_not_adopted"
    )
    assert refused.field_path == ("content", "situation_picture_version")


def test_a_plan_on_a_version_not_adopted_is_refused_though_an_earlier_one_is() -> None:
    revised = (
        *PICTURE_ADOPTED,
        SituationPictureRevised(version=2, content=with_content(summary="2")),
    )
    then_refused(
        ACTION_PLAN,
        (),
        draft(content=plan_content(situation_picture_version=2)),
        context(*revised),
        RuleViolated,
        "situation_picture_not_adopted",
    )


def test_a_plan_on_a_lagesbild_nobody_compiled_is_refused() -> None:
    refused = then_refused(
        ACTION_PLAN, (), draft(), CONTEXT, NotFound, "situation_picture_not_found"
    )
    assert refused.field_path == ("content", "situation_picture_id")


def test_a_plan_on_another_municipalitys_lagesbild_is_refused() -> None:
    others = tuple(
        replace(e, municipality_id=OTHER_KOMMUN) if isinstance(e, SituationPictureCompiled) else e
        for e in PICTURE_ADOPTED
    )
    refused = then_refused(
        ACTION_PLAN,
        (),
        draft(content=plan_content(situation_picture_id="other")),
        context(other=others),
        RuleViolated,
        "other_municipality",
    )
    assert refused.field_path == ("content", "situation_picture_id")


def test_a_draft_lagesbild_of_other_owners_answers_as_not_compiled() -> None:
    others = tuple(
        replace(e, municipality_id=OTHER_KOMMUN) if isinstance(e, SituationPictureCompiled) else e
        for e in COMPILED
    )
    then_refused(
        ACTION_PLAN,
        (),
        draft(content=plan_content(situation_picture_id="other")),
        context(other=others),
        NotFound,
        "situation_picture_not_found",
    )


def test_an_agreement_the_municipality_is_not_party_to_is_refused() -> None:
    joint = tuple(
        replace(e, police_area_id=LPO) if isinstance(e, SituationPictureCompiled) else e
        for e in PICTURE_ADOPTED
    )
    command = draft(
        police_area_id=LPO,
        actor=LPO_EDITOR,
        content=plan_content(situation_picture_id="joint", agreement_id="annan-sok"),
    )
    refused = then_refused(
        ACTION_PLAN, (), command, context(joint=joint), RuleViolated, "municipality_not_party"
    )
    assert refused.field_path == ("content", "agreement_id")


def test_a_promise_the_municipality_is_not_party_to_is_refused() -> None:
    joint = tuple(
        replace(e, police_area_id=LPO) if isinstance(e, SituationPictureCompiled) else e
        for e in PICTURE_ADOPTED
    )
    command = draft(
        police_area_id=LPO,
        actor=LPO_EDITOR,
        content=plan_content(situation_picture_id="joint", promise_ids=("lofte", "annat-lofte")),
    )
    refused = then_refused(
        ACTION_PLAN, (), command, context(joint=joint), RuleViolated, "municipality_not_party"
    )
    assert refused.field_path == ("content", "promise_ids", 1)


def test_an_agreement_or_promise_the_actor_is_no_party_to_answers_as_not_drafted() -> None:
    then_refused(
        ACTION_PLAN,
        (),
        draft(content=plan_content(agreement_id="annan-sok")),
        ADOPTED_CONTEXT,
        NotFound,
        "agreement_not_found",
    )
    refused = then_refused(
        ACTION_PLAN,
        (),
        draft(content=plan_content(promise_ids=("okant",))),
        ADOPTED_CONTEXT,
        NotFound,
        "promise_not_found",
    )
    assert refused.field_path == ("content", "promise_ids", 0)


def test_a_measure_on_a_place_of_another_municipality_is_refused() -> None:
    measure = replace(MEASURE, place_ids=("annat-torg",))
    refused = then_refused(
        ACTION_PLAN,
        (),
        draft(content=plan_content(measures=(measure,))),
        ADOPTED_CONTEXT,
        RuleViolated,
        "place_of_another_municipality",
    )
    assert refused.field_path == ("content", "measures", 0, "place_ids", 0)


def test_a_measure_with_an_unknown_responsible_organisation_is_refused() -> None:
    measure = replace(MEASURE, responsible_ids=(KOMMUN, "org-okand"))
    refused = then_refused(
        ACTION_PLAN,
        (),
        draft(content=plan_content(measures=(measure,))),
        ADOPTED_CONTEXT,
        NotFound,
        "organisation_not_found",
    )
    assert refused.field_path == ("content", "measures", 0, "responsible_ids", 1)


def test_an_editor_of_another_municipality_cannot_draft_its_plan() -> None:
    then_refused(
        ACTION_PLAN, (), draft(actor=OTHER_KOMMUN_EDITOR), ADOPTED_CONTEXT, Forbidden, "not_a_party"
    )


def test_a_plan_is_drafted_once() -> None:
    then_refused(ACTION_PLAN, DRAFTED, draft(), ADOPTED_CONTEXT, RuleViolated, "action_plan_exists")


def test_an_action_plan_is_adopted_by_a_decision() -> None:
    events = when(ACTION_PLAN, DRAFTED, adopt_plan(), ADOPTED_CONTEXT)
    assert events == [ActionPlanAdopted(version=1, decision=DECISION)]


def test_an_action_plan_adopted_without_a_decision_reference_is_refused() -> None:
    refused = then_refused(
        ACTION_PLAN,
        DRAFTED,
        adopt_plan(decision=replace(DECISION, diarienummer="")),
        ADOPTED_CONTEXT,
        InvalidInput,
        "decision_reference_missing",
    )
    assert refused.field_path == ("decision", "diarienummer")


@given(st.text(alphabet=" \t\n\r\u00a0\u2003", max_size=8))
def test_any_diarienummer_of_only_whitespace_is_refused(blank: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        when(
            ACTION_PLAN,
            DRAFTED,
            adopt_plan(decision=replace(DECISION, diarienummer=blank)),
            ADOPTED_CONTEXT,
        )
    assert refused.value.code == "decision_reference_missing"


def test_an_action_plan_decided_in_the_future_is_refused() -> None:
    then_refused(
        ACTION_PLAN,
        DRAFTED,
        adopt_plan(decision=replace(DECISION, decided_on=TODAY + dt.timedelta(days=1))),
        ADOPTED_CONTEXT,
        InvalidInput,
        "date_in_future",
    )


def test_revising_an_adopted_plan_makes_a_new_version_and_the_adopted_one_stays() -> None:
    adopted = (*DRAFTED, ActionPlanAdopted(version=1, decision=DECISION))
    content = plan_content(measures=(MEASURE, replace(MEASURE, measure_id="vakter", text="Vakter")))
    revise = ReviseActionPlan(action_plan_id="ap", content=content, **meta(KOMMUN_EDITOR))
    events = when(ACTION_PLAN, adopted, revise, ADOPTED_CONTEXT)
    assert events == [ActionPlanRevised(version=2, content=content)]
    state = ACTION_PLAN.fold((*adopted, *events))
    assert [(v.version, v.adopted) for v in state.versions] == [(1, DECISION), (2, None)]


def test_a_non_member_is_told_a_draft_plan_does_not_exist() -> None:
    then_refused(
        ACTION_PLAN,
        DRAFTED,
        adopt_plan(actor=OTHER_KOMMUN_EDITOR),
        ADOPTED_CONTEXT,
        NotFound,
        "action_plan_not_found",
    )
    then_refused(ACTION_PLAN, (), adopt_plan(), ADOPTED_CONTEXT, NotFound, "action_plan_not_found")
