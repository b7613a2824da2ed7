"""Bearer validation against a fake issuer whose keys the test holds, for tokens no IdP mints."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from service.identity.access_token import peek
from service.identity.bearer import BearerPolicy, BearerValidator, JwksCache
from service.identity.errors import InvalidToken, UnknownIssuer
from service.identity.registry import IssuerRegistry, parse_registry

ISSUER = "https://idp.polisen.example"
OTHER = "https://idp.kommun.example"
API = "urn:samverkan:api"


class FakeIssuer:
    """Serves discovery and JWKS for issuers whose signing keys the test holds."""

    def __init__(self) -> None:
        self.keys: dict[str, list[RSAKey]] = {ISSUER: [_key("a1")], OTHER: [_key("b1")]}
        self.extra_jwks: dict[str, list[dict[str, Any]]] = {ISSUER: [], OTHER: []}
        self.discovery_issuer: dict[str, str] = {ISSUER: ISSUER, OTHER: OTHER}
        self.jwks_requests = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        base = f"{request.url.scheme}://{request.url.host}"
        if request.url.path == "/.well-known/openid-configuration":
            body = {"issuer": self.discovery_issuer[base], "jwks_uri": f"{base}/jwks"}
            return httpx.Response(200, json=body)
        if request.url.path == "/jwks":
            self.jwks_requests += 1
            public = [k.as_dict(private=False, alg="RS256", use="sig") for k in self.keys[base]]
            return httpx.Response(200, json={"keys": public + self.extra_jwks[base]})
        return httpx.Response(404)

    def sign(
        self,
        claims: dict[str, Any] | None = None,
        *,
        issuer: str = ISSUER,
        header: dict[str, Any] | None = None,
        key: RSAKey | None = None,
        **changes: Any,
    ) -> str:
        signer = key or self.keys[issuer][0]
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": issuer,
            "sub": "svc",
            "aud": API,
            "iat": now,
            "exp": now + 300,
            "client_id": "svc",
            "org": "LPO Järfälla",
            "groups": ["SAMVERKAN_TJANST"],
            **(claims or {}),
        }
        for name, value in changes.items():
            if value is None:
                body.pop(name, None)
            else:
                body[name] = value
        head = {"alg": "RS256", "typ": "at+jwt", "kid": signer.kid, **(header or {})}
        return jwt.encode(head, body, signer, algorithms=[head["alg"]])


def _key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def registry() -> IssuerRegistry:
    common = {
        "audiences": [API],
        "algorithms": ["RS256"],
        "roles_claim": "groups",
        "roles": {"SAMVERKAN_TJANST": ["service"]},
    }
    return parse_registry(
        {
            "issuer": [
                {
                    **common,
                    "name": "polisen",
                    "issuer": ISSUER,
                    "organisation_claim": "org",
                    "organisations": {"LPO Järfälla": "polisen-lpo-jarfalla"},
                },
                {**common, "name": "kommun", "issuer": OTHER, "organisation": "kommun-x"},
            ]
        }
    )


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake() -> FakeIssuer:
    return FakeIssuer()


@pytest.fixture
def monotonic() -> Clock:
    return Clock()


@pytest.fixture
async def cache(fake: FakeIssuer, monotonic: Clock) -> AsyncIterator[JwksCache]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handle)) as http:
        yield JwksCache(http, policy=BearerPolicy(), monotonic=monotonic)


@pytest.fixture
def validator(cache: JwksCache) -> BearerValidator:
    return BearerValidator(registry(), cache)


async def refused(validator: BearerValidator, token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        await validator.validate(token)
    return caught.value.reason


@pytest.mark.asyncio
async def test_a_valid_token_maps_to_the_police_area_principal(
    fake: FakeIssuer, validator: BearerValidator
) -> None:
    principal = await validator.validate(fake.sign())
    assert principal.organisation_id == "polisen-lpo-jarfalla"
    assert principal.roles == frozenset({"service"})
    assert principal.client_id == "svc"
    assert principal.issuer == ISSUER


@pytest.mark.asyncio
async def test_an_expired_token_is_refused(fake: FakeIssuer, validator: BearerValidator) -> None:
    now = int(time.time())
    assert await refused(validator, fake.sign(exp=now - 31, iat=now - 400)) == "token has expired"


@pytest.mark.asyncio
async def test_a_token_expired_within_the_leeway_is_still_accepted(
    fake: FakeIssuer, validator: BearerValidator
) -> None:
    now = int(time.time())
    await validator.validate(fake.sign(exp=now - 10, iat=now - 400))


@pytest.mark.asyncio
async def test_a_token_not_valid_yet_is_refused(
    fake: FakeIssuer, validator: BearerValidator
) -> None:
    now = int(time.time())
    assert await refused(validator, fake.sign(nbf=now + 120)) == "token is not valid yet"


@pytest.mark.asyncio
async def test_a_token_for_another_audience_is_refused(
    fake: FakeIssuer, validator: BearerValidator
) -> None:
    reason = await refused(validator, fake.sign(aud="urn:other:api"))
    assert reason == "token is not meant for this API"


@pytest.mark.asyncio
async def test_a_token_without_audience_is_refused(
    fake: FakeIssuer, validator: BearerValidator
) -> None:
    assert "lacks claim aud" in await refused(validator, fake.sign(aud=None))


@pytest.mark.asyncio
async def test_a_token_from_an_unknown_issuer_is_refused(
    fake: FakeIssuer, validator: BearerValidator
) -> None:
    with pytest.raises(UnknownIssuer):
        await validator.validate(fake.sign(iss="https://evil.example"))


@pytest.mark.asyncio
async def test_a_token_signed_by_one_issuer_but_naming_another_is_refused(
    fake: FakeIssuer, validator: BearerValidator
) -> None:
    # Signed with the police key, claiming to come from the municipality's issuer.
    token = fake.sign(iss=OTHER, key=fake.keys[ISSUER][0])
    assert await refused(validator, token) == "unknown key id"


@pytest.mark.asyncio
async def test_an_unsigned_alg_none_token_is_refused(
    fake: FakeIssuer, validator: BearerValidator
) -> None:
    signed = fake.sign()
    header = _b64(json.dumps({"alg": "none", "typ": "at+jwt"}).encode())
    token = f"{header}.{signed.split('.')[1]}."
    assert await refused(validator, token) == "unsigned tokens are refused"


@pytest.mark.asyncio
async def test_hs256_signed_with_the_rsa_public_key_is_refused(
    fake: FakeIssuer, validator: BearerValidator
) -> None:
    public_pem = fake.keys[ISSUER][0].as_pem(private=False)
    payload = fake.sign().split(".")[1]
    header = _b64(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": "a1"}).encode())
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    token = f"{header}.{payload}.{_b64(signature)}"
    assert await refused(validator, token) == "algorithm HS256 is not allowed for this issuer"


@pytest.mark.asyncio
async def test_a_tampered_payload_is_refused(fake: FakeIssuer, validator: BearerValidator) -> None:
    head, _, sig = fake.sign().split(".")
    payload = fake.sign(sub="someone-else").split(".")[1]
    assert await refused(validator, f"{head}.{payload}.{sig}") == "signature does not verify"


@pytest.mark.asyncio
async def test_an_id_token_sent_as_bearer_is_refused(
    fake: FakeIssuer, validator: BearerValidator
) -> None:
    token = fake.sign(header={"typ": "JWT"}, aud="samverkan-web", nonce="n")
    assert await refused(validator, token) == "not an access token (typ must be at+jwt)"


@pytest.mark.asyncio
async def test_a_token_without_typ_is_refused(fake: FakeIssuer, validator: BearerValidator) -> None:
    head = {"alg": "RS256", "kid": "a1"}
    token = jwt.encode(head, {"iss": ISSUER}, fake.keys[ISSUER][0], algorithms=["RS256"])
    assert "typ must be at+jwt" in await refused(validator, token)


@pytest.mark.asyncio
async def test_garbage_is_refused_as_not_a_jws(validator: BearerValidator) -> None:
    assert await refused(validator, "not.a.jwt") == "token is not a compact JWS"
    assert await refused(validator, "abc") == "token is not a compact JWS"


@pytest.mark.asyncio
async def test_an_unknown_kid_triggers_one_refetch_and_a_rotated_key_is_accepted(
    fake: FakeIssuer, validator: BearerValidator
) -> None:
    await validator.validate(fake.sign())
    assert fake.jwks_requests == 1
    rotated = _key("a2")
    fake.keys[ISSUER].insert(0, rotated)
    await validator.validate(fake.sign(key=rotated))
    assert fake.jwks_requests == 2


@pytest.mark.asyncio
async def test_unknown_kids_force_at_most_one_refetch_per_floor(
    fake: FakeIssuer, validator: BearerValidator, monotonic: Clock
) -> None:
    await validator.validate(fake.sign())
    stranger = _key("zz")
    for _ in range(5):
        assert await refused(validator, fake.sign(key=stranger)) == "unknown key id"
    assert fake.jwks_requests == 2
    monotonic.now += BearerPolicy().refetch_floor_s
    await refused(validator, fake.sign(key=stranger))
    assert fake.jwks_requests == 3


@pytest.mark.asyncio
async def test_keys_are_refetched_after_the_ttl(
    fake: FakeIssuer, validator: BearerValidator, monotonic: Clock
) -> None:
    await validator.validate(fake.sign())
    await validator.validate(fake.sign())
    assert fake.jwks_requests == 1
    monotonic.now += BearerPolicy().jwks_ttl_s + 1
    await validator.validate(fake.sign())
    assert fake.jwks_requests == 2


@pytest.mark.asyncio
async def test_a_discovery_document_naming_another_issuer_is_refused(
    fake: FakeIssuer, validator: BearerValidator
) -> None:
    fake.discovery_issuer[ISSUER] = OTHER
    assert await refused(validator, fake.sign()) == "issuer discovery names a different issuer"


@pytest.mark.asyncio
async def test_a_symmetric_key_in_the_jwks_is_never_used(
    fake: FakeIssuer, validator: BearerValidator
) -> None:
    secret = b"published-by-mistake"
    fake.extra_jwks[ISSUER].append({"kty": "oct", "kid": "oct1", "k": _b64(secret)})
    payload = fake.sign().split(".")[1]
    header = _b64(json.dumps({"alg": "RS256", "typ": "at+jwt", "kid": "oct1"}).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert await refused(validator, f"{header}.{payload}.{_b64(signature)}") == "unknown key id"


@pytest.mark.asyncio
async def test_a_police_token_claiming_a_municipality_is_refused(
    fake: FakeIssuer, validator: BearerValidator
) -> None:
    reason = await refused(validator, fake.sign(org="Upplands-Bro kommun"))
    assert reason == "organisation 'Upplands-Bro kommun' is not allowed for this issuer"


@pytest.mark.asyncio
async def test_a_fixed_organisation_issuer_maps_every_token_to_its_organisation(
    fake: FakeIssuer, validator: BearerValidator
) -> None:
    principal = await validator.validate(fake.sign(issuer=OTHER, org="polisen-lpo-jarfalla"))
    assert principal.organisation_id == "kommun-x"


@pytest.mark.asyncio
async def test_an_unreachable_issuer_is_a_401_not_a_crash() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(down)) as http:
        validator = BearerValidator(registry(), JwksCache(http))
        token = FakeIssuer().sign()
        assert await refused(validator, token) == "issuer keys could not be fetched"


def test_the_www_authenticate_header_names_the_reason() -> None:
    header = InvalidToken('token has "expired"').www_authenticate()
    assert header == ('Bearer error="invalid_token", error_description="token has \'expired\'"')


def test_peek_refuses_oversized_tokens() -> None:
    with pytest.raises(InvalidToken, match="too large"):
        peek("a" * 20_000)


class Verifications:
    """Counts signature verifications (joserfc's `jwt.decode`) while the test runs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        decode = jwt.decode

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return decode(*args, **kwargs)

        monkeypatch.setattr(jwt, "decode", counted)


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> Verifications:
    return Verifications(monkeypatch)


@pytest.mark.asyncio
async def test_a_token_seen_before_is_not_verified_again_yet_still_expires(
    fake: FakeIssuer, cache: JwksCache, verifications: Verifications
) -> None:
    clock = Clock()
    clock.now = time.time()
    validator = BearerValidator(registry(), cache, clock=clock)
    token = fake.sign(exp=int(clock.now) + 60)
    first = await validator.validate(token)
    assert await validator.validate(token) == first
    assert verifications.count == 1
    clock.now += 60 + BearerPolicy().leeway_s + 1
    assert await refused(validator, token) == "token has expired"
    assert await refused(validator, token) == "token has expired"


@pytest.mark.asyncio
async def test_a_remembered_token_is_verified_again_once_its_issuers_keys_are_refetched(
    fake: FakeIssuer, validator: BearerValidator, monotonic: Clock, verifications: Verifications
) -> None:
    token = fake.sign()
    await validator.validate(token)
    monotonic.now += BearerPolicy().jwks_ttl_s + 1
    await validator.validate(token)
    assert verifications.count == 2
    fake.keys[ISSUER] = [_key("a2")]  # the key that signed it is withdrawn
    monotonic.now += BearerPolicy().jwks_ttl_s + 1
    assert await refused(validator, token) == "unknown key id"


@pytest.mark.asyncio
async def test_a_forged_token_is_refused_after_the_genuine_one_was_remembered(
    fake: FakeIssuer, validator: BearerValidator
) -> None:
    token = fake.sign()
    await validator.validate(token)
    head, _, sig = token.split(".")
    payload = fake.sign(sub="someone-else", org="LPO Järfälla").split(".")[1]
    assert await refused(validator, f"{head}.{payload}.{sig}") == "signature does not verify"
    assert await refused(validator, token + "x") == "signature does not verify"


@pytest.mark.asyncio
async def test_the_validator_remembers_a_bounded_number_of_tokens(
    fake: FakeIssuer, cache: JwksCache, verifications: Verifications
) -> None:
    validator = BearerValidator(registry(), cache, remember=2)
    one, two, three = (fake.sign(sub=f"svc-{n}") for n in range(3))
    for token in (one, two, three, three, two):
        await validator.validate(token)
    assert verifications.count == 3
    await validator.validate(one)  # forgotten when the third came
    assert verifications.count == 4
