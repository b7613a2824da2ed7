"""The development issuer: its key on disk, its tokens, and dev mode as the only way in."""

from __future__ import annotations

import stat
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from service.identity.access_token import peek
from service.identity.bearer import BearerValidator, JwksCache
from service.identity.dev_issuer import KEY_FILE, DevIssuer
from service.identity.errors import InvalidToken
from service.identity.registry import DEV_ISSUER, parse_registry

REGISTRY = parse_registry(
    {
        "issuer": [
            {
                "name": "kommun",
                "issuer": "https://idp.kommun.example",
                "audiences": ["urn:samverkan:api"],
                "algorithms": ["RS256"],
                "roles_claim": "roles",
                "organisation": "kommun-x",
                "roles": {"Editor": ["editor"]},
            }
        ]
    }
)


@pytest.fixture
def dev(tmp_path: Path) -> DevIssuer:
    return DevIssuer.load_or_create(tmp_path / "data")


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    def nothing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404)

    async with httpx.AsyncClient(transport=httpx.MockTransport(nothing)) as client:
        yield client


def mint(dev: DevIssuer) -> str:
    return dev.mint(
        organisation_id="kommun-upplands-bro", roles=["editor", "viewer"], subject="dev-user"
    )


def test_the_key_is_generated_on_first_use_private_and_reused(tmp_path: Path) -> None:
    first = DevIssuer.load_or_create(tmp_path)
    mode = stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode)
    assert mode == 0o600
    second = DevIssuer.load_or_create(tmp_path)
    assert first.kid == second.kid
    assert second.validate(mint(first), dev_mode=True).subject == "dev-user"


def test_a_dev_token_is_accepted_in_dev_mode(dev: DevIssuer) -> None:
    principal = dev.validate(mint(dev), dev_mode=True)
    assert principal.issuer == DEV_ISSUER == "urn:samverkan:dev"
    assert principal.organisation_id == "kommun-upplands-bro"
    assert principal.roles == frozenset({"editor", "viewer"})


def test_a_dev_token_is_refused_when_dev_mode_is_off(dev: DevIssuer) -> None:
    with pytest.raises(InvalidToken, match="only in dev mode"):
        dev.validate(mint(dev), dev_mode=False)


def test_a_dev_token_is_an_rfc9068_access_token(dev: DevIssuer) -> None:
    seen = peek(mint(dev))
    assert seen.header["typ"] == "at+jwt" and seen.header["alg"] == "Ed25519"
    assert seen.claims["iss"] == "urn:samverkan:dev"


def test_an_expired_dev_token_is_refused(tmp_path: Path) -> None:
    token = DevIssuer.load_or_create(tmp_path).mint(
        organisation_id="o", roles=["viewer"], subject="s", ttl_s=60
    )
    later = DevIssuer.load_or_create(tmp_path, clock=lambda: time.time() + 120)
    with pytest.raises(InvalidToken, match="expired"):
        later.validate(token, dev_mode=True)


def test_a_token_from_another_dev_key_is_refused(tmp_path: Path, dev: DevIssuer) -> None:
    stranger = DevIssuer.load_or_create(tmp_path / "elsewhere")
    with pytest.raises(InvalidToken, match="signature"):
        dev.validate(mint(stranger), dev_mode=True)


def test_minting_an_unknown_role_is_refused(dev: DevIssuer) -> None:
    with pytest.raises(ValueError, match="unknown roles: superuser"):
        dev.mint(organisation_id="o", roles=["superuser"], subject="s")


@pytest.mark.asyncio
async def test_the_bearer_validator_refuses_dev_tokens_when_dev_mode_is_off(
    dev: DevIssuer, http: httpx.AsyncClient
) -> None:
    validator = BearerValidator(REGISTRY, JwksCache(http), dev_issuer=dev, dev_mode=False)
    with pytest.raises(InvalidToken, match="only in dev mode"):
        await validator.validate(mint(dev))


@pytest.mark.asyncio
async def test_the_bearer_validator_refuses_dev_tokens_by_default(
    dev: DevIssuer, http: httpx.AsyncClient
) -> None:
    validator = BearerValidator(REGISTRY, JwksCache(http))
    with pytest.raises(InvalidToken, match="only in dev mode"):
        await validator.validate(mint(dev))


@pytest.mark.asyncio
async def test_the_bearer_validator_accepts_dev_tokens_in_explicit_dev_mode(
    dev: DevIssuer, http: httpx.AsyncClient
) -> None:
    validator = BearerValidator(REGISTRY, JwksCache(http), dev_issuer=dev, dev_mode=True)
    principal = await validator.validate(mint(dev))
    assert principal.organisation_id == "kommun-upplands-bro"


@pytest.mark.asyncio
async def test_a_remembered_dev_token_still_expires_on_the_dev_issuers_clock(
    tmp_path: Path, http: httpx.AsyncClient
) -> None:
    now = [time.time()]
    dev = DevIssuer.load_or_create(tmp_path, clock=lambda: now[0])
    validator = BearerValidator(REGISTRY, JwksCache(http), dev_issuer=dev, dev_mode=True)
    token = dev.mint(organisation_id="kommun-upplands-bro", roles=["viewer"], subject="s", ttl_s=60)
    first = await validator.validate(token)
    assert await validator.validate(token) == first
    now[0] += 120
    with pytest.raises(InvalidToken, match="expired"):
        await validator.validate(token)
