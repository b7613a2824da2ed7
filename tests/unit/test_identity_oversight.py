"""Oversight bodies and the platform operator in the issuer registry: parsed, validated with
one-line errors, and carried by the principals the registry maps, never by a token alone."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from service.identity.dev_issuer import DEV_PLATFORM_OPERATOR, DevIssuer
from service.identity.registry import (
    IssuerRegistry,
    RegistryError,
    load_registry,
    parse_registry,
)
from tests.unit.test_identity_registry import EXAMPLE, KOMMUN, POLICE

REVISION: dict[str, Any] = {
    "name": "granskning",
    "issuer": "https://id.granskning.example",
    "audiences": ["urn:samverkan:api"],
    "algorithms": ["ES256"],
    "roles_claim": "scope",
    "organisation": "revision-stockholms-lan",
    "roles": {"samverkan:audit": ["auditor"], "samverkan:read": ["viewer"]},
}


def registry(**tables: Any) -> dict[str, Any]:
    return {"issuer": copy.deepcopy([POLICE, KOMMUN, REVISION]), **tables}


def error_of(data: dict[str, Any]) -> str:
    with pytest.raises(RegistryError) as caught:
        parse_registry(data, source="issuers.toml")
    message = str(caught.value)
    assert "\n" not in message
    return message


def revisor(parsed: IssuerRegistry, scope: str = "samverkan:audit") -> Any:
    return parsed.lookup(REVISION["issuer"]).principal({"sub": "r1", "scope": scope})


def test_an_auditor_of_an_oversight_body_for_all_carries_scope_all() -> None:
    parsed = parse_registry(
        registry(oversight=[{"organisation": "revision-stockholms-lan", "scope": "all"}])
    )
    assert revisor(parsed).oversight == "all"


def test_an_oversight_body_may_be_scoped_to_a_list_of_organisations() -> None:
    body = {"organisation": "revision-stockholms-lan", "scope": ["kommun-upplands-bro"]}
    parsed = parse_registry(registry(oversight=[body]))
    assert revisor(parsed).oversight == frozenset({"kommun-upplands-bro"})


def test_the_oversight_scope_goes_only_to_the_bodys_auditors() -> None:
    parsed = parse_registry(
        registry(oversight={"organisation": "revision-stockholms-lan", "scope": "all"})
    )
    assert revisor(parsed, "samverkan:read").oversight == frozenset()


def test_an_auditor_of_an_organisation_that_no_oversight_names_carries_no_scope() -> None:
    kommun = {**KOMMUN, "roles": {"Samverkan.Auditor": ["auditor"]}}
    body = {"organisation": "revision-stockholms-lan", "scope": "all"}
    parsed = parse_registry({"issuer": [kommun, REVISION], "oversight": [body]})
    auditor = parsed.lookup(KOMMUN["issuer"]).principal({"sub": "a", "roles": "Samverkan.Auditor"})
    assert auditor.roles == frozenset({"auditor"}) and auditor.oversight == frozenset()


def test_a_scope_claimed_in_a_token_is_ignored() -> None:
    parsed = parse_registry(registry())
    claims = {"sub": "r1", "scope": "samverkan:audit", "oversight": "all", "platform_operator": 1}
    principal = parsed.lookup(REVISION["issuer"]).principal(claims)
    assert (principal.oversight, principal.platform_operator) == (frozenset(), False)


def test_the_platform_operator_is_named_by_issuer_and_subject() -> None:
    parsed = parse_registry(
        registry(platform_operator=[{"issuer": POLICE["issuer"], "subject": "samverkan-ops"}])
    )
    entry = parsed.lookup(POLICE["issuer"])
    claims = {"org": "LPO Järfälla", "groups": ["SAMVERKAN_TJANST"]}
    assert entry.principal({**claims, "sub": "samverkan-ops"}).platform_operator is True
    assert entry.principal({**claims, "sub": "someone-else"}).platform_operator is False
    other = parsed.lookup(KOMMUN["issuer"]).principal({"sub": "samverkan-ops"})
    assert other.platform_operator is False


@pytest.mark.parametrize(
    ("tables", "expected"),
    [
        (
            {"oversight": [{"organisation": "revision-stockholms-lan"}]},
            "oversight[0]: missing 'scope'",
        ),
        (
            {"oversight": [{"organisation": "revision-stockholms-lan", "scope": "some"}]},
            "oversight[0]: 'scope' must be \"all\" or a non-empty list",
        ),
        (
            {"oversight": [{"organisation": "revision-stockholms-lan", "scope": []}]},
            "oversight[0]: 'scope' must be \"all\" or a non-empty list",
        ),
        (
            {"oversight": [{"organisation": "revision-stockholms-lan", "scope": ["", "x"]}]},
            "oversight[0]: 'scope' must hold non-empty organisation ids",
        ),
        (
            {"oversight": [{"organisation": "revisionen", "scope": "all"}]},
            "oversight[0]: organisation 'revisionen' is named by no issuer",
        ),
        (
            {"oversight": [{"scope": "all"}]},
            "oversight[0]: missing 'organisation'",
        ),
        (
            {
                "oversight": [
                    {"organisation": "revision-stockholms-lan", "scope": "all"},
                    {"organisation": "revision-stockholms-lan", "scope": ["x"]},
                ]
            },
            "oversight[1]: organisation 'revision-stockholms-lan' is already an oversight body",
        ),
        (
            {"oversight": [{"organisation": "revision-stockholms-lan", "scop": "all"}]},
            "oversight[0]: unknown key 'scop'",
        ),
        ({"oversight": "all"}, "oversight: must be a table or an array of tables"),
        (
            {"platform_operator": [{"issuer": "https://elsewhere.example", "subject": "ops"}]},
            "platform_operator[0]: issuer 'https://elsewhere.example' is not an [[issuer]]",
        ),
        (
            {"platform_operator": [{"issuer": POLICE["issuer"]}]},
            "platform_operator[0]: missing 'subject'",
        ),
        (
            {"platform_operator": {"issuer": POLICE["issuer"], "subject": " "}},
            "platform_operator[0]: 'subject' must be a non-empty string",
        ),
    ],
)
def test_a_bad_oversight_or_operator_table_is_refused_and_named(
    tables: dict[str, Any], expected: str
) -> None:
    message = error_of(registry(**tables))
    assert message.startswith("issuers.toml: ") and expected in message


def test_the_annotated_example_names_an_oversight_body_and_a_platform_operator() -> None:
    parsed = load_registry(EXAMPLE)
    assert parsed.grants.oversight
    assert parsed.grants.operators


def test_registry_grants_reach_development_tokens_but_only_by_organisation(
    tmp_path: Path,
) -> None:
    parsed = parse_registry(
        registry(oversight=[{"organisation": "revision-stockholms-lan", "scope": "all"}])
    )
    dev = DevIssuer.load_or_create(tmp_path)
    token = dev.mint(organisation_id="revision-stockholms-lan", roles=["auditor"], subject="r")
    assert parsed.grants.apply(dev.validate(token, dev_mode=True)).oversight == "all"


def test_the_development_issuer_names_one_platform_operator(tmp_path: Path) -> None:
    dev = DevIssuer.load_or_create(tmp_path)

    def operator(subject: str) -> bool:
        token = dev.mint(organisation_id="samverkan", roles=["service"], subject=subject)
        return dev.validate(token, dev_mode=True).platform_operator

    assert operator(DEV_PLATFORM_OPERATOR) and not operator("dev-samverkan-service")
