"""Authorisation that holds on every path: roles grant reads, the invisible answers NotFound,
auditors read their own organisation unless the registry names an oversight body, and only the
platform operator registers organisations. Through GraphQL with dev-mode tokens, against an app
whose issuer registry names two oversight bodies."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.identity.dev_issuer import DEV_PLATFORM_OPERATOR
from tests.api.conftest import RunningApp, serve_app, settings_for
from tests.api.test_promise_lifecycle import Client
from tests.conftest import Database

UB, LPO, ARJEPLOG = "org-upplands-bro", "org-lpo-jarfalla", "org-arjeplog"
PITEA = "org-lpo-pitea-alvdal"
GRANSKNING, LANSSTYRELSEN = "org-granskning", "org-lansstyrelsen-stockholm"
HIDDEN, NOWHERE, ARJEPLOG_DRAFT = "authz-hidden", "authz-nowhere", "authz-arjeplog"

REGISTRY = f"""
[[issuer]]
name = "granskning"
issuer = "http://127.0.0.1:9/granskning"
audiences = ["urn:samverkan:api"]
algorithms = ["ES256"]
roles_claim = "scope"
organisation = "{GRANSKNING}"

[issuer.roles]
"samverkan:audit" = ["auditor"]

[[issuer]]
name = "lansstyrelsen"
issuer = "http://127.0.0.1:9/lansstyrelsen"
audiences = ["urn:samverkan:api"]
algorithms = ["ES256"]
roles_claim = "scope"
organisation = "{LANSSTYRELSEN}"

[issuer.roles]
"samverkan:audit" = ["auditor"]

[[oversight]]
organisation = "{GRANSKNING}"
scope = "all"

[[oversight]]
organisation = "{LANSSTYRELSEN}"
scope = ["{UB}"]
"""

PROMISE = """query($id: ID!, $t: String) { promise(id: $id, consistencyToken: $t) {
  id publicOnly status } }"""
LIST = "{ promises(first: 100) { promises { id publicOnly } } }"
MANDATES = (
    "query($id: ID!) { organisation(id: $id) { mandates { mandateId } people { personId } } }"
)
ACTIVITIES = """query($p: ID) { activities(promiseId: $p) { __typename
  ... on ActivityPage { activities { recordId } } ... on Forbidden { code message } } }"""
HISTORY = """query($s: String!) { history(streamId: $s) { __typename
  ... on HistoryPage { entries { type } } ... on Forbidden { code message } } }"""
INCLUSION = "query($e: ID!) { inclusionProof(eventId: $e) { logIndex } }"
MUTATION = """mutation($id: ID!, $input: {input}!, $v: Int) {{
  result: {name}(commandId: $id, input: $input, expectedVersion: $v) {{ __typename
    ... on NotFound {{ message }} ... on Forbidden {{ code message }}
    ... on RuleViolated {{ code message }} ... on VersionConflict {{ message }}
    ... on InvalidInput {{ code message }} ... on CommandAccepted {{ consistencyToken eventIds }}
  }} }}"""


@pytest.fixture(scope="module")
async def app(db: Database, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningApp]:
    """The app in dev mode with a registry naming an all-seeing and a one-municipality body."""
    data_dir = tmp_path_factory.mktemp("authz")
    registry = data_dir / "issuers.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    settings = dataclasses.replace(
        settings_for(db, data_dir, dev=True), issuer_registry=Path(registry)
    )
    async with serve_app(settings) as running:
        yield running


def client(
    http: httpx.AsyncClient,
    app: RunningApp,
    org: str,
    roles: Sequence[str],
    *,
    person: str | None = None,
    subject: str | None = None,
) -> Client:
    """A caller of `org` whose token maps to exactly `roles` (none at all is allowed)."""
    assert app.dev_issuer is not None
    token = app.dev_issuer.mint(
        organisation_id=org,
        roles=roles,
        subject=subject or f"{org}-{'-'.join(roles) or 'unmapped'}-{person or ''}",
        person_id=person,
    )
    return Client(http, app, token)


async def raw(caller: Client, query: str, **variables: Any) -> Any:
    """The whole response body, errors included."""
    response = await caller.http.post(
        f"{caller.app.url}/graphql",
        json={"query": query, "variables": variables},
        headers=caller.headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def command(
    caller: Client, field: str, expected_version: int | None = None, /, **input: Any
) -> dict[str, Any]:
    """One mutation's result, with an optional expected version."""
    mutation = MUTATION.format(name=field, input=field[0].upper() + field[1:] + "Input")
    data = await caller.query(mutation, id=str(uuid.uuid4()), input=input, v=expected_version)
    result: dict[str, Any] = data["result"]
    return result


