"""The issuer registry: which identity providers we trust and how their claims map to principals.

Loaded once from a TOML file (see `ops/issuers.example.toml`) and validated as a whole, so a
mistake stops the service at start with one readable line instead of surfacing at first login.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from events.messages import ROLES, Principal
from service.identity.errors import InvalidToken, UnknownIssuer
from service.identity.oversight import Grants, GrantsError, parse_grants

# Only signature algorithms whose keys come from a published JWKS. HS* would let anyone holding
# the (public) verification key forge tokens, and "none" is no signature at all.
ASYMMETRIC_ALGORITHMS: frozenset[str] = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "Ed25519"}
)
DEV_ISSUER = "urn:samverkan:dev"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_ENTRY_KEYS = frozenset(
    {
        "name",
        "issuer",
        "audiences",
        "algorithms",
        "roles_claim",
        "roles",
        "organisation",
        "organisation_claim",
        "organisations",
        "person_claim",
        "login",
    }
)
_LOGIN_KEYS = frozenset({"client_id", "client_secret_env", "scope"})


class RegistryError(ValueError):
    """The registry file cannot be used; the message names the file, entry and field."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BrowserLogin:
    """How the browser login registers with one issuer; the secret itself stays in the env."""

    client_id: str
    client_secret_env: str
    scope: str = "openid profile"


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuerEntry:
    """One trusted issuer: token checks and the mapping from its claims to a `Principal`."""

    name: str
    issuer: str
    audiences: frozenset[str]
    algorithms: tuple[str, ...]
    roles_claim: str
    role_map: Mapping[str, frozenset[str]]
    organisation: str | None = None
    organisation_claim: str | None = None
    organisations: Mapping[str, str] = field(default_factory=dict)
    person_claim: str | None = None
    login: BrowserLogin | None = None
    grants: Grants = field(default_factory=Grants)
    """The registry's oversight bodies and platform operators (the same for every entry)."""

    def principal(self, claims: Mapping[str, Any]) -> Principal:
        """Map verified claims to a principal, refusing organisations this issuer may not name."""
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise InvalidToken("token has no subject")
        principal = Principal(
            issuer=self.issuer,
            subject=subject,
            organisation_id=self._organisation(claims),
            roles=self._roles(claims),
            person_id=_optional_str(claims, self.person_claim),
            client_id=_optional_str(claims, "client_id") or _optional_str(claims, "azp"),
        )
        return self.grants.apply(principal)

    def _organisation(self, claims: Mapping[str, Any]) -> str:
        if self.organisation is not None:
            return self.organisation
        assert self.organisation_claim is not None  # guaranteed by parse_registry
        value = claim_at(claims, self.organisation_claim)
        if not isinstance(value, str) or not value:
            raise InvalidToken(f"token has no organisation claim '{self.organisation_claim}'")
        organisation = self.organisations.get(value)
        if organisation is None:
            raise InvalidToken(f"organisation '{value}' is not allowed for this issuer")
        return organisation

    def _roles(self, claims: Mapping[str, Any]) -> frozenset[str]:
        raw = claim_at(claims, self.roles_claim)
        # A string claim is a space-separated list, as `scope` is (RFC 9068 §2.2.3).
        values = raw.split() if isinstance(raw, str) else raw if isinstance(raw, list) else []
        # Claim values the registry does not list grant nothing.
        return frozenset(
            role
            for value in values
            if isinstance(value, str)
            for role in self.role_map.get(value, ())
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuerRegistry:
    """Every trusted issuer, looked up by exact `iss` string or by login name."""

    entries: tuple[IssuerEntry, ...]
    grants: Grants = field(default_factory=Grants)

    def lookup(self, issuer: str) -> IssuerEntry:
        """The entry for `issuer`, compared byte for byte; `UnknownIssuer` (401) otherwise."""
        for entry in self.entries:
            if entry.issuer == issuer:
                return entry
        raise UnknownIssuer("issuer is not trusted")

    def named(self, name: str) -> IssuerEntry | None:
        """The entry registered under login name `name`, if any."""
        return next((entry for entry in self.entries if entry.name == name), None)

    def __iter__(self) -> Iterator[IssuerEntry]:
        return iter(self.entries)


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted claim path (`realm_access.roles`), or None."""
    value: Any = claims
    for key in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _optional_str(claims: Mapping[str, Any], path: str | None) -> str | None:
    if path is None:
        return None
    value = claim_at(claims, path)
    return value if isinstance(value, str) and value else None


def load_registry(path: Path) -> IssuerRegistry:
    """Read and validate the registry TOML file at `path`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: not valid TOML: {exc}") from exc
    return parse_registry(data, source=str(path))


def parse_registry(data: Mapping[str, Any], *, source: str = "registry") -> IssuerRegistry:
    """Validate parsed TOML (`[[issuer]]`, `[[oversight]]`, `[[platform_operator]]` tables)
    into a registry."""
    unknown = set(data) - {"issuer", "oversight", "platform_operator"}
    if unknown:
        raise RegistryError(f"{source}: unknown top-level key '{sorted(unknown)[0]}'")
    raw = data.get("issuer")
    if not isinstance(raw, list) or not raw:
        raise RegistryError(f"{source}: no [[issuer]] entries")
    entries = tuple(_entry(item, f"{source}: issuer[{i}]") for i, item in enumerate(raw))
    seen_issuers: set[str] = set()
    seen_names: set[str] = set()
    for entry in entries:
        if entry.issuer in seen_issuers:
            raise RegistryError(f"{source}: duplicate issuer '{entry.issuer}'")
        if entry.name in seen_names:
            raise RegistryError(f"{source}: duplicate name '{entry.name}'")
        seen_issuers.add(entry.issuer)
        seen_names.add(entry.name)
    named = {o for e in entries for o in (e.organisation, *e.organisations.values()) if o}
    try:
        grants = parse_grants(
            data, issuers=frozenset(seen_issuers), organisations=frozenset(named), where=source
        )
    except GrantsError as exc:
        raise RegistryError(str(exc)) from None
    entries = tuple(replace(entry, grants=grants) for entry in entries)
    return IssuerRegistry(entries=entries, grants=grants)


def _entry(item: Any, where: str) -> IssuerEntry:
    if not isinstance(item, dict):
        raise RegistryError(f"{where}: must be a table")
    name = _str(item, "name", where)
    where = f"{where} ({name!r})"
    unknown = set(item) - _ENTRY_KEYS
    if unknown:
        raise RegistryError(f"{where}: unknown key '{sorted(unknown)[0]}'")
    if not _NAME.match(name):
        raise RegistryError(f"{where}: name must be lower-case letters, digits, '-' or '_'")
    issuer = _str(item, "issuer", where)
    _check_issuer_url(issuer, where)
    organisation = _opt_str(item, "organisation", where)
    organisation_claim = _opt_str(item, "organisation_claim", where)
    organisations = _str_table(item.get("organisations", {}), f"{where}: organisations")
    if (organisation is None) == (organisation_claim is None):
        raise RegistryError(f"{where}: set exactly one of 'organisation' and 'organisation_claim'")
    if organisation_claim is not None and not organisations:
        raise RegistryError(f"{where}: 'organisation_claim' needs an 'organisations' table")
    if organisation is not None and organisations:
        raise RegistryError(f"{where}: 'organisations' only applies with 'organisation_claim'")
    login_raw = item.get("login")
    return IssuerEntry(
        name=name,
        issuer=issuer,
        audiences=frozenset(_str_list(item, "audiences", where)),
        algorithms=_algorithms(item, where),
        roles_claim=_str(item, "roles_claim", where),
        role_map=_role_map(item.get("roles"), where),
        organisation=organisation,
        organisation_claim=organisation_claim,
        organisations=organisations,
        person_claim=_opt_str(item, "person_claim", where),
        login=None if login_raw is None else _login(login_raw, f"{where}: login"),
    )


def _check_issuer_url(issuer: str, where: str) -> None:
    if issuer == DEV_ISSUER:
        raise RegistryError(f"{where}: '{DEV_ISSUER}' is reserved for the development issuer")
    parts = urlsplit(issuer)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in _LOOPBACK:
        return  # tests and local development run their providers on loopback
    raise RegistryError(f"{where}: issuer must be an https URL (http only on loopback)")


def _algorithms(item: Mapping[str, Any], where: str) -> tuple[str, ...]:
    algorithms = _str_list(item, "algorithms", where)
    for alg in algorithms:
        if alg.lower() == "none":
            raise RegistryError(f"{where}: algorithm 'none' is never accepted")
        if alg.upper().startswith("HS"):
            raise RegistryError(
                f"{where}: shared-secret algorithm '{alg}' is not allowed for a JWKS issuer"
            )
        if alg not in ASYMMETRIC_ALGORITHMS:
            raise RegistryError(f"{where}: unsupported algorithm '{alg}'")
    return tuple(algorithms)


def _role_map(raw: Any, where: str) -> dict[str, frozenset[str]]:
    if not isinstance(raw, dict) or not raw:
        raise RegistryError(f"{where}: missing 'roles' table (claim value -> internal roles)")
    mapped: dict[str, frozenset[str]] = {}
    for value, roles in raw.items():
        if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
            raise RegistryError(f"{where}: roles.{value!r} must be a non-empty list of role names")
        for role in roles:
            if role not in ROLES:
                known = ", ".join(sorted(ROLES))
                raise RegistryError(
                    f"{where}: unknown role '{role}' in roles.{value!r}; known roles: {known}"
                )
        mapped[value] = frozenset(roles)
    return mapped


def _login(raw: Any, where: str) -> BrowserLogin:
    if not isinstance(raw, dict):
        raise RegistryError(f"{where}: must be a table")
    unknown = set(raw) - _LOGIN_KEYS
    if unknown:
        raise RegistryError(f"{where}: unknown key '{sorted(unknown)[0]}'")
    scope = _opt_str(raw, "scope", where) or "openid profile"
    if "openid" not in scope.split():
        raise RegistryError(f"{where}: scope must include 'openid'")
    return BrowserLogin(
        client_id=_str(raw, "client_id", where),
        client_secret_env=_str(raw, "client_secret_env", where),
        scope=scope,
    )


def _str(item: Mapping[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if value is None:
        raise RegistryError(f"{where}: missing '{key}'")
    if not isinstance(value, str) or not value.strip():
        raise RegistryError(f"{where}: '{key}' must be a non-empty string")
    return value


def _opt_str(item: Mapping[str, Any], key: str, where: str) -> str | None:
    return None if item.get(key) is None else _str(item, key, where)


def _str_list(item: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = item.get(key)
    if value is None:
        raise RegistryError(f"{where}: missing '{key}'")
    if not isinstance(value, list) or not value:
        raise RegistryError(f"{where}: '{key}' must be a non-empty list")
    if not all(isinstance(v, str) and v for v in value):
        raise RegistryError(f"{where}: '{key}' must hold non-empty strings")
    return list(value)


def _str_table(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise RegistryError(f"{where}: must be a table")
    for key, value in raw.items():
        if not isinstance(value, str) or not value:
            raise RegistryError(f"{where}: {key!r} must map to an organisation id")
    return dict(raw)
