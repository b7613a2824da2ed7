"""A partner organisation the content invites (`Commitment.partner_ids`) records, corrects and
voids activities of the commitments that name it, and nothing else; everybody else who is not
a party is refused as before."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from events.messages import Command, Event, Forbidden, NotFound, Refusal
from events.promise.commands import CorrectActivityRecord, RecordActivity, VoidActivityRecord
from events.promise.decider import PROMISE
from events.promise.events import ActivityPerformed, ActivityRecordVoided
from tests.unit.decider_world import (
    CONTEXT,
    IN_FORCE,
    LPO,
    LPO_EDITOR,
    PARTNER,
    PROPOSED,
    principal,
    promise_meta,
)
from tests.unit.given_when_then import then_refused, when

DAY = dt.date(2026, 2, 10)
PARTNER_EDITOR = principal(PARTNER, "editor")


def record(
    actor: object = PARTNER_EDITOR,
    commitment_id: str = "c2",
    links: tuple[str, ...] = (),
    record_id: str = "f1",
    performed_by: tuple[str, ...] = (PARTNER,),
) -> RecordActivity:
    return RecordActivity(
        **promise_meta(actor),  # type: ignore[arg-type]
        record_id=record_id,
        commitment_id=commitment_id,
        occurred_on=DAY,
        performed_by=performed_by,
        summary="Fryshusets kvällsvandring i centrum",
        also_counts_for=links,
    )


def test_a_partner_records_an_activity_on_the_commitment_that_names_it() -> None:
    (event,) = when(PROMISE, IN_FORCE, record(), CONTEXT)
    assert isinstance(event, ActivityPerformed)
    assert (event.commitment_id, event.performed_by) == ("c2", (PARTNER,))
    # …and voids it again.
    given = (*IN_FORCE, event)
    void = VoidActivityRecord(**promise_meta(PARTNER_EDITOR), record_id="f1", reason="fel dag")
    assert when(PROMISE, given, void, CONTEXT) == [
        ActivityRecordVoided(record_id="f1", reason="fel dag")
    ]


ON_C1 = ActivityPerformed(
    record_id="j1",
    commitment_id="c1",
    revision_no=1,
    occurred_on=DAY,
    place_ids=(),
    performed_by=(LPO, PARTNER),
    quantity=1,
    summary="Gemensam närvaro",
    reported_by="p",
)


def correct_links(links: tuple[str, ...]) -> CorrectActivityRecord:
    return CorrectActivityRecord(
        **promise_meta(PARTNER_EDITOR),
        record_id="f1",
        occurred_on=DAY,
        performed_by=(PARTNER,),
        summary="x",
        reason="y",
        also_counts_for=links,
    )


PARTNER_REFUSALS = [
    pytest.param(
        IN_FORCE,
        record(commitment_id="c1"),
        Forbidden,
        "not_a_partner",
        ("commitment_id",),
        id="a partner does not record on a commitment that does not name it",
    ),
    pytest.param(
        IN_FORCE,
        record(links=("c1",)),
        Forbidden,
        "not_a_partner",
        ("also_counts_for", "0"),
        id="a partner's record does not count towards a commitment that does not name it",
    ),
    pytest.param(
        (*IN_FORCE, ON_C1),
        VoidActivityRecord(**promise_meta(PARTNER_EDITOR), record_id="j1", reason="x"),
        Forbidden,
        "not_a_partner",
        ("record_id",),
        id="a partner does not void a record of a commitment that does not name it",
    ),
    pytest.param(
        (*IN_FORCE, *when(PROMISE, IN_FORCE, record(), CONTEXT)),
        correct_links(("c1",)),
        Forbidden,
        "not_a_partner",
        ("also_counts_for", "0"),
        id="a partner's correction does not link a commitment that does not name it",
    ),
    pytest.param(
        IN_FORCE,
        record(principal(PARTNER, "signatory")),
        Forbidden,
        "missing_role",
        (),
        id="a partner records through its editors",
    ),
    pytest.param(
        IN_FORCE,
        record(performed_by=(LPO,)),
        Forbidden,
        "not_performer",
        (),
        id="a partner reports only activities it took part in",
    ),
    pytest.param(
        PROPOSED,
        record(),
        NotFound,
        "promise_not_found",
        (),
        id="before the promise is in force nothing invites the partner: it is not found",
    ),
]


@pytest.mark.parametrize(("given", "command", "kind", "code", "path"), PARTNER_REFUSALS)
def test_partners_refuse(
    given: tuple[Event, ...],
    command: Command,
    kind: type[Refusal],
    code: str,
    path: tuple[str, ...],
) -> None:
    refusal = then_refused(PROMISE, given, command, CONTEXT, kind, code)
    assert tuple(refusal.field_path) == path


def test_an_organisation_named_on_no_commitment_is_refused_as_any_outsider() -> None:
    stranger = principal("org-stranger", "editor")
    command = dataclasses.replace(record(), actor=stranger, performed_by=("org-stranger",))
    then_refused(PROMISE, IN_FORCE, command, CONTEXT, NotFound, "promise_not_found")


def test_a_party_editor_still_records_on_any_commitment() -> None:
    (event,) = when(PROMISE, IN_FORCE, record(LPO_EDITOR, "c1", performed_by=(LPO,)), CONTEXT)
    assert isinstance(event, ActivityPerformed) and event.commitment_id == "c1"