async def accepted(caller: Client, field: str, /, **input: Any) -> dict[str, Any]:
    result = await command(caller, field, None, **input)
    assert result["__typename"] == "CommandAccepted", result
    return result


def draft(promise_id: str, parties: list[str]) -> dict[str, Any]:
    return {
        "promiseId": promise_id,
        "parties": parties,
        "details": {"title": f"Utkast {promise_id}", "period": {"label": "2031"}},
    }


@pytest.fixture(scope="module")
async def world(app: RunningApp) -> dict[str, str]:
    """A Upplands-Bro draft with a mandate beside it, and an Arjeplog draft; all projected."""
    async with httpx.AsyncClient(timeout=10) as http:
        ub_editor = client(http, app, UB, ["editor"])
        ub_admin = client(http, app, UB, ["org_admin"])
        drafted = await accepted(ub_editor, "draftPromise", **draft(HIDDEN, [UB, LPO]))
        await accepted(
            ub_editor,
            "addCommitment",
            promiseId=HIDDEN,
            commitment={"commitmentId": "c1", "text": "Synlig närvaro"},
        )
        await accepted(ub_admin, "registerPerson", personId="p-authz-kso", name="Kim Authz")
        await accepted(
            ub_admin, "grantSigningMandate", mandateId="m-authz", personId="p-authz-kso", orgId=UB
        )
        arjeplog_admin = client(http, app, ARJEPLOG, ["org_admin"])
        await accepted(arjeplog_admin, "registerPerson", personId="p-authz-ks", name="Ks Authz")
        await accepted(
            arjeplog_admin,
            "grantSigningMandate",
            mandateId="m-authz-arjeplog",
            personId="p-authz-ks",
            orgId=ARJEPLOG,
        )
        arjeplog = client(http, app, ARJEPLOG, ["editor"])
        last = await accepted(arjeplog, "draftPromise", **draft(ARJEPLOG_DRAFT, [ARJEPLOG, PITEA]))
        await arjeplog.query(PROMISE, id=ARJEPLOG_DRAFT, t=last["consistencyToken"])
        event = drafted["eventIds"][0]
        # Proofs need a checkpoint covering the event; checkpoints follow every few seconds.
        async with asyncio.timeout(30):
            while (await ub_editor.query(INCLUSION, e=event))["inclusionProof"] is None:
                await asyncio.sleep(0.2)
        return {"event": event}


def sees_promise(data: dict[str, Any]) -> bool:
    promise = data["promise"]
    return promise is not None and promise["publicOnly"] is False


async def reads(caller: Client, world: dict[str, str]) -> dict[str, bool]:
    """What `caller` may read of the Upplands-Bro draft, its mandate and the Arjeplog draft."""
    listed = {p["id"] for p in (await caller.query(LIST))["promises"]["promises"]}
    mandates = (await caller.query(MANDATES, id=UB))["organisation"]["mandates"]
    arjeplog_mandates = await caller.query(MANDATES, id=ARJEPLOG)
    activities = (await caller.query(ACTIVITIES, p=HIDDEN))["activities"]
    history = (await caller.query(HISTORY, s=f"promise-{HIDDEN}"))["history"]
    proof = (await raw(caller, INCLUSION, e=world["event"]))["data"]
    return {
        "ub draft": sees_promise(await caller.query(PROMISE, id=HIDDEN)),
        "ub draft listed": HIDDEN in listed,
        "ub mandate": "m-authz" in {m["mandateId"] for m in mandates},
        "ub activities": activities["__typename"] == "ActivityPage",
        "ub history": history["__typename"] == "HistoryPage",
        "ub proof": proof is not None and proof["inclusionProof"] is not None,
        "arjeplog draft": sees_promise(await caller.query(PROMISE, id=ARJEPLOG_DRAFT)),
        "arjeplog draft listed": ARJEPLOG_DRAFT in listed,
        "arjeplog mandates": arjeplog_mandates["organisation"]["mandates"] != [],
    }


UB_ONLY = {
    "ub draft": True,
    "ub draft listed": True,
    "ub mandate": True,
    "ub activities": True,
    "ub history": True,
    "arjeplog draft": False,
    "arjeplog draft listed": False,
}


