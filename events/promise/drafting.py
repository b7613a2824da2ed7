"""Decisions that edit a promise's working revision: header, inputs, areas, places, commitments.

An edit of a proposed revision first voids its signatures and reopens it as revision n+1 (rule 3
of domain.md §3); voiding signatures needs the editor's acknowledgement (VOID_SIGNATURES).
"""

from __future__ import annotations

from events.consequences import require_acknowledged, signatures_voided
from events.context import DecisionContext
from events.directory.authority import require_party_member
from events.directory.state import MUNICIPALITY, PARTNER, POLICE_AREA
from events.frozen import replace
from events.messages import (
    Command,
    Event,
    FieldPath,
    InvalidInput,
    NotFound,
    Principal,
    RuleViolated,
    Term,
    unknown_command,
)
from events.promise.commands import (
    AddCommitment,
    AddFocusArea,
    DraftPromise,
    LinkSharedPlace,
    RecordPromiseInput,
    RegisterPlace,
    RemoveCommitment,
    RemoveFocusArea,
    RemovePlace,
    RemovePromiseInput,
    ReviseCommitment,
    RevisePromiseDetails,
)
from events.promise.content import (
    AGREEMENT_STREAM_PREFIX,
    SHARED_PLACE_STREAM_PREFIX,
    Commitment,
    PromiseDetails,
    RevisionContent,
)
from events.promise.events import (
    CommitmentAdded,
    CommitmentRemoved,
    CommitmentRevised,
    FocusAreaAdded,
    FocusAreaRemoved,
    PlaceRegistered,
    PlaceRemoved,
    PromiseDetailsRevised,
    PromiseDrafted,
    PromiseInputRecorded,
    PromiseInputRemoved,
    PromiseReopened,
    PromiseSignaturesVoided,
    SharedPlaceLinked,
)
from events.promise.revision import COLLECTING, Revision
from events.promise.state import (
    IN_FORCE,
    NONE,
    SIGNED,
    PromiseState,
)
from events.recorded import resolved_period
from events.well_formed import (
    require_choice,
    require_id,
    require_ordered,
    require_text,
    require_unique,
)

EDITORS = frozenset({"editor", "signatory"})
PLACE_KINDS = frozenset({"centrum", "station", "district", "kommundel", "school", "road", "other"})
INPUT_KINDS = frozenset(
    {
        "citizen_dialogue",
        "employee_dialogue",
        "survey",
        "statistics",
        "incident_reports",
        "tips",
        "council",
        "meeting",
        "other",
    }
)
COMPARATORS = frozenset({">=", "=", "<="})
TARGET_PERIODS = frozenset({"period", "year", "month", "occurrence"})
_PRE_FORCE_EDITABLE = frozenset({"draft", "proposed", "partially_signed"})


def promise_not_found() -> NotFound:
    """The one refusal for a promise that does not exist or that the actor may not see."""
    return NotFound(code="promise_not_found", message="No such promise has been drafted.")


def require_promise(state: PromiseState) -> None:
    """The promise exists."""
    if state.status == NONE:
        raise promise_not_found()


def require_status(state: PromiseState, allowed: frozenset[str], action: str) -> None:
    """The promise's lifecycle status allows `action`."""
    require_promise(state)
    if state.status not in allowed:
        raise RuleViolated(
            code="wrong_status",
            message="Cannot {action} a promise that is {status}.",
            params={
                "action": Term("action", action),
                "status": Term("promise_status", state.status),
            },
        )


def editable_working(state: PromiseState) -> Revision:
    """The working revision an edit may change (before force, or an amendment after)."""
    require_promise(state)
    if state.status == SIGNED:
        raise RuleViolated(
            code="revision_signed",
            message="Every party has signed; amend it once it is in force, or withdraw it.",
        )
    if state.status == IN_FORCE and state.working is None:
        raise RuleViolated(
            code="no_amendment_open",
            message="The promise is in force; start an amendment (revision n+1) to change it.",
        )
    allowed = _PRE_FORCE_EDITABLE | {IN_FORCE}
    if state.status not in allowed or state.working is None:
        raise RuleViolated(
            code="wrong_status",
            message="Cannot {action} a promise that is {status}.",
            params={
                "action": Term("action", "edit"),
                "status": Term("promise_status", state.status),
            },
        )
    return state.working


def reopen_events(
    command: Command, working: Revision, reason: str, context: DecisionContext
) -> list[Event]:
    """Events that void a proposed revision's signatures and reopen it as revision n+1.

    Voiding undoes what signatories did, so it needs the caller's acknowledgement.
    """
    if working.stage not in COLLECTING:
        return []
    events: list[Event] = []
    if working.signatures:
        voided = working.signed_parties()
        consequences = signatures_voided(context.directory, working.revision_no, voided)
        require_acknowledged(command, consequences)
        events.append(
            PromiseSignaturesVoided(
                revision_no=working.revision_no,
                content_hash=working.content_hash or "",
                party_ids=tuple(sorted(working.signed_parties())),
                reason=reason,
            )
        )
    events.append(
        PromiseReopened(
            revision_no=working.revision_no,
            new_revision_no=working.revision_no + 1,
            reason=reason,
        )
    )
    return events


