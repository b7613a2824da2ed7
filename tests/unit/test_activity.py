"""Activity records (genomförda insatser): recorded, corrected, voided; and every refusal."""

from __future__ import annotations

import datetime as dt

import pytest

from events.messages import (
    Command,
    Event,
    Forbidden,
    InvalidInput,
    NotFound,
    Principal,
    Refusal,
    RuleViolated,
)
from events.promise.activity import GRACE_DAYS
from events.promise.commands import CorrectActivityRecord, RecordActivity, VoidActivityRecord
from events.promise.decider import PROMISE
from events.promise.events import (
    ActivityPerformed,
    ActivityRecordCorrected,
    ActivityRecordVoided,
    PromiseAmendmentStarted,
    PromiseExpired,
    PromiseTerminated,
)
from tests.unit.decider_world import (
    AUDITOR,
    CONTEXT,
    IN_FORCE,
    KOMMUN,
    KOMMUN_EDITOR,
    KOMMUN_SIGNER,
    LPO,
    LPO_EDITOR,
    OUTSIDER,
    PARTNER,
    PROPOSED,
    TODAY,
    promise_meta,
)
from tests.unit.given_when_then import then_refused, when

DAY = dt.date(2026, 2, 10)


def _record(
    actor: Principal = LPO_EDITOR,
    *,
    commitment_id: str = "c2",
    occurred_on: dt.date = DAY,
    performed_by: tuple[str, ...] = (LPO, KOMMUN),
    place_ids: tuple[str, ...] = ("pl1",),
    quantity: int = 1,
    record_id: str = "a1",
    at: dt.datetime | None = None,
) -> RecordActivity:
    meta = promise_meta(actor) if at is None else promise_meta(actor, at)
    return RecordActivity(
        **meta,
        record_id=record_id,
        commitment_id=commitment_id,
        occurred_on=occurred_on,
        performed_by=performed_by,
        summary="Gemensam insats i centrum",
        place_ids=place_ids,
        quantity=quantity,
    )


PERFORMED = ActivityPerformed(
    record_id="a1",
    commitment_id="c2",
    revision_no=1,
    occurred_on=DAY,
    place_ids=("pl1",),
    performed_by=(LPO, KOMMUN),
    quantity=1,
    summary="Gemensam insats i centrum",
    reported_by="org-lpo-editor",
)
RECORDED: tuple[Event, ...] = (*IN_FORCE, PERFORMED)
EXPIRED: tuple[Event, ...] = (*RECORDED, PromiseExpired(expired_on=dt.date(2027, 1, 2)))


def test_an_editor_records_an_activity_against_a_commitment_in_force() -> None:
    assert when(PROMISE, IN_FORCE, _record(), CONTEXT) == [PERFORMED]
    state = PROMISE.fold(RECORDED)
    assert state.activity("a1") is not None


def test_a_correction_is_a_new_event_that_replaces_the_reported_content() -> None:
    command = CorrectActivityRecord(
        **promise_meta(KOMMUN_EDITOR),
        record_id="a1",
        occurred_on=DAY,
        performed_by=(KOMMUN, LPO, PARTNER),
        summary="Gemensam insats med Fryshuset",
        reason="Fryshuset deltog också",
        place_ids=("pl1",),
        quantity=2,
    )
    events = when(PROMISE, RECORDED, command, CONTEXT)
    assert events == [
        ActivityRecordCorrected(
            record_id="a1",
            occurred_on=DAY,
            place_ids=("pl1",),
            performed_by=(KOMMUN, LPO, PARTNER),
            quantity=2,
            summary="Gemensam insats med Fryshuset",
            reason="Fryshuset deltog också",
        )
    ]
    record = PROMISE.fold((*RECORDED, *events)).activity("a1")
    assert record is not None and record.quantity == 2


def test_a_void_is_a_new_event_and_the_record_stays_for_the_audit() -> None:
    command = VoidActivityRecord(**promise_meta(LPO_EDITOR), record_id="a1", reason="dubblett")
    events = when(PROMISE, RECORDED, command, CONTEXT)
    assert events == [ActivityRecordVoided(record_id="a1", reason="dubblett")]
    record = PROMISE.fold((*RECORDED, *events)).activity("a1")
    assert record is not None and record.voided


def test_late_reports_are_accepted_within_the_grace_window_after_expiry() -> None:
    within = dt.datetime(2027, 1, 31, tzinfo=dt.UTC)
    events = when(PROMISE, EXPIRED, _record(record_id="a2", at=within), CONTEXT)
    assert isinstance(events[0], ActivityPerformed)


def test_activity_during_an_open_amendment_counts_against_the_revision_in_force() -> None:
    amending = (*IN_FORCE, PromiseAmendmentStarted(revision_no=2, reason="x"))
    events = when(PROMISE, amending, _record(), CONTEXT)
    assert isinstance(events[0], ActivityPerformed) and events[0].revision_no == 1


