"""The served app with single sign-on: real tokens from two real providers, through HTTP only.

The app runs as deployed (dev mode off) on the app origin the providers accept callbacks for,
trusts both test providers through a registry file, and holds the demo history.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import pytest
import uvicorn
import websockets
from joserfc.jwk import RSAKey
from starlette.applications import Starlette

from events.messages import Principal
from events.promise.commands import AddFocusArea, DraftPromise, ProposePromise
from events.promise.content import FocusArea, Period, PromiseDetails
from service.bootstrap import build_domain
from service.demo.load import load_demo
from service.dispatcher import Dispatcher
from service.identity.bearer import BearerValidator, JwksCache
from service.identity.login import CSRF_HEADER
from service.identity.registry import load_registry
from service.settings import Settings
from service.web.app import Services, create_app
from tests.api.conftest import free_port
from tests.conftest import Database
from tests.idp.fixtures import LOGIN_SECRETS, Idps, follow_idp_login, registry_toml, user_tokens

UB, LPO, ARJEPLOG = "org-upplands-bro", "org-lpo-jarfalla", "org-arjeplog"
# Upplands-Bro's and the police area's promise for this year, proposed and not published: what
# only its parties may see. The demo's own promises are published (upplands-bro-2018,
# arjeplog-pitea-alvdal-2023-2024) or other organisations' (medborgarlofte-2022).
UB_PROMISE = "sso-upplands-bro"
PUBLISHED = ("upplands-bro-2018", "arjeplog-pitea-alvdal-2023-2024")
ARJEPLOG_PROMISE = "arjeplog-pitea-alvdal-2023-2024"
COOKIE = "__Host-samverkan_session"
PROTOCOL = "graphql-transport-ws"
WAIT_S = 30.0

PROMISE = """query($id: ID!, $token: String) {
  promise(id: $id, consistencyToken: $token) { id status parties publicOnly document }
}"""
PAGE = """query($first: Int, $after: String) {
  promises(first: $first, after: $after) {
    promises { id status publicOnly } pageInfo { endCursor hasNextPage }
  }
}"""
SUBSCRIBE = "subscription($id: ID!) { promiseChanged(id: $id) { id status } }"
COMMAND = (
    "mutation($id: ID!, $input: {input}!) {{ result: {name}(commandId: $id, input: $input) "
    "{{ __typename ... on CommandAccepted {{ consistencyToken }}"
    " ... on Forbidden {{ message code }} ... on RuleViolated {{ message code }}"
    " ... on InvalidInput {{ message field }}"
    " ... on NotFound {{ message }} }} }}"
)


def sso_registry(idps: Idps) -> str:
    """The test registry, mapping the providers' organisations to the demo's organisation ids.

    The person id comes from the token's subject, so a signing mandate names the same person
    the provider authenticated. Upplands-Bro stands in for an oversight body whose scope is
    Arjeplog, so its auditor reads Arjeplog's drafts too (and nobody else's).
    """
    text = registry_toml(idps)
    for theirs, ours in (
        ('"polisen-lpo-jarfalla"', f'"{LPO}"'),
        ('"kommun-upplands-bro"', f'"{UB}"'),
        ('"kommun-arjeplog"', f'"{ARJEPLOG}"'),
    ):
        text = text.replace(theirs, ours)
    text += f'\n[[oversight]]\norganisation = "{UB}"\nscope = ["{ARJEPLOG}"]\n'
    return text.replace(
        'organisation_claim = "org"', 'organisation_claim = "org"\nperson_claim = "sub"'
    )


@dataclass(slots=True)
class Clock:
    """The validator's clock, shifted by tests that need a token to look expired or early."""

    skew_s: float = 0.0

    def __call__(self) -> float:
        return time.time() + self.skew_s

    @contextlib.contextmanager
    def shifted(self, seconds: float) -> Iterator[None]:
        self.skew_s = seconds
        try:
            yield
        finally:
            self.skew_s = 0.0


@dataclass(slots=True)
class SsoApp:
    """A served app and how to reach it."""

    url: str
    clock: Clock
    services: list[Services] = field(default_factory=list)


