"""Bearer validation against tokens from two real OpenID Providers on loopback."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import tomllib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from joserfc.jwk import RSAKey

from service.identity.access_token import peek
from service.identity.bearer import BearerPolicy, BearerValidator, JwksCache
from service.identity.errors import InvalidToken, UnknownIssuer
from service.identity.registry import IssuerRegistry, load_registry, parse_registry
from tests.idp.fixtures import Idps, registry_toml, user_tokens

Factory = Callable[..., BearerValidator]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def registry(issuer_registry_file: Path) -> IssuerRegistry:
    return load_registry(issuer_registry_file)


@pytest.fixture
def make_validator(registry: IssuerRegistry, http: httpx.AsyncClient) -> Factory:
    def make(
        *, registry_: IssuerRegistry | None = None, clock: Callable[[], float] = time.time
    ) -> BearerValidator:
        cache = JwksCache(http, policy=BearerPolicy())
        return BearerValidator(registry_ or registry, cache, clock=clock)

    return make


async def refused(validator: BearerValidator, token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        await validator.validate(token)
    return caught.value.reason


@pytest.mark.asyncio
async def test_a_police_client_credentials_token_is_accepted_and_mapped(
    idps: Idps, make_validator: Factory
) -> None:
    token = await idps.police.client_credentials("police-svc", "police-svc-secret")
    principal = await make_validator().validate(token)
    assert principal.issuer == idps.police.issuer
    assert principal.subject == "police-svc"
    assert principal.organisation_id == "polisen-lpo-jarfalla"
    assert principal.roles == frozenset({"service"})
    assert principal.client_id == "police-svc"


@pytest.mark.asyncio
async def test_a_municipal_service_token_is_mapped_to_upplands_bro(
    idps: Idps, make_validator: Factory
) -> None:
    token = await idps.municipality.client_credentials("ub-svc", "ub-svc-secret")
    principal = await make_validator().validate(token)
    assert principal.organisation_id == "kommun-upplands-bro"
    assert principal.roles == frozenset({"service"})


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("side", "user", "organisation", "roles"),
    [
        ("police", "p-signatory", "polisen-lpo-jarfalla", {"viewer", "signatory"}),
        ("police", "p-editor", "polisen-lpo-jarfalla", {"viewer", "editor"}),
        ("municipality", "ub-publisher", "kommun-upplands-bro", {"viewer", "publisher"}),
        ("municipality", "arjeplog-editor", "kommun-arjeplog", {"viewer", "editor"}),
        ("municipality", "auditor", "kommun-upplands-bro", {"auditor"}),
    ],
)
async def test_a_user_access_token_maps_to_organisation_and_roles(
    idps: Idps, make_validator: Factory, side: str, user: str, organisation: str, roles: set[str]
) -> None:
    idp = idps.police if side == "police" else idps.municipality
    tokens = await user_tokens(idp, user=user, callback_url=idps.callback_url)
    principal = await make_validator().validate(tokens["access_token"])
    assert principal.subject == user
    assert principal.organisation_id == organisation
    assert principal.roles == frozenset(roles)
    assert principal.client_id == "samverkan-web"


@pytest.mark.asyncio
async def test_an_id_token_sent_as_bearer_is_refused(idps: Idps, make_validator: Factory) -> None:
    tokens = await user_tokens(idps.police, user="p-editor", callback_url=idps.callback_url)
    reason = await refused(make_validator(), tokens["id_token"])
    assert reason == "not an access token (typ must be at+jwt)"


@pytest.mark.asyncio
async def test_a_police_token_claiming_a_municipality_is_refused(
    idps: Idps, make_validator: Factory
) -> None:
    tokens = await user_tokens(idps.police, user="p-rogue", callback_url=idps.callback_url)
    assert peek(tokens["access_token"]).claims["org"] == "Upplands-Bro kommun"
    reason = await refused(make_validator(), tokens["access_token"])
    assert reason == "organisation 'Upplands-Bro kommun' is not allowed for this issuer"


@pytest.mark.asyncio
async def test_an_expired_token_is_refused(idps: Idps, make_validator: Factory) -> None:
    token = await idps.police.client_credentials("police-svc", "police-svc-secret")
    later = make_validator(clock=lambda: time.time() + 300 + 31)
    assert await refused(later, token) == "token has expired"


@pytest.mark.asyncio
async def test_a_token_from_the_future_is_refused(idps: Idps, make_validator: Factory) -> None:
    token = await idps.police.client_credentials("police-svc", "police-svc-secret")
    earlier = make_validator(clock=lambda: time.time() - 120)
    assert await refused(earlier, token) == "token was issued in the future"


@pytest.mark.asyncio
async def test_a_token_for_another_audience_is_refused(idps: Idps, make_validator: Factory) -> None:
    text = registry_toml(idps).replace('audiences = ["urn:samverkan:api"]', 'audiences = ["x:y"]')
    other = parse_registry(tomllib.loads(text))
    token = await idps.municipality.client_credentials("ub-svc", "ub-svc-secret")
    assert await refused(make_validator(registry_=other), token) == (
        "token is not meant for this API"
    )


@pytest.mark.asyncio
async def test_a_token_from_an_issuer_missing_from_the_registry_is_refused(
    idps: Idps, make_validator: Factory
) -> None:
    only_police = parse_registry({"issuer": [tomllib.loads(registry_toml(idps))["issuer"][0]]})
    token = await idps.municipality.client_credentials("ub-svc", "ub-svc-secret")
    with pytest.raises(UnknownIssuer):
        await make_validator(registry_=only_police).validate(token)


@pytest.mark.asyncio
async def test_an_issuer_string_that_differs_by_a_slash_is_a_different_issuer(
    idps: Idps, make_validator: Factory
) -> None:
    text = registry_toml(idps).replace(
        f'issuer = "{idps.police.issuer}"', f'issuer = "{idps.police.issuer}/"'
    )
    token = await idps.police.client_credentials("police-svc", "police-svc-secret")
    with pytest.raises(UnknownIssuer):
        await make_validator(registry_=parse_registry(tomllib.loads(text))).validate(token)


@pytest.mark.asyncio
async def test_alg_none_with_a_real_payload_is_refused(idps: Idps, make_validator: Factory) -> None:
    token = await idps.police.client_credentials("police-svc", "police-svc-secret")
    payload = token.split(".")[1]
    header = _b64(json.dumps({"alg": "none", "typ": "at+jwt"}).encode())
    assert await refused(make_validator(), f"{header}.{payload}.") == "unsigned tokens are refused"


@pytest.mark.asyncio
async def test_hs256_signed_with_the_providers_rsa_public_key_is_refused(
    idps: Idps, make_validator: Factory
) -> None:
    token = await idps.police.client_credentials("police-svc", "police-svc-secret")
    jwks = await idps.police.jwks()
    kid = peek(token).header["kid"]
    public = RSAKey.import_key(next(k for k in jwks["keys"] if k["kid"] == kid))
    header = _b64(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": kid}).encode())
    payload = token.split(".")[1]
    for secret in (public.as_pem(private=False), json.dumps(public.as_dict()).encode()):
        mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        reason = await refused(make_validator(), f"{header}.{payload}.{_b64(mac)}")
        assert reason == "algorithm HS256 is not allowed for this issuer"


@pytest.mark.asyncio
async def test_an_unknown_kid_is_refused_after_one_refetch(
    idps: Idps, registry: IssuerRegistry, http: httpx.AsyncClient
) -> None:
    cache = JwksCache(http)
    validator = BearerValidator(registry, cache)
    token = await idps.police.client_credentials("police-svc", "police-svc-secret")
    await validator.validate(token)
    _, payload, sig = token.split(".")
    forged_head = _b64(json.dumps({"alg": "RS256", "typ": "at+jwt", "kid": "nobody"}).encode())
    for _ in range(3):
        assert await refused(validator, f"{forged_head}.{payload}.{sig}") == "unknown key id"
    assert cache.fetches == 2


@pytest.mark.asyncio
async def test_a_rotated_signing_key_is_accepted_without_restart(
    idps: Idps, registry: IssuerRegistry, http: httpx.AsyncClient
) -> None:
    cache = JwksCache(http)
    validator = BearerValidator(registry, cache)
    before = await idps.municipality.client_credentials("ub-svc", "ub-svc-secret")
    await validator.validate(before)
    assert cache.fetches == 1
    kids = await idps.municipality.rotate()
    after = await idps.municipality.client_credentials("ub-svc", "ub-svc-secret")
    assert peek(after).header["kid"] == kids[0] != peek(before).header["kid"]
    principal = await validator.validate(after)
    assert principal.organisation_id == "kommun-upplands-bro"
    assert cache.fetches == 2
    await validator.validate(before)  # the older key is still published
    assert cache.fetches == 2