AFTER_GRACE = dt.datetime(2026, 12, 31, tzinfo=dt.UTC) + dt.timedelta(days=GRACE_DAYS + 2)
VOIDED = (*RECORDED, ActivityRecordVoided(record_id="a1", reason="x"))
TERMINATED = (*IN_FORCE, PromiseTerminated(terminated_on=TODAY, reason="beslut"))
REFUSALS = [
    pytest.param(
        PROPOSED,
        _record(),
        RuleViolated,
        "not_in_force",
        id="activities are not recorded before the promise is in force",
    ),
    pytest.param(
        TERMINATED,
        _record(),
        RuleViolated,
        "not_in_force",
        id="activities are not recorded on a terminated promise",
    ),
    pytest.param(
        EXPIRED,
        _record(record_id="a2", at=AFTER_GRACE),
        RuleViolated,
        "grace_window_passed",
        id="late reports stop after the grace window",
    ),
    pytest.param(
        IN_FORCE,
        _record(commitment_id="c9"),
        RuleViolated,
        "commitment_not_in_force",
        id="an activity attaches only to a commitment of the revision in force",
    ),
    pytest.param(
        IN_FORCE,
        _record(occurred_on=dt.date(2025, 12, 31)),
        RuleViolated,
        "outside_period",
        id="an activity before the period is refused",
    ),
    pytest.param(
        IN_FORCE,
        _record(occurred_on=TODAY + dt.timedelta(days=1)),
        InvalidInput,
        "date_in_future",
        id="an activity is not reported in advance",
    ),
    pytest.param(
        IN_FORCE,
        _record(quantity=0),
        InvalidInput,
        "quantity_not_positive",
        id="a quantity is at least one",
    ),
    pytest.param(
        IN_FORCE,
        _record(place_ids=("pl9",)),
        NotFound,
        "place_not_found",
        id="an activity names places of the promise",
    ),
    pytest.param(
        IN_FORCE,
        _record(place_ids=("pl1", "pl1")),
        InvalidInput,
        "duplicate_values",
        id="an activity names a place once",
    ),
    pytest.param(
        IN_FORCE,
        _record(performed_by=(LPO, "org-none")),
        NotFound,
        "organisation_not_found",
        id="performers are registered organisations",
    ),
    pytest.param(
        IN_FORCE,
        _record(performed_by=(KOMMUN,)),
        Forbidden,
        "not_performer",
        id="an editor reports only activities of their own organisation",
    ),
    pytest.param(
        IN_FORCE,
        _record(KOMMUN_SIGNER, performed_by=(KOMMUN,)),
        Forbidden,
        "missing_role",
        id="a signatory does not record activities",
    ),
    pytest.param(
        IN_FORCE,
        _record(AUDITOR, performed_by=(KOMMUN,)),
        Forbidden,
        "auditor_read_only",
        id="an auditor does not record activities",
    ),
    pytest.param(
        IN_FORCE,
        _record(OUTSIDER, performed_by=(OUTSIDER.organisation_id,)),
        NotFound,
        "promise_not_found",
        id="a non-party organisation does not record: the promise is not found for it",
    ),
    pytest.param(RECORDED, _record(), RuleViolated, "record_exists", id="a record id is used once"),
    pytest.param(
        RECORDED,
        VoidActivityRecord(**promise_meta(LPO_EDITOR), record_id="a9", reason="x"),
        NotFound,
        "record_not_found",
        id="voiding an unknown record is refused",
    ),
    pytest.param(
        VOIDED,
        VoidActivityRecord(**promise_meta(LPO_EDITOR), record_id="a1", reason="x"),
        RuleViolated,
        "record_voided",
        id="a voided record is not changed again",
    ),
    pytest.param(
        RECORDED,
        VoidActivityRecord(**promise_meta(LPO_EDITOR), record_id="a1", reason=" "),
        InvalidInput,
        "blank_text",
        id="a void gives a reason",
    ),
    pytest.param(
        RECORDED,
        CorrectActivityRecord(
            **promise_meta(LPO_EDITOR),
            record_id="a1",
            occurred_on=dt.date(2025, 1, 1),
            performed_by=(LPO,),
            summary="x",
            reason="fel datum",
        ),
        RuleViolated,
        "outside_period",
        id="a correction obeys the same period rule",
    ),
]


@pytest.mark.parametrize(("given", "command", "kind", "code"), REFUSALS)
def test_recording_refuses(
    given: tuple[Event, ...], command: Command, kind: type[Refusal], code: str
) -> None:
    then_refused(PROMISE, given, command, CONTEXT, kind, code)


def test_only_an_organisation_that_performed_the_activity_may_void_it() -> None:
    only_police = (
        *IN_FORCE,
        ActivityPerformed(
            record_id="a1",
            commitment_id="c1",
            revision_no=1,
            occurred_on=DAY,
            place_ids=(),
            performed_by=(LPO,),
            quantity=1,
            summary="Närvaro",
            reported_by="x",
        ),
    )
    command = VoidActivityRecord(**promise_meta(KOMMUN_EDITOR), record_id="a1", reason="x")
    then_refused(PROMISE, only_police, command, CONTEXT, Forbidden, "not_performer")


def test_a_day_is_the_swedish_day_of_the_command_so_just_after_midnight_is_the_new_day() -> None:
    # 23:30 UTC on 10 February is 00:30 on the 11th in Sweden (CET); 22:30 UTC on 10 July is
    # 00:30 on the 11th (CEST). The record may be made on the 11th, not on the 12th.
    for late in (
        dt.datetime(2026, 2, 10, 23, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 7, 10, 22, 30, tzinfo=dt.UTC),
    ):
        eleventh = late.date() + dt.timedelta(days=1)
        assert _record(at=late).day == eleventh
        made = when(PROMISE, IN_FORCE, _record(occurred_on=eleventh, at=late), CONTEXT)
        assert [type(e) for e in made] == [ActivityPerformed]
        then_refused(
            PROMISE,
            IN_FORCE,
            _record(occurred_on=eleventh + dt.timedelta(days=1), at=late),
            CONTEXT,
            InvalidInput,
            "date_in_future",
        )
    assert _record(at=dt.datetime(2026, 2, 10, 22, 59, tzinfo=dt.UTC)).day == DAY
