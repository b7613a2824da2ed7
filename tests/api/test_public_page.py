"""The public follow-up page and the open-data export, over plain HTTP."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from service.web.public_page import COLOUR_FILL
from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client

UB, LPO = "org-upplands-bro", "org-lpo-jarfalla"
PROMISE = "ub-public-page"
TITLE = "Upplands-Bro – trygghet i Bro & Kungsängen"
HOSTILE = 'Trygghetsvandringar <script>alert("x")</script> & möten'
COMMITMENTS = {
    "c1": "Ökad polisiär närvaro i Bro centrum",
    "c2": "Gemensamma insatser med synlig närvaro av polis och kommunal personal",
    "c3": "Två informationsmöten för näringsidkare",
    "c4": HOSTILE,
}
# commitment id: (target, achieved, status, colour)
EXPECTED = {
    "c1": (None, 0, "no_target", "grey"),
    "c2": (8, 3, "partly", "yellow"),
    "c3": (2, 2, "met", "green"),
    "c4": (4, 0, "not_met", "red"),
}


async def publish_promise(app: RunningApp, http: httpx.AsyncClient, promise_id: str) -> None:
    """Draft, sign, publish and follow up a promise with one commitment of each colour."""
    admin_ub = Client(http, app, app.token(UB, "org_admin"))
    admin_lpo = Client(http, app, app.token(LPO, "org_admin"))
    editor = Client(http, app, app.token(UB, "editor"))
    police_editor = Client(http, app, app.token(LPO, "editor"))
    police_person, municipal_person = f"p-{promise_id}-lpo", f"p-{promise_id}-kso"
    police_signer = Client(http, app, app.token(LPO, "signatory", person=police_person))
    municipal_signer = Client(http, app, app.token(UB, "signatory", person=municipal_person))
    publisher = Client(http, app, app.token(UB, "publisher"))

    for client, person, org in ((admin_lpo, police_person, LPO), (admin_ub, municipal_person, UB)):
        await client.ok("registerPerson", personId=person, name=f"Signatory of {org}")
        await client.ok("grantSigningMandate", mandateId=f"m-{person}", personId=person, orgId=org)

    await editor.ok(
        "draftPromise",
        promiseId=promise_id,
        parties=[UB, LPO],
        details={
            "title": TITLE,
            "period": {"validFrom": "2018-01-01", "validTo": "2018-12-31", "label": "2018"},
        },
    )
    await editor.ok(
        "addFocusArea",
        promiseId=promise_id,
        focusArea={"focusAreaId": "fa1", "title": "Öka tryggheten i Bro centrum"},
    )
    targets = {
        "c2": {"comparator": ">=", "quantity": 8, "unit": "insats"},
        "c3": {"comparator": ">=", "quantity": 2, "unit": "möte"},
        "c4": {"comparator": ">=", "quantity": 4, "unit": "vandring"},
    }
    for cid, text in COMMITMENTS.items():
        commitment: dict[str, object] = {
            "commitmentId": cid,
            "focusAreaId": "fa1",
            "text": text,
            "responsibleIds": [LPO, UB],
        }
        if cid in targets:
            commitment["target"] = targets[cid]
        await editor.ok("addCommitment", promiseId=promise_id, commitment=commitment)
    proposed = await editor.ok("proposePromise", promiseId=promise_id)
    doc = await editor.query(
        "query($id: ID!, $token: String) { promise(id: $id, consistencyToken: $token) "
        "{ document } }",
        id=promise_id,
        token=proposed["consistencyToken"],
    )
    working = doc["promise"]["document"]["state"]["working"]
    for signer, party in ((police_signer, LPO), (municipal_signer, UB)):
        await signer.ok(
            "signPromise",
            promiseId=promise_id,
            revisionNo=working["revision_no"],
            contentHash=working["content_hash"],
            partyId=party,
        )
    await publisher.ok("publishPromise", promiseId=promise_id, channel="kommunens webb")

    days = {"c2": ("2018-03-10", "2018-05-02", "2018-09-15"), "c3": ("2018-04-01", "2018-10-01")}
    for cid, dates in days.items():
        for n, day in enumerate(dates, start=1):
            await police_editor.ok(
                "recordActivity",
                promiseId=promise_id,
                recordId=f"{cid}-r{n}",
                commitmentId=cid,
                occurredOn=day,
                performedBy=[LPO, UB],
                summary="Gemensam insats i Bro centrum",
            )
    await editor.ok(
        "draftFollowUp",
        promiseId=promise_id,
        reportId="u1",
        kind="final",
        coversFrom="2018-01-01",
        coversTo="2018-12-31",
    )
    assessments = {
        "c1": ("no_target", None, "Närvaron ökade"),
        "c2": ("partly", 3, "Tre av minst åtta insatser <b>genomfördes</b>"),
        "c3": ("met", 2, "Båda mötena hölls"),
        "c4": ("not_met", 0, None),
    }
    for cid, (status, achieved, comment) in assessments.items():
        assessment: dict[str, object] = {"commitmentId": cid, "status": status}
        if achieved is not None:
            assessment["achieved"] = achieved
        if comment is not None:
            assessment["comment"] = comment
        await editor.ok("assessCommitment", promiseId=promise_id, reportId="u1", **assessment)
    await municipal_signer.ok("approveFollowUp", promiseId=promise_id, reportId="u1")
    await police_signer.ok("approveFollowUp", promiseId=promise_id, reportId="u1")
    published = await publisher.ok(
        "publishFollowUp", promiseId=promise_id, reportId="u1", channel="Upplands-Brobladet"
    )
    # Wait until the projections caught up, so the page (read outside GraphQL) sees it all.
    await editor.query(
        "query($id: ID!, $token: String) { promise(id: $id, consistencyToken: $token) { id } }",
        id=promise_id,
        token=published["consistencyToken"],
    )


@pytest.fixture(scope="module")
async def published(dev_app: RunningApp) -> AsyncIterator[RunningApp]:
    """The dev app with the published test promise."""
    async with httpx.AsyncClient(timeout=10) as http:
        await publish_promise(dev_app, http, PROMISE)
    yield dev_app


async def test_the_page_lists_every_commitment_with_its_progress(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    response = await http.get(f"{published.url}/p/{PROMISE}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="sv">' in page
    assert "Följ med i hur det går" in page
    assert "Upplands-Bro – trygghet i Bro &amp; Kungsängen" in page
    assert "2018 (2018-01-01 – 2018-12-31)" in page
    assert UB in page and LPO in page
    assert "Öka tryggheten i Bro centrum" in page
    for cid, (target, achieved, status, colour) in EXPECTED.items():
        item = re.search(rf'<li class="commitment" id="c-{cid}".*?</li>', page, re.S)
        assert item is not None, cid
        block = item.group(0)
        assert f'<span class="achieved">{achieved}</span>' in block
        assert 'role="img"' in block and "<title>" in block
        assert f'data-status="{status}"' in block
        assert f'fill="{COLOUR_FILL[colour]}"' in block
        if target is not None:
            assert f"minst {target}" in block
    assert page.count('<li class="commitment"') == len(COMMITMENTS)
    # Signatures show a date or say that none is known; the follow-up is shown.
    assert page.count("<td>org-") >= 2
    assert re.search(r"<td>(\d{4}-\d{2}-\d{2}|datum ej angivet)</td>", page)
    assert "Slutrapport: 2018-01-01 – 2018-12-31" in page
    assert "Delvis uppfyllt" in page
    # Nothing is loaded from elsewhere.
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page
    assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_every_value_is_escaped(published: RunningApp, http: httpx.AsyncClient) -> None:
    page = (await http.get(f"{published.url}/p/{PROMISE}")).text
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; möten" in page
    assert "<b>genomfördes</b>" not in page
    assert "&lt;b&gt;genomfördes&lt;/b&gt;" in page


async def test_the_embed_has_the_content_without_the_chrome(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    response = await http.get(f"{published.url}/p/{PROMISE}/embed")
    assert response.status_code == 200
    page = response.text
    assert '<header class="site">' not in page and "<footer>" not in page
    assert page.count('<li class="commitment"') == len(COMMITMENTS)
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors" not in policy


async def test_a_draft_or_unknown_promise_has_no_page(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    # The demo promise is only proposed: nothing of it was published.
    for path in ("/p/upplands-bro-2018", "/p/upplands-bro-2018/embed", "/p/no-such-promise"):
        response = await http.get(f"{published.url}{path}")
        assert response.status_code == 404, path
        assert "Sidan finns inte" in response.text
        assert "Upplands-Bro" not in response.text


async def test_the_page_speaks_english_when_the_browser_prefers_it_and_swedish_otherwise(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    english = await http.get(
        f"{published.url}/p/{PROMISE}", headers={"accept-language": "en-GB,en;q=0.9,sv;q=0.5"}
    )
    page = english.text
    assert '<html lang="en">' in page and english.headers["content-language"] == "en"
    assert "Accept-Language" in english.headers["vary"]
    for words in ("Follow how it is going", "Signatures", "Final report: 2018-01-01", "Partly met"):
        assert words in page, words
    assert "at least 8" in page and "minst 8" not in page
    assert "Följ med" not in page and "Underskrifter" not in page
    # The promise's own words are the municipality's, in whatever language it wrote them.
    assert "Öka tryggheten i Bro centrum" in page
    swedish = await http.get(f"{published.url}/p/{PROMISE}", headers={"accept-language": "de"})
    assert '<html lang="sv">' in swedish.text and "Underskrifter" in swedish.text
    missing = await http.get(
        f"{published.url}/p/no-such-promise", headers={"accept-language": "en"}
    )
    assert missing.status_code == 404 and "Page not found" in missing.text


async def test_open_data_csv_has_one_row_per_published_commitment(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    response = await http.get(f"{published.url}/open-data/commitments.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows and list(rows[0])[:3] == ["promise_id", "title", "parties"]
    ours = {r["commitment_id"]: r for r in rows if r["promise_id"] == PROMISE}
    assert set(ours) == set(COMMITMENTS)
    assert {r["promise_id"] for r in rows} == {PROMISE}  # the proposed demo is not open data
    for cid, (target, achieved, status, colour) in EXPECTED.items():
        row = ours[cid]
        assert row["commitment_text"] == COMMITMENTS[cid]
        assert row["title"] == TITLE
        assert row["parties"] == f"{UB};{LPO}"
        assert (row["valid_from"], row["valid_to"], row["period_label"]) == (
            "2018-01-01",
            "2018-12-31",
            "2018",
        )
        assert row["target_quantity"] == ("" if target is None else str(target))
        assert (row["achieved"], row["status"], row["colour"]) == (str(achieved), status, colour)


async def test_open_data_json_matches(published: RunningApp, http: httpx.AsyncClient) -> None:
    response = await http.get(f"{published.url}/open-data/commitments.json")
    assert response.status_code == 200
    body = response.json()
    rows = {r["commitment_id"]: r for r in body["rows"] if r["promise_id"] == PROMISE}
    assert set(rows) == set(COMMITMENTS)
    for cid, (target, achieved, status, colour) in EXPECTED.items():
        row = rows[cid]
        assert (row["target_quantity"], row["achieved"]) == (target, achieved)
        assert (row["status"], row["colour"]) == (status, colour)
        assert row["parties"] == [UB, LPO]
    assert "möten" in response.content.decode("utf-8")  # UTF-8, not \\u escapes


DEMO_2018 = "upplands-bro-2018"


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


async def carry_out_the_demo_promise(app: RunningApp, http: httpx.AsyncClient) -> dict[str, int]:
    """Take the demo's Upplands-Bro 2018 promise (proposed, undated, unsigned: all the seed
    text says) through the rest of its life in this test's own database: dated, signed by two
    test signatories, in force, three joint insatser recorded, a final follow-up published.
    Returns the achieved count per commitment id."""
    admin_ub = Client(http, app, app.token(UB, "org_admin"))
    admin_lpo = Client(http, app, app.token(LPO, "org_admin"))
    editor = Client(http, app, app.token(UB, "editor"))
    police_person, municipal_person = "p-test-demo-lpo", "p-test-demo-kso"
    signers = {
        LPO: Client(http, app, app.token(LPO, "signatory", person=police_person)),
        UB: Client(http, app, app.token(UB, "signatory", person=municipal_person)),
    }
    publisher = Client(http, app, app.token(UB, "publisher"))
    for client, person, org in ((admin_lpo, police_person, LPO), (admin_ub, municipal_person, UB)):
        await client.ok("registerPerson", personId=person, name=f"Test signatory of {org}")
        await client.ok("grantSigningMandate", mandateId=f"m-{person}", personId=person, orgId=org)

    query = (
        "query($id: ID!, $token: String) { promise(id: $id, consistencyToken: $token) "
        "{ document } }"
    )
    state = (await editor.query(query, id=DEMO_2018))["promise"]["document"]["state"]
    await editor.ok("reopenPromise", promiseId=DEMO_2018, reason="Perioden dateras")
    details = {
        camel(k): v for k, v in state["working"]["content"]["details"].items() if v is not None
    }
    details["period"] = {"validFrom": "2018-01-01", "validTo": "2018-12-31", "label": "2018"}
    await editor.ok("revisePromiseDetails", promiseId=DEMO_2018, details=details)
    proposed = await editor.ok("proposePromise", promiseId=DEMO_2018)
    working = (await editor.query(query, id=DEMO_2018, token=proposed["consistencyToken"]))[
        "promise"
    ]["document"]["state"]["working"]
    commitments = [c["commitment_id"] for c in working["content"]["commitments"]]
    for party, signer in signers.items():
        await signer.ok(
            "signPromise",
            promiseId=DEMO_2018,
            revisionNo=working["revision_no"],
            contentHash=working["content_hash"],
            partyId=party,
        )
    await publisher.ok("publishPromise", promiseId=DEMO_2018, channel="kommunens webb")
    for n, day in enumerate(("2018-03-10", "2018-05-02", "2018-09-15"), start=1):
        await editor.ok(
            "recordActivity",
            promiseId=DEMO_2018,
            recordId=f"test-r{n}",
            commitmentId="c2",
            occurredOn=day,
            performedBy=[LPO, UB],
            summary="Gemensam insats (testdata)",
        )
    await editor.ok(
        "draftFollowUp",
        promiseId=DEMO_2018,
        reportId="test-u1",
        kind="final",
        coversFrom="2018-01-01",
        coversTo="2018-12-31",
    )
    for cid in commitments:
        assessment: dict[str, object] = {"commitmentId": cid, "status": "no_target"}
        if cid == "c2":
            assessment.update(status="partly", achieved=3)
        elif cid == "c4":
            assessment.update(status="not_met", achieved=0)
        await editor.ok("assessCommitment", promiseId=DEMO_2018, reportId="test-u1", **assessment)
    for signer in signers.values():
        await signer.ok("approveFollowUp", promiseId=DEMO_2018, reportId="test-u1")
    published = await publisher.ok(
        "publishFollowUp", promiseId=DEMO_2018, reportId="test-u1", channel="kommunens webb"
    )
    await editor.query(query, id=DEMO_2018, token=published["consistencyToken"])
    return {cid: 3 if cid == "c2" else 0 for cid in commitments}
