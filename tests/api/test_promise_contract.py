"""The contract client apps rely on: consequences confirmed before signatures are voided,
revision numbers after a reopen, one id per promise, and time travel that refuses nonsense."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from events.messages import HOME
from tests.api.conftest import RunningApp

UB, LPO, ARJEPLOG = "org-upplands-bro", "org-lpo-jarfalla", "org-arjeplog"
KSO, CHIEF = "p-contract-kso", "p-contract-chief"

RESULT = """__typename
... on CommandAccepted { version consistencyToken eventIds events { eventId type } duplicate }
... on ConfirmationRequired { code message consequences { kind code message organisationId
                                                          revisionNo } }
... on RuleViolated { code message } ... on Forbidden { code message }
... on NotFound { code message } ... on InvalidInput { code message field }"""

PROMISE_AT = """query($id: ID!, $asOf: Int, $t: DateTime, $token: String) {
  promiseAt(id: $id, asOf: $asOf, asOfTime: $t, consistencyToken: $token) {
    __typename
    ... on Promise { id status document }
    ... on NotYetExisting { code message firstLogIndex }
    ... on NotFound { code message }
    ... on InvalidInput { code message field }
  }
}"""

HISTORY = """query($p: ID, $a: ID, $s: String) {
  history(promiseId: $p, agreementId: $a, streamId: $s, first: 100) {
    __typename
    ... on HistoryPage { entries { logIndex eventId type } }
    ... on InvalidInput { code field }
    ... on Forbidden { code }
  }
}"""


class Client:
    """GraphQL calls as one principal, answered in English."""

    def __init__(self, http: httpx.AsyncClient, app: RunningApp, token: str | None) -> None:
        self.http, self.app = http, app
        self.headers = {"accept-language": "en"}
        if token:
            self.headers["authorization"] = f"Bearer {token}"

    async def post(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post(
            f"{self.app.url}/graphql",
            json={"query": query, "variables": variables},
            headers=self.headers,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def query(self, query: str, **variables: Any) -> dict[str, Any]:
        body = await self.post(query, **variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def command(
        self,
        name: str,
        /,
        acknowledge: list[str] | None = None,
        command_id: str | None = None,
        **input: Any,
    ) -> dict[str, Any]:
        input_type = name[0].upper() + name[1:] + "Input"
        mutation = (
            f"mutation($id: ID!, $input: {input_type}!, $ack: [ConsequenceKind!]) {{ "
            f"result: {name}(commandId: $id, input: $input, acknowledge: $ack) {{ {RESULT} }} }}"
        )
        command_id = command_id or str(uuid.uuid4())
        data = await self.query(mutation, id=command_id, input=input, ack=acknowledge)
        result: dict[str, Any] = data["result"]
        return result

    async def ok(self, name: str, /, acknowledge: list[str] | None = None, **input: Any) -> Any:
        result = await self.command(name, acknowledge, **input)
        assert result["__typename"] == "CommandAccepted", result
        return result


class World:
    """The principals of this module's tests."""

    def __init__(self, http: httpx.AsyncClient, app: RunningApp) -> None:
        self.editor = Client(http, app, app.token(UB, "editor"))
        self.police_signer = Client(http, app, app.token(LPO, "signatory", person=CHIEF))
        self.municipal_signer = Client(http, app, app.token(UB, "signatory", person=KSO))
        self.outsider = Client(http, app, app.token(ARJEPLOG, "editor"))
        self.anonymous = Client(http, app, None)
        self.admins = {org: Client(http, app, app.token(org, "org_admin")) for org in (UB, LPO)}


async def _draft(world: World, promise_id: str) -> dict[str, Any]:
    """A drafted promise with one focus area; the last command's result."""
    await world.editor.ok(
        "draftPromise",
        promiseId=promise_id,
        parties=[UB, LPO],
        details={"title": "Kontrakt", "period": {"validFrom": "2030-01-01", "label": "2030"}},
    )
    added: dict[str, Any] = await world.editor.ok(
        "addFocusArea", promiseId=promise_id, focusArea={"focusAreaId": "fa1", "title": "Trygghet"}
    )
    return added


async def _partly_signed(world: World, promise_id: str) -> dict[str, Any]:
    """A proposed promise the municipality signed; its working revision as the document has it."""
    await _draft(world, promise_id)
    proposed = await world.editor.ok("proposePromise", promiseId=promise_id)
    working = await _working(world.editor, promise_id, proposed["consistencyToken"])
    signed = await world.municipal_signer.ok(
        "signPromise",
        promiseId=promise_id,
        revisionNo=working["revision_no"],
        contentHash=working["content_hash"],
        partyId=UB,
    )
    return await _working(world.editor, promise_id, signed["consistencyToken"])


async def _working(client: Client, promise_id: str, token: str | None) -> dict[str, Any]:
    found = await client.query(PROMISE_AT, id=promise_id, token=token)
    working: dict[str, Any] = found["promiseAt"]["document"]["state"]["working"]
    return working