def check_details(details: PromiseDetails) -> PromiseDetails:
    """A header that is well formed; returned with its period's dates resolved from its label
    when only the label is given (events.recorded.resolved_period)."""
    require_text(details.title, ("details", "title"), max_length=300)
    period = details.period
    require_ordered(period.valid_from, period.valid_to, ("details", "period", "valid_to"))
    if period.label is not None:
        require_text(period.label, ("details", "period", "label"), max_length=50)
    if details.agreement_id is not None:
        require_id(details.agreement_id, ("details", "agreement_id"))
    for name in ("goal", "problem_picture", "expected_effect", "follow_up_plan"):
        text = getattr(details, name)
        if text is not None:
            require_text(text, ("details", name))
    return replace(details, period=resolved_period(period, ("details", "period")))


def promise_links(command: Command) -> tuple[str, ...]:
    """The other streams a command names (Decider.links): the agreement a drafted or revised
    header rests on, the shared place a registered place is."""
    if isinstance(command, DraftPromise | RevisePromiseDetails):
        agreement_id = command.details.agreement_id
        if agreement_id is not None:
            return (AGREEMENT_STREAM_PREFIX + agreement_id,)
    if isinstance(command, RegisterPlace) and command.place.shared_place_id is not None:
        return (SHARED_PLACE_STREAM_PREFIX + command.place.shared_place_id,)
    if isinstance(command, LinkSharedPlace):
        return (SHARED_PLACE_STREAM_PREFIX + command.shared_place_id,)
    return ()


def check_agreement(
    details: PromiseDetails, parties: tuple[str, ...], actor: Principal, context: DecisionContext
) -> None:
    """The agreement a promise rests on exists, the actor's organisation is party to it, and
    every municipality and police area of the promise is one of its parties."""
    if details.agreement_id is None:
        return
    agreement = context.linked.get(AGREEMENT_STREAM_PREFIX + details.agreement_id)
    if (
        agreement is None
        or agreement.status == NONE
        or actor.organisation_id not in agreement.parties
    ):
        raise NotFound(
            code="agreement_not_found",
            message="No such agreement has been drafted.",
            field_path=("details", "agreement_id"),
        )
    kinds = (MUNICIPALITY, POLICE_AREA)
    outside = [
        p for p in parties if context.directory.kind_of(p) in kinds and p not in agreement.parties
    ]
    if outside:
        raise RuleViolated(
            code="agreement_parties_differ",
            message="{organisation} is a party of the promise but not of agreement {agreement}.",
            params={"organisation": outside[0], "agreement": details.agreement_id},
            field_path=("details", "agreement_id"),
        )


def check_parties(parties: tuple[str, ...], context: DecisionContext) -> None:
    """At least one municipality, exactly one police area, otherwise only partners."""
    require_unique(parties, "parties")
    kinds = []
    for party in parties:
        kind = context.directory.kind_of(party)
        if kind is None:
            raise NotFound(
                code="organisation_not_found",
                message="No organisation {organisation}.",
                params={"organisation": party},
            )
        if kind not in (MUNICIPALITY, POLICE_AREA, PARTNER):
            raise RuleViolated(
                code="invalid_party",
                message="{organisation} is a {kind}; it cannot be a party to a promise.",
                params={"organisation": party, "kind": Term("organisation_kind", kind)},
            )
        kinds.append(kind)
    if MUNICIPALITY not in kinds:
        raise RuleViolated(
            code="no_municipality", message="At least one municipality must be a party."
        )
    if kinds.count(POLICE_AREA) != 1:
        raise RuleViolated(
            code="police_area_count", message="Exactly one police area must be a party."
        )


