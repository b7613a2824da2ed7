"""Two real OpenID Providers (panva oidc-provider, `tests/idp/server.mjs`) on 127.0.0.1.

Session-scoped: a police issuer and a municipality issuer on free ports, plus a reserved app
origin whose `/auth/callback` both accept. Without node/npm the tests that need them are skipped
on a developer machine and fail when CI=true. `tests/e2e/conftest.py` exposes the fixtures; the
helpers (`user_tokens`, `follow_idp_login`, `registry_toml`) are imported from here.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import IO, Any, NoReturn
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
import pytest

IDP_DIR = Path(__file__).resolve().parent
API_AUDIENCE = "urn:samverkan:api"
WEB_CLIENT = ("samverkan-web", "web-secret")
START_TIMEOUT_S = 20.0
INSTALL_TIMEOUT_S = 300.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Idp:
    """One running provider: its issuer URL and the process behind it."""

    profile: str
    issuer: str
    process: subprocess.Popen[bytes]
    log: Path

    async def rotate(self) -> list[str]:
        """Prepend a fresh signing key at runtime; returns the published key ids, newest first."""
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.post(f"{self.issuer}/__admin/rotate")
        response.raise_for_status()
        kids: list[str] = response.json()["kids"]
        return kids

    async def jwks(self) -> dict[str, Any]:
        """The provider's published JWKS."""
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.get(f"{self.issuer}/jwks")
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    async def client_credentials(self, client_id: str, secret: str) -> str:
        """An access token for a service client (RFC 9068 JWT)."""
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.post(
                f"{self.issuer}/token",
                data={"grant_type": "client_credentials", "scope": "api"},
                auth=(client_id, secret),
            )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token


@dataclass(frozen=True, slots=True, kw_only=True)
class Idps:
    """Both providers and the app origin registered with them."""

    police: Idp
    municipality: Idp
    app_origin: str

    @property
    def callback_url(self) -> str:
        return f"{self.app_origin}/auth/callback"

    @property
    def logout_url(self) -> str:
        return f"{self.app_origin}/"


def skip_or_fail(reason: str) -> NoReturn:
    """Skip on a developer machine; fail under CI=true, where a skip would hide a gap."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _install(npm: str) -> None:
    if (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    # No lock file: package.json pins exact versions and a lock would record registry URLs.
    subprocess.run(
        [npm, "install", "--no-package-lock", "--no-audit", "--no-fund"],
        cwd=IDP_DIR,
        check=True,
        timeout=INSTALL_TIMEOUT_S,
        capture_output=True,
    )


def _start(node: str, profile: str, app_origin: str, logs: Path) -> Idp:
    port = _free_port()
    log = logs / f"{profile}.log"
    env = {
        **os.environ,
        "PORT": str(port),
        "PROFILE": profile,
        "REDIRECT_URIS": f"{app_origin}/auth/callback",
        "LOGOUT_URIS": f"{app_origin}/",
        "AUDIENCE": API_AUDIENCE,
    }
    handle: IO[bytes]
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [node, str(IDP_DIR / "server.mjs")],
            cwd=IDP_DIR,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    return Idp(profile=profile, issuer=f"http://127.0.0.1:{port}", process=process, log=log)


def _wait_ready(idp: Idp) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    url = f"{idp.issuer}/.well-known/openid-configuration"
    while time.monotonic() < deadline:
        if idp.process.poll() is not None:
            break
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    tail = idp.log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"test IdP {idp.profile} did not become ready:\n{tail}")


def _stop(idp: Idp) -> None:
    if idp.process.poll() is None:
        idp.process.terminate()
        try:
            idp.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            idp.process.kill()
            idp.process.wait(timeout=10)


@pytest.fixture(scope="session")
def idps() -> Iterator[Idps]:
    """A police and a municipality OpenID Provider, ready for discovery."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        skip_or_fail("node and npm are needed to run the test OpenID Providers")
    _install(npm)
    app_origin = f"http://127.0.0.1:{_free_port()}"
    with tempfile.TemporaryDirectory(prefix="samverkan-idp-") as tmp:
        started: list[Idp] = []
        try:
            for profile in ("police", "municipality"):
                started.append(_start(node, profile, app_origin, Path(tmp)))
            for idp in started:
                _wait_ready(idp)
            yield Idps(police=started[0], municipality=started[1], app_origin=app_origin)
        finally:
            for idp in started:
                _stop(idp)


_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
_PROMPT = re.compile(r'name="prompt" value="([a-z]+)"')


