"""Command ids through GraphQL: one organisation's ids neither leak to nor block another's."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx

from tests.api.conftest import RunningApp

UB, LPO = "org-upplands-bro", "org-lpo-jarfalla"
ARJEPLOG, LPO_PITEA = "org-arjeplog", "org-lpo-pitea-alvdal"

RESULT = (
    "{ __typename ... on CommandAccepted { streamId version eventIds duplicate } "
    "... on Forbidden { code } ... on RuleViolated { code } ... on InvalidInput { code field } "
    "... on NotFound { message } ... on IdempotencyKeyReused { code message } }"
)


async def command(
    http: httpx.AsyncClient, app: RunningApp, token: str, name: str, command_id: str, **input: Any
) -> dict[str, Any]:
    """Send mutation `name` with `command_id`; the result union member as a dict."""
    input_type = name[0].upper() + name[1:] + "Input"
    response = await http.post(
        f"{app.url}/graphql",
        json={
            "query": f"mutation($id: ID!, $input: {input_type}!) "
            f"{{ result: {name}(commandId: $id, input: $input) {RESULT} }}",
            "variables": {"id": command_id, "input": input},
        },
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]["result"]
    return result


def details(title: str) -> dict[str, Any]:
    return {"title": title, "period": {"label": "2027"}}


async def log_counts(app: RunningApp) -> tuple[int, int]:
    """How many events and recorded commands the app's database holds."""
    conn = await asyncpg.connect(app.settings.database_url)
    try:
        events = int(await conn.fetchval("SELECT count(*) FROM events"))
        commands = int(await conn.fetchval("SELECT count(*) FROM commands"))
    finally:
        await conn.close()
    return events, commands


async def test_a_command_id_used_by_another_organisation_is_not_a_duplicate(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    ub = dev_app.token(UB, "editor")
    arjeplog = dev_app.token(ARJEPLOG, "editor")
    key = str(uuid.uuid4())
    first = await command(
        http, dev_app, ub, "draftPromise", key,
        promiseId="ub-api-scope-1", parties=[UB, LPO], details=details("Upplands-Bro"),
    )  # fmt: skip
    assert first["__typename"] == "CommandAccepted", first
    # The same id and the same mutation aimed at Upplands-Bro's promise: refused on its merits,
    # never answered with Upplands-Bro's stream and event ids.
    hijack = await command(
        http, dev_app, arjeplog, "draftPromise", key,
        promiseId="ub-api-scope-1", parties=[UB, LPO], details=details("Upplands-Bro"),
    )  # fmt: skip
    assert hijack["__typename"] != "CommandAccepted", hijack
    own = await command(
        http, dev_app, arjeplog, "draftPromise", key,
        promiseId="arjeplog-api-scope-1", parties=[ARJEPLOG, LPO_PITEA], details=details("A"),
    )  # fmt: skip
    assert own["__typename"] == "CommandAccepted", own
    assert own["duplicate"] is False
    assert own["streamId"] == "promise-arjeplog-api-scope-1"
    assert set(own["eventIds"]).isdisjoint(first["eventIds"])


async def test_the_owners_later_write_is_not_swallowed_by_another_organisations_earlier_use(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    ub = dev_app.token(UB, "editor")
    arjeplog = dev_app.token(ARJEPLOG, "editor")
    key = str(uuid.uuid4())
    squat = await command(
        http, dev_app, arjeplog, "draftPromise", key,
        promiseId="arjeplog-api-scope-2", parties=[ARJEPLOG, LPO_PITEA], details=details("A"),
    )  # fmt: skip
    assert squat["__typename"] == "CommandAccepted", squat
    events_before, _ = await log_counts(dev_app)
    rightful = await command(
        http, dev_app, ub, "draftPromise", key,
        promiseId="ub-api-scope-2", parties=[UB, LPO], details=details("Upplands-Bro"),
    )  # fmt: skip
    assert rightful["__typename"] == "CommandAccepted", rightful
    assert rightful["duplicate"] is False
    assert rightful["streamId"] == "promise-ub-api-scope-2"
    assert (await log_counts(dev_app))[0] == events_before + 1


async def test_the_same_command_id_with_another_input_or_target_is_idempotency_key_reused(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    ub = dev_app.token(UB, "editor")
    key = str(uuid.uuid4())
    first = await command(
        http, dev_app, ub, "draftPromise", key,
        promiseId="ub-api-scope-3", parties=[UB, LPO], details=details("Först"),
    )  # fmt: skip
    assert first["__typename"] == "CommandAccepted", first
    before = await log_counts(dev_app)
    other_input = await command(
        http, dev_app, ub, "draftPromise", key,
        promiseId="ub-api-scope-3", parties=[UB, LPO], details=details("Sedan"),
    )  # fmt: skip
    other_target = await command(
        http, dev_app, ub, "draftPromise", key,
        promiseId="ub-api-scope-3b", parties=[UB, LPO], details=details("Först"),
    )  # fmt: skip
    other_type = await command(
        http, dev_app, ub, "revisePromiseDetails", key,
        promiseId="ub-api-scope-3", details=details("Först"),
    )  # fmt: skip
    for reused in (other_input, other_target, other_type):
        assert reused["__typename"] == "IdempotencyKeyReused", reused
        assert reused["code"] == "idempotency_key_reused"
        assert key in reused["message"]
    assert await log_counts(dev_app) == before
    again = await command(
        http, dev_app, ub, "draftPromise", key,
        promiseId="ub-api-scope-3", parties=[UB, LPO], details=details("Först"),
    )  # fmt: skip
    assert again["__typename"] == "CommandAccepted", again
    assert again["duplicate"] is True
    assert (again["streamId"], again["version"], again["eventIds"]) == (
        first["streamId"],
        first["version"],
        first["eventIds"],
    )


async def test_an_over_long_or_non_printable_command_id_is_invalid_input_on_command_id(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    ub = dev_app.token(UB, "editor")
    before = await log_counts(dev_app)
    for n, bad in enumerate(["k" * 10_240, "x" * 129, "", "line\nbreak", "ctrl\x01", "åäö"]):
        refused = await command(
            http, dev_app, ub, "draftPromise", bad,
            promiseId=f"ub-api-bad-{n}", parties=[UB, LPO], details=details("Nej"),
        )  # fmt: skip
        assert refused["__typename"] == "InvalidInput", (bad[:20], refused)
        assert refused["field"] == ["commandId"]
    assert await log_counts(dev_app) == before