@contextlib.asynccontextmanager
async def serve(
    settings: Settings, port: int, clock: Clock, registry_path: Path
) -> AsyncIterator[SsoApp]:
    """Serve the real app on `port`; its bearer validator reads time from `clock`."""
    served = SsoApp(url=f"http://127.0.0.1:{port}", clock=clock)
    async with httpx.AsyncClient() as keys_http:

        async def on_ready(_: Starlette, services: Services) -> None:
            services.bearer = BearerValidator(
                load_registry(registry_path), JwksCache(keys_http), clock=clock
            )
            served.services.append(services)

        app = create_app(settings, on_ready=on_ready)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        try:
            async with asyncio.timeout(WAIT_S):
                while not server.started:
                    if task.done():
                        task.result()
                    await asyncio.sleep(0.02)
            yield served
        finally:
            server.should_exit = True
            await asyncio.wait_for(task, timeout=15)


@pytest.fixture(scope="module")
def login_env() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in LOGIN_SECRETS.items():
            patch.setenv(name, value)
        yield


async def propose_the_unpublished_promise(dispatcher: Dispatcher) -> None:
    """UB_PROMISE drafted by an Upplands-Bro editor with one focus area, proposed for signing."""
    now = dt.datetime.now(dt.UTC)
    actor = Principal(
        issuer="sso-test-setup",
        subject="ub-setup",
        organisation_id=UB,
        roles=frozenset({"editor"}),
    )
    details = PromiseDetails(title="Trygg i Bro", period=Period(label=str(now.year)))
    for command in (
        DraftPromise(
            command_id=f"{UB_PROMISE}/draft",
            actor=actor,
            at=now,
            promise_id=UB_PROMISE,
            parties=(UB, LPO),
            details=details,
        ),
        AddFocusArea(
            command_id=f"{UB_PROMISE}/focus-area",
            actor=actor,
            at=now,
            promise_id=UB_PROMISE,
            focus_area=FocusArea(focus_area_id="fa1", title="Trygga offentliga miljöer"),
        ),
        ProposePromise(
            command_id=f"{UB_PROMISE}/propose", actor=actor, at=now, promise_id=UB_PROMISE
        ),
    ):
        await dispatcher.dispatch(command)


@pytest.fixture(scope="module")
async def demo_loaded(pool: asyncpg.Pool) -> None:
    dispatcher = build_domain().dispatcher(pool)
    await load_demo(dispatcher)
    await propose_the_unpublished_promise(dispatcher)


def settings(db: Database, data_dir: Path, registry: Path, public_url: str) -> Settings:
    return Settings(
        database_url=db.admin_url,
        app_database_url=db.app_url,
        data_dir=data_dir,
        dev=False,
        issuer_registry=registry,
        public_url=public_url,
        session_secret="sso-test-session-secret",
    )


