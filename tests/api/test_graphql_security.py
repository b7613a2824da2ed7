"""GraphQL transport and limits, against a real served app (checks that apply before SSO)."""

from __future__ import annotations

import httpx

from schema.api import MAX_DEPTH
from tests.api.conftest import RunningApp

LOG_SIZE = "query { logSize }"


async def post(
    http: httpx.AsyncClient, app: RunningApp, query: str, **kw: object
) -> httpx.Response:
    return await http.post(f"{app.url}/graphql", json={"query": query}, **kw)  # type: ignore[arg-type]


async def test_health_and_metrics_answer(prod_app: RunningApp, http: httpx.AsyncClient) -> None:
    assert (await http.get(f"{prod_app.url}/healthz")).json() == {"status": "ok"}
    metrics = await http.get(f"{prod_app.url}/metrics")
    assert "samverkan_projection_lag_events" in metrics.text


async def test_readiness_reports_the_sequencer_and_every_projection(
    prod_app: RunningApp, http: httpx.AsyncClient
) -> None:
    body = (await http.get(f"{prod_app.url}/readyz")).json()
    assert body["pendingMigrations"] == []
    assert body["sequencerActive"] is True
    assert set(body["projectionsActive"]) == {
        "history",
        "promises",
        "directory",
        "agreements",
        "places",
        "situation_pictures",
        "action_plans",
        "walks",
        "surveys",
        "indicators",
    }


async def test_an_anonymous_query_is_answered(
    prod_app: RunningApp, http: httpx.AsyncClient
) -> None:
    response = await post(http, prod_app, LOG_SIZE)
    assert response.status_code == 200
    assert isinstance(response.json()["data"]["logSize"], int)


async def test_queries_over_get_are_refused(prod_app: RunningApp, http: httpx.AsyncClient) -> None:
    response = await http.get(f"{prod_app.url}/graphql", params={"query": LOG_SIZE})
    assert response.status_code in (400, 405)


async def test_form_and_text_bodies_are_refused(
    prod_app: RunningApp, http: httpx.AsyncClient
) -> None:
    for content_type in ("application/x-www-form-urlencoded", "text/plain", "multipart/form-data"):
        response = await http.post(
            f"{prod_app.url}/graphql",
            content=f"query={LOG_SIZE}",
            headers={"content-type": content_type},
        )
        assert response.status_code == 400, content_type


async def test_batched_requests_are_refused(prod_app: RunningApp, http: httpx.AsyncClient) -> None:
    response = await http.post(f"{prod_app.url}/graphql", json=[{"query": LOG_SIZE}] * 2)
    assert response.status_code == 400


async def test_an_oversized_body_is_refused(prod_app: RunningApp, http: httpx.AsyncClient) -> None:
    response = await post(http, prod_app, "query { logSize }" + " " * 70_000)
    assert response.status_code == 413


async def test_too_many_aliases_are_refused_also_through_repeated_fragments(
    prod_app: RunningApp, http: httpx.AsyncClient
) -> None:
    fragment = "fragment F on Query { " + " ".join(f"a{i}: logSize" for i in range(5)) + " }"
    query = "query { ...F ...F ...F ...F } " + fragment
    errors = (await post(http, prod_app, query)).json()["errors"]
    assert "aliases" in errors[0]["message"].lower()


async def test_introspection_and_field_suggestions_are_off_outside_dev_mode(
    prod_app: RunningApp, http: httpx.AsyncClient
) -> None:
    errors = (await post(http, prod_app, "query { __schema { types { name } } }")).json()["errors"]
    assert "introspection" in errors[0]["message"].lower()
    typo = (await post(http, prod_app, "query { logSiz }")).json()["errors"][0]["message"]
    assert "Did you mean" not in typo


async def test_introspection_is_on_in_dev_mode(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    body = (await post(http, dev_app, "query { __schema { queryType { name } } }")).json()
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_an_invalid_bearer_is_a_401_with_a_challenge_not_anonymous(
    prod_app: RunningApp, http: httpx.AsyncClient
) -> None:
    response = await post(http, prod_app, LOG_SIZE, headers={"authorization": "Bearer nonsense"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


async def test_a_dev_token_is_refused_when_dev_mode_is_off(
    prod_app: RunningApp, dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    token = dev_app.token("kommun-upplands-bro", "editor")
    accepted = await post(http, dev_app, LOG_SIZE, headers={"authorization": f"Bearer {token}"})
    assert accepted.status_code == 200
    refused = await post(http, prod_app, LOG_SIZE, headers={"authorization": f"Bearer {token}"})
    assert refused.status_code == 401


async def test_a_query_deeper_than_the_limit_is_refused_with_a_readable_message(
    prod_app: RunningApp, http: httpx.AsyncClient
) -> None:
    def nested(levels: int) -> str:
        inner = "id"
        for _ in range(levels):
            inner = f"parent {{ id {inner} }}"
        return f'query {{ organisation(id: "org-lpo-jarfalla") {{ {inner} }} }}'

    allowed = (await post(http, prod_app, nested(MAX_DEPTH - 2))).json()
    assert "errors" not in allowed, allowed
    refused = (await post(http, prod_app, nested(MAX_DEPTH + 1))).json()
    assert "exceeds maximum operation depth" in refused["errors"][0]["message"]


async def test_a_variable_missing_a_required_input_field_is_named_not_masked(
    prod_app: RunningApp, http: httpx.AsyncClient
) -> None:
    mutation = (
        "mutation($id: ID!, $input: GrantSigningMandateInput!) { "
        "grantSigningMandate(commandId: $id, input: $input) { __typename } }"
    )
    variables = {"id": "c-1", "input": {"mandateId": "m", "personId": "p"}}
    response = await http.post(
        f"{prod_app.url}/graphql", json={"query": mutation, "variables": variables}
    )
    body = response.json()
    [error] = body["errors"]
    assert "required field 'orgId'" in error["message"]
    assert "Internal error" not in error["message"]