async def test_a_principal_whose_role_claims_map_to_nothing_reads_what_anonymous_callers_read(
    app: RunningApp, world: dict[str, str], http: httpx.AsyncClient
) -> None:
    anonymous = Client(http, app, None)
    unmapped = client(http, app, UB, [])
    member = client(http, app, UB, ["viewer"])
    assert sees_promise(await member.query(PROMISE, id=HIDDEN))
    queries: list[tuple[str, dict[str, Any]]] = [
        (PROMISE, {"id": HIDDEN}),
        (LIST, {}),
        ("{ inbox { promiseId action } }", {}),
        (MANDATES, {"id": UB}),
        (ACTIVITIES, {"p": HIDDEN}),
        (ACTIVITIES, {}),
        (HISTORY, {"s": f"promise-{HIDDEN}"}),
        (INCLUSION, {"e": world["event"]}),
        ("{ latestCheckpoint { size } }", {}),
    ]
    for query, variables in queries:
        assert await raw(unmapped, query, **variables) == await raw(
            anonymous, query, **variables
        ), query


@pytest.mark.parametrize(
    "roles",
    [["viewer"], ["editor"], ["signatory"], ["publisher"], ["org_admin"], ["service"], ["auditor"]],
)
async def test_every_role_of_a_party_reads_its_drafts(
    app: RunningApp, world: dict[str, str], http: httpx.AsyncClient, roles: list[str]
) -> None:
    assert sees_promise(await client(http, app, UB, roles).query(PROMISE, id=HIDDEN))


def _same_shape(result: dict[str, Any], promise_id: str) -> dict[str, Any]:
    """The result with the promise's own id blanked, so two ids can be compared."""
    return {k: re.sub(re.escape(promise_id), "<id>", v) for k, v in result.items()}


async def test_a_command_on_a_promise_the_caller_cannot_see_answers_as_for_a_missing_one(
    app: RunningApp, world: dict[str, str], http: httpx.AsyncClient
) -> None:
    outsider = client(
        http, app, ARJEPLOG, ["editor", "signatory", "publisher"], person="p-authz-kso"
    )
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("publishPromise", {"channel": "webb"}),
        ("proposePromise", {}),
        ("withdrawPromise", {"reason": "nej"}),
        ("addCommitment", {"commitment": {"commitmentId": "cx", "text": "Något"}}),
        ("signPromise", {"revisionNo": 1, "contentHash": "x", "partyId": ARJEPLOG}),
        (
            "recordActivity",
            {
                "recordId": "rx",
                "commitmentId": "c1",
                "occurredOn": "2031-02-01",
                "performedBy": [ARJEPLOG],
                "summary": "x",
            },
        ),
        ("approveFollowUp", {"reportId": "u1"}),
    ]
    for name, input in attempts:
        for version in (None, 7):
            hidden = await command(outsider, name, version, promiseId=HIDDEN, **input)
            missing = await command(outsider, name, version, promiseId=NOWHERE, **input)
            assert hidden["__typename"] == "NotFound", (name, version, hidden)
            assert _same_shape(hidden, HIDDEN) == _same_shape(missing, NOWHERE), (name, version)


async def test_a_command_on_an_agreement_the_caller_cannot_see_answers_as_for_a_missing_one(
    app: RunningApp, world: dict[str, str], http: httpx.AsyncClient
) -> None:
    content = {"parties": [UB, LPO], "title": "Samverkansöverenskommelse 2031"}
    await accepted(
        client(http, app, UB, ["editor"]),
        "draftAgreement",
        agreementId="authz-sok",
        content=content,
    )
    outsider = client(http, app, ARJEPLOG, ["editor", "signatory"])
    for name, input in (
        ("proposeAgreement", {}),
        ("reviseAgreement", {"content": content}),
        ("endAgreement", {"reason": "nej"}),
    ):
        for version in (None, 3):
            hidden = await command(outsider, name, version, agreementId="authz-sok", **input)
            missing = await command(outsider, name, version, agreementId="authz-none", **input)
            assert hidden["__typename"] == "NotFound", (name, version, hidden)
            assert _same_shape(hidden, "authz-sok") == _same_shape(missing, "authz-none")


async def test_a_party_member_without_a_mapped_role_is_refused_before_anything_is_told(
    app: RunningApp, world: dict[str, str], http: httpx.AsyncClient
) -> None:
    unmapped = client(http, app, UB, [])
    hidden = await command(unmapped, "proposePromise", promiseId=HIDDEN)
    missing = await command(unmapped, "proposePromise", promiseId=NOWHERE)
    assert hidden["__typename"] == "Forbidden" and hidden == missing


async def test_a_non_party_is_told_it_is_not_a_party_only_on_a_published_promise(
    app: RunningApp, world: dict[str, str], http: httpx.AsyncClient
) -> None:
    published = await _published_promise(app, http, "authz-published")
    outsider = client(http, app, ARJEPLOG, ["editor", "publisher"])
    anonymous = Client(http, app, None)
    assert (await anonymous.query(PROMISE, id="authz-published", t=published))["promise"]
    refused = await command(outsider, "publishPromise", promiseId="authz-published", channel="x")
    assert (refused["__typename"], refused["code"]) == ("Forbidden", "not_a_party"), refused