def check_commitment(
    commitment: Commitment, content: RevisionContent, context: DecisionContext
) -> None:
    """A commitment whose references resolve and whose target is well formed."""
    require_id(commitment.commitment_id, ("commitment", "commitment_id"))
    require_text(commitment.text, ("commitment", "text"))
    for name in ("participants", "schedule_hint"):  # signed with the rest of the commitment
        extra = getattr(commitment, name)
        if extra is not None:
            require_text(extra, ("commitment", name))
    area_ids = {f.focus_area_id for f in content.focus_areas}
    if commitment.focus_area_id is not None and commitment.focus_area_id not in area_ids:
        raise NotFound(
            code="focus_area_not_found",
            message="No focus area {focus_area}.",
            params={"focus_area": commitment.focus_area_id},
        )
    for field, ids in (
        ("responsible_ids", commitment.responsible_ids),
        ("partner_ids", commitment.partner_ids),
        ("place_ids", commitment.place_ids),
    ):
        require_unique(ids, ("commitment", field))
    for org_id in (*commitment.responsible_ids, *commitment.partner_ids):
        if context.directory.kind_of(org_id) is None:
            raise NotFound(
                code="organisation_not_found",
                message="No organisation {organisation}.",
                params={"organisation": org_id},
            )
    for place_id in commitment.place_ids:
        if content.place(place_id) is None:
            raise NotFound(
                code="place_not_found",
                message="No place {place} in the promise.",
                params={"place": place_id},
            )
    target = commitment.target
    if target is not None:
        require_choice(target.comparator, COMPARATORS, ("commitment", "target", "comparator"))
        require_choice(target.per, TARGET_PERIODS, ("commitment", "target", "per"))
        require_text(target.unit, ("commitment", "target", "unit"), max_length=50)
        if target.quantity < 0:
            raise InvalidInput(
                code="negative_target",
                message="A target quantity cannot be negative.",
                field_path=("commitment", "target", "quantity"),
            )


def decide_draft_promise(
    command: DraftPromise, state: PromiseState, context: DecisionContext
) -> list[Event]:
    """Medborgarlöfte påbörjat."""
    require_id(command.promise_id, "promise_id")
    if state.status != NONE:
        raise RuleViolated(
            code="promise_exists",
            message="The promise {promise} already exists.",
            params={"promise": command.promise_id},
        )
    require_party_member(command.actor, command.parties, EDITORS, "draft a promise")
    check_parties(command.parties, context)
    details = check_details(command.details)
    check_agreement(details, command.parties, command.actor, context)
    return [PromiseDrafted(promise_id=command.promise_id, parties=command.parties, details=details)]


def decide_edit(command: Command, state: PromiseState, context: DecisionContext) -> list[Event]:
    """Decide an edit of the working revision, reopening it first when it was proposed."""
    require_promise(state)
    require_party_member(command.actor, state.parties, EDITORS, "edit a promise")
    working = editable_working(state)
    content = working.content
    edit: Event
    match command:
        case RevisePromiseDetails():
            details = check_details(command.details)
            check_agreement(details, state.parties, command.actor, context)
            edit = PromiseDetailsRevised(details=details)
        case RecordPromiseInput():
            require_id(command.input.input_id, ("input", "input_id"))
            require_choice(command.input.kind, INPUT_KINDS, ("input", "kind"))
            require_text(command.input.summary, ("input", "summary"))
            edit = PromiseInputRecorded(input=command.input)
        case RemovePromiseInput():
            if all(i.input_id != command.input_id for i in content.inputs):
                raise NotFound(
                    code="input_not_found",
                    message="No input {input}.",
                    params={"input": command.input_id},
                )
            edit = PromiseInputRemoved(input_id=command.input_id)
        case AddFocusArea():
            area = command.focus_area
            require_id(area.focus_area_id, ("focus_area", "focus_area_id"))
            require_text(area.title, ("focus_area", "title"), max_length=300)
            if area.description is not None:
                require_text(area.description, ("focus_area", "description"))
            if any(f.focus_area_id == area.focus_area_id for f in content.focus_areas):
                raise RuleViolated(
                    code="focus_area_exists",
                    message="The focus area {focus_area} already exists.",
                    params={"focus_area": area.focus_area_id},
                )
            edit = FocusAreaAdded(focus_area=area)
        case RemoveFocusArea():
            if all(f.focus_area_id != command.focus_area_id for f in content.focus_areas):
                raise NotFound(
                    code="focus_area_not_found",
                    message="No focus area {focus_area}.",
                    params={"focus_area": command.focus_area_id},
                )
            if any(c.focus_area_id == command.focus_area_id for c in content.commitments):
                raise RuleViolated(
                    code="focus_area_in_use", message="A commitment still belongs to that area."
                )
            edit = FocusAreaRemoved(focus_area_id=command.focus_area_id)
        case RegisterPlace():
            edit = _register_place(command, content, context)
        case RemovePlace():
            if content.place(command.place_id) is None:
                raise NotFound(
                    code="place_not_found",
                    message="No place {place} in the promise.",
                    params={"place": command.place_id},
                )
            if any(command.place_id in c.place_ids for c in content.commitments):
                raise RuleViolated(
                    code="place_in_use", message="A commitment still names that place."
                )
            edit = PlaceRemoved(place_id=command.place_id)
        case AddCommitment():
            if content.commitment(command.commitment.commitment_id) is not None:
                raise RuleViolated(
                    code="commitment_exists",
                    message="The commitment {commitment} already exists.",
                    params={"commitment": command.commitment.commitment_id},
                )
            check_commitment(command.commitment, content, context)
            edit = CommitmentAdded(commitment=command.commitment)
        case ReviseCommitment():
            if content.commitment(command.commitment.commitment_id) is None:
                raise NotFound(
                    code="commitment_not_found",
                    message="No commitment {commitment}.",
                    params={"commitment": command.commitment.commitment_id},
                )
            check_commitment(command.commitment, content, context)
            edit = CommitmentRevised(commitment=command.commitment)
        case RemoveCommitment():
            if content.commitment(command.commitment_id) is None:
                raise NotFound(
                    code="commitment_not_found",
                    message="No commitment {commitment}.",
                    params={"commitment": command.commitment_id},
                )
            require_text(command.reason, "reason")
            edit = CommitmentRemoved(commitment_id=command.commitment_id, reason=command.reason)
        case _:
            raise unknown_command(command)
    return [*reopen_events(command, working, f"edited: {type(edit).__name__}", context), edit]


