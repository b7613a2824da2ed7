"""Every machine `code` an error type can carry, for the schema's descriptions.

docs/errors.md says for each code when it occurs, what a client should do and its message in
Swedish and English; tests/unit/test_error_codes.py fails when a code raised in events/ or
schema/ is missing here or there.
"""

from __future__ import annotations

NOT_FOUND = (
    "agreement_not_found",
    "commitment_not_found",
    "focus_area_not_found",
    "follow_up_not_found",
    "input_not_found",
    "link_not_found",
    "mandate_not_found",
    "municipality_not_found",
    "not_in_force_on",
    "organisation_not_found",
    "person_not_found",
    "place_not_found",
    "promise_not_found",
    "record_not_found",
    "role_not_found",
)
FORBIDDEN = (
    "anonymous",
    "auditor_read_only",
    "forbidden",
    "missing_role",
    "no_signing_mandate",
    "not_a_party",
    "not_org_admin",
    "not_own_organisation",
    "not_own_party",
    "not_performer",
    "not_platform_operator",
    "read_only",
)
VERSION_CONFLICT = ("version_conflict",)
IDEMPOTENCY_KEY_REUSED = ("idempotency_key_reused",)
INVALID_INPUT = (
    "as_of_out_of_range",
    "blank_text",
    "conflicting_fields",
    "date_in_future",
    "duplicate_values",
    "evidence_missing",
    "invalid_character",
    "invalid_choice",
    "invalid_command_id",
    "invalid_id",
    "invalid_input",
    "invalid_kommunkod",
    "invalid_sha256",
    "invalid_url",
    "negative_achieved",
    "negative_target",
    "one_stream_argument",
    "period_reversed",
    "period_unresolvable",
    "quantity_not_positive",
    "single_line_text",
    "text_not_normalised",
    "text_too_long",
    "unknown_command",
    "unknown_party",
)
RULE_VIOLATED = (
    "agreement_exists",
    "agreement_expired",
    "agreement_parties_differ",
    "already_approved",
    "already_proposed",
    "already_published",
    "already_signed",
    "amendment_open",
    "commitment_exists",
    "commitment_not_in_force",
    "empty_promise",
    "final_follow_up_missing",
    "focus_area_exists",
    "focus_area_in_use",
    "follow_up_exists",
    "follow_up_frozen",
    "follow_up_incomplete",
    "follow_up_not_approved",
    "grace_window_passed",
    "invalid_party",
    "kommunkod_taken",
    "link_already_ended",
    "link_exists",
    "mandate_exists",
    "mandate_revoked",
    "no_amendment_open",
    "no_changes",
    "no_municipality",
    "not_an_extension",
    "not_in_force",
    "not_proposed",
    "organisation_exists",
    "outside_period",
    "parties_fixed",
    "period_not_begun",
    "period_not_over",
    "person_exists",
    "place_exists",
    "place_in_use",
    "police_area_count",
    "promise_exists",
    "published_before_signing",
    "record_exists",
    "record_voided",
    "revision_signed",
    "role_already_ended",
    "role_exists",
    "self_successor",
    "stale_revision",
    "target_needs_quantity",
    "wrong_organisation_kind",
    "wrong_status",
)


def describe(what: str, codes: tuple[str, ...]) -> str:
    """A type's description: what it means, then its codes (docs/errors.md has the details)."""
    listed = ", ".join(codes)
    return f"{what} `code` is one of: {listed} (docs/errors.md: when, what to do, messages)."