@pytest.fixture(scope="module")
async def app(
    idps: Idps,
    db: Database,
    demo_loaded: None,
    login_env: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[SsoApp]:
    """The app on the origin both providers redirect back to."""
    tmp = tmp_path_factory.mktemp("sso")
    registry = tmp / "issuers.toml"
    registry.write_text(sso_registry(idps), encoding="utf-8")
    port = int(urlsplit(idps.app_origin).port or 0)
    chosen = settings(db, tmp / "data", registry, idps.app_origin)
    async with serve(chosen, port, Clock(), registry) as served:
        yield served


@pytest.fixture(scope="module")
async def narrow_app(
    idps: Idps,
    db: Database,
    login_env: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[SsoApp]:
    """An app trusting only the police provider, and only for another API's audience."""
    tmp = tmp_path_factory.mktemp("narrow")
    police_only = sso_registry(idps).split("[[issuer]]")[1]
    registry = tmp / "issuers.toml"
    registry.write_text(
        "[[issuer]]" + police_only.replace("urn:samverkan:api", "urn:another:api"),
        encoding="utf-8",
    )
    port = free_port()
    chosen = settings(db, tmp / "data", registry, f"http://127.0.0.1:{port}")
    async with serve(chosen, port, Clock(), registry) as served:
        yield served


@pytest.fixture(scope="module")
async def tokens(idps: Idps) -> Callable[[str], Awaitable[dict[str, Any]]]:
    """A user's token response from their provider (cached: the providers' TTL is 300 s)."""
    cache: dict[str, dict[str, Any]] = {}

    async def get(user: str) -> dict[str, Any]:
        if user not in cache:
            idp = idps.police if user.startswith("p-") else idps.municipality
            cache[user] = await user_tokens(idp, user=user, callback_url=idps.callback_url)
        return cache[user]

    return get


Tokens = Callable[[str], Awaitable[dict[str, Any]]]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=15) as client:
        yield client


class Caller:
    """GraphQL over HTTP as one user (bearer), or anonymously."""

    def __init__(self, http: httpx.AsyncClient, app: SsoApp, token: str | None) -> None:
        self.http, self.app, self.token = http, app, token

    async def post(self, query: str, **variables: Any) -> httpx.Response:
        headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
        return await self.http.post(
            f"{self.app.url}/graphql",
            json={"query": query, "variables": variables},
            headers=headers,
        )

    async def data(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.post(query, **variables)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def command(self, name: str, /, **input: Any) -> dict[str, Any]:
        mutation = COMMAND.format(input=name[0].upper() + name[1:] + "Input", name=name)
        data = await self.data(mutation, id=str(uuid.uuid4()), input=input)
        result: dict[str, Any] = data["result"]
        return result

    async def ok(self, name: str, /, **input: Any) -> str:
        result = await self.command(name, **input)
        assert result["__typename"] == "CommandAccepted", result
        token: str = result["consistencyToken"]
        return token


async def as_user(http: httpx.AsyncClient, app: SsoApp, tokens: Tokens, user: str) -> Caller:
    return Caller(http, app, (await tokens(user))["access_token"])


async def promise_seen_by(
    caller: Caller, promise_id: str, token: str | None = None
) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (await caller.data(PROMISE, id=promise_id, token=token))[
        "promise"
    ]
    return found


@pytest.fixture(scope="module")
async def demo_ready(app: SsoApp, tokens: Tokens) -> None:
    """Wait (bounded) until the projections hold the demo and the unpublished promise after it."""
    async with httpx.AsyncClient(timeout=15) as http:
        member = await as_user(http, app, tokens, "ub-editor")
        async with asyncio.timeout(WAIT_S):
            while await promise_seen_by(member, UB_PROMISE) is None:
                await asyncio.sleep(0.1)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(part: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def with_header(token: str, **header: Any) -> str:
    """The token with header fields replaced and its signature left as it was."""
    head, body, signature = token.split(".")
    return ".".join((b64(json.dumps(unb64(head) | header).encode()), body, signature))


async def assert_refused(http: httpx.AsyncClient, app: SsoApp, token: str, reason: str) -> None:
    response = await Caller(http, app, token).post("{ logSize }")
    assert response.status_code == 401, response.text
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer error="invalid_token"'), challenge
    assert reason in challenge, challenge
    body = response.json()
    assert (body["error"], body["error_description"]) == ("invalid_token", reason)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# --- token validation as the app sees it -------------------------------------------------------


async def test_a_real_access_token_is_accepted_and_a_missing_one_is_anonymous(
    app: SsoApp, demo_ready: None, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    member = await as_user(http, app, tokens, "ub-editor")
    seen = await promise_seen_by(member, UB_PROMISE)
    assert seen is not None and seen["publicOnly"] is False
    assert seen["parties"] == [UB, LPO]
    assert await promise_seen_by(Caller(http, app, None), UB_PROMISE) is None


async def test_an_expired_token_is_refused_with_a_challenge(
    app: SsoApp, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    token = (await tokens("ub-editor"))["access_token"]
    with app.clock.shifted(300 + 31 + 5):
        await assert_refused(http, app, token, "token has expired")


async def test_a_token_from_the_future_is_refused_with_a_challenge(
    app: SsoApp, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    token = (await tokens("ub-editor"))["access_token"]
    with app.clock.shifted(-120):
        await assert_refused(http, app, token, "token was issued in the future")


async def test_a_token_for_another_audience_is_refused_with_a_challenge(
    narrow_app: SsoApp, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    token = (await tokens("p-editor"))["access_token"]
    await assert_refused(http, narrow_app, token, "token is not meant for this API")


async def test_a_token_from_an_issuer_missing_from_the_registry_is_refused(
    narrow_app: SsoApp, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    token = (await tokens("ub-editor"))["access_token"]
    await assert_refused(http, narrow_app, token, "issuer is not trusted")


async def test_an_unsigned_token_with_alg_none_is_refused(
    app: SsoApp, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    head, body, _ = with_header((await tokens("ub-editor"))["access_token"], alg="none").split(".")
    await assert_refused(http, app, f"{head}.{body}.", "unsigned tokens are refused")


async def test_a_token_signed_with_hs256_using_the_rsa_public_key_is_refused(
    app: SsoApp, idps: Idps, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    real = (await tokens("ub-editor"))["access_token"]
    kid = unb64(real.split(".")[0])["kid"]
    published = next(k for k in (await idps.municipality.jwks())["keys"] if k["kid"] == kid)
    pem = RSAKey.import_key(published).as_pem(private=False)
    head = b64(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": kid}).encode())
    body = real.split(".")[1]
    mac = hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    await assert_refused(
        http, app, f"{head}.{body}.{b64(mac)}", "algorithm HS256 is not allowed for this issuer"
    )


async def test_an_id_token_sent_as_bearer_is_refused(
    app: SsoApp, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    token = (await tokens("ub-editor"))["id_token"]
    await assert_refused(http, app, token, "not an access token (typ must be at+jwt)")


async def test_a_police_token_claiming_a_municipality_is_refused(
    app: SsoApp, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    token = (await tokens("p-rogue"))["access_token"]
    await assert_refused(
        http, app, token, "organisation 'Upplands-Bro kommun' is not allowed for this issuer"
    )


async def test_a_token_with_an_unknown_key_id_is_refused_after_one_refetch(
    app: SsoApp, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    token = with_header((await tokens("ub-editor"))["access_token"], kid="no-such-key")
    await assert_refused(http, app, token, "unknown key id")


async def test_a_token_signed_with_a_rotated_key_is_accepted_without_a_restart(
    app: SsoApp, demo_ready: None, idps: Idps, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    before = await as_user(http, app, tokens, "p-editor")
    assert await promise_seen_by(before, UB_PROMISE) is not None
    kids = await idps.police.rotate()
    fresh = await user_tokens(idps.police, user="p-editor", callback_url=idps.callback_url)
    assert unb64(fresh["access_token"].split(".")[0])["kid"] == kids[0]
    after = Caller(http, app, fresh["access_token"])
    seen = await promise_seen_by(after, UB_PROMISE)
    assert seen is not None and seen["publicOnly"] is False


# --- isolation, roles, masking -----------------------------------------------------------------


async def test_another_organisation_cannot_read_an_unpublished_promise_by_id(
    app: SsoApp, demo_ready: None, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    outsider = await as_user(http, app, tokens, "arjeplog-editor")
    assert await promise_seen_by(outsider, UB_PROMISE) is None
    own = await promise_seen_by(outsider, ARJEPLOG_PROMISE)
    assert own is not None and own["publicOnly"] is False


async def test_another_organisation_cannot_reach_an_unpublished_promise_by_cursor(
    app: SsoApp, demo_ready: None, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    outsider = await as_user(http, app, tokens, "arjeplog-editor")
    just_before = base64.urlsafe_b64encode(f"promise-{UB_PROMISE}"[:-1].encode() + b"0").decode()
    page = (await outsider.data(PAGE, first=1, after=just_before))["promises"]
    assert UB_PROMISE not in [p["id"] for p in page["promises"]]
    seen, cursor = [], None
    for _ in range(50):
        page = (await outsider.data(PAGE, first=1, after=cursor))["promises"]
        seen += page["promises"]
        cursor = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    assert UB_PROMISE not in [p["id"] for p in seen]
    assert ARJEPLOG_PROMISE in [p["id"] for p in seen]


async def first_message(app: SsoApp, token: str, promise_id: str, wait_s: float) -> Any:
    """The first message of a promiseChanged subscription, or None when none came in time."""
    url = app.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[PROTOCOL], open_timeout=10) as ws:  # type: ignore[list-item]
        init = {"authorization": f"Bearer {token}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        assert ack["type"] == "connection_ack", ack
        subscribe = {"query": SUBSCRIBE, "variables": {"id": promise_id}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        try:
            return json.loads(await asyncio.wait_for(ws.recv(), timeout=wait_s))
        except TimeoutError:
            return None


async def test_another_organisation_gets_nothing_by_subscription_argument(
    app: SsoApp, demo_ready: None, tokens: Tokens
) -> None:
    member = (await tokens("ub-editor"))["access_token"]
    outsider = (await tokens("arjeplog-editor"))["access_token"]
    seen = await first_message(app, member, UB_PROMISE, 10)
    assert seen["payload"]["data"]["promiseChanged"]["id"] == UB_PROMISE
    assert await first_message(app, outsider, UB_PROMISE, 2) is None


async def test_an_oversight_auditor_reads_its_scope_but_every_command_is_forbidden(
    app: SsoApp, demo_ready: None, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    auditor = await as_user(http, app, tokens, "auditor")
    for promise_id in (UB_PROMISE, ARJEPLOG_PROMISE):
        seen = await promise_seen_by(auditor, promise_id)
        assert seen is not None and seen["publicOnly"] is False
    # Neither its own organisation's nor in its scope: unpublished, so not there at all.
    assert await promise_seen_by(auditor, "medborgarlofte-2022") is None
    attempts: list[tuple[str, dict[str, Any]]] = [
        (
            "addFocusArea",
            {"promiseId": UB_PROMISE, "focusArea": {"focusAreaId": "x", "title": "X"}},
        ),
        ("registerPerson", {"personId": "p-auditor-made", "name": "Made by an auditor"}),
        ("grantSigningMandate", {"mandateId": "m-a", "personId": "auditor", "orgId": UB}),
        (
            "draftPromise",
            {"promiseId": "by-auditor", "parties": [UB, LPO], "details": {"title": "No"}},
        ),
    ]
    for name, input in attempts:
        result = await auditor.command(name, **input)
        assert result["__typename"] == "Forbidden", (name, result)


async def test_a_nul_in_a_variable_is_a_typed_400_without_internals(
    app: SsoApp, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    # This used to reach PostgreSQL and come back as a masked "Internal error"; a body holding a
    # NUL is now refused before anything runs. tests/unit/test_error_masking.py covers masking.
    member = await as_user(http, app, tokens, "ub-editor")
    response = await member.post(PROMISE, id="bad\u0000id")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["BAD_REQUEST"]
    text = response.text.lower()
    for leak in ("select", "asyncpg", "utf8", "traceback", ".py", "/work", "postgres"):
        assert leak not in text, leak


# --- the domain rules with real identities ------------------------------------------------------


async def test_a_police_signatory_with_a_mandate_signs_for_the_police_area_only(
    app: SsoApp, demo_ready: None, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    police_admin = await as_user(http, app, tokens, "p-admin")
    signer = await as_user(http, app, tokens, "p-signatory")
    await police_admin.ok("registerPerson", personId="p-signatory", name="Petra Polis")
    granted = await police_admin.ok(
        "grantSigningMandate", mandateId="m-p-signatory", personId="p-signatory", orgId=LPO
    )
    doc = await promise_seen_by(signer, UB_PROMISE, granted)
    assert doc is not None and doc["status"] == "proposed"
    working = doc["document"]["state"]["working"]
    signature = {
        "promiseId": UB_PROMISE,
        "revisionNo": working["revision_no"],
        "contentHash": working["content_hash"],
    }
    for_municipality = await signer.command("signPromise", **signature, partyId=UB)
    assert for_municipality["__typename"] == "Forbidden", for_municipality
    signed = await signer.ok("signPromise", **signature, partyId=LPO)
    after = await promise_seen_by(signer, UB_PROMISE, signed)
    assert after is not None
    signatures = after["document"]["state"]["working"]["signatures"]
    assert [s["party_id"] for s in signatures] == [LPO]


async def test_an_arjeplog_editor_cannot_touch_the_upplands_bro_promise(
    app: SsoApp, demo_ready: None, tokens: Tokens, http: httpx.AsyncClient
) -> None:
    outsider = await as_user(http, app, tokens, "arjeplog-editor")
    attempts: list[tuple[str, dict[str, Any]]] = [
        (
            "addFocusArea",
            {"promiseId": UB_PROMISE, "focusArea": {"focusAreaId": "x", "title": "X"}},
        ),
        ("proposePromise", {"promiseId": UB_PROMISE}),
        ("withdrawPromise", {"promiseId": UB_PROMISE, "reason": "Not ours"}),
    ]
    for name, input in attempts:
        result = await outsider.command(name, **input)
        # Unpublished and not Arjeplog's: answered as a promise that does not exist.
        missing = await outsider.command(name, **{**input, "promiseId": "no-such-promise"})
        assert result["__typename"] == "NotFound" and result == missing, (name, result)


async def test_an_anonymous_client_sees_only_published_promises(
    app: SsoApp, demo_ready: None, http: httpx.AsyncClient
) -> None:
    anonymous = Caller(http, app, None)
    for promise_id in (UB_PROMISE, "medborgarlofte-2022"):
        assert await promise_seen_by(anonymous, promise_id) is None
    for promise_id in PUBLISHED:
        seen = await promise_seen_by(anonymous, promise_id)
        assert seen is not None and seen["publicOnly"] is True, (promise_id, seen)
    listed = (await anonymous.data(PAGE, first=100))["promises"]["promises"]
    assert all(p["publicOnly"] for p in listed), listed
    assert {UB_PROMISE, "medborgarlofte-2022"}.isdisjoint(p["id"] for p in listed)
    assert set(PUBLISHED) <= {p["id"] for p in listed}
    refused = await anonymous.command("proposePromise", promiseId=UB_PROMISE)
    assert refused["__typename"] == "Forbidden", refused


# --- browser session: cookie, CSRF, logout -------------------------------------------------------


class ScriptedBrowser:
    """A cookie-carrying HTTP client that logs in through `/login/{provider}`.

    The app's cookies are `Secure`; httpx's jar would not send them over plain http, while a real
    browser does on a loopback origin, so the app's cookies (the session and the pre-login one)
    are carried here by hand.
    """

    def __init__(self, http: httpx.AsyncClient, app: SsoApp, idps: Idps) -> None:
        self.http, self.app, self.idps = http, app, idps
        self.cookies: dict[str, str] = {}
        self.set_cookies: list[str] = []
        """Every `Set-Cookie` of the session cookie, in order."""
        self.all_set_cookies: list[str] = []

    @property
    def session(self) -> str | None:
        """The session cookie's value, or None."""
        return self.cookies.get(COOKIE)

    async def app_request(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        sent = dict(headers or {})
        if self.cookies:
            sent["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = await self.http.request(method, f"{self.app.url}{path}", headers=sent, **kw)
        for raw in response.headers.get_list("set-cookie"):
            name, _, rest = raw.partition("=")
            if not name.startswith("__Host-"):
                continue
            self.all_set_cookies.append(raw)
            if name == COOKIE:
                self.set_cookies.append(raw)
            value = rest.split(";", 1)[0]
            expired = "expires=thu, 01 jan 1970" in raw.lower() or "max-age=0" in raw.lower()
            if expired or value in ("", "null", '""'):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    async def log_in(self, provider: str, user: str) -> dict[str, Any]:
        start = await self.app_request("GET", f"/login/{provider}")
        assert start.status_code == 302, start.text
        landed = await follow_idp_login(
            self.http, start.headers["location"], user=user, stop_at=self.idps.callback_url
        )
        done = await self.app_request("GET", landed.removeprefix(self.app.url))
        assert done.status_code == 303, done.text
        session: dict[str, Any] = (await self.app_request("GET", "/auth/session")).json()
        return session

    async def graphql(self, query: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.app_request("POST", "/graphql", headers=headers, json={"query": query})


@pytest.fixture
async def browser(
    app: SsoApp, idps: Idps, http: httpx.AsyncClient
) -> AsyncIterator[ScriptedBrowser]:
    yield ScriptedBrowser(http, app, idps)


OWN_PROMISE = '{ promise(id: "' + UB_PROMISE + '") { id publicOnly } }'


async def test_a_cookie_post_needs_the_csrf_header_and_succeeds_with_it(
    browser: ScriptedBrowser, demo_ready: None
) -> None:
    session = await browser.log_in("kommun", "ub-editor")
    assert session["authenticated"] is True
    assert session["principal"]["organisation_id"] == UB
    assert session["principal"]["person_id"] == "ub-editor"
    without = await browser.graphql(OWN_PROMISE)
    assert without.status_code == 403, without.text
    wrong = await browser.graphql(OWN_PROMISE, headers={CSRF_HEADER: "not-the-token"})
    assert wrong.status_code == 403, wrong.text
    with_header_ = await browser.graphql(OWN_PROMISE, headers={CSRF_HEADER: session["csrf_token"]})
    assert with_header_.status_code == 200, with_header_.text
    assert with_header_.json()["data"]["promise"] == {"id": UB_PROMISE, "publicOnly": False}


async def test_the_session_cookie_is_host_bound_secure_httponly_and_lax(
    browser: ScriptedBrowser,
) -> None:
    await browser.log_in("polisen", "p-editor")
    issued = browser.set_cookies[-1]
    attributes = {part.strip().split("=")[0].lower() for part in issued.split(";")[1:]}
    assert issued.startswith(f"{COOKIE}=")
    assert {"secure", "httponly", "samesite", "path"} <= attributes
    assert "domain" not in attributes
    assert "samesite=lax" in issued.lower()
    assert "path=/;" in issued.lower() + ";"


async def test_logout_clears_the_session_and_ends_it_at_the_provider(
    browser: ScriptedBrowser, demo_ready: None, idps: Idps
) -> None:
    await browser.log_in("polisen", "p-signatory")
    assert browser.session is not None
    out = await browser.app_request("POST", "/logout")
    assert out.status_code == 303
    target = out.headers["location"]
    assert target.startswith(idps.police.issuer)
    assert parse_qs(urlsplit(target).query)["post_logout_redirect_uri"] == [f"{browser.app.url}/"]
    after = (await browser.app_request("GET", "/auth/session")).json()
    assert after == {"authenticated": False}
    anonymous = await browser.graphql(OWN_PROMISE)
    assert anonymous.status_code == 200
    assert anonymous.json()["data"]["promise"] is None


def test_the_registry_maps_the_providers_organisations_to_the_demo_ids(idps: Idps) -> None:
    text = sso_registry(idps)
    assert f'"LPO Järfälla" = "{LPO}"' in text
    assert f'"Arjeplogs kommun" = "{ARJEPLOG}"' in text
    assert text.count('person_claim = "sub"') == 2


async def test_a_callback_with_a_forged_state_is_a_400_not_a_crash(
    browser: ScriptedBrowser, idps: Idps
) -> None:
    start = await browser.app_request("GET", "/login/kommun")
    landed = await follow_idp_login(
        browser.http, start.headers["location"], user="ub-editor", stop_at=idps.callback_url
    )
    code = parse_qs(urlsplit(landed).query)["code"][0]
    forged = await browser.app_request(
        "GET", "/auth/callback", params={"code": code, "state": "forged"}
    )
    assert forged.status_code == 400, forged.text
    assert (await browser.app_request("GET", "/auth/session")).json() == {"authenticated": False}


async def test_a_replayed_callback_is_refused_and_changes_nothing(
    browser: ScriptedBrowser, idps: Idps
) -> None:
    start = await browser.app_request("GET", "/login/kommun")
    landed = await follow_idp_login(
        browser.http, start.headers["location"], user="ub-publisher", stop_at=idps.callback_url
    )
    callback = landed.removeprefix(browser.app.url)
    assert (await browser.app_request("GET", callback)).status_code == 303
    before = (await browser.app_request("GET", "/auth/session")).json()
    replayed = await browser.app_request("GET", callback)
    assert replayed.status_code == 400, replayed.text
    assert replayed.json()["error"] == "no_login_pending"
    assert (await browser.app_request("GET", "/auth/session")).json() == before
