"""Activity records (genomförda insatser): recorded, corrected and voided against a promise.

Records attach only to commitments of the revision in force. After the period ends (Expired) a
grace window still admits late reports of activities done within the period: GRACE_DAYS after
the period, or after the expiry was recorded when the promise was entered after its period.

Besides the parties' editors, an editor of a partner organisation records, corrects and voids
activities of the commitments that name it as a partner (`Commitment.partner_ids`: the parties
invite it there, in the content they sign), and of no other commitment.
"""

from __future__ import annotations

import datetime as dt

from events.context import DecisionContext
from events.directory.authority import require_any_role, require_party_member
from events.messages import (
    Command,
    Event,
    FieldPath,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleViolated,
    Term,
    unknown_command,
)
from events.promise.commands import CorrectActivityRecord, RecordActivity, VoidActivityRecord
from events.promise.content import Period, RevisionContent
from events.promise.events import ActivityPerformed, ActivityRecordCorrected, ActivityRecordVoided
from events.promise.revision import Revision
from events.promise.state import EXPIRED, IN_FORCE, NONE, PromiseState
from events.well_formed import require_id, require_not_after, require_text, require_unique

GRACE_DAYS = 90
RECORDERS = frozenset({"editor"})


def _open_revision(state: PromiseState, today: dt.date) -> Revision:
    """The in-force revision, when activities may still be reported against it."""
    if state.status == NONE:
        raise NotFound(code="promise_not_found", message="No such promise has been drafted.")
    revision = state.in_force
    if revision is None or state.status not in (IN_FORCE, EXPIRED):
        raise RuleViolated(
            code="not_in_force",
            message="Activities are recorded only on a promise in force, not {status}.",
            params={"status": Term("promise_status", state.status)},
        )
    valid_to = revision.content.details.period.valid_to
    # A promise entered after its period ended (its history being recorded) keeps the window
    # from the day its expiry was recorded, so its activities can be entered from documents.
    window_from = valid_to
    if valid_to is not None and state.expiry_recorded_on is not None:
        window_from = max(valid_to, state.expiry_recorded_on)
    if state.status == EXPIRED and (
        window_from is None or today > window_from + dt.timedelta(days=GRACE_DAYS)
    ):
        raise RuleViolated(
            code="grace_window_passed",
            message="Late reports are accepted up to {days} days after the period ended.",
            params={"days": GRACE_DAYS},
        )
    return revision


def require_in_period(period: Period, day: dt.date, field_path: FieldPath) -> None:
    """A day within the promise's period (as far as its bounds are known)."""
    if not period.contains(day):
        raise RuleViolated(
            code="outside_period",
            message="{day} is outside the promise period {start}–{end}.",
            params={"day": day, "start": period.valid_from or "…", "end": period.valid_to or "…"},
            field_path=field_path,
        )


def require_places(content: RevisionContent, place_ids: tuple[str, ...]) -> None:
    """Places named once each, every one a place of the promise."""
    require_unique(place_ids, "place_ids")
    for place_id in place_ids:
        if content.place(place_id) is None:
            raise NotFound(
                code="place_not_found",
                message="No place {place} in the promise.",
                params={"place": place_id},
            )


def _check_content(
    command: RecordActivity | CorrectActivityRecord,
    commitment_id: str,
    revision: Revision,
    context: DecisionContext,
) -> None:
    actor = command.actor
    content = revision.content
    if content.commitment(commitment_id) is None:
        raise RuleViolated(
            code="commitment_not_in_force",
            message="{commitment} is not a commitment of revision {revision}.",
            params={"commitment": commitment_id, "revision": revision.revision_no},
        )
    require_in_period(content.details.period, command.occurred_on, ("occurred_on",))
    require_not_after(command.occurred_on, command.day, "occurred_on")
    require_text(command.summary, "summary")
    if command.quantity < 1:
        raise InvalidInput(
            code="quantity_not_positive",
            message="Quantity must be at least 1.",
            field_path=("quantity",),
        )
    require_places(content, command.place_ids)
    require_unique(command.performed_by, "performed_by")
    for org_id in command.performed_by:
        if context.directory.kind_of(org_id) is None:
            raise NotFound(
                code="organisation_not_found",
                message="No organisation {organisation}.",
                params={"organisation": org_id},
            )
    if actor.organisation_id not in command.performed_by:
        raise Forbidden(
            code="not_performer",
            message="You may report only activities your own organisation took part in.",
        )


def _named(
    commitment_id: str, links: tuple[str, ...], own_field: str = "commitment_id"
) -> tuple[tuple[str, FieldPath], ...]:
    """The commitments a record counts for, each with the field that names it."""
    return (
        (commitment_id, (own_field,)),
        *((link, ("also_counts_for", str(i))) for i, link in enumerate(links)),
    )


