"""The issuer registry: loading, validation errors, and claims → principal mapping."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from service.identity.errors import InvalidToken, UnknownIssuer
from service.identity.registry import RegistryError, load_registry, parse_registry

EXAMPLE = Path(__file__).resolve().parents[2] / "ops" / "issuers.example.toml"

POLICE: dict[str, Any] = {
    "name": "polisen",
    "issuer": "https://login.polisen.example",
    "audiences": ["urn:samverkan:api"],
    "algorithms": ["RS256"],
    "roles_claim": "groups",
    "organisation_claim": "org",
    "organisations": {"LPO Järfälla": "polisen-lpo-jarfalla"},
    "roles": {"SAMVERKAN_UNDERTECKNARE": ["viewer", "signatory"], "SAMVERKAN_TJANST": ["service"]},
}
KOMMUN: dict[str, Any] = {
    "name": "upplands-bro",
    "issuer": "https://login.microsoftonline.com/tenant/v2.0",
    "audiences": ["api://samverkan"],
    "algorithms": ["RS256"],
    "roles_claim": "roles",
    "organisation": "kommun-upplands-bro",
    "roles": {"Samverkan.Editor": ["viewer", "editor"]},
    "login": {"client_id": "web", "client_secret_env": "UB_SECRET", "scope": "openid profile"},
}


def registry_with(**changes: Any) -> dict[str, Any]:
    entry = copy.deepcopy(POLICE)
    for key, value in changes.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
    return {"issuer": [entry]}


def error_of(data: dict[str, Any]) -> str:
    with pytest.raises(RegistryError) as caught:
        parse_registry(data, source="issuers.toml")
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_the_annotated_example_file_loads() -> None:
    registry = load_registry(EXAMPLE)
    assert {entry.name for entry in registry} == {"upplands-bro", "polisen", "granskning"}


def test_a_valid_registry_has_police_and_municipality_entries() -> None:
    registry = parse_registry({"issuer": [POLICE, KOMMUN]})
    assert registry.lookup("https://login.polisen.example").name == "polisen"
    assert registry.named("upplands-bro") is not None
    assert registry.named("nobody") is None


def test_an_unknown_role_name_is_refused_and_named() -> None:
    message = error_of(registry_with(roles={"X": ["signer"]}))
    assert "unknown role 'signer'" in message and "issuers.toml" in message


@pytest.mark.parametrize("field", ["issuer", "audiences", "algorithms", "roles_claim", "name"])
def test_a_missing_field_is_refused_and_named(field: str) -> None:
    assert f"missing '{field}'" in error_of(registry_with(**{field: None}))


def test_a_missing_roles_table_is_refused() -> None:
    assert "missing 'roles' table" in error_of(registry_with(roles=None))


def test_a_duplicate_issuer_is_refused() -> None:
    other = {**POLICE, "name": "polisen-2"}
    assert "duplicate issuer" in error_of({"issuer": [POLICE, other]})


def test_a_duplicate_name_is_refused() -> None:
    other = {**KOMMUN, "name": "polisen"}
    assert "duplicate name 'polisen'" in error_of({"issuer": [POLICE, other]})


def test_algorithm_none_is_refused() -> None:
    assert "'none' is never accepted" in error_of(registry_with(algorithms=["RS256", "none"]))


@pytest.mark.parametrize("alg", ["HS256", "HS512"])
def test_shared_secret_algorithms_are_refused_for_jwks_issuers(alg: str) -> None:
    assert f"shared-secret algorithm '{alg}'" in error_of(registry_with(algorithms=[alg]))


def test_an_unknown_algorithm_is_refused() -> None:
    assert "unsupported algorithm 'RS1'" in error_of(registry_with(algorithms=["RS1"]))


def test_fixed_and_claimed_organisation_together_are_refused() -> None:
    assert "exactly one of" in error_of(registry_with(organisation="kommun-x"))


def test_neither_fixed_nor_claimed_organisation_is_refused() -> None:
    data = registry_with(organisation_claim=None, organisations=None)
    assert "exactly one of" in error_of(data)


def test_an_organisation_claim_without_allowed_values_is_refused() -> None:
    assert "needs an 'organisations' table" in error_of(registry_with(organisations={}))


def test_plain_http_issuers_are_refused_except_on_loopback() -> None:
    assert "https" in error_of(registry_with(issuer="http://idp.example"))
    parse_registry(registry_with(issuer="http://127.0.0.1:4000"))


def test_the_development_issuer_cannot_be_registered() -> None:
    assert "reserved" in error_of(registry_with(issuer="urn:samverkan:dev"))


def test_a_misspelt_key_is_refused() -> None:
    assert "unknown key 'audience'" in error_of(registry_with(audience=["x"]))


def test_a_login_scope_without_openid_is_refused() -> None:
    data = {"issuer": [{**KOMMUN, "login": {**KOMMUN["login"], "scope": "profile"}}]}
    assert "scope must include 'openid'" in error_of(data)


def test_an_empty_file_is_refused() -> None:
    assert "no [[issuer]] entries" in error_of({})


def test_a_file_that_is_not_toml_is_refused_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "issuers.toml"
    path.write_text("[[issuer]\nname=", encoding="utf-8")
    with pytest.raises(RegistryError, match="not valid TOML"):
        load_registry(path)


def test_an_unknown_issuer_is_a_401_error() -> None:
    registry = parse_registry({"issuer": [POLICE]})
    with pytest.raises(UnknownIssuer) as caught:
        registry.lookup("https://login.polisen.example/")
    assert isinstance(caught.value, InvalidToken)


def test_a_police_claim_maps_to_the_listed_police_area_and_roles() -> None:
    entry = parse_registry({"issuer": [POLICE]}).lookup("https://login.polisen.example")
    principal = entry.principal(
        {
            "sub": "p1",
            "org": "LPO Järfälla",
            "groups": ["SAMVERKAN_UNDERTECKNARE", "UNRELATED"],
            "client_id": "app",
        }
    )
    assert principal.organisation_id == "polisen-lpo-jarfalla"
    assert principal.roles == frozenset({"viewer", "signatory"})
    assert principal.issuer == "https://login.polisen.example"
    assert principal.client_id == "app"


def test_a_police_token_naming_an_unlisted_organisation_is_refused() -> None:
    entry = parse_registry({"issuer": [POLICE]}).lookup("https://login.polisen.example")
    with pytest.raises(InvalidToken, match="not allowed"):
        entry.principal({"sub": "p1", "org": "Upplands-Bro kommun", "groups": []})


def test_a_token_without_organisation_claim_is_refused_for_a_claim_based_issuer() -> None:
    entry = parse_registry({"issuer": [POLICE]}).lookup("https://login.polisen.example")
    with pytest.raises(InvalidToken, match="no organisation claim"):
        entry.principal({"sub": "p1"})


def test_a_fixed_organisation_ignores_whatever_org_claim_the_token_has() -> None:
    entry = parse_registry({"issuer": [KOMMUN]}).lookup(KOMMUN["issuer"])
    principal = entry.principal({"sub": "u", "org": "kommun-arjeplog", "roles": "Samverkan.Editor"})
    assert principal.organisation_id == "kommun-upplands-bro"
    assert principal.roles == frozenset({"viewer", "editor"})


def test_a_space_separated_string_claim_maps_each_value() -> None:
    entry = parse_registry(
        {"issuer": [{**KOMMUN, "roles_claim": "scope", "roles": {"audit": ["auditor"]}}]}
    ).lookup(KOMMUN["issuer"])
    assert entry.principal({"sub": "a", "scope": "openid audit"}).roles == frozenset({"auditor"})


def test_roles_can_live_at_a_nested_claim_path() -> None:
    entry = parse_registry({"issuer": [{**KOMMUN, "roles_claim": "realm_access.roles"}]}).lookup(
        KOMMUN["issuer"]
    )
    claims = {"sub": "a", "realm_access": {"roles": ["Samverkan.Editor"]}}
    assert entry.principal(claims).roles == frozenset({"viewer", "editor"})


def test_a_token_without_subject_is_refused() -> None:
    entry = parse_registry({"issuer": [KOMMUN]}).lookup(KOMMUN["issuer"])
    with pytest.raises(InvalidToken, match="no subject"):
        entry.principal({"roles": []})
