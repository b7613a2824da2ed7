"""The built-in development issuer: local tokens for the demo, accepted only in dev mode."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from events.messages import ROLES, Principal
from service.identity.access_token import ACCESS_TOKEN_TYPES, check_claims, peek
from service.identity.errors import InvalidToken
from service.identity.registry import DEV_ISSUER

DEV_ALGORITHM = "Ed25519"
DEV_AUDIENCE = "urn:samverkan:api"
DEV_CLIENT_ID = "samverkan-dev"
DEV_PLATFORM_OPERATOR = "dev-platform-operator"
"""The subject the development issuer names as platform operator (`dev-token --platform-operator`),
as a registry's `[[platform_operator]]` names one of a real issuer's subjects."""
KEY_FILE = "dev-issuer.jwk.json"


class DevIssuer:
    """Mints and checks Ed25519-signed access tokens with issuer `urn:samverkan:dev`."""

    def __init__(
        self,
        key: OKPKey,
        *,
        audience: str = DEV_AUDIENCE,
        leeway_s: int = 30,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = key
        self._audience = audience
        self._leeway_s = leeway_s
        self._clock = clock

    @classmethod
    def load_or_create(
        cls,
        data_dir: Path,
        *,
        audience: str = DEV_AUDIENCE,
        clock: Callable[[], float] = time.time,
    ) -> DevIssuer:
        """The issuer whose key lives in `data_dir`, generating the key on first use."""
        path = data_dir / KEY_FILE
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            key = OKPKey.generate_key("Ed25519", parameters={"kid": secrets.token_hex(8)})
            _write_private(path, json.dumps(key.as_dict(private=True)))
        try:
            key = OKPKey.import_key(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, JoseError) as exc:
            raise ValueError(f"{path}: not a usable development key") from exc
        return cls(key, audience=audience, clock=clock)

    @property
    def kid(self) -> str | None:
        """Key id of the signing key."""
        return self._key.kid

    def mint(
        self,
        *,
        organisation_id: str,
        roles: Iterable[str],
        subject: str,
        ttl_s: int = 3600,
        person_id: str | None = None,
    ) -> str:
        """A signed access token for `subject` acting for `organisation_id` with `roles`."""
        wanted = frozenset(roles)
        unknown = wanted - ROLES
        if unknown:
            raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
        if not organisation_id or not subject:
            raise ValueError("organisation_id and subject must not be empty")
        now = int(self._clock())
        claims: dict[str, object] = {
            "iss": DEV_ISSUER,
            "sub": subject,
            "aud": self._audience,
            "iat": now,
            "nbf": now,
            "exp": now + ttl_s,
            "jti": secrets.token_urlsafe(12),
            "client_id": DEV_CLIENT_ID,
            "org": organisation_id,
            "roles": sorted(wanted),
        }
        if person_id is not None:
            claims["person_id"] = person_id
        header = {"alg": DEV_ALGORITHM, "typ": "at+jwt", "kid": self._key.kid}
        return jwt.encode(header, claims, self._key, algorithms=[DEV_ALGORITHM])

    def validate(self, token: str, *, dev_mode: bool) -> Principal:
        """The principal of a development token; refused unless `dev_mode` is explicitly on."""
        return self.principal_of(self.verify(token, dev_mode=dev_mode))

    def verify(self, token: str, *, dev_mode: bool) -> dict[str, Any]:
        """The claims of a development token whose signature and claims check; refused unless
        `dev_mode` is explicitly on."""
        if dev_mode is not True:
            raise InvalidToken("development tokens are accepted only in dev mode")
        seen = peek(token)
        typ = seen.header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in ACCESS_TOKEN_TYPES:
            raise InvalidToken("not an access token (typ must be at+jwt)")
        try:
            verified = jwt.decode(token, self._key, algorithms=[DEV_ALGORITHM])
        except JoseError as exc:
            raise InvalidToken("signature does not verify") from exc
        claims: dict[str, Any] = verified.claims
        self.recheck(claims)
        return claims

    def recheck(self, claims: Mapping[str, Any]) -> None:
        """Check a verified token's claims again, now (its expiry and not-before)."""
        check_claims(
            claims,
            issuer=DEV_ISSUER,
            audiences=frozenset({self._audience}),
            leeway_s=self._leeway_s,
            now=int(self._clock()),
        )

    def principal_of(self, claims: Mapping[str, Any]) -> Principal:
        """The principal verified development claims speak for."""
        organisation = claims.get("org")
        roles = claims.get("roles")
        if not isinstance(organisation, str) or not organisation:
            raise InvalidToken("token has no organisation")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise InvalidToken("token roles must be a list of strings")
        person = claims.get("person_id")
        subject = str(claims["sub"])
        return Principal(
            issuer=DEV_ISSUER,
            subject=subject,
            organisation_id=organisation,
            roles=frozenset(roles) & ROLES,
            person_id=person if isinstance(person, str) else None,
            client_id=DEV_CLIENT_ID,
            platform_operator=subject == DEV_PLATFORM_OPERATOR,
        )


def _write_private(path: Path, text: str) -> None:
    # Written aside, then linked into place: a process starting at the same moment sees either
    # no key or a whole one, and the second writer keeps the first one's key.
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink()
