"""Facts recorded after they happened: paper signatures, publications, periods and expiry."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from events.directory.decider import DIRECTORY, SetPublicContact
from events.directory.events import PublicContact, PublicContactSet
from events.messages import Forbidden, InvalidInput, RuleViolated
from events.promise.commands import (
    DraftPromise,
    ExpirePromise,
    ProposePromise,
    PublishPromise,
    RecordPromisePublication,
    RecordPromiseSignature,
    RevisePromiseDetails,
    SignPromise,
)
from events.promise.content import Period, PromiseDetails, content_hash
from events.promise.decider import PROMISE
from events.promise.events import (
    PromiseEnteredIntoForce,
    PromiseExpired,
    PromisePublished,
    PromiseSignatureRecorded,
    PromiseSigned,
)
from events.promise.state import EXPIRED, IN_FORCE
from events.recorded import Evidence, label_dates
from tests.unit.decider_world import (
    AT,
    CONTEXT,
    DIRECTORY_HISTORY,
    DRAFTED,
    HASH1,
    KOMMUN,
    KOMMUN_EDITOR,
    KOMMUN_PUBLISHER,
    KOMMUN_SIGNED,
    LPO,
    LPO_EDITOR,
    OTHER_KOMMUN,
    PARTIALLY_SIGNED,
    PARTIES,
    PROMISE_ID,
    PROPOSED,
    SERVICE,
    TODAY,
    VALID_FROM,
    meta,
    principal,
    promise_meta,
)
from tests.unit.given_when_then import then_refused, when

SOURCE = Evidence(description="Kommunens nyhet", document_sha256="a" * 64)
PAPER_DAY = dt.date(2026, 2, 12)
TOMORROW = TODAY + dt.timedelta(days=1)
PHOTO_ONLY = Evidence(description="ett foto")


def _record(party: str = LPO, **fields: object) -> RecordPromiseSignature:
    values: dict[str, object] = {
        "revision_no": 1,
        "content_hash": HASH1,
        "party_id": party,
        "signatory_name": "Håkan Boberg",
        "signatory_title": "lokalpolisområdeschef",
        "signed_on": PAPER_DAY,
        "evidence": SOURCE,
    }
    values.update(fields)
    return RecordPromiseSignature(**promise_meta(KOMMUN_EDITOR), **values)  # type: ignore[arg-type]


def test_a_paper_signature_is_recorded_as_its_own_event_never_as_a_live_signature() -> None:
    events = when(PROMISE, PARTIALLY_SIGNED, _record(), CONTEXT)
    recorded = events[0]
    assert isinstance(recorded, PromiseSignatureRecorded)
    assert not any(isinstance(e, PromiseSigned) for e in events)
    assert recorded.signatory_name == "Håkan Boberg"
    assert recorded.evidence == SOURCE
    assert recorded.recorded_by == KOMMUN_EDITOR.subject
    state = PROMISE.fold((*PARTIALLY_SIGNED, *events))
    assert state.status == IN_FORCE
    assert state.in_force is not None
    marks = {s.party_id: s.recorded_from_document for s in state.in_force.signatures}
    assert marks == {KOMMUN: False, LPO: True}
    paper = next(s for s in state.in_force.signatures if s.party_id == LPO)
    assert paper.person_id is None and paper.signed_on == PAPER_DAY


def test_any_editor_of_a_party_records_a_signature_without_a_mandate() -> None:
    events = when(PROMISE, PROPOSED, _record(party=KOMMUN, signed_on=None), CONTEXT)
    assert [type(e) for e in events] == [PromiseSignatureRecorded]
    recorded = events[0]
    assert isinstance(recorded, PromiseSignatureRecorded) and recorded.signed_on is None


@pytest.mark.parametrize(
    ("command", "kind", "code", "field"),
    [
        (
            _record(signed_on=TODAY + dt.timedelta(days=1)),
            InvalidInput,
            "date_in_future",
            "signed_on",
        ),
        (_record(party=OTHER_KOMMUN), InvalidInput, "unknown_party", "party_id"),
        (
            _record(evidence=Evidence(document_sha256="ABC")),
            InvalidInput,
            "invalid_sha256",
            "evidence",
        ),
        (
            _record(evidence=Evidence(description="ett foto")),
            InvalidInput,
            "evidence_missing",
            "evidence",
        ),
        (_record(evidence=Evidence(url="ftp://x")), InvalidInput, "invalid_url", "evidence"),
        (_record(content_hash="sha256:other"), RuleViolated, "stale_revision", None),
    ],
)
def test_a_bad_recorded_signature_is_refused_naming_its_field(
    command: RecordPromiseSignature, kind: type, code: str, field: str | None
) -> None:
    refusal = then_refused(PROMISE, PARTIALLY_SIGNED, command, CONTEXT, kind, code)
    if field is not None:
        assert refusal.field_path[0] == field


def test_a_viewer_cannot_record_a_signature() -> None:
    command = replace(_record(), actor=principal(KOMMUN, "viewer"))
    then_refused(PROMISE, PARTIALLY_SIGNED, command, CONTEXT, Forbidden, "missing_role")


def test_a_promise_for_2018_signed_in_2026_enters_force_for_its_period_and_expires() -> None:
    drafted = DRAFTED
    revised = when(
        PROMISE,
        drafted,
        RevisePromiseDetails(
            **promise_meta(KOMMUN_EDITOR),
            details=PromiseDetails(title="Tryggt", period=Period(label="2018")),
        ),
        CONTEXT,
    )
    history = (*drafted, *revised)
    working = PROMISE.fold(history).working
    assert working is not None
    digest = content_hash(working.content)
    proposed = (
        *history,
        *when(PROMISE, history, ProposePromise(**promise_meta(KOMMUN_EDITOR)), CONTEXT),
        _recorded(KOMMUN, digest),
    )
    events = when(PROMISE, proposed, _record(content_hash=digest, signed_on=None), CONTEXT)
    assert events[1:] == [
        PromiseEnteredIntoForce(revision_no=1, content_hash=digest, valid_from=dt.date(2018, 1, 1)),
        PromiseExpired(expired_on=dt.date(2019, 1, 1), recorded_on=TODAY),
    ]
    state = PROMISE.fold((*proposed, *events))
    assert state.status == EXPIRED
    revision = state.in_force_on(dt.date(2018, 6, 1))
    assert revision is not None and revision.content_hash == digest
    assert state.in_force_on(dt.date(2019, 1, 1)) is None
    assert state.in_force_on(dt.date(2017, 12, 31)) is None


def _recorded(party: str, digest: str) -> PromiseSignatureRecorded:
    return PromiseSignatureRecorded(
        revision_no=1,
        content_hash=digest,
        party_id=party,
        signatory_name=None,
        signatory_title=None,
        signed_on=None,
        evidence=SOURCE,
        recorded_by="editor",
    )


@pytest.mark.parametrize(
    ("label", "dates"),
    [
        ("2018", (dt.date(2018, 1, 1), dt.date(2018, 12, 31))),
        ("2023–2024", (dt.date(2023, 1, 1), dt.date(2024, 12, 31))),
        ("2023-2024", (dt.date(2023, 1, 1), dt.date(2024, 12, 31))),
        ("hösten 2018", None),
        ("2024–2023", None),
    ],
)
def test_a_period_label_names_dates_only_when_unambiguous(
    label: str, dates: tuple[dt.date, dt.date] | None
) -> None:
    assert label_dates(label) == dates


def test_a_label_only_period_is_drafted_with_its_dates_and_explicit_dates_win() -> None:
    def drafted(period: Period) -> Period:
        command = DraftPromise(
            **promise_meta(KOMMUN_EDITOR),
            parties=PARTIES,
            details=PromiseDetails(title="Tryggt", period=period),
        )
        event = when(PROMISE, (), command, CONTEXT)[0]
        return event.details.period  # type: ignore[attr-defined, no-any-return]

    assert drafted(Period(label="2023–2024")) == Period(
        label="2023–2024", valid_from=dt.date(2023, 1, 1), valid_to=dt.date(2024, 12, 31)
    )
    explicit = Period(label="2018", valid_from=dt.date(2018, 3, 1))
    assert drafted(explicit) == explicit


def test_an_unresolvable_label_without_dates_is_refused_naming_the_label() -> None:
    command = DraftPromise(
        **promise_meta(KOMMUN_EDITOR),
        parties=PARTIES,
        details=PromiseDetails(title="Tryggt", period=Period(label="nästa år")),
    )
    refusal = then_refused(PROMISE, (), command, CONTEXT, InvalidInput, "period_unresolvable")
    assert refusal.field_path == ("details", "period", "label")


IN_FORCE_SIGNED = (
    *PARTIALLY_SIGNED,
    PromiseSignatureRecorded(
        revision_no=1,
        content_hash=HASH1,
        party_id=LPO,
        signatory_name="Håkan Boberg",
        signatory_title=None,
        signed_on=PAPER_DAY,
        evidence=SOURCE,
        recorded_by="editor",
    ),
    PromiseEnteredIntoForce(revision_no=1, content_hash=HASH1, valid_from=VALID_FROM),
)


def test_a_publication_is_recorded_with_its_date_and_evidence() -> None:
    command = RecordPromisePublication(
        **promise_meta(LPO_EDITOR),
        channel="polisen.se",
        url="https://polisen.se/x",
        published_on=TODAY,
        evidence=SOURCE,
    )
    events = when(PROMISE, IN_FORCE_SIGNED, command, CONTEXT)
    assert events == [
        PromisePublished(
            revision_no=1,
            channel="polisen.se",
            url="https://polisen.se/x",
            published_on=TODAY,
            recorded_from_document=True,
            evidence=SOURCE,
        )
    ]
    publication = PROMISE.fold((*IN_FORCE_SIGNED, *events)).publications[0]
    assert publication.recorded_from_document and publication.evidence == SOURCE


def test_a_publication_dated_before_the_last_signature_is_refused_naming_the_date() -> None:
    command = PublishPromise(
        **promise_meta(KOMMUN_PUBLISHER),
        channel="kommunens webbplats",
        published_on=PAPER_DAY - dt.timedelta(days=1),
    )
    refusal = then_refused(
        PROMISE, IN_FORCE_SIGNED, command, CONTEXT, RuleViolated, "published_before_signing"
    )
    assert refusal.field_path == ("published_on",)


def test_a_publication_cannot_be_dated_in_the_future() -> None:
    command = RecordPromisePublication(
        **promise_meta(LPO_EDITOR),
        channel="polisen.se",
        published_on=TODAY + dt.timedelta(days=2),
        evidence=SOURCE,
    )
    then_refused(PROMISE, IN_FORCE_SIGNED, command, CONTEXT, InvalidInput, "date_in_future")


def test_a_publication_before_every_party_signed_is_refused() -> None:
    command = PublishPromise(**promise_meta(KOMMUN_PUBLISHER), channel="webb")
    then_refused(PROMISE, PARTIALLY_SIGNED, command, CONTEXT, RuleViolated, "wrong_status")


def test_the_platform_expiry_job_expires_a_promise_it_is_no_party_of() -> None:
    after = dt.datetime(2027, 1, 3, 3, 0, tzinfo=dt.UTC)
    command = ExpirePromise(command_id="x", actor=SERVICE, at=after, promise_id=PROMISE_ID)
    assert when(PROMISE, IN_FORCE_SIGNED, command, CONTEXT) == [
        PromiseExpired(expired_on=dt.date(2027, 1, 1), recorded_on=after.date())
    ]


def test_a_live_signature_still_needs_the_mandate() -> None:
    command = SignPromise(
        **promise_meta(principal(LPO, "signatory", person="person-nobody")),
        revision_no=1,
        content_hash=HASH1,
        party_id=LPO,
    )
    then_refused(PROMISE, PARTIALLY_SIGNED, command, CONTEXT, Forbidden, "no_signing_mandate")


def test_an_org_admin_sets_the_public_contact_points_of_its_own_organisation_only() -> None:
    contact = PublicContact(phone="0961-140 00", email="kommun@example.se")
    admin = principal(KOMMUN, "org_admin")
    command = SetPublicContact(**meta(admin), org_id=KOMMUN, contact=contact)
    events = DIRECTORY.decide(command, DIRECTORY.fold(DIRECTORY_HISTORY), CONTEXT)
    assert events == [PublicContactSet(org_id=KOMMUN, contact=contact)]
    folded = DIRECTORY.fold((*DIRECTORY_HISTORY, *events)).organisation(KOMMUN)
    assert folded is not None and folded.public_contact == contact
    other = SetPublicContact(**meta(admin), org_id=LPO, contact=contact)
    then_refused(DIRECTORY, DIRECTORY_HISTORY, other, CONTEXT, Forbidden, "not_own_organisation")


def test_the_recorded_signature_of_a_signed_party_is_refused() -> None:
    assert KOMMUN_SIGNED.party_id == KOMMUN
    then_refused(
        PROMISE, PARTIALLY_SIGNED, _record(party=KOMMUN), CONTEXT, RuleViolated, "already_signed"
    )


def test_at_is_the_recorded_time_and_stays_apart_from_the_business_date() -> None:
    events = when(PROMISE, PARTIALLY_SIGNED, _record(), CONTEXT)
    recorded = events[0]
    assert isinstance(recorded, PromiseSignatureRecorded)
    assert recorded.signed_on == PAPER_DAY != AT.date()


def test_a_follow_up_published_earlier_keeps_its_day_and_a_future_day_is_refused() -> None:
    from events.promise.commands import PublishFollowUp
    from events.promise.events import (
        CommitmentAssessed,
        FollowUpApproved,
        FollowUpPublished,
        FollowUpReportDrafted,
    )

    approved = (
        *IN_FORCE_SIGNED,
        FollowUpReportDrafted(
            report_id="u1", kind="interim", covers_from=VALID_FROM, covers_to=TODAY
        ),
        CommitmentAssessed(report_id="u1", commitment_id="c1", status="no_target"),
        CommitmentAssessed(report_id="u1", commitment_id="c2", status="partly", achieved=3),
        FollowUpApproved(report_id="u1", party_id=KOMMUN, person_id="p1", approved_on=TODAY),
        FollowUpApproved(report_id="u1", party_id=LPO, person_id="p2", approved_on=TODAY),
    )
    day = TODAY - dt.timedelta(days=3)
    command = PublishFollowUp(
        **promise_meta(KOMMUN_PUBLISHER),
        report_id="u1",
        channel="Bladet",
        published_on=day,
    )
    events = when(PROMISE, approved, command, CONTEXT)
    assert events == [
        FollowUpPublished(report_id="u1", channel="Bladet", published_on=day, url=None)
    ]
    report = PROMISE.fold((*approved, *events)).follow_up("u1")
    assert report is not None and (report.published_on, report.channel) == (
        day,
        "Bladet",
    )
    future = replace(command, published_on=TOMORROW)
    then_refused(PROMISE, approved, future, CONTEXT, InvalidInput, "date_in_future")