async def _reopened(world: World, promise_id: str, command_id: str | None = None) -> Any:
    """A partly signed promise edited with the acknowledgement; the edit's result."""
    await _partly_signed(world, promise_id)
    return await _acknowledged_edit(world, promise_id, command_id)


async def _acknowledged_edit(world: World, promise_id: str, command_id: str | None) -> Any:
    return await world.editor.ok(
        "addFocusArea",
        acknowledge=["VOID_SIGNATURES"],
        command_id=command_id,
        promiseId=promise_id,
        focusArea={"focusAreaId": "fa2", "title": "Trafik"},
    )


async def _first_log_index(world: World, promise_id: str, token: str) -> int:
    await world.editor.query(PROMISE_AT, id=promise_id, token=token)  # read after the write
    entries = (await world.editor.query(HISTORY, p=promise_id))["history"]["entries"]
    return int(entries[0]["logIndex"])


@pytest.fixture(scope="module")
async def world(dev_app: RunningApp) -> AsyncIterator[World]:
    """The principals, with a signing mandate for each party's signatory."""
    async with httpx.AsyncClient(timeout=10) as http:
        setup = World(http, dev_app)
        for org, person in ((UB, KSO), (LPO, CHIEF)):
            await setup.admins[org].ok("registerPerson", personId=person, name=f"Signatory {org}")
            await setup.admins[org].ok(
                "grantSigningMandate", mandateId=f"m-{person}", personId=person, orgId=org
            )
        yield setup


async def _stream_events(pool: asyncpg.Pool, promise_id: str) -> int:
    count = await pool.fetchval(
        "SELECT count(*) FROM events WHERE stream_id = $1", f"promise-{promise_id}"
    )
    return int(count)


async def test_editing_a_partly_signed_proposal_without_acknowledgement_changes_nothing(
    world: World, pool: asyncpg.Pool
) -> None:
    before = await _partly_signed(world, "ub-unacknowledged")
    appended = await _stream_events(pool, "ub-unacknowledged")

    refused = await world.editor.command(
        "addFocusArea",
        promiseId="ub-unacknowledged",
        focusArea={"focusAreaId": "fa2", "title": "Trafik"},
    )

    assert refused["__typename"] == "ConfirmationRequired", refused
    assert refused["code"] == "confirmation_required"
    (consequence,) = refused["consequences"]
    assert consequence["kind"] == "VOID_SIGNATURES"
    assert (consequence["organisationId"], consequence["revisionNo"]) == (UB, 1)
    assert "Upplands-Bro" in consequence["message"]
    assert "VOID_SIGNATURES" in refused["message"]
    assert await _stream_events(pool, "ub-unacknowledged") == appended
    after = await _working(world.editor, "ub-unacknowledged", None)
    assert after == before and [s["party_id"] for s in after["signatures"]] == [UB]


async def test_with_the_acknowledgement_the_edit_lists_the_voiding_and_opens_revision_two(
    world: World, pool: asyncpg.Pool
) -> None:
    command_id = str(uuid.uuid4())
    edited = await _reopened(world, "ub-acknowledged", command_id)

    assert [e["type"] for e in edited["events"]] == [
        "PromiseSignaturesVoided",
        "PromiseReopened",
        "FocusAreaAdded",
    ]
    assert [e["eventId"] for e in edited["events"]] == edited["eventIds"]
    working = await _working(world.editor, "ub-acknowledged", edited["consistencyToken"])
    assert (working["revision_no"], working["stage"], working["signatures"]) == (2, "draft", [])
    found = await world.editor.query(PROMISE_AT, id="ub-acknowledged")
    (reopened,) = found["promiseAt"]["document"]["state"]["past_revisions"]
    assert (reopened["revision_no"], reopened["stage"]) == (1, "reopened")
    # The log records what the editor accepted; a retry answers with the same events.
    acknowledged = await pool.fetch(
        "SELECT metadata->'acknowledged' FROM events WHERE event_id = ANY($1::uuid[])",
        edited["eventIds"],
    )
    assert [row[0] for row in acknowledged] == [["void_signatures"]] * 3
    again = await _acknowledged_edit(world, "ub-acknowledged", command_id)
    assert (again["duplicate"], again["events"]) == (True, edited["events"])


async def test_a_refusal_after_a_reopen_names_distinct_revision_numbers(world: World) -> None:
    await _reopened(world, "ub-stale")
    proposal = await world.editor.ok("proposePromise", promiseId="ub-stale")
    found = await world.editor.query(PROMISE_AT, id="ub-stale", token=proposal["consistencyToken"])
    state = found["promiseAt"]["document"]["state"]
    (old,) = state["past_revisions"]

    refused = await world.police_signer.command(
        "signPromise",
        promiseId="ub-stale",
        revisionNo=old["revision_no"],
        contentHash=old["content_hash"],
        partyId=LPO,
    )

    assert (refused["__typename"], refused["code"]) == ("RuleViolated", "stale_revision")
    text = refused["message"].replace(state["working"]["content_hash"], "")
    assert re.findall(r"\d+", text) == ["1", "2"], refused["message"]  # signed 1, proposed 2


