"""Bearer JWT access tokens (RFC 9068) from the registry's issuers, checked with joserfc."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import Key, KeySet

from events.messages import Principal
from service.identity.access_token import ACCESS_TOKEN_TYPES, check_claims, peek
from service.identity.dev_issuer import DevIssuer
from service.identity.errors import InvalidToken
from service.identity.registry import DEV_ISSUER, IssuerEntry, IssuerRegistry

_PUBLIC_KEY_TYPES = frozenset({"RSA", "EC", "OKP"})


@dataclass(frozen=True, slots=True, kw_only=True)
class BearerPolicy:
    """Timing knobs of token validation and key caching."""

    leeway_s: int = 30
    jwks_ttl_s: float = 600.0
    # At most one forced refetch per issuer in this window, so a flood of made-up key ids
    # cannot turn into a flood of requests to the identity provider.
    refetch_floor_s: float = 10.0
    fetch_timeout_s: float = 5.0


@dataclass(slots=True, kw_only=True)
class _IssuerKeys:
    keys: KeySet | None = None
    fetched_at: float = float("-inf")
    forced_at: float = float("-inf")
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class JwksCache:
    """Per-issuer discovery + JWKS cache with a TTL and rate-limited forced refetches."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        policy: BearerPolicy = BearerPolicy(),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._policy = policy
        self._monotonic = monotonic
        self._issuers: dict[str, _IssuerKeys] = {}
        self.fetches = 0  # how many JWKS documents were fetched; tests read it

    async def keys(self, entry: IssuerEntry, *, force: bool = False) -> KeySet:
        """The issuer's verification keys, fetched when stale or when `force` is allowed."""
        state = self._issuers.setdefault(entry.issuer, _IssuerKeys())
        async with state.lock:
            now = self._monotonic()
            fresh = state.keys is not None and now - state.fetched_at < self._policy.jwks_ttl_s
            may_force = now - state.forced_at >= self._policy.refetch_floor_s
            if state.keys is not None and fresh and not (force and may_force):
                return state.keys
            if state.keys is not None and fresh and force:
                state.forced_at = now
            state.keys = await self._fetch(entry)
            state.fetched_at = self._monotonic()
            return state.keys

    async def _fetch(self, entry: IssuerEntry) -> KeySet:
        discovery_url = entry.issuer.rstrip("/") + "/.well-known/openid-configuration"
        discovery = await self._get_json(discovery_url)
        # A discovery document naming another issuer is a mix-up, not a typo to tolerate.
        if discovery.get("issuer") != entry.issuer:
            raise InvalidToken("issuer discovery names a different issuer")
        jwks_uri = discovery.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise InvalidToken("issuer discovery has no jwks_uri")
        jwks = await self._get_json(jwks_uri)
        self.fetches += 1
        return _public_signing_keys(jwks)

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self._http.get(url, timeout=self._policy.fetch_timeout_s)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise InvalidToken("issuer keys could not be fetched") from exc
        if not isinstance(body, dict):
            raise InvalidToken("issuer answered with something other than a JSON object")
        return body


def _public_signing_keys(jwks: Mapping[str, Any]) -> KeySet:
    raw = jwks.get("keys")
    if not isinstance(raw, list):
        raise InvalidToken("issuer JWKS has no keys")
    # Symmetric ("oct") or encryption keys in a public JWKS must never verify a signature.
    usable = [
        k
        for k in raw
        if isinstance(k, dict)
        and k.get("kty") in _PUBLIC_KEY_TYPES
        and k.get("use", "sig") == "sig"
    ]
    try:
        return KeySet.import_key_set({"keys": usable})
    except JoseError as exc:
        raise InvalidToken("issuer JWKS has no usable signing keys") from exc


VERIFIED_TOKENS = 4_096
"""Tokens a validator remembers having verified (the least recently used are forgotten): the
tokens of a few thousand clients at once, at most 64 MiB even if every one were as long as
`peek` allows (16 kB), a few MiB for tokens of the usual kilobyte."""


@dataclass(frozen=True, slots=True)
class _Verified:
    """A token that verified, and what its verification depended on."""

    entry: IssuerEntry | None
    """Its issuer's registry entry; None for a development token."""
    keys: KeySet | None
    """The issuer's key set it verified against; None for a development token."""
    claims: Mapping[str, Any]
    principal: Principal


