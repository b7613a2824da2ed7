"""Subscriptions over graphql-transport-ws: auth on connect, origin check, live changes."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import LPO, UB, Client

PROTOCOL = "graphql-transport-ws"
SUBSCRIBE = "subscription($id: ID!) { promiseChanged(id: $id) { id status document } }"


def ws_url(app: RunningApp) -> str:
    return app.url.replace("http://", "ws://") + "/graphql"


async def receive(ws: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
    return message


async def test_a_subscriber_receives_a_change_made_by_another_client(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    editor = Client(http, dev_app, dev_app.token(UB, "editor"))
    await editor.ok(
        "draftPromise",
        promiseId="ub-live",
        parties=[UB, LPO],
        details={"title": "Live", "period": {"label": "2031"}},
    )
    token = dev_app.token(LPO, "viewer")
    async with websockets.connect(ws_url(dev_app), subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        )
        assert (await receive(ws))["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": SUBSCRIBE, "variables": {"id": "ub-live"}},
                }
            )
        )
        first = await receive(ws)
        assert first["payload"]["data"]["promiseChanged"]["status"] == "draft"
        await editor.ok(
            "addFocusArea",
            promiseId="ub-live",
            focusArea={"focusAreaId": "fa1", "title": "Trygghet"},
        )
        changed = await receive(ws)
        state = changed["payload"]["data"]["promiseChanged"]["document"]["state"]
        assert [f["title"] for f in state["working"]["content"]["focus_areas"]] == ["Trygghet"]


async def test_a_connection_without_a_token_is_closed_with_4403(dev_app: RunningApp) -> None:
    async with websockets.connect(ws_url(dev_app), subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_a_connection_with_an_invalid_token_is_closed_with_4403(dev_app: RunningApp) -> None:
    async with websockets.connect(ws_url(dev_app), subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {uuid.uuid4()}"}}
            )
        )
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_a_handshake_from_a_foreign_origin_is_refused(dev_app: RunningApp) -> None:
    with pytest.raises(InvalidStatus):
        async with websockets.connect(
            ws_url(dev_app),
            subprotocols=[PROTOCOL],  # type: ignore[list-item]
            origin="https://evil.example",  # type: ignore[arg-type]
        ):
            pass


async def test_a_subscription_ends_when_its_token_expires_and_pushes_nothing_after(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    editor = Client(http, dev_app, dev_app.token(UB, "editor"))
    await editor.ok(
        "draftPromise",
        promiseId="ub-short-lived",
        parties=[UB, LPO],
        details={"title": "Short-lived", "period": {"label": "2032"}},
    )
    assert dev_app.dev_issuer is not None
    ttl_s = 3
    token = dev_app.dev_issuer.mint(
        organisation_id=LPO, roles=["viewer"], subject="lpo-short-lived", ttl_s=ttl_s
    )
    expires_at = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["exp"]
    async with websockets.connect(ws_url(dev_app), subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        init = {"authorization": f"Bearer {token}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        assert (await receive(ws))["type"] == "connection_ack"
        subscribe = {"query": SUBSCRIBE, "variables": {"id": "ub-short-lived"}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        first = await receive(ws)
        assert first["payload"]["data"]["promiseChanged"]["status"] == "draft"
        # Wait (bounded) for the token's expiry, then change the draft.
        for _ in range(200):
            if time.time() > expires_at:
                break
            await asyncio.sleep(0.05)
        assert time.time() > expires_at
        await editor.ok(
            "addFocusArea",
            promiseId="ub-short-lived",
            focusArea={"focusAreaId": "after", "title": "After expiry"},
        )
        pushed: list[dict[str, Any]] = []
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(30):
                while True:
                    pushed.append(json.loads(await ws.recv()))
    assert "After expiry" not in json.dumps(pushed), pushed
    assert closed.value.rcvd is not None, closed.value
    assert closed.value.rcvd.code == 4403
    assert closed.value.rcvd.reason == "token has expired"


OVERVIEW = (
    "subscription($area: ID!) { policeAreaOverviewChanged(policeAreaId: $area) { "
    "__typename ... on PoliceAreaOverview { counts { promises } "
    "municipalities { municipalityId promises { id status } } } "
    "... on NotFound { code } } }"
)


def promise_ids(message: dict[str, Any], municipality: str) -> list[str]:
    overview = message["payload"]["data"]["policeAreaOverviewChanged"]
    [found] = [m for m in overview["municipalities"] if m["municipalityId"] == municipality]
    return sorted(p["id"] for p in found["promises"])


async def test_a_dashboard_receives_the_overview_when_its_promises_change_and_not_otherwise(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    editor = Client(http, dev_app, dev_app.token(UB, "editor"))
    token = dev_app.token(LPO, "viewer")
    async with websockets.connect(ws_url(dev_app), subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        init = {"authorization": f"Bearer {token}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        assert (await receive(ws))["type"] == "connection_ack"
        payload = {"query": OVERVIEW, "variables": {"area": LPO}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        first = await receive(ws)
        before = promise_ids(first, UB)
        assert "ub-dashboard" not in before
        await editor.ok(
            "draftPromise",
            promiseId="ub-dashboard",
            parties=[UB, LPO],
            details={"title": "På instrumentpanelen", "period": {"label": "2033"}},
        )
        drafted = await receive(ws)
        assert promise_ids(drafted, UB) == sorted([*before, "ub-dashboard"])
        # A change that moves no count and no promise's status is not pushed: the next message
        # is the one after the withdrawal.
        await editor.ok(
            "addFocusArea",
            promiseId="ub-dashboard",
            focusArea={"focusAreaId": "fa1", "title": "Trygghet"},
        )
        await editor.ok("withdrawPromise", promiseId="ub-dashboard", reason="Dubblett")
        withdrawn = await receive(ws)
        overview = withdrawn["payload"]["data"]["policeAreaOverviewChanged"]
        [ub] = [m for m in overview["municipalities"] if m["municipalityId"] == UB]
        assert {p["id"]: p["status"] for p in ub["promises"]}["ub-dashboard"] == "withdrawn"


async def test_an_overview_subscription_for_no_police_area_ends_with_not_found(
    dev_app: RunningApp,
) -> None:
    token = dev_app.token(LPO, "viewer")
    async with websockets.connect(ws_url(dev_app), subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        init = {"authorization": f"Bearer {token}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        assert (await receive(ws))["type"] == "connection_ack"
        payload = {"query": OVERVIEW, "variables": {"area": UB}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        found = await receive(ws)
        assert found["payload"]["data"]["policeAreaOverviewChanged"] == {
            "__typename": "NotFound",
            "code": "organisation_not_found",
        }
        assert (await receive(ws)) == {"id": "1", "type": "complete"}
