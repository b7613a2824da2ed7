"""Safety walks through the served app's HTTP GraphQL: the platform operator registers a housing
company (test data), Upplands-Bro records a walk carrying out a planned safety walk of a
published promise, with three findings; the owners move them, another organisation's close is
refused; the overdue finding waits in its owner's inbox; the municipality page and the promise
page say "1 av 3 brister åtgärdade"; the open-data files hold the walk and its findings without
descriptions or reasons."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from service.identity.dev_issuer import DEV_PLATFORM_OPERATOR
from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client
from tests.api.test_public_page import START, TODAY, publish_promise

UB, LPO = "org-upplands-bro", "org-lpo-jarfalla"
PROMISE = "api-walks"
# Test data: the housing company, the walk, its findings, texts and dates are made up here.
HOUSING = "org-api-bostadsbolaget"
HELD_ON = START + dt.timedelta(days=10)
REASON = "Marken är kommunens (testdata)"
DESCRIPTION = "Buskage skymmer gångvägen (testdata)"

WALK = """query($id: ID!, $token: String) {
  walk(id: $id, consistencyToken: $token) {
    findingCount fixedCount carriesOut { promiseId planId occurrenceId }
    findings { id ownerId status overdue reason }
  }
}"""

INBOX = "{ inbox { promiseId action walkId findingId } }"


def client(http: httpx.AsyncClient, app: RunningApp, org: str, roles: str = "editor") -> Client:
    return Client(http, app, app.token(org, roles))


@pytest.fixture(scope="module")
async def walked(dev_app: RunningApp) -> AsyncIterator[dict[str, Any]]:
    """The published promise with a planned safety walk, and the walk with three findings:
    f1 the municipality's, fixed; f2 the housing company's, overdue; f3 handed from the
    housing company to the municipality with a reason, due at the end of the period."""
    async with httpx.AsyncClient(timeout=30) as http:
        await publish_promise(dev_app, http, PROMISE)
        operator = Client(
            http,
            dev_app,
            dev_app.token("samverkan", "service", subject=DEV_PLATFORM_OPERATOR),
        )
        await operator.ok(
            "registerPartner",
            orgId=HOUSING,
            name="Bostadsbolaget (testdata)",
            partnerKind="housing_company",
        )
        editor, housing = client(http, dev_app, UB), client(http, dev_app, HOUSING)
        await editor.ok(
            "planActivity",
            promiseId=PROMISE,
            planId="vandringar",
            commitmentIds=["c4"],
            title="Trygghetsvandringar",
            dates=[HELD_ON.isoformat()],
            kind="safety_walk",
        )
        await editor.ok(
            "recordWalk",
            walkId="api-walk",
            municipalityId=UB,
            heldOn=HELD_ON.isoformat(),
            organiserId=UB,
            participants=[
                {"organisationId": LPO},
                {"organisationId": HOUSING},
                {"group": "boende och verksamma", "count": 11},
            ],
            route=["upplands-bro-bro-centrum", "upplands-bro-stationsomradet-i-bro"],
            carriesOut={
                "promiseId": PROMISE,
                "planId": "vandringar",
                "occurrenceId": "vandringar-1",
            },
        )
        for finding_id, owner, due in (
            ("f1", UB, HELD_ON + dt.timedelta(days=30)),
            ("f2", HOUSING, HELD_ON + dt.timedelta(days=60)),
            ("f3", HOUSING, TODAY + dt.timedelta(days=200)),
        ):
            await editor.ok(
                "recordFinding",
                walkId="api-walk",
                findingId=finding_id,
                placeId="upplands-bro-bro-centrum",
                description=DESCRIPTION,
                category="vegetation",
                ownerId=owner,
                dueOn=due.isoformat(),
                photoSha256="0" * 64,
            )
        await editor.ok("completeFinding", walkId="api-walk", findingId="f1")
        await housing.ok("startFinding", walkId="api-walk", findingId="f3")
        last = await housing.ok(
            "reassignFinding", walkId="api-walk", findingId="f3", ownerId=UB, reason=REASON
        )
        await editor.query(WALK, id="api-walk", token=last["consistencyToken"])
        yield {"token": last["consistencyToken"]}


async def test_another_organisation_cannot_close_the_housing_companys_finding(
    dev_app: RunningApp, walked: dict[str, Any], http: httpx.AsyncClient
) -> None:
    refused = await client(http, dev_app, LPO).command(
        "completeFinding", walkId="api-walk", findingId="f2"
    )
    assert (refused["__typename"], refused["code"]) == ("Forbidden", "not_finding_owner")
    anonymous = Client(http, dev_app, None)
    walk = (await anonymous.query(WALK, id="api-walk", token=walked["token"]))["walk"]
    assert [f["status"] for f in walk["findings"]] == ["done", "assigned", "assigned"]


async def test_the_walk_is_public_and_its_reasons_are_not(
    dev_app: RunningApp, walked: dict[str, Any], http: httpx.AsyncClient
) -> None:
    anonymous = Client(http, dev_app, None)
    walk = (await anonymous.query(WALK, id="api-walk", token=walked["token"]))["walk"]
    assert (walk["findingCount"], walk["fixedCount"]) == (3, 1)
    assert walk["carriesOut"]["promiseId"] == PROMISE
    assert [(f["id"], f["ownerId"], f["overdue"], f["reason"]) for f in walk["findings"]] == [
        ("f1", UB, False, None),
        ("f2", HOUSING, True, None),
        ("f3", UB, False, None),
    ]
    member = client(http, dev_app, HOUSING, "viewer")
    walk = (await member.query(WALK, id="api-walk", token=walked["token"]))["walk"]
    assert walk["findings"][2]["reason"] == REASON


async def test_the_overdue_finding_waits_in_its_owners_inbox_only(
    dev_app: RunningApp, walked: dict[str, Any], http: httpx.AsyncClient
) -> None:
    items = (await client(http, dev_app, HOUSING).query(INBOX))["inbox"]
    assert items == [
        {"promiseId": PROMISE, "action": "finding_overdue", "walkId": "api-walk", "findingId": "f2"}
    ]
    for org in (UB, LPO):
        items = (await client(http, dev_app, org).query(INBOX))["inbox"]
        assert [i for i in items if i["action"] == "finding_overdue"] == [], org


async def test_the_municipality_and_promise_pages_say_one_of_three_findings_fixed(
    dev_app: RunningApp, walked: dict[str, Any], http: httpx.AsyncClient
) -> None:
    for path in ("/p/kommun/0139", f"/p/{PROMISE}"):
        response = await http.get(f"{dev_app.url}{path}")
        assert response.status_code == 200, path
        page = response.text
        assert "Trygghetsvandringar" in page, path
        assert "1 trygghetsvandring genomförd, 1 av 3 brister åtgärdade." in page, path
        assert "(Bro centrum, Stationsområdet i Bro): 1 av 3 brister åtgärdade" in page, path
        assert DESCRIPTION not in page and REASON not in page, path
    english = await http.get(f"{dev_app.url}/p/kommun/0139", headers={"accept-language": "en"})
    assert "1 of 3 findings fixed" in english.text


async def test_the_open_data_files_hold_the_walk_and_its_findings_without_free_text(
    dev_app: RunningApp, walked: dict[str, Any], http: httpx.AsyncClient
) -> None:
    walks = (await http.get(f"{dev_app.url}/open-data/walks.json")).json()["rows"]
    [walk] = [w for w in walks if w["walk_id"] == "api-walk"]
    assert walk["municipality_name"] == "Upplands-Bro kommun"
    assert walk["participant_ids"] == [LPO, HOUSING]
    assert walk["other_participants"] == 11
    assert (walk["promise_id"], walk["findings"], walk["findings_fixed"]) == (PROMISE, 3, 1)
    findings = (await http.get(f"{dev_app.url}/open-data/findings.json")).json()["rows"]
    mine = [f for f in findings if f["walk_id"] == "api-walk"]
    assert [(f["finding_id"], f["owner_name"], f["status_label"]) for f in mine] == [
        ("f1", "Upplands-Bro kommun", "Åtgärdad"),
        ("f2", "Bostadsbolaget (testdata)", "Tilldelad"),
        ("f3", "Upplands-Bro kommun", "Tilldelad"),
    ]
    for name in ("walks.csv", "findings.csv", "walks.json", "findings.json"):
        body = (await http.get(f"{dev_app.url}/open-data/{name}")).text
        assert DESCRIPTION not in body and REASON not in body, name
