"""Every error code through GraphQL: its type, its `field` path, its message in Swedish and English.

One world is built once (promises in each state, an agreement, people, mandates); each case then
sends one refused command (or query) twice, without Accept-Language and with `en`, and checks
the shape. Codes that no request can reach from outside (a wiring fault, the platform operator's
registrations) are listed in `NOT_REACHABLE`; tests/unit/test_error_codes.py maps every code,
and a test here fails when a documented code is in neither list.
"""

from __future__ import annotations

import datetime as dt
import re
import string
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from schema.i18n.catalogue import translations
from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client
from tests.api.test_public_page import COVERS, DAYS, START, publish_promise
from tests.unit.test_error_codes import documented, templates

UB, LPO, JF = "org-upplands-bro", "org-lpo-jarfalla", "org-jarfalla"
REGION = "org-polisregion-stockholm"
LIVE = "err-live"  # in force since 2018, an amendment open, follow-up u1 published, u2 drafted
KSO, LPO_CHIEF = f"p-{LIVE}-kso", f"p-{LIVE}-lpo"  # signatories publish_promise registers
PERIOD_2025 = {"validFrom": "2025-01-01", "validTo": "2025-12-31", "label": "2025"}
FUTURE = {"validFrom": "2099-01-01", "validTo": "2099-12-31"}
EXPIRED_AGREEMENT = "err-agr-old"  # signed on paper for 2019–2020, entered afterwards: expired
EVIDENCE = {"description": "Underskrivet original", "registryNumber": "KS 21/0042"}

NOT_REACHABLE = {
    "unknown_command": "a command type no decider handles: a wiring fault, not a request",
    "invalid_input": "GraphQL coerces every input before a command is built",
    "organisation_exists": "registrations are the platform operator's",
    "kommunkod_taken": "registrations are the platform operator's",
    "invalid_kommunkod": "registrations are the platform operator's",
    "link_exists": "links are the platform operator's",
    "link_not_found": "links are the platform operator's",
    "link_already_ended": "links are the platform operator's",
    "not_an_extension": "needs a signed agreement (the agreement tests cover the rule)",
    "grace_window_passed": "needs an expired promise 90 days past its period",
    "final_follow_up_missing": "needs an expired or terminated promise",
    "no_amendment_open": "the in-force promise here has an amendment open",
    "text_not_normalised": "request bodies arrive in NFC: the transport normalises every string",
    "not_a_partner": "no promise here names a partner (tests/api/test_read_models.py has one)",
}

RESULT = (
    "__typename ... on NotFound { code message } ... on Forbidden { code message } "
    "... on VersionConflict { code message } ... on InvalidInput { code message field } "
    "... on RuleViolated { code message field } ... on IdempotencyKeyReused { code message } "
    "... on ConfirmationRequired { code message consequences { code message } }"
)


@dataclass(frozen=True)
class Token:
    """Who sends the request: an organisation, roles and, for signatories, a person."""

    org: str
    roles: str
    person: str | None = None


EDITOR, LPO_EDITOR = Token(UB, "editor"), Token(LPO, "editor")
ADMIN, PUBLISHER = Token(UB, "org_admin"), Token(UB, "publisher")
SIGNER, LPO_SIGNER = Token(UB, "signatory", KSO), Token(LPO, "signatory", LPO_CHIEF)


@dataclass(frozen=True)
class Case:
    """One refusal: the code, who asks, what, and the expected type and `field`."""

    code: str
    token: Token | None
    mutation: str
    input: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]
    kind: str
    field: list[str] = field(default_factory=list)
    expected_version: int | None = None
    command_id: str | None = None


def draft(promise_id: str, **details: Any) -> dict[str, Any]:
    return {
        "promiseId": promise_id,
        "parties": [UB, LPO],
        "details": {"title": "Trygg i Bro", "period": PERIOD_2025, **details},
    }


def commitment(cid: str, **extra: Any) -> dict[str, Any]:
    return {"commitmentId": cid, "text": "Gemensamma insatser", "responsibleIds": [UB], **extra}


