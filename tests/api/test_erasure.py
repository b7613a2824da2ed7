"""Erasure end to end: personal data leaves the payloads and the read models, the proof stays."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from events.catalogue import event_registry
from events.log.store import log_size
from events.promise.decider import PROMISE as PROMISE_DECIDER
from projections.promises import promise_projection
from service.admin.erasure import ErasureError, erase
from service.audit import verify as audit
from service.audit.keys import log_key_path, read_key_file, vkey_path_for
from service.database import connect
from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import LPO, PROMISE_QUERY, UB, Client

PROMISE = "erasure-2026"
NAME = "Greta Exempelsdotter"
SUMMARY = f"Samtal med {NAME} vid Bro centrum"


async def in_force_promise_with_one_activity(
    app: RunningApp, http: httpx.AsyncClient
) -> dict[str, Any]:
    """A signed, published promise with one activity whose summary names a person."""
    admin_ub = Client(http, app, app.token(UB, "org_admin"))
    admin_lpo = Client(http, app, app.token(LPO, "org_admin"))
    editor = Client(http, app, app.token(UB, "editor"))
    signers = {
        LPO: Client(http, app, app.token(LPO, "signatory", person="p-erasure-lpo")),
        UB: Client(http, app, app.token(UB, "signatory", person="p-erasure-ub")),
    }
    person = await admin_ub.ok("registerPerson", personId="p-erasure-ub", name=NAME)
    await admin_ub.ok(
        "grantSigningMandate", mandateId="m-erasure-ub", personId="p-erasure-ub", orgId=UB
    )
    await admin_lpo.ok("registerPerson", personId="p-erasure-lpo", name="Polischef i test")
    await admin_lpo.ok(
        "grantSigningMandate", mandateId="m-erasure-lpo", personId="p-erasure-lpo", orgId=LPO
    )
    await editor.ok(
        "draftPromise",
        promiseId=PROMISE,
        parties=[UB, LPO],
        details={"title": "Erasure", "period": {"validFrom": "2026-01-01", "label": "2026"}},
    )
    await editor.ok(
        "addCommitment",
        promiseId=PROMISE,
        commitment={
            "commitmentId": "c1",
            "text": "Trygghetsvandringar",
            "responsibleIds": [UB],
            "target": {"comparator": ">=", "quantity": 2, "unit": "vandring"},
        },
    )
    proposed = await editor.ok("proposePromise", promiseId=PROMISE)
    doc = await editor.query(PROMISE_QUERY, id=PROMISE, token=proposed["consistencyToken"])
    working = doc["promise"]["document"]["state"]["working"]
    for party, signer in signers.items():
        await signer.ok(
            "signPromise",
            promiseId=PROMISE,
            revisionNo=working["revision_no"],
            contentHash=working["content_hash"],
            partyId=party,
        )
    activity = await editor.ok(
        "recordActivity",
        promiseId=PROMISE,
        recordId="r1",
        commitmentId="c1",
        occurredOn="2026-03-01",
        performedBy=[UB],
        summary=SUMMARY,
    )
    after = await editor.query(PROMISE_QUERY, id=PROMISE, token=activity["consistencyToken"])
    return {
        "editor": editor,
        "person_event": person["eventIds"][0],
        "activity_event": activity["eventIds"][0],
        "promise": after["promise"],
    }


async def wait_until_sequenced(url: str, event_id: str) -> None:
    conn = await connect(url)
    try:
        async with asyncio.timeout(10):
            while not await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM log l JOIN events e ON e.id = l.event_pk "
                "WHERE e.event_id = $1)",
                uuid.UUID(event_id),
            ):
                await asyncio.sleep(0.05)
    finally:
        await conn.close()


async def mentions(url: str, text: str) -> dict[str, int]:
    """How many payload rows, read-model documents and activity records still contain `text`."""
    conn = await connect(url)
    try:
        return {
            table: int(
                await conn.fetchval(
                    f"SELECT count(*) FROM {table} WHERE {column}::text LIKE '%' || $1 || '%'",
                    text,
                )
            )
            for table, column in (
                ("payloads", "data"),
                ("documents", "doc"),
                ("activity_records", "activity_records"),
            )
        }
    finally:
        await conn.close()


async def test_an_erased_name_and_summary_leave_payloads_and_read_models_and_verify_still_passes(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    world = await in_force_promise_with_one_activity(dev_app, http)
    url = dev_app.settings.app_database_url
    assert url is not None
    before = world["promise"]
    assert [a["summary"] for a in before["document"]["state"]["activities"]] == [SUMMARY]
    assert {p["commitmentId"]: p["achieved"] for p in before["progress"]} == {"c1": 1}
    assert (await mentions(url, NAME))["payloads"] == 2
    for event_id in (world["person_event"], world["activity_event"]):
        await wait_until_sequenced(url, event_id)
    async with asyncio.timeout(15):  # the record is projected into its row
        while (await mentions(url, NAME))["activity_records"] != 1:
            await asyncio.sleep(0.1)

    erased = [
        await erase(url, uuid.UUID(world["person_event"]), "GDPR art. 17", "ub-admin", "auditor"),
        await erase(url, uuid.UUID(world["activity_event"]), "GDPR art. 17", "ub-admin", "auditor"),
    ]

    # The projections re-fold both streams once they reach the two PayloadErased events.
    async with asyncio.timeout(15):
        while any((found := await mentions(url, NAME)).values()):
            await asyncio.sleep(0.1)
    assert found == {"payloads": 0, "documents": 0, "activity_records": 0}
    now = (await world["editor"].query(PROMISE_QUERY, id=PROMISE))["promise"]
    [record] = now["document"]["state"]["activities"]
    assert record["summary"] == "[raderat]" and record["quantity"] == 1
    assert {p["commitmentId"]: p["achieved"] for p in now["progress"]} == {"c1": 1}

    # The read model equals a fold of the (redacted) log.
    conn = await connect(url)
    try:
        promises = promise_projection(PROMISE_DECIDER, event_registry())
        folded = await promises.as_of(conn, f"promise-{PROMISE}", await log_size(conn))
        version, doc = await conn.fetchrow(
            "SELECT d.version, d.doc FROM documents d JOIN projection_state p "
            "ON p.projection = d.projection AND p.version = d.version AND p.status = 'serving' "
            "WHERE d.projection = 'promises' AND d.key = $1",
            f"promise-{PROMISE}",
        )
        stored = (await promises.whole(conn, version, {f"promise-{PROMISE}": doc}))[
            f"promise-{PROMISE}"
        ]
        trail = await conn.fetch(
            "SELECT e.type, p.data FROM events e JOIN payloads p ON p.event_pk = e.id "
            "WHERE e.stream_id = 'erasures' ORDER BY e.stream_version"
        )
    finally:
        await conn.close()
    assert stored == folded
    assert [(t, d["log_index"]) for t, d in trail][-2:] == [("PayloadErased", i) for i in erased]

    log_vkey = read_key_file(vkey_path_for(log_key_path(dev_app.settings)))
    report = await audit.verify_database(url, log_vkey, [], allow_pending=True)
    assert report.ok, report.findings
    assert set(erased) <= set(report.erased)


async def test_an_erasure_that_cannot_be_done_says_why_and_changes_nothing(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    url = dev_app.settings.app_database_url
    assert url is not None
    admin = Client(http, dev_app, dev_app.token(UB, "org_admin"))
    person = await admin.ok("registerPerson", personId="p-erasure-refused", name="Hugo Prov")
    mandate = await admin.ok(
        "grantSigningMandate", mandateId="m-erasure-refused", personId="p-erasure-refused", orgId=UB
    )
    person_id, mandate_id = uuid.UUID(person["eventIds"][0]), uuid.UUID(mandate["eventIds"][0])
    await wait_until_sequenced(url, str(mandate_id))
    before = await mentions(url, "Hugo Prov")

    cases = [
        (mandate_id, "x", "a", "b", "holds no personal data"),
        (person_id, "x", "same", "same", "someone other"),
        (person_id, " ", "a", "b", "needs a reason"),
        (uuid.uuid4(), "x", "a", "b", "does not exist"),
    ]
    for event_id, reason, by, authorised, message in cases:
        with pytest.raises(ErasureError, match=message):
            await erase(url, event_id, reason, by, authorised)
    assert await mentions(url, "Hugo Prov") == before

    await erase(url, person_id, "GDPR art. 17", "ub-admin", "auditor")
    with pytest.raises(ErasureError, match="already erased"):
        await erase(url, person_id, "again", "ub-admin", "auditor")
