"""Agreements entered after the fact: recorded paper signatures, publications, periods given
as labels, and expiry; every refusal names its field and decides nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from events.agreement import (
    AGREEMENT,
    AgreementContent,
    AgreementDrafted,
    AgreementExpired,
    AgreementExtended,
    AgreementProposed,
    AgreementPublished,
    AgreementRevised,
    AgreementSignatureRecorded,
    AgreementSigned,
    DraftAgreement,
    ExpireAgreement,
    ExtendAgreement,
    PublishAgreement,
    RecordAgreementPublication,
    RecordAgreementSignature,
    ReviseAgreement,
    SignAgreement,
)
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
from events.promise.content import FocusArea, Period, content_hash
from events.recorded import Evidence
from tests.unit.decider_world import (
    CHIEF,
    CONTEXT,
    KOMMUN,
    KOMMUN_EDITOR,
    KOMMUN_PUBLISHER,
    LPO,
    LPO_EDITOR,
    LPO_SIGNER,
    OTHER_KOMMUN,
    OUTSIDER,
    PARTIES,
    SERVICE,
    TODAY,
    VIEWER,
    meta,
)
from tests.unit.given_when_then import then_refused, when

EVIDENCE = Evidence(
    description="Pressmeddelande om tecknad överenskommelse",
    url="https://example.se/nyheter/samverkan",
)
CONTENT = AgreementContent(
    parties=PARTIES,
    title="Samverkansöverenskommelse",
    period=Period(valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2027, 12, 31)),
    focus_areas=(FocusArea(focus_area_id="fa1", title="Trygghet i centrum"),),
)
PAST = replace(CONTENT, period=Period(label="2021–2023"))
PAST_RESOLVED = replace(
    CONTENT,
    period=Period(
        valid_from=dt.date(2021, 1, 1), valid_to=dt.date(2023, 12, 31), label="2021–2023"
    ),
)


def m(actor: Principal) -> dict[str, Any]:
    return {**meta(actor), "agreement_id": "a1"}


def proposed(content: AgreementContent = CONTENT) -> tuple[Event, ...]:
    return (
        AgreementDrafted(agreement_id="a1", content=content),
        AgreementProposed(revision_no=1, content_hash=content_hash(content)),
    )


def recorded(party: str, content: AgreementContent = CONTENT, **fields: Any) -> Event:
    return AgreementSignatureRecorded(
        revision_no=1,
        content_hash=content_hash(content),
        party_id=party,
        signatory_name=fields.get("signatory_name", "Anna Andersson"),
        signatory_title=fields.get("signatory_title", "kommunstyrelsens ordförande"),
        signed_on=fields.get("signed_on", dt.date(2026, 2, 1)),
        evidence=EVIDENCE,
        recorded_by=KOMMUN_EDITOR.subject,
    )


def live(party: str = LPO, person: str = CHIEF, content: AgreementContent = CONTENT) -> Event:
    return AgreementSigned(
        revision_no=1,
        content_hash=content_hash(content),
        party_id=party,
        person_id=person,
        signed_on=TODAY,
    )


PROPOSED = proposed()
HALF = (*PROPOSED, recorded(KOMMUN))
SIGNED = (*HALF, live())


def record(
    actor: Principal = KOMMUN_EDITOR, content: AgreementContent = CONTENT, **fields: Any
) -> RecordAgreementSignature:
    given: dict[str, Any] = {
        "revision_no": 1,
        "content_hash": content_hash(content),
        "party_id": KOMMUN,
        "evidence": EVIDENCE,
        "signatory_name": "Anna Andersson",
        "signatory_title": "kommunstyrelsens ordförande",
        "signed_on": dt.date(2026, 2, 1),
    }
    return RecordAgreementSignature(**m(actor), **{**given, **fields})


def test_an_editor_records_a_paper_signature_as_the_document_states_it() -> None:
    assert when(AGREEMENT, PROPOSED, record(), CONTEXT) == [recorded(KOMMUN)]
    state = AGREEMENT.fold(HALF)
    assert state.status == "partially_signed"
    (signature,) = state.signatures
    assert signature.recorded_from_document and signature.evidence == EVIDENCE
    assert signature.person_id is None and signature.recorded_by == KOMMUN_EDITOR.subject
    assert (signature.signatory_name, signature.signatory_title, signature.signed_on) == (
        "Anna Andersson",
        "kommunstyrelsens ordförande",
        dt.date(2026, 2, 1),
    )


def test_a_document_that_names_nobody_and_no_date_is_recorded_with_both_unknown() -> None:
    command = record(signatory_name=None, signatory_title=None, signed_on=None)
    (event,) = when(AGREEMENT, PROPOSED, command, CONTEXT)
    assert isinstance(event, AgreementSignatureRecorded)
    assert (event.signatory_name, event.signatory_title, event.signed_on) == (None, None, None)


def test_a_recorded_and_a_live_signature_together_make_the_agreement_signed() -> None:
    sign = SignAgreement(
        **m(LPO_SIGNER), revision_no=1, content_hash=content_hash(CONTENT), party_id=LPO
    )
    assert when(AGREEMENT, HALF, sign, CONTEXT) == [live()]
    state = AGREEMENT.fold(SIGNED)
    assert state.status == "signed"
    assert [(s.party_id, s.recorded_from_document) for s in state.signatures] == [
        (KOMMUN, True),
        (LPO, False),
    ]


def test_a_label_only_period_resolves_to_its_dates_when_drafted_and_revised() -> None:
    draft = DraftAgreement(**m(KOMMUN_EDITOR), content=PAST)
    assert when(AGREEMENT, (), draft, CONTEXT) == [
        AgreementDrafted(agreement_id="a1", content=PAST_RESOLVED)
    ]
    revise = ReviseAgreement(**m(KOMMUN_EDITOR), content=replace(PAST, title="Ny titel"))
    drafted = (AgreementDrafted(agreement_id="a1", content=CONTENT),)
    assert when(AGREEMENT, drafted, revise, CONTEXT) == [
        AgreementRevised(content=replace(PAST_RESOLVED, title="Ny titel"))
    ]


def test_dates_given_beside_a_label_are_kept_as_given() -> None:
    content = replace(CONTENT, period=replace(CONTENT.period, label="2026–2027"))
    (event,) = when(AGREEMENT, (), DraftAgreement(**m(KOMMUN_EDITOR), content=content), CONTEXT)
    assert isinstance(event, AgreementDrafted) and event.content == content


def test_an_agreement_signed_by_every_party_after_its_period_is_recorded_as_expired() -> None:
    given = (
        *proposed(PAST_RESOLVED),
        recorded(KOMMUN, PAST_RESOLVED, signed_on=dt.date(2021, 12, 16)),
    )
    command = record(LPO_EDITOR, PAST_RESOLVED, party_id=LPO, signed_on=dt.date(2021, 12, 16))
    events = when(AGREEMENT, given, command, CONTEXT)
    assert events[1:] == [AgreementExpired(expired_on=dt.date(2024, 1, 1))]
    state = AGREEMENT.fold((*given, *events))
    assert state.status == "expired" and state.expired_on == dt.date(2024, 1, 1)


def test_a_publisher_publishes_the_signed_agreement_dated_today_by_default() -> None:
    command = PublishAgreement(**m(KOMMUN_PUBLISHER), channel="kommunens webbplats")
    assert when(AGREEMENT, SIGNED, command, CONTEXT) == [
        AgreementPublished(revision_no=1, channel="kommunens webbplats", published_on=TODAY)
    ]


def test_an_editor_records_a_publication_from_its_evidence() -> None:
    command = RecordAgreementPublication(
        **m(KOMMUN_EDITOR),
        channel="polisen.se",
        url="https://polisen.se/x",
        evidence=EVIDENCE,
        published_on=TODAY,
    )
    events = when(AGREEMENT, SIGNED, command, CONTEXT)
    assert events == [
        AgreementPublished(
            revision_no=1,
            channel="polisen.se",
            published_on=TODAY,
            url="https://polisen.se/x",
            recorded_from_document=True,
            evidence=EVIDENCE,
        )
    ]
    (publication,) = AGREEMENT.fold((*SIGNED, *events)).publications
    assert publication.recorded_from_document and publication.evidence == EVIDENCE


def test_the_platform_expires_an_agreement_whose_period_ended_the_day_after_it() -> None:
    later = meta(SERVICE, dt.datetime(2028, 1, 5, 3, 0, tzinfo=dt.UTC))
    command = ExpireAgreement(**later, agreement_id="a1")
    assert when(AGREEMENT, SIGNED, command, CONTEXT) == [
        AgreementExpired(expired_on=dt.date(2028, 1, 1))
    ]


def test_a_party_steward_expires_an_agreement_whose_period_ended() -> None:
    later = meta(KOMMUN_EDITOR, dt.datetime(2028, 1, 5, 3, 0, tzinfo=dt.UTC))
    command = ExpireAgreement(**later, agreement_id="a1")
    assert when(AGREEMENT, SIGNED, command, CONTEXT) == [
        AgreementExpired(expired_on=dt.date(2028, 1, 1))
    ]


def test_an_extension_is_kept_with_the_end_it_replaced() -> None:
    extended = AgreementExtended(new_valid_to=dt.date(2028, 12, 31), reason="revidering")
    state = AGREEMENT.fold((*SIGNED, extended))
    (extension,) = state.extensions
    assert (extension.previous_valid_to, extension.new_valid_to) == (
        dt.date(2027, 12, 31),
        dt.date(2028, 12, 31),
    )


EXPIRED = (*SIGNED, AgreementExpired(expired_on=dt.date(2028, 1, 1)))


def _publish(published_on: dt.date | None, actor: Principal = KOMMUN_EDITOR) -> Command:
    return RecordAgreementPublication(
        **m(actor), channel="webb", evidence=EVIDENCE, published_on=published_on
    )


REFUSALS = [
    pytest.param(
        PROPOSED,
        record(signed_on=TODAY + dt.timedelta(days=1)),
        InvalidInput,
        "date_in_future",
        ("signed_on",),
        id="a recorded signature is not dated in the future",
    ),
    pytest.param(
        PROPOSED,
        record(party_id=OTHER_KOMMUN),
        InvalidInput,
        "unknown_party",
        ("party_id",),
        id="a signature is recorded only for a party",
    ),
    pytest.param(
        PROPOSED,
        record(evidence=Evidence(document_sha256="ABC123")),
        InvalidInput,
        "invalid_sha256",
        ("evidence", "document_sha256"),
        id="the evidence hash is 64 lower-case hex digits",
    ),
    pytest.param(
        PROPOSED,
        record(evidence=Evidence(description="ett papper")),
        InvalidInput,
        "evidence_missing",
        ("evidence",),
        id="a recorded signature names a source anyone can follow",
    ),
    pytest.param(
        PROPOSED,
        record(signatory_name=" "),
        InvalidInput,
        "blank_text",
        ("signatory_name",),
        id="a signatory name, when given, is text",
    ),
    pytest.param(
        PROPOSED,
        record(VIEWER),
        Forbidden,
        "missing_role",
        (),
        id="a viewer records no signature",
    ),
    pytest.param(
        PROPOSED,
        record(OUTSIDER),
        NotFound,
        "agreement_not_found",
        (),
        id="an outsider is told the agreement does not exist",
    ),
    pytest.param(
        HALF,
        record(),
        RuleViolated,
        "already_signed",
        (),
        id="a party's signature is recorded once",
    ),
    pytest.param(
        PROPOSED,
        record(content_hash="sha256:0"),
        RuleViolated,
        "stale_revision",
        (),
        id="a recorded signature names the proposed hash",
    ),
    pytest.param(
        (),
        DraftAgreement(
            **m(KOMMUN_EDITOR), content=replace(CONTENT, period=Period(label="tills vidare"))
        ),
        InvalidInput,
        "period_unresolvable",
        ("content", "period", "label"),
        id="a label that names no dates needs the dates beside it",
    ),
    pytest.param(
        HALF,
        _publish(dt.date(2026, 2, 20)),
        RuleViolated,
        "wrong_status",
        (),
        id="nothing is published before every party signed",
    ),
    pytest.param(
        SIGNED,
        _publish(dt.date(2026, 1, 31)),
        RuleViolated,
        "published_before_signing",
        ("published_on",),
        id="a publication is not dated before the last signature",
    ),
    pytest.param(
        SIGNED,
        _publish(TODAY + dt.timedelta(days=1)),
        InvalidInput,
        "date_in_future",
        ("published_on",),
        id="a publication is not dated in the future",
    ),
    pytest.param(
        SIGNED,
        RecordAgreementPublication(
            **m(KOMMUN_EDITOR), channel="webb", evidence=Evidence(document_sha256="x" * 64)
        ),
        InvalidInput,
        "invalid_sha256",
        ("evidence", "document_sha256"),
        id="a recorded publication's evidence hash is hex",
    ),
    pytest.param(
        SIGNED,
        PublishAgreement(**m(KOMMUN_EDITOR), channel="webb"),
        Forbidden,
        "missing_role",
        (),
        id="only a publisher publishes here",
    ),
    pytest.param(
        SIGNED,
        ExpireAgreement(**m(SERVICE)),
        RuleViolated,
        "period_not_over",
        (),
        id="an agreement is not expired before its period ended",
    ),
    pytest.param(
        PROPOSED,
        ExpireAgreement(**meta(SERVICE, dt.datetime(2028, 1, 5, tzinfo=dt.UTC)), agreement_id="a1"),
        RuleViolated,
        "wrong_status",
        (),
        id="only a signed agreement expires",
    ),
    pytest.param(
        SIGNED,
        ExpireAgreement(
            **meta(OUTSIDER, dt.datetime(2028, 1, 5, tzinfo=dt.UTC)), agreement_id="a1"
        ),
        NotFound,
        "agreement_not_found",
        (),
        id="an outsider cannot expire an agreement it cannot see",
    ),
    pytest.param(
        (),
        ExpireAgreement(**m(SERVICE)),
        NotFound,
        "agreement_not_found",
        (),
        id="the platform expires no agreement that was never drafted",
    ),
    pytest.param(
        EXPIRED,
        ExtendAgreement(**m(LPO_SIGNER), new_valid_to=dt.date(2029, 12, 31), reason="x"),
        RuleViolated,
        "agreement_expired",
        (),
        id="an expired agreement is not extended",
    ),
]


@pytest.mark.parametrize(("given", "command", "kind", "code", "path"), REFUSALS)
def test_the_agreement_refuses_and_decides_nothing(
    given: tuple[Event, ...],
    command: Command,
    kind: type[Refusal],
    code: str,
    path: tuple[str, ...],
) -> None:
    refusal = then_refused(AGREEMENT, given, command, CONTEXT, kind, code)
    assert refusal.field_path == path