async def _published_promise(app: RunningApp, http: httpx.AsyncClient, promise_id: str) -> str:
    """Draft, sign by both parties and publish `promise_id`; the publication's token."""
    signers = []
    for org, person in ((UB, "p-authz-ub-sign"), (LPO, "p-authz-lpo-sign")):
        admin = client(http, app, org, ["org_admin"])
        await accepted(admin, "registerPerson", personId=person, name=f"Signatory {org}")
        await accepted(
            admin, "grantSigningMandate", mandateId=f"m-{person}", personId=person, orgId=org
        )
        signers.append((org, client(http, app, org, ["signatory"], person=person)))
    editor = client(http, app, UB, ["editor"])
    details = {"title": "Publicerat", "period": {"validFrom": "2020-01-01", "label": "2020"}}
    await accepted(editor, "draftPromise", promiseId=promise_id, parties=[UB, LPO], details=details)
    await accepted(
        editor,
        "addCommitment",
        promiseId=promise_id,
        commitment={"commitmentId": "c1", "text": "Synlig närvaro"},
    )
    proposed = await accepted(editor, "proposePromise", promiseId=promise_id)
    doc = await editor.query(
        "query($id: ID!, $t: String) { promise(id: $id, consistencyToken: $t) { document } }",
        id=promise_id,
        t=proposed["consistencyToken"],
    )
    working = doc["promise"]["document"]["state"]["working"]
    for org, signer in signers:
        await accepted(
            signer,
            "signPromise",
            promiseId=promise_id,
            revisionNo=working["revision_no"],
            contentHash=working["content_hash"],
            partyId=org,
        )
    publisher = client(http, app, UB, ["publisher"])
    done = await accepted(publisher, "publishPromise", promiseId=promise_id, channel="webb")
    token: str = done["consistencyToken"]
    return token


async def test_an_auditor_reads_only_what_its_own_organisation_is_party_to(
    app: RunningApp, world: dict[str, str], http: httpx.AsyncClient
) -> None:
    assert await reads(client(http, app, UB, ["auditor"]), world) == {
        **UB_ONLY,
        "ub proof": True,
        "arjeplog mandates": False,
    }
    assert await reads(client(http, app, ARJEPLOG, ["auditor"]), world) == {
        "ub draft": False,
        "ub draft listed": False,
        "ub mandate": False,
        "ub activities": False,
        "ub history": False,
        "ub proof": False,
        "arjeplog draft": True,
        "arjeplog draft listed": True,
        "arjeplog mandates": True,
    }


async def test_an_auditor_of_an_oversight_body_for_all_reads_every_organisations_streams(
    app: RunningApp, world: dict[str, str], http: httpx.AsyncClient
) -> None:
    seen = await reads(client(http, app, GRANSKNING, ["auditor"]), world)
    assert seen == dict.fromkeys(seen, True)


async def test_an_oversight_body_with_a_list_of_organisations_reads_only_those(
    app: RunningApp, world: dict[str, str], http: httpx.AsyncClient
) -> None:
    seen = await reads(client(http, app, LANSSTYRELSEN, ["auditor"]), world)
    assert seen == {**UB_ONLY, "ub proof": True, "arjeplog mandates": False}


async def test_the_oversight_scope_is_an_auditors_and_not_every_role_of_the_body(
    app: RunningApp, world: dict[str, str], http: httpx.AsyncClient
) -> None:
    viewer = client(http, app, GRANSKNING, ["viewer"])
    assert not sees_promise(await viewer.query(PROMISE, id=HIDDEN))


async def test_a_service_of_an_organisation_cannot_register_organisations(
    app: RunningApp, http: httpx.AsyncClient
) -> None:
    service = client(http, app, UB, ["service"])
    refused = await command(service, "registerMunicipality", orgId="org-authz-x", name="X kommun")
    assert (refused["__typename"], refused["code"]) == ("Forbidden", "not_platform_operator")
    linked = await command(
        service,
        "linkPoliceAreaToMunicipality",
        linkId="l-authz",
        policeAreaId=LPO,
        municipalityId=UB,
    )
    assert linked["__typename"] == "Forbidden", linked


async def test_the_development_platform_operator_registers_organisations(
    app: RunningApp, http: httpx.AsyncClient
) -> None:
    operator = client(http, app, "samverkan", ["service"], subject=DEV_PLATFORM_OPERATOR)
    await accepted(operator, "registerMunicipality", orgId="org-authz-y", name="Y kommun")
