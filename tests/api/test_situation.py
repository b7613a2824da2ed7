"""Lägesbild and åtgärdsplan through the served app: a joint lägesbild compiled by the police
area serving the municipality, unseen by anonymous callers until adopted; an åtgärdsplan on it
refused without a diarienummer, then adopted, found from the agreement it names and listed in
the open-data file of adopted åtgärdsplaner (a draft is not)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client

UB, LPO, ARJEPLOG = "org-upplands-bro", "org-lpo-jarfalla", "org-arjeplog"
AGREEMENT_ID = "upplands-bro-jarfalla-sok"  # the demo's agreement of Upplands-Bro and LPO Järfälla

# Test data: texts, dates and diarienummer made up for the test.
DECISION = {"decidedBy": "styrgruppen", "decidedOn": "2026-02-03", "diarienummer": "KS 26/31"}

PICTURE = """query($id: ID!, $token: String) {
  situationPicture(id: $id, consistencyToken: $token) {
    municipalityId policeAreaId status publicOnly
    versions { version summary adopted { decidedBy decidedOn diarienummer } }
  }
}"""

AGREEMENT = """query($id: ID!, $token: String) {
  agreement(id: $id, consistencyToken: $token) {
    actionPlans { id adopted { version situationPictureId agreementId } }
  }
}"""


def plan_input(plan_id: str) -> dict[str, Any]:
    return {
        "actionPlanId": plan_id,
        "municipalityId": UB,
        "policeAreaId": LPO,
        "content": {
            "title": "Gemensam åtgärdsplan",
            "situationPictureId": "api-ub-joint",
            "situationPictureVersion": 1,
            "measures": [
                {"measureId": "m1", "text": "Synlig polis kvällstid", "responsibleIds": [LPO]}
            ],
            "agreementId": AGREEMENT_ID,
        },
    }


async def test_a_joint_lagesbild_is_public_once_adopted_and_its_plan_needs_a_diarienummer(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    police = Client(http, dev_app, dev_app.token(LPO, "editor"))
    municipality = Client(http, dev_app, dev_app.token(UB, "signatory"))
    stranger = Client(http, dev_app, dev_app.token(ARJEPLOG, "editor"))
    anonymous = Client(http, dev_app, None)

    compiled = await police.ok(
        "compileSituationPicture",
        situationPictureId="api-ub-joint",
        municipalityId=UB,
        policeAreaId=LPO,
        content={
            "coversFrom": "2025-01-01",
            "coversTo": "2025-12-31",
            "compiledOn": "2026-01-10",
            "summary": "Gemensam lägesbild för Bro",
            "inputs": [{"kind": "statistics", "summary": "Anmälda brott 2025"}],
        },
    )
    token = compiled["consistencyToken"]
    assert (await anonymous.query(PICTURE, id="api-ub-joint", token=token))[
        "situationPicture"
    ] is None
    refused = await stranger.command(
        "adoptSituationPicture", situationPictureId="api-ub-joint", version=1, decision=DECISION
    )
    assert refused["__typename"] == "NotFound"

    adopted = await municipality.ok(
        "adoptSituationPicture", situationPictureId="api-ub-joint", version=1, decision=DECISION
    )
    picture = (
        await anonymous.query(PICTURE, id="api-ub-joint", token=adopted["consistencyToken"])
    )["situationPicture"]
    assert picture == {
        "municipalityId": UB,
        "policeAreaId": LPO,
        "status": "adopted",
        "publicOnly": True,
        "versions": [{"version": 1, "summary": "Gemensam lägesbild för Bro", "adopted": DECISION}],
    }

    await police.ok("draftActionPlan", **plan_input("api-ub-plan"))
    blank = await municipality.command(
        "adoptActionPlan",
        actionPlanId="api-ub-plan",
        version=1,
        decision={**DECISION, "diarienummer": ""},
    )
    assert blank["__typename"] == "InvalidInput"
    assert blank["field"] == ["input", "decision", "diarienummer"]
    done = await municipality.ok(
        "adoptActionPlan", actionPlanId="api-ub-plan", version=1, decision=DECISION
    )
    reader = Client(http, dev_app, dev_app.token(UB, "viewer"))
    agreement = (await reader.query(AGREEMENT, id=AGREEMENT_ID, token=done["consistencyToken"]))[
        "agreement"
    ]
    assert agreement["actionPlans"] == [
        {
            "id": "api-ub-plan",
            "adopted": {
                "version": 1,
                "situationPictureId": "api-ub-joint",
                "agreementId": AGREEMENT_ID,
            },
        }
    ]

    # The open-data file lists the adopted plan with its decision; the draft is in no row.
    await police.ok("draftActionPlan", **plan_input("api-ub-draft"))
    response = await http.get(f"{dev_app.url}/open-data/action-plans.json")
    assert response.status_code == 200
    rows = {r["action_plan_id"]: r for r in response.json()["rows"]}
    assert "api-ub-draft" not in rows
    row = rows["api-ub-plan"]
    assert (row["version"], row["diarienummer"], row["agreement_id"]) == (
        1,
        "KS 26/31",
        AGREEMENT_ID,
    )
    assert row["municipality_ids"] == [UB] and row["police_area_ids"] == [LPO]
