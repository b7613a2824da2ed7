"""What every access token must satisfy, whoever signed it: shape, type and time claims."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, MissingClaimError

from service.identity.errors import InvalidToken

ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
MAX_TOKEN_BYTES = 16_384
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")


@dataclass(frozen=True, slots=True, kw_only=True)
class UnverifiedToken:
    """Header and claims read before the signature is checked; used only to pick the issuer."""

    header: Mapping[str, Any]
    claims: Mapping[str, Any]


def peek(token: str) -> UnverifiedToken:
    """Decode a compact JWS without verifying it; `InvalidToken` when it is not one."""
    if len(token) > MAX_TOKEN_BYTES:
        raise InvalidToken("token too large")
    parts = token.split(".")
    # base64url only: the decoder would silently skip other bytes (a NUL, non-ASCII).
    if len(parts) != 3 or not all(_SEGMENT.fullmatch(part) for part in parts):
        raise InvalidToken("token is not a compact JWS")
    try:
        header = json.loads(_b64url(parts[0]))
        claims = json.loads(_b64url(parts[1]))
    except (ValueError, binascii.Error, RecursionError) as exc:
        # RecursionError: JSON nested past the parser's limit, still only a malformed token.
        raise InvalidToken("token is not a compact JWS") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise InvalidToken("token is not a compact JWS")
    return UnverifiedToken(header=header, claims=claims)


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def check_claims(
    claims: Mapping[str, Any],
    *,
    issuer: str,
    audiences: frozenset[str],
    leeway_s: int,
    now: int,
) -> None:
    """Check iss, aud, exp, nbf and iat of verified claims; `InvalidToken` names the failure."""
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=leeway_s,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "values": sorted(audiences)},
        exp={"essential": True},
        sub={"essential": True},
    )
    try:
        registry.validate(dict(claims))
    except ExpiredTokenError as exc:
        raise InvalidToken("token has expired") from exc
    except MissingClaimError as exc:
        raise InvalidToken(f"token lacks claim {exc.claim}") from exc
    except InvalidClaimError as exc:
        raise InvalidToken(_CLAIM_REASONS.get(exc.claim, f"invalid claim {exc.claim}")) from exc


_CLAIM_REASONS = {
    "aud": "token is not meant for this API",
    "iss": "token issuer does not match",
    "nbf": "token is not valid yet",
    "iat": "token was issued in the future",
}
