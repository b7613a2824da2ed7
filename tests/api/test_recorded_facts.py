"""Entering what happened outside Samverkan, through GraphQL: a promise signed on paper in 2021,
recorded today from its documents, and every kind of bad input refused with the stream unchanged.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import httpx
import pytest

from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client

UB, LPO = "org-upplands-bro", "org-lpo-jarfalla"
PAPER = hashlib.sha256(b"Medborgarloften 2021, underskrivna").hexdigest()
EVIDENCE = {
    "description": "Underskrivet original, kommunens diarium",
    "registryNumber": "KS 21/0042",
}

STATE_QUERY = """query($id: ID!, $token: String) {
  promise(id: $id, consistencyToken: $token) { status revisionNo
  signatures { partyId recordedFromDocument personId signatoryName signatoryTitle signedOn
               recordedBy evidence { description url registryNumber documentSha256 } }
  publications { channel url publishedOn recordedFromDocument evidence { documentSha256 } }
  document } }"""
HISTORY = """query($p: ID!) { history(promiseId: $p, first: 100) {
  ... on HistoryPage { entries { type actorSubject } } } }"""


async def _proposed(editor: Client, promise_id: str, label: str) -> tuple[int, str, str]:
    await editor.ok(
        "draftPromise",
        promiseId=promise_id,
        parties=[UB, LPO],
        details={"title": f"Medborgarlöften {label}", "period": {"label": label}},
    )
    await editor.ok(
        "addFocusArea",
        promiseId=promise_id,
        focusArea={"focusAreaId": "fa1", "title": "Trygga offentliga miljöer"},
    )
    proposed = await editor.ok("proposePromise", promiseId=promise_id)
    doc = await editor.query(STATE_QUERY, id=promise_id, token=proposed["consistencyToken"])
    working = doc["promise"]["document"]["state"]["working"]
    assert proposed["__typename"] == "CommandAccepted"
    return working["revision_no"], working["content_hash"], proposed["consistencyToken"]


async def _events(client: Client, promise_id: str, token: str) -> list[str]:
    """The promise's event types once every projection holds the write `token` names."""
    await client.query(STATE_QUERY, id=promise_id, token=token)
    history = await client.query(HISTORY, p=promise_id)
    return [e["type"] for e in history["history"]["entries"]]