class BearerValidator:
    """Validates bearer access tokens and maps them to a `Principal` through the registry.

    A client sends the same token with every request until it expires, and checking its
    signature and reading its JSON is most of the work. So a token that verified is remembered
    with its claims, its principal, its issuer's registry entry and the key set it verified
    against. The next request with the same token (the same bytes) is answered from that
    after its time claims (expiry, not-before) are checked again, now, and only while the
    issuer's entry and the key set the JWKS cache holds for it are still the ones it verified
    against: once the keys are refetched (their TTL, or a key id nobody knew) the token is
    verified again. Everything else the answer depends on is in the token's bytes, so the
    answer is the one a full validation gives. Tokens that fail are not remembered.
    """

    def __init__(
        self,
        registry: IssuerRegistry,
        keys: JwksCache,
        *,
        policy: BearerPolicy = BearerPolicy(),
        dev_issuer: DevIssuer | None = None,
        dev_mode: bool = False,
        clock: Callable[[], float] = time.time,
        remember: int = VERIFIED_TOKENS,
    ) -> None:
        self._registry = registry
        self._keys = keys
        self._policy = policy
        self._dev_issuer = dev_issuer
        self._dev_mode = dev_mode
        self._clock = clock
        self._remember = remember
        self._verified: OrderedDict[str, _Verified] = OrderedDict()

    async def validate(self, token: str) -> Principal:
        """The principal a valid access token speaks for; `InvalidToken` (401) otherwise."""
        known = self._verified.get(token)
        if known is not None:
            try:
                principal = await self._still_valid(known)
            except InvalidToken:
                self._verified.pop(token, None)
                raise
            if principal is not None:
                if token in self._verified:  # (another request may have dropped it meanwhile)
                    self._verified.move_to_end(token)
                return principal
            self._verified.pop(token, None)
        verified = await self._verify(token)
        self._verified[token] = verified
        if len(self._verified) > self._remember:
            self._verified.popitem(last=False)
        return self._principal(verified)

    def _principal(self, verified: _Verified) -> Principal:
        if verified.entry is None:  # a dev token names any organisation; an oversight
            # body's scope still comes from the registry, as for every other issuer
            return self._registry.grants.apply(verified.principal)
        return verified.principal

    async def _still_valid(self, known: _Verified) -> Principal | None:
        """A remembered token's principal, its time claims checked now; None when what it was
        verified against changed (verify it again); `InvalidToken` when it expired."""
        if known.entry is None:
            assert self._dev_issuer is not None
            self._dev_issuer.recheck(known.claims)
            return self._principal(known)
        entry = self._registry.lookup(known.entry.issuer)
        if entry is not known.entry or await self._keys.keys(entry) is not known.keys:
            return None
        self._check(known.claims, entry)
        return known.principal

    def _check(self, claims: Mapping[str, Any], entry: IssuerEntry) -> None:
        check_claims(
            claims,
            issuer=entry.issuer,
            audiences=entry.audiences,
            leeway_s=self._policy.leeway_s,
            now=int(self._clock()),
        )

    async def _verify(self, token: str) -> _Verified:
        """A full validation: the signature against the issuer's keys, then the claims."""
        seen = peek(token)
        alg = seen.header.get("alg")
        if not isinstance(alg, str) or alg.lower() == "none":
            raise InvalidToken("unsigned tokens are refused")
        typ = seen.header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in ACCESS_TOKEN_TYPES:
            raise InvalidToken("not an access token (typ must be at+jwt)")
        issuer = seen.claims.get("iss")
        if not isinstance(issuer, str):
            raise InvalidToken("token has no issuer")
        if issuer == DEV_ISSUER:
            if self._dev_issuer is None:
                raise InvalidToken("development tokens are accepted only in dev mode")
            claims = self._dev_issuer.verify(token, dev_mode=self._dev_mode)
            return _Verified(None, None, claims, self._dev_issuer.principal_of(claims))
        entry = self._registry.lookup(issuer)
        if alg not in entry.algorithms:
            raise InvalidToken(f"algorithm {alg} is not allowed for this issuer")
        keys, key = await self._key_for(entry, seen.header.get("kid"), alg)
        try:
            verified = jwt.decode(token, key, algorithms=[alg])
        except JoseError as exc:
            raise InvalidToken("signature does not verify") from exc
        self._check(verified.claims, entry)
        return _Verified(entry, keys, verified.claims, entry.principal(verified.claims))

    async def _key_for(self, entry: IssuerEntry, kid: Any, alg: str) -> tuple[KeySet, Key]:
        if kid is not None and not isinstance(kid, str):
            raise InvalidToken("token key id is not a string")
        for force in (False, True):
            keys = await self._keys.keys(entry, force=force)
            try:
                key = keys.get_by_kid(kid)
            except JoseError:
                continue  # unknown kid: the issuer may have rotated; refetch once
            if key.get("alg") not in (None, alg):
                raise InvalidToken("token algorithm does not match its key")
            return keys, key
        raise InvalidToken("unknown key id")