def _check_links(links: tuple[str, ...], commitment_id: str, revision: Revision) -> None:
    """The further commitments a record counts towards: distinct commitments of the revision
    in force, none of them the record's own."""
    require_unique(links, "also_counts_for")
    for index, linked in enumerate(links):
        path = ("also_counts_for", str(index))
        if linked == commitment_id:
            raise InvalidInput(
                code="counted_twice",
                message="{commitment} is the record's own commitment; it counts there once.",
                params={"commitment": linked},
                field_path=path,
            )
        if revision.content.commitment(linked) is None:
            raise RuleViolated(
                code="commitment_not_in_force",
                message="{commitment} is not a commitment of revision {revision}.",
                params={"commitment": linked, "revision": revision.revision_no},
                field_path=path,
            )


def partnered(state: PromiseState, org_id: str) -> frozenset[str]:
    """The commitments of the revision in force that name `org_id` as a partner."""
    revision = state.in_force
    if revision is None:
        return frozenset()
    return frozenset(
        c.commitment_id for c in revision.content.commitments if org_id in c.partner_ids
    )


def _require_partner_of(
    command: Command, state: PromiseState, commitments: tuple[tuple[str, FieldPath], ...]
) -> None:
    """A partner (not a party) acts only on the commitments that name it as a partner."""
    actor = command.actor
    if actor.organisation_id in state.parties:
        return
    mine = partnered(state, actor.organisation_id)
    for commitment_id, path in commitments:
        if commitment_id not in mine:
            raise Forbidden(
                code="not_a_partner",
                message="{organisation} is a partner on other commitments, not on {commitment}.",
                params={"organisation": actor.organisation_id, "commitment": commitment_id},
                field_path=path,
            )


def _require_role(command: Command, state: PromiseState, action: str) -> None:
    """An editor of a party, or of a partner some commitment in force names."""
    actor = command.actor
    if actor.organisation_id in state.parties or not partnered(state, actor.organisation_id):
        require_party_member(actor, state.parties, RECORDERS, action)
    else:
        require_any_role(actor, RECORDERS, action)


def require_recorder(
    command: Command, state: PromiseState, commitments: tuple[str, ...], action: str
) -> None:
    """An editor of a party, or of a partner named on every one of `commitments` (which the
    command names in its `commitment_ids`)."""
    _require_role(command, state, action)
    named = tuple((c, ("commitment_ids", str(i))) for i, c in enumerate(commitments))
    _require_partner_of(command, state, named)


def decide_activity(command: Command, state: PromiseState, context: DecisionContext) -> list[Event]:
    """Decide RecordActivity, CorrectActivityRecord or VoidActivityRecord."""
    _require_role(command, state, "record activities")
    revision = _open_revision(state, command.day)
    match command:
        case RecordActivity():
            require_id(command.record_id, "record_id")
            if state.activity(command.record_id) is not None:
                raise RuleViolated(
                    code="record_exists",
                    message="The activity record {record} already exists.",
                    params={"record": command.record_id},
                )
            _check_content(command, command.commitment_id, revision, context)
            _check_links(command.also_counts_for, command.commitment_id, revision)
            _require_partner_of(
                command, state, _named(command.commitment_id, command.also_counts_for)
            )
            return [
                ActivityPerformed(
                    record_id=command.record_id,
                    commitment_id=command.commitment_id,
                    revision_no=revision.revision_no,
                    occurred_on=command.occurred_on,
                    place_ids=command.place_ids,
                    performed_by=command.performed_by,
                    quantity=command.quantity,
                    summary=command.summary,
                    reported_by=command.actor.person_id or command.actor.subject,
                    also_counts_for=command.also_counts_for,
                )
            ]
        case CorrectActivityRecord() | VoidActivityRecord():
            record = state.activity(command.record_id)
            if record is None:
                raise NotFound(
                    code="record_not_found",
                    message="No activity record {record}.",
                    params={"record": command.record_id},
                )
            if record.voided:
                raise RuleViolated(code="record_voided", message="The record is already voided.")
            require_text(command.reason, "reason")
            if command.actor.organisation_id not in record.performed_by:
                raise Forbidden(
                    code="not_performer",
                    message="Only an organisation that performed the activity may change it.",
                )
            _require_partner_of(
                command, state, _named(record.commitment_id, record.also_counts_for, "record_id")
            )
            if isinstance(command, VoidActivityRecord):
                return [ActivityRecordVoided(record_id=record.record_id, reason=command.reason)]
            _check_content(command, record.commitment_id, revision, context)
            if command.also_counts_for is not None:
                _check_links(command.also_counts_for, record.commitment_id, revision)
                _require_partner_of(command, state, _named("", command.also_counts_for)[1:])
            return [
                ActivityRecordCorrected(
                    record_id=record.record_id,
                    occurred_on=command.occurred_on,
                    place_ids=command.place_ids,
                    performed_by=command.performed_by,
                    quantity=command.quantity,
                    summary=command.summary,
                    reason=command.reason,
                    also_counts_for=command.also_counts_for,
                )
            ]
    raise unknown_command(command)