async def test_a_paper_signed_promise_is_entered_afterwards_and_shown_as_recorded_everywhere(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    editor = Client(http, dev_app, dev_app.token(UB, "editor", subject="registrator-ub"))
    police_editor = Client(http, dev_app, dev_app.token(LPO, "editor"))
    anonymous = Client(http, dev_app, None)
    promise_id = "ub-2021-paper"
    revision, digest, _ = await _proposed(editor, promise_id, "2021")

    await editor.ok(
        "recordPromiseSignature",
        promiseId=promise_id,
        revisionNo=revision,
        contentHash=digest,
        partyId=UB,
        signatoryName="Fredrik Kjos (M)",
        signatoryTitle="kommunstyrelsens ordförande",
        signedOn="2021-02-11",
        evidence=EVIDENCE,
    )
    await police_editor.ok(
        "recordPromiseSignature",
        promiseId=promise_id,
        revisionNo=revision,
        contentHash=digest,
        partyId=LPO,
        signedOn="2021-02-11",
        evidence={"documentSha256": PAPER},
    )
    published = await editor.ok(
        "recordPromisePublication",
        promiseId=promise_id,
        channel="Upplands-Brobladet",
        publishedOn="2021-02-20",
        evidence={"documentSha256": PAPER},
    )

    token = published["consistencyToken"]
    seen = (await anonymous.query(STATE_QUERY, id=promise_id, token=token))["promise"]
    assert seen["status"] == "expired"  # 2021 is over: in force for its period, then expired
    by_party = {s["partyId"]: s for s in seen["signatures"]}
    assert by_party[UB] == {
        "partyId": UB,
        "recordedFromDocument": True,
        "personId": None,
        "signatoryName": "Fredrik Kjos (M)",
        "signatoryTitle": "kommunstyrelsens ordförande",
        "signedOn": "2021-02-11",
        "recordedBy": "registrator-ub",
        "evidence": {
            "description": EVIDENCE["description"],
            "url": None,
            "registryNumber": "KS 21/0042",
            "documentSha256": None,
        },
    }
    assert by_party[LPO]["recordedFromDocument"] is True
    assert by_party[LPO]["evidence"]["documentSha256"] == PAPER
    assert seen["publications"] == [
        {
            "channel": "Upplands-Brobladet",
            "url": None,
            "publishedOn": "2021-02-20",
            "recordedFromDocument": True,
            "evidence": {"documentSha256": PAPER},
        }
    ]
    types = await _events(editor, promise_id, token)
    assert types.count("PromiseSignatureRecorded") == 2
    assert "PromiseSigned" not in types
    assert types[-3:] == ["PromiseEnteredIntoForce", "PromiseExpired", "PromisePublished"]

    then = await anonymous.query(
        'query($id: ID!) { promise(id: $id, inForceOn: "2021-06-30") { revisionNo inForceFrom '
        "inForceUntil } }",
        id=promise_id,
    )
    assert then["promise"] == {
        "revisionNo": revision,
        "inForceFrom": "2021-01-01",
        "inForceUntil": "2021-12-31",
    }


BAD = [
    ("signedOn", {"signedOn": "2999-01-01"}, "InvalidInput", "date_in_future"),
    ("partyId", {"partyId": "org-arjeplog"}, "InvalidInput", "unknown_party"),
    (
        "evidence.documentSha256",
        {"evidence": {"documentSha256": "not-a-hash"}},
        "InvalidInput",
        "invalid_sha256",
    ),
    ("evidence", {"evidence": {"description": "ett foto"}}, "InvalidInput", "evidence_missing"),
]


@pytest.mark.parametrize(("field", "change", "kind", "code"), BAD, ids=[b[3] for b in BAD])
async def test_a_bad_recorded_signature_is_refused_naming_its_field_and_changes_nothing(
    dev_app: RunningApp,
    http: httpx.AsyncClient,
    field: str,
    change: dict[str, Any],
    kind: str,
    code: str,
) -> None:
    editor = Client(http, dev_app, dev_app.token(UB, "editor"))
    promise_id = f"ub-bad-{code.replace('_', '-')}"
    revision, digest, token = await _proposed(editor, promise_id, "2021")
    before = await _events(editor, promise_id, token)
    signature: dict[str, Any] = {
        "promiseId": promise_id,
        "revisionNo": revision,
        "contentHash": digest,
        "partyId": UB,
        "evidence": EVIDENCE,
        **change,
    }
    refused = await editor.command("recordPromiseSignature", str(uuid.uuid4()), **signature)
    assert refused["__typename"] == kind, refused
    if kind == "InvalidInput":
        assert refused["field"] == ["input", *field.split(".")]
    assert await _events(editor, promise_id, token) == before


async def test_a_publication_before_signing_and_an_unresolvable_period_are_refused(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    editor = Client(http, dev_app, dev_app.token(UB, "editor"))
    promise_id = "ub-early-publication"
    revision, digest, _ = await _proposed(editor, promise_id, "2021")
    for party in (UB, LPO):
        signed = await editor.ok(
            "recordPromiseSignature",
            promiseId=promise_id,
            revisionNo=revision,
            contentHash=digest,
            partyId=party,
            signedOn="2021-03-01",
            evidence=EVIDENCE,
        )
    before = await _events(editor, promise_id, signed["consistencyToken"])
    early = await editor.command(
        "recordPromisePublication",
        promiseId=promise_id,
        channel="webb",
        publishedOn="2021-02-01",
        evidence=EVIDENCE,
    )
    assert early == {
        "__typename": "RuleViolated",
        "message": early["message"],
        "code": "published_before_signing",
    }
    assert await _events(editor, promise_id, signed["consistencyToken"]) == before

    unresolvable = await editor.command(
        "draftPromise",
        promiseId="ub-no-dates",
        parties=[UB, LPO],
        details={"title": "Utan datum", "period": {"label": "nästa mandatperiod"}},
    )
    assert unresolvable["__typename"] == "InvalidInput"
    assert unresolvable["field"] == ["input", "details", "period", "label"]
    gone = await editor.query(STATE_QUERY, id="ub-no-dates")
    assert gone["promise"] is None