def _register_place(
    command: RegisterPlace, content: RevisionContent, context: DecisionContext
) -> Event:
    place = command.place
    require_id(place.place_id, ("place", "place_id"))
    require_text(place.name, ("place", "name"), max_length=200)
    require_choice(place.kind, PLACE_KINDS, ("place", "kind"))
    if content.place(place.place_id) is not None:
        raise RuleViolated(
            code="place_exists",
            message="The place {place} already exists.",
            params={"place": place.place_id},
        )
    if place.municipality_id is not None and (
        context.directory.kind_of(place.municipality_id) != MUNICIPALITY
    ):
        raise NotFound(
            code="municipality_not_found",
            message="No municipality {municipality}.",
            params={"municipality": place.municipality_id},
        )
    if place.shared_place_id is None:
        _require_party_municipality(
            place.place_id, place.municipality_id, content.parties, ("place", "municipality_id")
        )
        return PlaceRegistered(place=place)
    municipality = shared_place_municipality(
        place.shared_place_id,
        place.municipality_id,
        content.parties,
        context,
        ("place", "shared_place_id"),
    )
    return PlaceRegistered(place=replace(place, municipality_id=municipality))


def _require_party_municipality(
    place_id: str, municipality_id: str | None, parties: tuple[str, ...], path: FieldPath
) -> None:
    if municipality_id is not None and municipality_id not in parties:
        raise RuleViolated(
            code="place_of_another_municipality",
            message="{place} lies in {municipality}, which is not a party of the promise.",
            params={"place": place_id, "municipality": municipality_id},
            field_path=path,
        )


def shared_place_municipality(
    shared_place_id: str,
    municipality_id: str | None,
    parties: tuple[str, ...],
    context: DecisionContext,
    path: FieldPath,
) -> str:
    """The municipality of a shared place a promise's place is: the place exists, is not
    retired, lies in a municipality that is a party of the promise, and in `municipality_id`
    when the promise's place names one."""
    shared = context.linked.get(SHARED_PLACE_STREAM_PREFIX + shared_place_id)
    if shared is None or shared.status == "none":
        raise NotFound(
            code="place_not_found",
            message="No shared place {place}.",
            params={"place": shared_place_id},
            field_path=path,
        )
    if shared.status != "active":
        raise RuleViolated(
            code="place_retired",
            message="The place {place} is retired.",
            params={"place": shared_place_id},
            field_path=path,
        )
    municipality: str = shared.municipality_id
    if municipality_id is not None and municipality_id != municipality:
        parties = ()  # the place names another municipality than the shared place's
    _require_party_municipality(shared_place_id, municipality, parties, path)
    return municipality


def decide_link_shared_place(
    command: LinkSharedPlace, state: PromiseState, context: DecisionContext
) -> list[Event]:
    """Link a place of the working revision or the one in force to a shared place."""
    require_promise(state)
    require_party_member(command.actor, state.parties, EDITORS, "edit a promise")
    named = [
        r.content.place(command.place_id) for r in (state.working, state.in_force) if r is not None
    ]
    place = next((p for p in named if p is not None), None)
    if place is None:
        raise NotFound(
            code="place_not_found",
            message="No place {place} in the promise.",
            params={"place": command.place_id},
            field_path=("place_id",),
        )
    if state.shared_place_of(command.place_id) is not None:
        raise RuleViolated(
            code="place_already_linked",
            message="The place {place} is already linked to a shared place.",
            params={"place": command.place_id},
            field_path=("place_id",),
        )
    municipality = shared_place_municipality(
        command.shared_place_id,
        place.municipality_id,
        state.parties,
        context,
        ("shared_place_id",),
    )
    return [
        SharedPlaceLinked(
            place_id=command.place_id,
            shared_place_id=command.shared_place_id,
            municipality_id=municipality,
        )
    ]