async def test_a_live_signature_without_a_date_carries_the_signing_date(world: World) -> None:
    before = dt.datetime.now(HOME).date()
    working = await _partly_signed(world, "ub-dated")  # the municipality signs, giving no date
    after = dt.datetime.now(HOME).date()

    (signature,) = working["signatures"]
    assert signature["signed_on"] in {before.isoformat(), after.isoformat()}


async def test_history_by_promise_id_works_and_the_deprecated_stream_id_form_still_works(
    world: World,
) -> None:
    edited = await _reopened(world, "ub-history")
    await world.editor.query(PROMISE_AT, id="ub-history", token=edited["consistencyToken"])

    by_id = await world.editor.query(HISTORY, p="ub-history")
    by_stream = await world.editor.query(HISTORY, s="promise-ub-history")

    entries = by_id["history"]["entries"]
    assert entries[0]["type"] == "PromiseDrafted"
    assert entries[-1]["eventId"] == edited["eventIds"][-1]
    assert by_stream["history"]["entries"] == entries
    both = await world.editor.query(HISTORY, p="ub-history", s="promise-ub-history")
    assert both["history"] == {
        "__typename": "InvalidInput",
        "code": "one_stream_argument",
        "field": ["streamId"],
    }
    neither = await world.editor.query(HISTORY)
    assert neither["history"]["__typename"] == "InvalidInput"
    outsider = await world.outsider.query(HISTORY, p="ub-history")
    assert outsider["history"] == {"__typename": "Forbidden", "code": "forbidden"}
    content = {"parties": [UB, LPO], "title": "Samverkansöverenskommelse"}
    drafted = await world.editor.ok("draftAgreement", agreementId="ub-history", content=content)
    await world.editor.query(
        "query($t: String) { promises(consistencyToken: $t) { promises { id } } }",
        t=drafted["consistencyToken"],
    )
    agreement = await world.editor.query(HISTORY, a="ub-history")
    assert [e["type"] for e in agreement["history"]["entries"]] == ["AgreementDrafted"]


OLD_FORM = "query($id: ID!, $a: Int) { promise(id: $id, asOf: $a) { id } }"


async def test_a_negative_or_out_of_range_as_of_is_invalid_input(world: World) -> None:
    await _draft(world, "ub-range")
    size = (await world.editor.query("{ logSize }"))["logSize"]

    for as_of in (-1, size + 1000):
        answer = (await world.editor.query(PROMISE_AT, id="ub-range", asOf=as_of))["promiseAt"]
        assert answer["__typename"] == "InvalidInput", answer
        assert (answer["code"], answer["field"]) == ("as_of_out_of_range", ["asOf"])
        assert str(as_of) in answer["message"]
        old = await world.editor.post(OLD_FORM, id="ub-range", a=as_of)
        assert old["data"] == {"promise": None}
        (error,) = old["errors"]
        assert error["extensions"] == {"code": "as_of_out_of_range", "field": ["asOf"]}
    both = await world.editor.query(PROMISE_AT, id="ub-range", asOf=0, t="2020-01-01T00:00:00Z")
    assert both["promiseAt"]["__typename"] == "InvalidInput"


async def test_as_of_before_the_promise_existed_is_the_typed_not_yet_existing_answer(
    world: World,
) -> None:
    drafted = await _draft(world, "ub-not-yet")
    first = await _first_log_index(world, "ub-not-yet", drafted["consistencyToken"])
    assert first > 0  # the demo and the mandates were recorded before the promise

    before = (await world.editor.query(PROMISE_AT, id="ub-not-yet", asOf=first - 1))["promiseAt"]
    at_first = (await world.editor.query(PROMISE_AT, id="ub-not-yet", asOf=first))["promiseAt"]
    long_ago = await world.editor.query(PROMISE_AT, id="ub-not-yet", t="2000-01-01T00:00:00Z")

    assert before == {
        "__typename": "NotYetExisting",
        "code": "not_yet_existing",
        "message": before["message"],
        "firstLogIndex": first,
    }
    assert long_ago["promiseAt"]["__typename"] == "NotYetExisting"
    assert (at_first["__typename"], at_first["status"]) == ("Promise", "draft")
    assert await world.editor.query(OLD_FORM, id="ub-not-yet", a=first - 1) == {"promise": None}


async def test_an_invisible_promise_is_not_found_before_and_after_it_existed(world: World) -> None:
    drafted = await _draft(world, "ub-invisible")
    first = await _first_log_index(world, "ub-invisible", drafted["consistencyToken"])
    last = (await world.editor.query("{ logSize }"))["logSize"] - 1

    for caller in (world.outsider, world.anonymous):
        for as_of in (first - 1, first, last):
            answer = (await caller.query(PROMISE_AT, id="ub-invisible", asOf=as_of))["promiseAt"]
            assert (answer["__typename"], answer["code"]) == ("NotFound", "promise_not_found")
        now = (await caller.query(PROMISE_AT, id="ub-invisible"))["promiseAt"]
        assert now["__typename"] == "NotFound"
    nobody = (await world.editor.query(PROMISE_AT, id="no-such-promise", asOf=0))["promiseAt"]
    assert nobody["__typename"] == "NotFound"