async def follow_idp_login(
    http: httpx.AsyncClient, start: str, *, user: str, stop_at: str, max_steps: int = 20
) -> str:
    """Follow redirects and submit the IdP's login and consent forms as a browser would.

    Returns the first URL that starts with `stop_at` (the RP callback) without requesting it.
    """
    url = start
    for _ in range(max_steps):
        if url.startswith(stop_at):
            return url
        response = await http.get(url)
        while response.status_code == 200:
            match = _FORM.search(response.text)
            if match is None:
                raise AssertionError(f"IdP page without a form at {url}: {response.text[:300]}")
            action = urljoin(str(response.url), unescape(match.group(1)))
            prompt = _PROMPT.search(match.group(2))
            fields = {"prompt": prompt.group(1) if prompt else ""}
            if fields["prompt"] == "login":
                fields |= {"login": user, "password": "any"}
            response = await http.post(action, data=fields)
        if response.status_code not in (302, 303):
            raise AssertionError(f"unexpected {response.status_code} at {url}: {response.text}")
        url = urljoin(str(response.url), response.headers["location"])
    raise AssertionError(f"login did not reach {stop_at} in {max_steps} steps")


async def user_tokens(idp: Idp, *, user: str, callback_url: str) -> dict[str, Any]:
    """Run a code + PKCE login for `user` with the web client; the IdP's token response."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = {
        "client_id": WEB_CLIENT[0],
        "response_type": "code",
        "redirect_uri": callback_url,
        "scope": "openid profile org",
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
        "resource": API_AUDIENCE,
    }
    async with httpx.AsyncClient(timeout=10) as http:
        landed = await follow_idp_login(
            http, f"{idp.issuer}/auth?{urlencode(query)}", user=user, stop_at=callback_url
        )
        code = parse_qs(urlsplit(landed).query)["code"][0]
        response = await http.post(
            f"{idp.issuer}/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": callback_url,
                "code_verifier": verifier,
            },
            auth=WEB_CLIENT,
        )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def registry_toml(idps: Idps) -> str:
    """An issuer registry trusting both test providers, as the service would read it."""
    return f"""
[[issuer]]
name = "polisen"
issuer = "{idps.police.issuer}"
audiences = ["{API_AUDIENCE}"]
algorithms = ["RS256"]
roles_claim = "groups"
organisation_claim = "org"

[issuer.organisations]
"LPO Järfälla" = "polisen-lpo-jarfalla"

[issuer.roles]
SAMVERKAN_REDAKTOR = ["viewer", "editor"]
SAMVERKAN_UNDERTECKNARE = ["viewer", "signatory"]
SAMVERKAN_ADMIN = ["viewer", "org_admin"]
SAMVERKAN_TJANST = ["service"]

[issuer.login]
client_id = "{WEB_CLIENT[0]}"
client_secret_env = "SAMVERKAN_POLISEN_CLIENT_SECRET"
scope = "openid profile org"

[[issuer]]
name = "kommun"
issuer = "{idps.municipality.issuer}"
audiences = ["{API_AUDIENCE}"]
algorithms = ["RS256"]
roles_claim = "roles"
organisation_claim = "org"

[issuer.organisations]
"Upplands-Bro kommun" = "kommun-upplands-bro"
"Arjeplogs kommun" = "kommun-arjeplog"

[issuer.roles]
"Samverkan.Editor" = ["viewer", "editor"]
"Samverkan.Signatory" = ["viewer", "signatory"]
"Samverkan.Publisher" = ["viewer", "publisher"]
"Samverkan.Admin" = ["viewer", "org_admin"]
"Samverkan.Auditor" = ["auditor"]
"Samverkan.Service" = ["service"]

[issuer.login]
client_id = "{WEB_CLIENT[0]}"
client_secret_env = "SAMVERKAN_KOMMUN_CLIENT_SECRET"
scope = "openid profile org"
"""


LOGIN_SECRETS = {
    "SAMVERKAN_POLISEN_CLIENT_SECRET": WEB_CLIENT[1],
    "SAMVERKAN_KOMMUN_CLIENT_SECRET": WEB_CLIENT[1],
}


@pytest.fixture(scope="session")
def issuer_registry_file(idps: Idps, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The registry TOML for both test providers, written where settings can point."""
    path = tmp_path_factory.mktemp("registry") / "issuers.toml"
    path.write_text(registry_toml(idps), encoding="utf-8")
    return path
