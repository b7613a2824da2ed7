"""Agreements through GraphQL: drafted, proposed, signed here and recorded from paper, extended
and published; parties read them in every state, everybody else only once published."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from events.messages import HOME
from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client

UB, LPO, ARJEPLOG = "org-upplands-bro", "org-lpo-jarfalla", "org-arjeplog"
PUBLISHED, DRAFT = "api-agreement-published", "api-agreement-draft"
SHA = "0" * 63 + "a"

AGREEMENT = """query($id: ID!, $token: String) {
  agreement(id: $id, consistencyToken: $token) {
    id status inForce parties title goal validFrom validTo periodLabel publicOnly
    revisionNo contentHash expiredOn
    focusAreas { focusAreaId title }
    signatures { partyId personId signatoryName signatoryTitle signedOn
                 recordedFromDocument recordedBy
                 evidence { description url registryNumber documentSha256 } }
    publications { channel url publishedOn recordedFromDocument evidence { url } }
    extensions { previousValidTo newValidTo reason decisionRef }
  }
}"""

AGREEMENTS = """query($title: String, $status: [String!], $org: String, $token: String) {
  agreements(title: $title, status: $status, organisation: $org, consistencyToken: $token) {
    agreements { id status publicOnly }
    pageInfo { hasNextPage }
  }
}"""


def _content(title: str) -> dict[str, Any]:
    return {
        "parties": [UB, LPO],
        "title": title,
        "goal": "Ökad trygghet i Bro och Kungsängen",
        "period": {"validFrom": "2025-01-01", "validTo": "2027-12-31"},
        "focusAreas": [
            {"focusAreaId": "fa1", "title": "Trygghet i centrala Bro"},
            {"focusAreaId": "fa2", "title": "Ungdomar"},
        ],
    }


async def test_parties_draft_sign_record_extend_and_publish_an_agreement_others_see_it_published(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    admin_lpo = Client(http, dev_app, dev_app.token(LPO, "org_admin"))
    editor = Client(http, dev_app, dev_app.token(UB, "editor"))
    police_signer = Client(
        http, dev_app, dev_app.token(LPO, "signatory", person="p-agreement-chief")
    )
    publisher = Client(http, dev_app, dev_app.token(UB, "publisher"))
    police_viewer = Client(http, dev_app, dev_app.token(LPO, "viewer"))
    outsider = Client(http, dev_app, dev_app.token(ARJEPLOG, "editor"))
    anonymous = Client(http, dev_app, None)
    today = dt.datetime.now(HOME).date()

    await admin_lpo.ok("registerPerson", personId="p-agreement-chief", name="Lokalpolischef")
    await admin_lpo.ok(
        "grantSigningMandate",
        mandateId="m-agreement-chief",
        personId="p-agreement-chief",
        orgId=LPO,
    )
    await editor.ok("draftAgreement", agreementId=DRAFT, content=_content("API-avtal utkast"))
    await editor.ok(
        "draftAgreement", agreementId=PUBLISHED, content=_content("API-avtal publicerat")
    )
    proposed = await editor.ok("proposeAgreement", agreementId=PUBLISHED)
    seen = (await editor.query(AGREEMENT, id=PUBLISHED, token=proposed["consistencyToken"]))[
        "agreement"
    ]
    assert (seen["status"], seen["publicOnly"], seen["revisionNo"]) == ("proposed", False, 1)
    revision, digest = seen["revisionNo"], seen["contentHash"]

    await police_signer.ok(
        "signAgreement", agreementId=PUBLISHED, revisionNo=revision, contentHash=digest, partyId=LPO
    )
    refused = await editor.command(
        "recordAgreementSignature",
        agreementId=PUBLISHED,
        revisionNo=revision,
        contentHash=digest,
        partyId=UB,
        evidence={"documentSha256": "NOT-HEX"},
    )
    assert refused == {
        "__typename": "InvalidInput",
        "message": refused["message"],
        "field": ["input", "evidence", "documentSha256"],
    }
    signed = await editor.ok(
        "recordAgreementSignature",
        agreementId=PUBLISHED,
        revisionNo=revision,
        contentHash=digest,
        partyId=UB,
        signatoryName="Camilla Janson",
        signatoryTitle="kommunstyrelsens ordförande",
        signedOn="2025-01-10",
        evidence={"description": "Underskriven överenskommelse", "documentSha256": SHA},
    )
    extended = await police_signer.ok(
        "extendAgreement", agreementId=PUBLISHED, newValidTo="2028-12-31", reason="revidering"
    )

    # Signed and extended, but not published: the parties see it, nobody else does.
    token = extended["consistencyToken"]
    for stranger in (outsider, anonymous):
        assert (await stranger.query(AGREEMENT, id=PUBLISHED, token=token))["agreement"] is None
    party_view = (await police_viewer.query(AGREEMENT, id=PUBLISHED, token=token))["agreement"]
    assert (party_view["status"], party_view["inForce"], party_view["validTo"]) == (
        "signed",
        True,
        "2028-12-31",
    )
    assert party_view["extensions"] == [
        {
            "previousValidTo": "2027-12-31",
            "newValidTo": "2028-12-31",
            "reason": "revidering",
            "decisionRef": None,
        }
    ]
    live, recorded = party_view["signatures"]
    assert (live["partyId"], live["personId"], live["recordedFromDocument"]) == (
        LPO,
        "p-agreement-chief",
        False,
    )
    assert live["signedOn"] == today.isoformat() and live["evidence"] is None
    assert recorded == {
        "partyId": UB,
        "personId": None,
        "signatoryName": "Camilla Janson",
        "signatoryTitle": "kommunstyrelsens ordförande",
        "signedOn": "2025-01-10",
        "recordedFromDocument": True,
        "recordedBy": f"{UB}-editor",
        "evidence": {
            "description": "Underskriven överenskommelse",
            "url": None,
            "registryNumber": None,
            "documentSha256": SHA,
        },
    }
    # The refused recording appended nothing: the signature here and the recorded one are the
    # only two events after the proposal.
    assert (signed["duplicate"], signed["version"]) == (False, proposed["version"] + 2)

    published = await publisher.ok(
        "publishAgreement",
        agreementId=PUBLISHED,
        channel="upplands-bro.se",
        url="https://upplands-bro.se/sok",
    )
    token = published["consistencyToken"]
    for stranger in (outsider, anonymous):
        public = (await stranger.query(AGREEMENT, id=PUBLISHED, token=token))["agreement"]
        assert public["publicOnly"] is True and public["status"] == "signed"
        assert public["title"] == "API-avtal publicerat"
        assert [a["focusAreaId"] for a in public["focusAreas"]] == ["fa1", "fa2"]
        assert [s["recordedFromDocument"] for s in public["signatures"]] == [False, True]
        assert [s["recordedBy"] for s in public["signatures"]] == [None, None]
        assert public["signatures"][1]["evidence"]["documentSha256"] == SHA
        assert public["publications"] == [
            {
                "channel": "upplands-bro.se",
                "url": "https://upplands-bro.se/sok",
                "publishedOn": today.isoformat(),
                "recordedFromDocument": False,
                "evidence": None,
            }
        ]
        assert len(public["extensions"]) == 1
        listed = (await stranger.query(AGREEMENTS, title="API-avtal", token=token))["agreements"]
        assert listed["agreements"] == [{"id": PUBLISHED, "status": "signed", "publicOnly": True}]
        assert (await stranger.query(AGREEMENT, id=DRAFT))["agreement"] is None

    # A promise that names the agreement is listed under it for those who may see the promise.
    linked = await editor.ok(
        "draftPromise",
        promiseId="api-agreement-promise",
        parties=[UB, LPO],
        details={"title": "Löfte under överenskommelsen", "agreementId": PUBLISHED},
    )
    link = (
        "query($id: ID!, $token: String) "
        "{ agreement(id: $id, consistencyToken: $token) { promiseIds } }"
    )
    token = linked["consistencyToken"]
    assert (await editor.query(link, id=PUBLISHED, token=token))["agreement"] == {
        "promiseIds": ["api-agreement-promise"]
    }
    assert (await anonymous.query(link, id=PUBLISHED, token=token))["agreement"] == {
        "promiseIds": []
    }

    parties_list = (await editor.query(AGREEMENTS, title="API-avtal", token=token))["agreements"]
    assert parties_list["agreements"] == [
        {"id": DRAFT, "status": "draft", "publicOnly": False},
        {"id": PUBLISHED, "status": "signed", "publicOnly": False},
    ]
    only_drafts = await editor.query(AGREEMENTS, title="API-avtal", status=["draft"])
    assert [a["id"] for a in only_drafts["agreements"]["agreements"]] == [DRAFT]
    assert (await editor.query(AGREEMENT, id="never-drafted"))["agreement"] is None


async def test_an_outsiders_command_on_an_unpublished_agreement_is_answered_as_for_no_agreement(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    editor = Client(http, dev_app, dev_app.token(UB, "editor"))
    outsider = Client(http, dev_app, dev_app.token(ARJEPLOG, "editor"))
    await editor.ok("draftAgreement", agreementId="api-agreement-hidden", content=_content("Dold"))
    hidden = await outsider.command("proposeAgreement", agreementId="api-agreement-hidden")
    missing = await outsider.command("proposeAgreement", agreementId="api-agreement-nobody")
    assert hidden["__typename"] == missing["__typename"] == "NotFound"
    assert hidden == missing
