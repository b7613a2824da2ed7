"""What the issuer registry grants beyond the roles of a token: oversight bodies and the
platform operator.

An organisation named in `[[oversight]]` is an oversight body: its auditors read the streams of
the organisations in its scope (`scope = "all"`, or a list of organisation ids), not only their
own. `[[platform_operator]]` names, by issuer and subject, who registers organisations. Both
are keyed on what the registry already vouches for (the organisation an issuer may name, the
exact issuer and subject), so no token claim alone can grant them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from events.messages import Principal

Scope = frozenset[str] | Literal["all"]
_OVERSIGHT_KEYS = frozenset({"organisation", "scope"})
_OPERATOR_KEYS = frozenset({"issuer", "subject"})


class GrantsError(ValueError):
    """An `[[oversight]]` or `[[platform_operator]]` table is unusable; the message says where."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Grants:
    """Oversight scopes by organisation, and the platform operators by (issuer, subject)."""

    oversight: Mapping[str, Scope] = field(default_factory=dict)
    operators: frozenset[tuple[str, str]] = frozenset()

    def apply(self, principal: Principal) -> Principal:
        """`principal` with what the registry grants it: an auditor of an oversight body gets
        the body's scope; the named platform operator is marked as such."""
        scope = (
            self.oversight.get(principal.organisation_id) if principal.has_role("auditor") else None
        )
        operator = (principal.issuer, principal.subject) in self.operators
        if scope is None and not operator:
            return principal
        return replace(
            principal,
            oversight=principal.oversight if scope is None else scope,
            platform_operator=principal.platform_operator or operator,
        )


def parse_grants(
    data: Mapping[str, Any], *, issuers: frozenset[str], organisations: frozenset[str], where: str
) -> Grants:
    """The `[[oversight]]` and `[[platform_operator]]` tables of a registry, validated against
    the `issuers` it trusts and the `organisations` those issuers may name."""
    oversight: dict[str, Scope] = {}
    for i, item in enumerate(_tables(data.get("oversight"), f"{where}: oversight")):
        at = f"{where}: oversight[{i}]"
        _known_keys(item, _OVERSIGHT_KEYS, at)
        organisation = _text(item, "organisation", at)
        if organisation not in organisations:
            raise GrantsError(f"{at}: organisation '{organisation}' is named by no issuer")
        if organisation in oversight:
            raise GrantsError(f"{at}: organisation '{organisation}' is already an oversight body")
        oversight[organisation] = _scope(item.get("scope"), at)
    operators: set[tuple[str, str]] = set()
    for i, item in enumerate(_tables(data.get("platform_operator"), f"{where}: platform_operator")):
        at = f"{where}: platform_operator[{i}]"
        _known_keys(item, _OPERATOR_KEYS, at)
        issuer = _text(item, "issuer", at)
        if issuer not in issuers:
            raise GrantsError(f"{at}: issuer '{issuer}' is not an [[issuer]] of this registry")
        operators.add((issuer, _text(item, "subject", at)))
    return Grants(oversight=oversight, operators=frozenset(operators))


def _tables(raw: Any, where: str) -> list[Mapping[str, Any]]:
    """An array of tables, or one table written as `[name]`; none when absent."""
    if raw is None:
        return []
    items = [raw] if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise GrantsError(f"{where}: must be a table or an array of tables")
    return items


def _known_keys(item: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    unknown = set(item) - known
    if unknown:
        raise GrantsError(f"{where}: unknown key '{sorted(unknown)[0]}'")


def _text(item: Mapping[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if value is None:
        raise GrantsError(f"{where}: missing '{key}'")
    if not isinstance(value, str) or not value.strip():
        raise GrantsError(f"{where}: '{key}' must be a non-empty string")
    return value


def _scope(raw: Any, where: str) -> Scope:
    if raw == "all":
        return "all"
    if raw is None:
        raise GrantsError(f"{where}: missing 'scope' (\"all\" or a list of organisation ids)")
    if not isinstance(raw, list) or not raw:
        raise GrantsError(
            f"{where}: 'scope' must be \"all\" or a non-empty list of organisation ids"
        )
    if not all(isinstance(v, str) and v.strip() for v in raw):
        raise GrantsError(f"{where}: 'scope' must hold non-empty organisation ids")
    return frozenset(raw)