def sign(promise_id: str, party: str, **extra: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def build(world: dict[str, Any]) -> dict[str, Any]:
        revision_no, content_hash = world[promise_id]
        return {
            "promiseId": promise_id,
            "revisionNo": revision_no,
            "contentHash": content_hash,
            "partyId": party,
            **extra,
        }

    return build


PLAN_DAYS = [(START + dt.timedelta(days=n)).isoformat() for n in (1, 2, 3)]


def planned_activity(plan_id: str, **extra: Any) -> dict[str, Any]:
    """A planned activity of the live promise's commitment c2 on its first days."""
    return {
        "promiseId": LIVE,
        "planId": plan_id,
        "commitmentIds": ["c2"],
        "title": "Gemensam insats",
        "dates": PLAN_DAYS,
        **extra,
    }


def occurrence(occurrence_id: str, **extra: Any) -> dict[str, Any]:
    """Performing (with a record id) or changing an occurrence of the live plan err-plan."""
    fields: dict[str, Any] = {
        "promiseId": LIVE,
        "planId": "err-plan",
        "occurrenceId": occurrence_id,
        **extra,
    }
    if "recordId" in extra:
        fields.update(occurredOn=PLAN_DAYS[0], performedBy=[LPO], summary="Genomförd insats")
    return fields


def planned(due_id: str, kind: str = "interim", **extra: Any) -> dict[str, Any]:
    """A follow-up of the live promise's first days (its published final follow-up u1 covers
    them: a planned final one is met by it)."""
    return {
        "promiseId": LIVE,
        "dueId": due_id,
        "kind": kind,
        "coversFrom": COVERS[0],
        "coversTo": COVERS[0],
        "dueOn": COVERS[1],
        **extra,
    }


def activity(**extra: Any) -> dict[str, Any]:
    return {
        "promiseId": LIVE,
        "recordId": "err-r9",
        "commitmentId": "c2",
        "occurredOn": DAYS["c2"][0],  # inside the live promise's period
        "performedBy": [LPO],
        "summary": "Insats",
        **extra,
    }


def recorded_signature(
    party: str, evidence: dict[str, Any]
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A signature of the proposed promise recorded from a document with `evidence`."""
    return sign("err-proposed", party, evidence=evidence)


AGREEMENT = {
    "parties": [UB, LPO],
    "title": "Samverkansöverenskommelse",
    "period": {"validFrom": "2025-01-01", "validTo": "2028-12-31"},
    "focusAreas": [{"focusAreaId": "fa1", "title": "Trygghet"}],
}

LAGESBILD = {
    "coversFrom": "2025-01-01",
    "coversTo": "2025-12-31",
    "compiledOn": "2026-01-15",
    "summary": "Otrygghet i Bro centrum kvällstid",
}
DECISION = {"decidedBy": "kommunstyrelsen", "decidedOn": "2026-02-01", "diarienummer": "KS 26/7"}


def lagesbild(picture_id: str, **extra: Any) -> dict[str, Any]:
    """Upplands-Bro's lägesbild `picture_id` (err-lb is a draft, err-lb-adopted adopted)."""
    return {"situationPictureId": picture_id, "municipalityId": UB, "content": LAGESBILD, **extra}


def action_plan(plan_id: str, picture_id: str = "err-lb-adopted", **content: Any) -> dict[str, Any]:
    """Upplands-Bro's åtgärdsplan `plan_id` on version 1 of lägesbild `picture_id`."""
    return {
        "actionPlanId": plan_id,
        "municipalityId": UB,
        "content": {
            "title": "Åtgärdsplan",
            "situationPictureId": picture_id,
            "situationPictureVersion": 1,
            "measures": [{"measureId": "m1", "text": "Belysning", "responsibleIds": [UB]}],
            **content,
        },
    }


WALK_ROUTE = ["upplands-bro-bro-centrum"]  # a shared place of the demo


def walk(walk_id: str, **extra: Any) -> dict[str, Any]:
    """A safety walk of Upplands-Bro through Bro centrum (test data)."""
    return {
        "walkId": walk_id,
        "municipalityId": UB,
        "heldOn": "2025-10-01",
        "organiserId": UB,
        "participants": [{"organisationId": LPO}, {"group": "boende", "count": 9}],
        "route": WALK_ROUTE,
        **extra,
    }


# Surveys and indicators of the world (tests.api.test_error_shapes.world): made-up TEST DATA.
SURVEY_ID, INDICATOR_ID = "err-survey", "err-ind"


def survey(**extra: Any) -> dict[str, Any]:
    """A trygghetsenkät of Upplands-Bro with one result at its place err-ub-torg (test data)."""
    return {
        "surveyId": "err-survey-x",
        "municipalityId": UB,
        "kind": "trygghetsenkat",
        "title": "Trygghetsenkät (testdata)",
        "conductedFrom": "2024-09-01",
        "conductedTo": "2024-10-01",
        "method": "Enkät",
        "asked": 100,
        "respondents": 50,
        "results": [result()],
        **extra,
    }


def finding(finding_id: str, **extra: Any) -> dict[str, Any]:
    """A finding of the walk err-walk at Bro centrum owned by Upplands-Bro (test data)."""
    return {
        "walkId": "err-walk",
        "findingId": finding_id,
        "placeId": WALK_ROUTE[0],
        "description": "Trasig gatubelysning",
        "category": "lighting",
        "ownerId": UB,
        "dueOn": "2025-11-01",
        **extra,
    }


def result(**extra: Any) -> dict[str, Any]:
    return {
        "questionId": "q1",
        "question": "Otrygg?",
        "placeId": "err-ub-torg",
        "share": "40",
        **extra,
    }


def indicator(**extra: Any) -> dict[str, Any]:
    return {
        "indicatorId": "err-ind-x",
        "municipalityId": UB,
        "name": "Andel otrygga (testdata)",
        "unit": "percent",
        "direction": "decrease",
        "periodicity": "year",
        "firstPeriod": "2025",
        "lastPeriod": "2026",
        **extra,
    }


def indicator_value(**extra: Any) -> dict[str, Any]:
    return {
        "indicatorId": INDICATOR_ID,
        "period": "2026",
        "value": "35",
        "source": {"stated": "Enkät (testdata)"},
        **extra,
    }


CASES = [
    # NotFound
    Case("promise_not_found", EDITOR, "proposePromise", {"promiseId": "err-nope"}, "NotFound"),
    Case(
        "situation_picture_not_found",
        EDITOR,
        "adoptSituationPicture",
        {"situationPictureId": "err-nope", "version": 1, "decision": DECISION},
        "NotFound",
    ),
    Case(
        "action_plan_not_found",
        EDITOR,
        "adoptActionPlan",
        {"actionPlanId": "err-nope", "version": 1, "decision": DECISION},
        "NotFound",
    ),
    Case(
        "version_not_found",
        EDITOR,
        "adoptSituationPicture",
        {"situationPictureId": "err-lb", "version": 2, "decision": DECISION},
        "NotFound",
    ),
    Case(
        "decision_reference_missing",
        EDITOR,
        "adoptActionPlan",
        {"actionPlanId": "err-ap", "version": 1, "decision": {**DECISION, "diarienummer": " "}},
        "InvalidInput",
        ["input", "decision", "diarienummer"],
    ),
    Case(
        "situation_picture_exists",
        EDITOR,
        "compileSituationPicture",
        lagesbild("err-lb"),
        "RuleViolated",
    ),
    Case("action_plan_exists", EDITOR, "draftActionPlan", action_plan("err-ap"), "RuleViolated"),
    Case(
        "already_adopted",
        EDITOR,
        "adoptSituationPicture",
        {"situationPictureId": "err-lb-adopted", "version": 1, "decision": DECISION},
        "RuleViolated",
    ),
    Case(
        "wrong_organisation_kind",
        EDITOR,
        "compileSituationPicture",
        lagesbild("err-x", policeAreaId=JF),  # a municipality as the joint police area
        "RuleViolated",
    ),
    Case(
        "police_area_not_serving",
        EDITOR,
        "compileSituationPicture",
        lagesbild("err-x", policeAreaId="org-lpo-pitea-alvdal"),
        "RuleViolated",
    ),
    Case(
        "situation_picture_not_adopted",
        EDITOR,
        "draftActionPlan",
        action_plan("err-x", "err-lb"),
        "RuleViolated",
    ),
    Case(
        "other_municipality",
        Token(JF, "editor"),
        "draftActionPlan",
        {**action_plan("err-x"), "municipalityId": JF},  # Upplands-Bro's lägesbild
        "RuleViolated",
    ),
    Case(
        "municipality_not_party",
        LPO_EDITOR,
        "draftActionPlan",
        {**action_plan("err-x", promiseIds=["err-jf"]), "policeAreaId": LPO},
        "RuleViolated",
    ),
    Case(
        "agreement_not_found", EDITOR, "proposeAgreement", {"agreementId": "err-nope"}, "NotFound"
    ),
    Case(
        "organisation_not_found",
        EDITOR,
        "draftPromise",
        {**draft("err-x"), "parties": [UB, LPO, "org-nope"]},
        "NotFound",
    ),
    Case(
        "municipality_not_found",
        EDITOR,
        "registerPlace",
        {
            "promiseId": "err-draft",
            "place": {"placeId": "pl9", "name": "Torg", "municipalityId": LPO},
        },
        "NotFound",
    ),
    Case(
        "person_not_found",
        ADMIN,
        "grantSigningMandate",
        {"mandateId": "m-err-x", "personId": "p-nope", "orgId": UB},
        "NotFound",
    ),
    Case(
        "role_not_found",
        ADMIN,
        "endRole",
        {"assignmentId": "nope", "endedOn": "2025-01-01"},
        "NotFound",
    ),
    Case(
        "mandate_not_found",
        ADMIN,
        "revokeSigningMandate",
        {"mandateId": "nope", "revokedOn": "2025-01-01"},
        "NotFound",
    ),
    Case(
        "commitment_not_found",
        EDITOR,
        "removeCommitment",
        {"promiseId": "err-draft", "commitmentId": "nope", "reason": "Fel"},
        "NotFound",
    ),
    Case(
        "focus_area_not_found",
        EDITOR,
        "removeFocusArea",
        {"promiseId": "err-draft", "focusAreaId": "nope"},
        "NotFound",
    ),
    Case(
        "place_not_found",
        EDITOR,
        "removePlace",
        {"promiseId": "err-draft", "placeId": "nope"},
        "NotFound",
    ),
    Case(
        "input_not_found",
        EDITOR,
        "removePromiseInput",
        {"promiseId": "err-draft", "inputId": "nope"},
        "NotFound",
    ),
    Case(
        "record_not_found",
        LPO_EDITOR,
        "voidActivityRecord",
        {"promiseId": LIVE, "recordId": "nope", "reason": "Fel"},
        "NotFound",
    ),
    Case(
        "follow_up_not_found",
        EDITOR,
        "assessCommitment",
        {"promiseId": LIVE, "reportId": "nope", "commitmentId": "c1", "status": "met"},
        "NotFound",
    ),
    Case(
        "indicator_not_found",
        EDITOR,
        "recordIndicatorValue",
        indicator_value(indicatorId="err-nope"),
        "NotFound",
    ),
    Case(
        "indicator_value_not_found",
        EDITOR,
        "correctIndicatorValue",
        {**indicator_value(), "reason": "Rättad"},
        "NotFound",
    ),
    Case(
        "survey_not_found",
        EDITOR,
        "correctSurvey",
        {"surveyId": "err-nope", "asked": 1, "respondents": 1, "results": [], "reason": "Fel"},
        "NotFound",
    ),
    Case(
        "survey_result_not_found",
        EDITOR,
        "setIndicatorBaseline",
        {
            "indicatorId": INDICATOR_ID,
            "period": "2024",
            "source": {"surveyId": SURVEY_ID, "questionId": "q9"},
        },
        "NotFound",
    ),
    # Forbidden
    Case("anonymous", None, "draftPromise", draft("err-x"), "Forbidden"),
    Case("read_only", Token(UB, "viewer"), "draftPromise", draft("err-x"), "Forbidden"),
    Case(
        "auditor_read_only",
        Token(UB, "auditor,editor"),
        "draftPromise",
        draft("err-x"),
        "Forbidden",
    ),
    Case("missing_role", PUBLISHER, "draftPromise", draft("err-x"), "Forbidden"),
    Case("not_a_party", Token(JF, "editor"), "draftPromise", draft("err-x"), "Forbidden"),
    Case(
        "not_platform_operator",
        Token(UB, "service"),
        "registerMunicipality",
        {"orgId": "org-err-x", "name": "X kommun"},
        "Forbidden",
    ),
    Case("not_own_party", SIGNER, "signPromise", sign("err-proposed", LPO), "Forbidden"),
    Case(
        "no_signing_mandate",
        Token(UB, "signatory", "p-err-nomandate"),
        "signPromise",
        sign("err-proposed", UB),
        "Forbidden",
    ),
    Case(
        "not_org_admin",
        ADMIN,
        "grantSigningMandate",
        {"mandateId": "m-err-x", "personId": "p-err-nomandate", "orgId": LPO},
        "Forbidden",
    ),
    Case("not_performer", LPO_EDITOR, "recordActivity", activity(performedBy=[UB]), "Forbidden"),
    Case(
        "not_own_organisation",
        ADMIN,
        "setPublicContact",
        {"orgId": LPO, "contact": {"phone": "114 14"}},
        "Forbidden",
    ),
    # VersionConflict, IdempotencyKeyReused
    Case(
        "version_conflict",
        EDITOR,
        "revisePromiseDetails",
        {"promiseId": "err-draft", "details": {"title": "Ny titel", "period": PERIOD_2025}},
        "VersionConflict",
        expected_version=0,
    ),
    Case(
        "idempotency_key_reused",
        EDITOR,
        "proposePromise",
        {"promiseId": "err-empty"},
        "IdempotencyKeyReused",
        command_id="err-used-id",
    ),
    # InvalidInput: the field path is the client's, from the argument down
    Case(
        "invalid_decimal",
        EDITOR,
        "recordSurvey",
        survey(results=[result(share="4,5")]),
        "InvalidInput",
        ["input", "results", "0", "share"],
    ),
    Case(
        "invalid_period",
        EDITOR,
        "recordIndicatorValue",
        indicator_value(period="26"),
        "InvalidInput",
        ["input", "period"],
    ),
    Case(
        "more_answering_than_respondents",
        EDITOR,
        "recordSurvey",
        survey(results=[result(answered=51)]),
        "InvalidInput",
        ["input", "results", "0", "answered"],
    ),
    Case(
        "more_respondents_than_asked",
        EDITOR,
        "recordSurvey",
        survey(respondents=101),
        "InvalidInput",
        ["input", "respondents"],
    ),
    Case(
        "negative_count",
        EDITOR,
        "recordSurvey",
        survey(asked=-1, respondents=0),
        "InvalidInput",
        ["input", "asked"],
    ),
    Case(
        "negative_tolerance",
        EDITOR,
        "defineIndicator",
        indicator(tolerance="-1"),
        "InvalidInput",
        ["input", "tolerance"],
    ),
    Case(
        "result_without_value",
        EDITOR,
        "recordSurvey",
        survey(results=[result(share=None)]),
        "InvalidInput",
        ["input", "results", "0"],
    ),
    Case(
        "share_out_of_range",
        EDITOR,
        "recordSurvey",
        survey(results=[result(share="100.1")]),
        "InvalidInput",
        ["input", "results", "0", "share"],
    ),
    Case(
        "too_many_results",
        EDITOR,
        "recordSurvey",
        survey(results=[{"questionId": "q", "question": "x", "count": 0}] * 1001),
        "InvalidInput",
        ["input", "results"],
    ),
    Case(
        "value_missing",
        EDITOR,
        "recordIndicatorValue",
        indicator_value(value=None),
        "InvalidInput",
        ["input", "value"],
    ),
    Case(
        "invalid_command_id",
        EDITOR,
        "draftPromise",
        draft("err-x"),
        "InvalidInput",
        ["commandId"],
        command_id="",
    ),
    Case(
        "invalid_id", EDITOR, "draftPromise", draft("Err X"), "InvalidInput", ["input", "promiseId"]
    ),
    Case(
        "blank_text",
        EDITOR,
        "draftPromise",
        draft("err-x", title=" "),
        "InvalidInput",
        ["input", "details", "title"],
    ),
    Case(
        "invalid_character",
        EDITOR,
        "draftPromise",
        draft("err-x", title="Trygg\u202ei Bro"),
        "InvalidInput",
        ["input", "details", "title"],
    ),
    Case(
        "single_line_text",
        EDITOR,
        "draftPromise",
        draft("err-x", title="Trygg\ni Bro"),
        "InvalidInput",
        ["input", "details", "title"],
    ),
    Case(
        "text_too_long",
        EDITOR,
        "addFocusArea",
        {"promiseId": "err-draft", "focusArea": {"focusAreaId": "fa9", "title": "x" * 301}},
        "InvalidInput",
        ["input", "focusArea", "title"],
    ),
    Case(
        "invalid_choice",
        EDITOR,
        "addCommitment",
        {
            "promiseId": "err-draft",
            "commitment": commitment(
                "c9", target={"comparator": "!=", "quantity": 2, "unit": "st"}
            ),
        },
        "InvalidInput",
        ["input", "commitment", "target", "comparator"],
    ),
    Case(
        "duplicate_values",
        EDITOR,
        "draftPromise",
        {**draft("err-x"), "parties": [UB, UB, LPO]},
        "InvalidInput",
        ["input", "parties"],
    ),
    Case(
        "period_reversed",
        EDITOR,
        "draftPromise",
        draft("err-x", period={"validFrom": "2025-12-31", "validTo": "2025-01-01"}),
        "InvalidInput",
        ["input", "details", "period", "validTo"],
    ),
    Case(
        "date_in_future",
        LPO_SIGNER,
        "signPromise",
        sign("err-proposed", LPO, signedOn="2999-01-01"),
        "InvalidInput",
        ["input", "signedOn"],
    ),
    Case(
        "negative_target",
        EDITOR,
        "addCommitment",
        {
            "promiseId": "err-draft",
            "commitment": commitment(
                "c9", target={"comparator": ">=", "quantity": -1, "unit": "st"}
            ),
        },
        "InvalidInput",
        ["input", "commitment", "target", "quantity"],
    ),
    Case(
        "negative_achieved",
        EDITOR,
        "assessCommitment",
        {
            "promiseId": LIVE,
            "reportId": "u2",
            "commitmentId": "c2",
            "status": "partly",
            "achieved": -1,
        },
        "InvalidInput",
        ["input", "achieved"],
    ),
    Case(
        "conflicting_fields",
        LPO_SIGNER,
        "signPromise",
        sign("err-proposed", LPO, signedOn="2025-01-01", dateUnknown=True),
        "InvalidInput",
        ["input", "dateUnknown"],
    ),
    Case(
        "confirmation_required",
        EDITOR,
        "addCommitment",
        {"promiseId": "err-proposed", "commitment": commitment("c2")},
        "ConfirmationRequired",
    ),
    Case(
        "unknown_party",
        EDITOR,
        "recordPromiseSignature",
        recorded_signature(JF, EVIDENCE),
        "InvalidInput",
        ["input", "partyId"],
    ),
    Case(
        "evidence_missing",
        EDITOR,
        "recordPromiseSignature",
        recorded_signature(UB, {"description": "ett foto"}),
        "InvalidInput",
        ["input", "evidence"],
    ),
    Case(
        "invalid_sha256",
        EDITOR,
        "recordPromiseSignature",
        recorded_signature(UB, {"documentSha256": "not-a-hash"}),
        "InvalidInput",
        ["input", "evidence", "documentSha256"],
    ),
    Case(
        "invalid_url",
        EDITOR,
        "recordPromiseSignature",
        recorded_signature(UB, {"url": "ftp://diariet.example/ks-21-0042"}),
        "InvalidInput",
        ["input", "evidence", "url"],
    ),
    Case(
        "period_unresolvable",
        EDITOR,
        "draftPromise",
        draft("err-x", period={"label": "nästa mandatperiod"}),
        "InvalidInput",
        ["input", "details", "period", "label"],
    ),
    Case(
        "quantity_not_positive",
        LPO_EDITOR,
        "recordActivity",
        activity(quantity=0),
        "InvalidInput",
        ["input", "quantity"],
    ),
    Case(
        "counted_twice",
        LPO_EDITOR,
        "recordActivity",
        activity(alsoCountsFor=["c2"]),
        "InvalidInput",
        ["input", "alsoCountsFor", "0"],
    ),
    # RuleViolated
    Case(
        "indicator_already_linked",
        EDITOR,
        "linkIndicator",
        {"indicatorId": INDICATOR_ID, "promiseId": LIVE},
        "RuleViolated",
    ),
    Case(
        "indicator_exists",
        EDITOR,
        "defineIndicator",
        indicator(indicatorId=INDICATOR_ID),
        "RuleViolated",
    ),
    Case(
        "indicator_not_linked",
        EDITOR,
        "unlinkIndicator",
        {"indicatorId": INDICATOR_ID, "promiseId": "err-current"},
        "RuleViolated",
    ),
    Case(
        "indicator_of_other_municipality",
        EDITOR,
        "linkIndicator",
        {"indicatorId": "err-jf-ind", "promiseId": LIVE},
        "RuleViolated",
    ),
    Case(
        "indicator_value_exists",
        EDITOR,
        "recordIndicatorValue",
        indicator_value(period="2025"),
        "RuleViolated",
    ),
    Case(
        "period_outside_range",
        EDITOR,
        "recordIndicatorValue",
        indicator_value(period="2030"),
        "RuleViolated",
    ),
    Case(
        "place_of_another_municipality",
        EDITOR,
        "recordSurvey",
        survey(results=[result(placeId="err-jf-torg")]),
        "RuleViolated",
    ),
    Case(
        "police_area_not_serving",
        EDITOR,
        "recordSurvey",
        survey(policeAreaId="org-lpo-pitea-alvdal"),
        "RuleViolated",
    ),
    Case("survey_exists", EDITOR, "recordSurvey", survey(surveyId=SURVEY_ID), "RuleViolated"),
    Case(
        "survey_of_other_municipality",
        EDITOR,
        "setIndicatorBaseline",
        {
            "indicatorId": INDICATOR_ID,
            "period": "2024",
            "source": {"surveyId": "err-jf-survey", "questionId": "q1"},
        },
        "RuleViolated",
    ),
    Case("promise_exists", EDITOR, "draftPromise", draft("err-draft"), "RuleViolated"),
    Case(
        "agreement_exists",
        EDITOR,
        "draftAgreement",
        {"agreementId": "err-agr", "content": AGREEMENT},
        "RuleViolated",
    ),
    Case(
        "person_exists",
        ADMIN,
        "registerPerson",
        {"personId": "p-err-nomandate", "name": "N"},
        "RuleViolated",
    ),
    Case(
        "role_exists",
        ADMIN,
        "assignRole",
        {
            "assignmentId": "a-err",
            "personId": KSO,
            "orgId": UB,
            "title": "Ordf.",
            "role": "signatory",
        },
        "RuleViolated",
    ),
    Case(
        "mandate_exists",
        ADMIN,
        "grantSigningMandate",
        {"mandateId": f"m-{KSO}", "personId": KSO, "orgId": UB},
        "RuleViolated",
    ),
    Case(
        "commitment_exists",
        EDITOR,
        "addCommitment",
        {"promiseId": "err-draft", "commitment": commitment("c1")},
        "RuleViolated",
    ),
    Case(
        "focus_area_exists",
        EDITOR,
        "addFocusArea",
        {"promiseId": "err-draft", "focusArea": {"focusAreaId": "fa1", "title": "Igen"}},
        "RuleViolated",
    ),
    Case(
        "place_of_another_municipality",
        EDITOR,
        "registerPlace",
        {
            "promiseId": "err-draft",
            "place": {"placeId": "pl9", "name": "Torget", "municipalityId": JF},
        },
        "RuleViolated",
    ),
    Case(
        "place_already_linked",
        EDITOR,
        "linkSharedPlace",
        {"promiseId": LIVE, "placeId": "bro-centrum", "sharedPlaceId": "err-ub-bro-centrum"},
        "RuleViolated",
    ),
    Case(
        "place_retired",
        EDITOR,
        "registerPlace",
        {
            "promiseId": "err-draft",
            "place": {
                "placeId": "pl9",
                "name": "Gamla torget",
                "sharedPlaceId": "err-ub-gamla-torget",
            },
        },
        "RuleViolated",
    ),
    Case(
        "place_exists",
        EDITOR,
        "registerPlace",
        {"promiseId": "err-draft", "place": {"placeId": "pl1", "name": "Igen"}},
        "RuleViolated",
    ),
    Case("record_exists", LPO_EDITOR, "recordActivity", activity(recordId="c2-r1"), "RuleViolated"),
    Case(
        "follow_up_exists",
        EDITOR,
        "draftFollowUp",
        {
            "promiseId": LIVE,
            "reportId": "u1",
            "kind": "final",
            "coversFrom": "2018-01-01",
            "coversTo": "2018-12-31",
        },
        "RuleViolated",
    ),
    Case(
        "wrong_status",
        PUBLISHER,
        "publishPromise",
        {"promiseId": "err-draft", "channel": "webb"},
        "RuleViolated",
    ),
    Case(
        "revision_signed",
        EDITOR,
        "revisePromiseDetails",
        {"promiseId": "err-signed", "details": {"title": "Ny", "period": FUTURE}},
        "RuleViolated",
    ),
    Case(
        "amendment_open",
        SIGNER,
        "startPromiseAmendment",
        {"promiseId": LIVE, "reason": "Igen"},
        "RuleViolated",
    ),
    Case(
        "already_proposed", EDITOR, "proposePromise", {"promiseId": "err-proposed"}, "RuleViolated"
    ),
    Case(
        "not_proposed",
        EDITOR,
        "reopenPromise",
        {"promiseId": "err-draft", "reason": "Ändra"},
        "RuleViolated",
    ),
    Case(
        "stale_revision",
        LPO_SIGNER,
        "signPromise",
        lambda w: {**sign("err-proposed", LPO)(w), "revisionNo": 99},
        "RuleViolated",
    ),
    Case("already_signed", LPO_SIGNER, "signPromise", sign("err-proposed", LPO), "RuleViolated"),
    Case("empty_promise", EDITOR, "proposePromise", {"promiseId": "err-empty"}, "RuleViolated"),
    Case("no_changes", EDITOR, "proposePromise", {"promiseId": LIVE}, "RuleViolated"),
    Case(
        "period_not_begun",
        EDITOR,
        "enterPromiseIntoForce",
        {"promiseId": "err-signed"},
        "RuleViolated",
    ),
    Case("period_not_over", EDITOR, "expirePromise", {"promiseId": "err-current"}, "RuleViolated"),
    Case(
        "self_successor",
        SIGNER,
        "supersedePromise",
        {"promiseId": LIVE, "successorId": LIVE},
        "RuleViolated",
    ),
    Case(
        "agreement_parties_differ",
        EDITOR,
        "draftPromise",
        {
            **draft("err-x", agreementId="err-agr"),
            "parties": [UB, JF, LPO],  # Järfälla is no party of err-agr
        },
        "RuleViolated",
    ),
    Case(
        "agreement_expired",
        SIGNER,
        "extendAgreement",
        {"agreementId": EXPIRED_AGREEMENT, "newValidTo": "2030-12-31", "reason": "Förläng"},
        "RuleViolated",
    ),
    Case(
        "published_before_signing",
        EDITOR,
        "recordPromisePublication",
        {
            "promiseId": "err-current",  # signed in Samverkan today
            "channel": "Upplands-Brobladet",
            "publishedOn": "2021-02-20",
            "evidence": EVIDENCE,
        },
        "RuleViolated",
    ),
    Case(
        "parties_fixed",
        EDITOR,
        "reviseAgreement",
        {"agreementId": "err-agr", "content": {**AGREEMENT, "parties": [UB, LPO, JF]}},
        "RuleViolated",
    ),
    Case(
        "invalid_party",
        EDITOR,
        "draftPromise",
        {**draft("err-x"), "parties": [UB, LPO, REGION]},
        "RuleViolated",
    ),
    Case(
        "no_municipality",
        LPO_EDITOR,
        "draftPromise",
        {**draft("err-x"), "parties": [LPO]},
        "RuleViolated",
    ),
    Case(
        "police_area_count",
        EDITOR,
        "draftPromise",
        {**draft("err-x"), "parties": [UB]},
        "RuleViolated",
    ),
    Case(
        "focus_area_in_use",
        EDITOR,
        "removeFocusArea",
        {"promiseId": "err-draft", "focusAreaId": "fa1"},
        "RuleViolated",
    ),
    Case(
        "place_in_use",
        EDITOR,
        "removePlace",
        {"promiseId": "err-draft", "placeId": "pl1"},
        "RuleViolated",
    ),
    Case(
        "not_in_force",
        LPO_EDITOR,
        "recordActivity",
        {**activity(), "promiseId": "err-draft"},
        "RuleViolated",
    ),
    Case("plan_exists", EDITOR, "planActivity", planned_activity("err-plan"), "RuleViolated"),
    Case(
        "too_many_occurrences",
        EDITOR,
        "planActivity",
        planned_activity("err-plan-2", dates=None, recurrence={"timesPerYear": 501}),
        "RuleViolated",
    ),
    Case(
        "plan_not_found",
        LPO_EDITOR,
        "cancelOccurrence",
        {**occurrence("err-plan-1", reason="x"), "planId": "err-nope"},
        "NotFound",
    ),
    Case(
        "occurrence_not_found",
        LPO_EDITOR,
        "cancelOccurrence",
        occurrence("err-plan-99", reason="x"),
        "NotFound",
    ),
    Case(
        "occurrence_performed",
        LPO_EDITOR,
        "cancelOccurrence",
        occurrence("err-plan-1", reason="x"),
        "RuleViolated",
    ),
    Case(
        "occurrence_cancelled",
        LPO_EDITOR,
        "performOccurrence",
        occurrence("err-plan-2", recordId="err-plan-r2"),
        "RuleViolated",
    ),
    Case("follow_up_due_exists", EDITOR, "scheduleFollowUp", planned("err-due"), "RuleViolated"),
    Case(
        "due_before_covered_end",
        EDITOR,
        "scheduleFollowUp",
        planned("err-due-2", coversTo=COVERS[1], dueOn=COVERS[0]),
        "RuleViolated",
    ),
    Case(
        "follow_up_due_met",
        EDITOR,
        "rescheduleFollowUp",
        {"promiseId": LIVE, "dueId": "err-due-met", "dueOn": COVERS[1], "reason": "Senare"},
        "RuleViolated",
    ),
    Case(
        "follow_up_due_not_found",
        EDITOR,
        "rescheduleFollowUp",
        {"promiseId": LIVE, "dueId": "err-nope", "dueOn": COVERS[1], "reason": "Senare"},
        "NotFound",
    ),
    Case(
        "commitment_not_in_force",
        LPO_EDITOR,
        "recordActivity",
        activity(commitmentId="nope"),
        "RuleViolated",
    ),
    Case(
        "outside_period",
        LPO_EDITOR,
        "recordActivity",
        activity(occurredOn="2019-06-01"),
        "RuleViolated",
        field=["input", "occurredOn"],
    ),
    Case(
        "record_voided",
        LPO_EDITOR,
        "voidActivityRecord",
        {"promiseId": LIVE, "recordId": "c3-r2", "reason": "Igen"},
        "RuleViolated",
    ),
    Case(
        "follow_up_frozen",
        EDITOR,
        "assessCommitment",
        {"promiseId": LIVE, "reportId": "u1", "commitmentId": "c2", "status": "met", "achieved": 8},
        "RuleViolated",
    ),
    Case(
        "target_needs_quantity",
        EDITOR,
        "assessCommitment",
        {"promiseId": LIVE, "reportId": "u2", "commitmentId": "c2", "status": "met"},
        "RuleViolated",
    ),
    Case(
        "follow_up_incomplete",
        SIGNER,
        "approveFollowUp",
        {"promiseId": LIVE, "reportId": "u2"},
        "RuleViolated",
    ),
    Case(
        "already_approved",
        SIGNER,
        "approveFollowUp",
        {"promiseId": LIVE, "reportId": "u1"},
        "RuleViolated",
    ),
    Case(
        "follow_up_not_approved",
        PUBLISHER,
        "publishFollowUp",
        {"promiseId": LIVE, "reportId": "u2", "channel": "webb"},
        "RuleViolated",
    ),
    Case(
        "already_published",
        PUBLISHER,
        "publishFollowUp",
        {"promiseId": LIVE, "reportId": "u1", "channel": "webb"},
        "RuleViolated",
    ),
    Case(
        "mandate_revoked",
        ADMIN,
        "revokeSigningMandate",
        {"mandateId": "m-err-revoked", "revokedOn": "2025-01-01"},
        "RuleViolated",
    ),
    Case(
        "role_already_ended",
        ADMIN,
        "endRole",
        {"assignmentId": "a-err", "endedOn": "2025-06-01"},
        "RuleViolated",
    ),
    Case("walk_exists", EDITOR, "recordWalk", walk("err-walk"), "RuleViolated"),
    Case(
        "walk_not_found", EDITOR, "recordFinding", {**finding("f9"), "walkId": "nope"}, "NotFound"
    ),
    Case("finding_exists", EDITOR, "recordFinding", finding("f1"), "RuleViolated"),
    Case(
        "finding_not_found",
        EDITOR,
        "startFinding",
        {"walkId": "err-walk", "findingId": "nope"},
        "NotFound",
    ),
    Case(
        "finding_closed",
        EDITOR,
        "completeFinding",
        {"walkId": "err-walk", "findingId": "f1"},
        "RuleViolated",
    ),
    Case(
        "not_finding_owner",
        LPO_EDITOR,
        "completeFinding",
        {"walkId": "err-walk", "findingId": "f2"},
        "Forbidden",
    ),
    Case(
        "place_not_on_route",
        EDITOR,
        "recordFinding",
        finding("f9", placeId="upplands-bro-centrala-kungsangen"),
        "RuleViolated",
    ),
    Case(
        "place_of_another_municipality",
        EDITOR,
        "recordWalk",
        walk("err-walk-2", route=["err-jarfalla-torget"]),
        "RuleViolated",
    ),
    Case(
        "plan_not_a_safety_walk",
        EDITOR,
        "recordWalk",
        walk(
            "err-walk-2",
            carriesOut={"promiseId": LIVE, "planId": "err-plan", "occurrenceId": "err-plan-3"},
        ),
        "RuleViolated",
    ),
    Case(
        "due_before_walk",
        EDITOR,
        "recordFinding",
        finding("f9", dueOn="2025-09-30"),
        "RuleViolated",
    ),
]


def client(http: httpx.AsyncClient, app: RunningApp, token: Token | None) -> Client:
    """A GraphQL client for `token` (None: anonymous)."""
    if token is None:
        return Client(http, app, None)
    return Client(http, app, app.token(token.org, token.roles, person=token.person))


async def sign_both(app: RunningApp, http: httpx.AsyncClient, promise_id: str) -> None:
    """Draft-to-signed with one commitment: proposed, then signed by both parties."""
    editor = client(http, app, EDITOR)
    await editor.ok("addCommitment", promiseId=promise_id, commitment=commitment("c1"))
    proposed = await editor.ok("proposePromise", promiseId=promise_id)
    revision_no, content_hash = await working_revision(editor, promise_id, proposed)
    for token, party in ((LPO_SIGNER, LPO), (SIGNER, UB)):
        await client(http, app, token).ok(
            "signPromise",
            promiseId=promise_id,
            revisionNo=revision_no,
            contentHash=content_hash,
            partyId=party,
        )


async def working_revision(
    editor: Client, promise_id: str, proposed: dict[str, Any]
) -> tuple[int, str]:
    """The proposed revision's number and content hash, read after the proposal."""
    doc = await editor.query(
        "query($id: ID!, $token: String) { promise(id: $id, consistencyToken: $token) "
        "{ document } }",
        id=promise_id,
        token=proposed["consistencyToken"],
    )
    working = doc["promise"]["document"]["state"]["working"]
    return int(working["revision_no"]), str(working["content_hash"])


async def expired_agreement(editor: Client) -> None:
    """An agreement for 2019–2020 whose paper signatures are entered now: it is expired."""
    old = {**AGREEMENT, "period": {"validFrom": "2019-01-01", "validTo": "2020-12-31"}}
    await editor.ok("draftAgreement", agreementId=EXPIRED_AGREEMENT, content=old)
    proposed = await editor.ok("proposeAgreement", agreementId=EXPIRED_AGREEMENT)
    seen = await editor.query(
        "query($id: ID!, $token: String) { agreement(id: $id, consistencyToken: $token) "
        "{ revisionNo contentHash } }",
        id=EXPIRED_AGREEMENT,
        token=proposed["consistencyToken"],
    )
    for party in (UB, LPO):
        recorded = await editor.ok(
            "recordAgreementSignature",
            agreementId=EXPIRED_AGREEMENT,
            revisionNo=seen["agreement"]["revisionNo"],
            contentHash=seen["agreement"]["contentHash"],
            partyId=party,
            signedOn="2019-02-01",
            evidence=EVIDENCE,
        )
    status = await editor.query(
        "query($id: ID!, $token: String) { agreement(id: $id, consistencyToken: $token) "
        "{ status } }",
        id=EXPIRED_AGREEMENT,
        token=recorded["consistencyToken"],
    )
    assert status["agreement"]["status"] == "expired", status


@pytest.fixture(scope="module")
async def world(dev_app: RunningApp) -> AsyncIterator[dict[str, Any]]:
    """Promises in each state, an agreement, people and mandates; the proposed revisions."""
    async with httpx.AsyncClient(timeout=30) as http:
        await publish_promise(dev_app, http, LIVE)
        editor, admin = client(http, dev_app, EDITOR), client(http, dev_app, ADMIN)
        await client(http, dev_app, SIGNER).ok(
            "startPromiseAmendment", promiseId=LIVE, reason="Ny version"
        )
        await editor.ok(
            "draftFollowUp",
            promiseId=LIVE,
            reportId="u2",
            kind="interim",
            coversFrom="2018-01-01",
            coversTo="2018-06-30",
        )
        await client(http, dev_app, LPO_EDITOR).ok(
            "voidActivityRecord", promiseId=LIVE, recordId="c3-r2", reason="Dubblett"
        )
        await editor.ok("planActivity", **planned_activity("err-plan"))
        police = client(http, dev_app, LPO_EDITOR)
        await police.ok("performOccurrence", **occurrence("err-plan-1", recordId="err-plan-r1"))
        jf = client(http, dev_app, Token(JF, "editor"))
        for place, org, who in (("err-ub-torg", UB, editor), ("err-jf-torg", JF, jf)):
            await who.ok("registerMunicipalPlace", placeId=place, municipalityId=org, name="Torget")
        await editor.ok("recordSurvey", **survey(surveyId=SURVEY_ID))
        await jf.ok(
            "recordSurvey",
            **survey(surveyId="err-jf-survey", municipalityId=JF, results=[result(placeId=None)]),
        )
        await editor.ok("defineIndicator", **indicator(indicatorId=INDICATOR_ID))
        await editor.ok("recordIndicatorValue", **indicator_value(period="2025"))
        await editor.ok("linkIndicator", indicatorId=INDICATOR_ID, promiseId=LIVE)
        await jf.ok("defineIndicator", **indicator(indicatorId="err-jf-ind", municipalityId=JF))
        await police.ok("cancelOccurrence", **occurrence("err-plan-2", reason="Inställd"))
        await editor.ok("scheduleFollowUp", **planned("err-due"))
        await editor.ok("scheduleFollowUp", **planned("err-due-met", kind="final"))
        await client(http, dev_app, Token(JF, "editor")).ok(
            "registerMunicipalPlace",
            placeId="err-jarfalla-torget",
            municipalityId=JF,
            name="Torget",
        )
        await editor.ok("recordWalk", **walk("err-walk"))
        await editor.ok("recordFinding", **finding("f1"))
        await editor.ok("recordFinding", **finding("f2"))
        await editor.ok("completeFinding", walkId="err-walk", findingId="f1")
        await editor.ok("draftPromise", **draft("err-draft"))
        await editor.ok(
            "addFocusArea", promiseId="err-draft", focusArea={"focusAreaId": "fa1", "title": "Bro"}
        )
        await editor.ok(
            "registerPlace", promiseId="err-draft", place={"placeId": "pl1", "name": "Bro centrum"}
        )
        await editor.ok(
            "registerMunicipalPlace",
            placeId="err-ub-gamla-torget",
            municipalityId=UB,
            name="Gamla torget",
            kind="centrum",
        )
        await editor.ok("retirePlace", placeId="err-ub-gamla-torget", reason="Rivet")
        await editor.ok(
            "registerMunicipalPlace",
            placeId="err-ub-bro-centrum",
            municipalityId=UB,
            name="Bro centrum",
            kind="centrum",
        )
        await editor.ok(
            "linkSharedPlace",
            promiseId=LIVE,
            placeId="bro-centrum",
            sharedPlaceId="err-ub-bro-centrum",
        )
        await editor.ok(
            "addCommitment",
            promiseId="err-draft",
            commitment=commitment("c1", focusAreaId="fa1", placeIds=["pl1"]),
        )
        await editor.ok("draftPromise", **draft("err-empty"))
        await editor.ok("draftPromise", **draft("err-proposed"))
        await editor.ok("addCommitment", promiseId="err-proposed", commitment=commitment("c1"))
        proposal = await editor.ok("proposePromise", promiseId="err-proposed")
        proposed = await working_revision(editor, "err-proposed", proposal)
        await client(http, dev_app, LPO_SIGNER).ok(
            "signPromise",
            promiseId="err-proposed",
            revisionNo=proposed[0],
            contentHash=proposed[1],
            partyId=LPO,
        )
        await editor.ok(
            "draftPromise", **{**draft("err-signed"), "details": {"title": "Sen", "period": FUTURE}}
        )
        await sign_both(dev_app, http, "err-signed")
        current = {"validFrom": "2020-01-01", "validTo": "2099-12-31"}
        await editor.ok(
            "draftPromise",
            **{**draft("err-current"), "details": {"title": "Nu", "period": current}},
        )
        await sign_both(dev_app, http, "err-current")
        await editor.ok("draftAgreement", agreementId="err-agr", content=AGREEMENT)
        await expired_agreement(editor)
        await admin.ok("registerPerson", personId="p-err-nomandate", name="Utan mandat")
        await admin.ok("registerPerson", personId="p-err-revoked", name="Återkallad")
        await admin.ok(
            "grantSigningMandate", mandateId="m-err-revoked", personId="p-err-revoked", orgId=UB
        )
        await admin.ok("revokeSigningMandate", mandateId="m-err-revoked", revokedOn="2025-01-01")
        await admin.ok(
            "assignRole",
            assignmentId="a-err",
            personId=KSO,
            orgId=UB,
            title="Ordförande",
            role="signatory",
        )
        await admin.ok("endRole", assignmentId="a-err", endedOn="2025-01-01")
        await editor.ok("compileSituationPicture", **lagesbild("err-lb"))
        await editor.ok("compileSituationPicture", **lagesbild("err-lb-adopted"))
        adopted = {"situationPictureId": "err-lb-adopted", "version": 1, "decision": DECISION}
        await editor.ok("adoptSituationPicture", **adopted)
        await editor.ok("draftActionPlan", **action_plan("err-ap"))
        await client(http, dev_app, LPO_EDITOR).ok(
            "draftPromise", **{**draft("err-jf"), "parties": [JF, LPO]}
        )
        used = await editor.command("proposePromise", "err-used-id", promiseId="err-draft")
        assert used["__typename"] == "CommandAccepted", used
        await editor.ok("reopenPromise", promiseId="err-draft", reason="Tillbaka till utkast")
        yield {"err-proposed": proposed}


def pattern(template: str) -> re.Pattern[str]:
    """A template as a regex: its literal text, anything for each placeholder."""
    parts = []
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is not None:
            parts.append(".+?")
    return re.compile("".join(parts))


def matches(message: str, language: str, code: str) -> bool:
    """True when `message` is one of `code`'s templates in `language`, filled in."""
    catalogue = translations(language)
    return any(pattern(catalogue.gettext(t)).fullmatch(message) for t in templates()[code])


async def send(
    http: httpx.AsyncClient,
    app: RunningApp,
    case: Case,
    world: dict[str, Any],
    language: str | None,
) -> dict[str, Any]:
    """The case's mutation, in `language` (None: no Accept-Language)."""
    name = case.mutation
    input_type = name[0].upper() + name[1:] + "Input"
    mutation = (
        f"mutation($id: ID!, $input: {input_type}!, $v: Int) {{ result: {name}(commandId: $id, "
        f"input: $input, expectedVersion: $v) {{ {RESULT} }} }}"
    )
    given = case.input(world) if callable(case.input) else case.input
    headers = {} if language is None else {"accept-language": language}
    if case.token is not None:
        token = app.token(case.token.org, case.token.roles, person=case.token.person)
        headers["authorization"] = f"Bearer {token}"
    command_id = str(uuid.uuid4()) if case.command_id is None else case.command_id
    variables = {"id": command_id, "input": given, "v": case.expected_version}
    response = await http.post(
        f"{app.url}/graphql", json={"query": mutation, "variables": variables}, headers=headers
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    result: dict[str, Any] = body["data"]["result"]
    return result


@pytest.mark.parametrize("case", CASES, ids=[c.code for c in CASES])
async def test_each_refusal_has_its_type_code_field_path_and_a_swedish_and_english_message(
    dev_app: RunningApp, world: dict[str, Any], http: httpx.AsyncClient, case: Case
) -> None:
    swedish = await send(http, dev_app, case, world, None)
    english = await send(http, dev_app, case, world, "en-GB,en;q=0.9")
    for result in (swedish, english):
        assert result["__typename"] == case.kind, result
        assert result["code"] == case.code, result
        if case.kind == "InvalidInput" or case.field:
            assert result["field"] == case.field, result
    assert matches(swedish["message"], "sv", case.code), swedish["message"]
    assert matches(english["message"], "en", case.code), english["message"]
    assert swedish["message"] != english["message"]
    for sv, en in zip(
        swedish.get("consequences", []), english.get("consequences", []), strict=True
    ):
        assert sv["code"] == en["code"] == "signature_voided"
        assert matches(sv["message"], "sv", sv["code"]) and matches(en["message"], "en", en["code"])


QUERIES = [
    (
        "one_stream_argument",
        '{ history(promiseId: "err-draft", streamId: "promise-err-draft") { __typename '
        "... on InvalidInput { code message field } } }",
        "InvalidInput",
        ["streamId"],
    ),
    (
        "as_of_out_of_range",
        '{ promiseAt(id: "err-draft", asOf: 999999999) { __typename '
        "... on InvalidInput { code message field } } }",
        "InvalidInput",
        ["asOf"],
    ),
    (
        "not_in_force_on",
        '{ promiseAt(id: "err-current", inForceOn: "2019-06-01") { __typename '
        "... on NotFound { code message } } }",
        "NotFound",
        None,
    ),
    (
        "not_yet_existing",
        '{ promiseAt(id: "err-draft", asOf: 0) { __typename '
        "... on NotYetExisting { code message } } }",
        "NotYetExisting",
        None,
    ),
]


@pytest.mark.parametrize(("code", "query", "kind", "path"), QUERIES, ids=[q[0] for q in QUERIES])
async def test_each_refused_query_has_its_type_code_field_path_and_both_languages(
    dev_app: RunningApp,
    world: dict[str, Any],
    http: httpx.AsyncClient,
    code: str,
    query: str,
    kind: str,
    path: list[str] | None,
) -> None:
    token = dev_app.token(UB, "editor")
    answers = []
    for language in ("sv-SE", "en"):
        headers = {"authorization": f"Bearer {token}", "accept-language": language}
        response = await http.post(f"{dev_app.url}/graphql", json={"query": query}, headers=headers)
        body = response.json()
        assert "errors" not in body, body
        (answer,) = body["data"].values()
        assert answer["__typename"] == kind and answer["code"] == code, answer
        assert answer.get("field") == path
        answers.append(answer["message"])
    assert matches(answers[0], "sv", code) and matches(answers[1], "en", code), answers


async def test_a_history_the_caller_may_not_read_is_forbidden_in_both_languages(
    dev_app: RunningApp, world: dict[str, Any], http: httpx.AsyncClient
) -> None:
    query = (
        '{ history(streamId: "promise-err-draft") '
        "{ __typename ... on Forbidden { code message } } }"
    )
    answers = []
    for headers in ({}, {"accept-language": "en"}):
        response = await http.post(f"{dev_app.url}/graphql", json={"query": query}, headers=headers)
        answers.append(response.json()["data"]["history"])
    assert [a["code"] for a in answers] == ["forbidden", "forbidden"]
    assert matches(answers[0]["message"], "sv", "forbidden")
    assert matches(answers[1]["message"], "en", "forbidden")


def test_every_documented_code_is_triggered_here_or_said_to_be_unreachable() -> None:
    covered = {c.code for c in CASES} | {q[0] for q in QUERIES} | {"forbidden", "signature_voided"}
    assert covered.isdisjoint(NOT_REACHABLE)
    assert sorted(set(documented()) - covered - set(NOT_REACHABLE)) == []
    assert sorted((covered | set(NOT_REACHABLE)) - set(documented())) == []
