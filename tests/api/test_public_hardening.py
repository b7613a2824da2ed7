"""What citizens' routes send besides their content: security headers, formula-safe CSV and
the index of published promises (served app, one promise published with hostile texts)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import LPO, UB, Client

PROMISE = "ub-formulas"
TITLE = '=HYPERLINK("https://evil.example","Klicka")'
TEXTS = {"c1": "+1 extra insats", "c2": "-2 möten", "c3": "@SUM(A1:A9)", "c4": "Vanlig text"}


async def publish(app: RunningApp, http: httpx.AsyncClient) -> None:
    """Draft, sign and publish a promise whose title and commitments start like formulas."""
    police, municipal = f"p-{PROMISE}-lpo", f"p-{PROMISE}-kso"
    for org, person in ((LPO, police), (UB, municipal)):
        admin = Client(http, app, app.token(org, "org_admin"))
        await admin.ok("registerPerson", personId=person, name=f"Signatory of {org}")
        await admin.ok("grantSigningMandate", mandateId=f"m-{person}", personId=person, orgId=org)
    editor = Client(http, app, app.token(UB, "editor"))
    await editor.ok(
        "draftPromise",
        promiseId=PROMISE,
        parties=[UB, LPO],
        details={
            "title": TITLE,
            "period": {"validFrom": "2019-01-01", "validTo": "2019-12-31", "label": "2019"},
        },
    )
    for cid, text in TEXTS.items():
        await editor.ok(
            "addCommitment",
            promiseId=PROMISE,
            commitment={"commitmentId": cid, "text": text, "responsibleIds": [UB]},
        )
    proposed = await editor.ok("proposePromise", promiseId=PROMISE)
    doc = await editor.query(
        "query($id: ID!, $t: String) { promise(id: $id, consistencyToken: $t) { document } }",
        id=PROMISE,
        t=proposed["consistencyToken"],
    )
    working = doc["promise"]["document"]["state"]["working"]
    for org, person in ((LPO, police), (UB, municipal)):
        await Client(http, app, app.token(org, "signatory", person=person)).ok(
            "signPromise",
            promiseId=PROMISE,
            revisionNo=working["revision_no"],
            contentHash=working["content_hash"],
            partyId=org,
        )
    publisher = Client(http, app, app.token(UB, "publisher"))
    done = await publisher.ok("publishPromise", promiseId=PROMISE, channel="kommunens webb")
    await editor.query(
        "query($id: ID!, $t: String) { promise(id: $id, consistencyToken: $t) { id } }",
        id=PROMISE,
        t=done["consistencyToken"],
    )


@pytest.fixture(scope="module")
async def published(dev_app: RunningApp) -> AsyncIterator[RunningApp]:
    async with httpx.AsyncClient(timeout=10) as http:
        await publish(dev_app, http)
    yield dev_app


async def test_open_data_csv_neutralises_cells_a_spreadsheet_would_run(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    response = await http.get(f"{published.url}/open-data/commitments.csv")
    assert response.status_code == 200
    rows = [
        r
        for r in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
        if r["promise_id"] == PROMISE
    ]
    assert {r["title"] for r in rows} == {"'" + TITLE}
    texts = {r["commitment_id"]: r["commitment_text"] for r in rows}
    assert texts == {
        "c1": "'+1 extra insats",
        "c2": "'-2 möten",
        "c3": "'@SUM(A1:A9)",
        "c4": "Vanlig text",
    }
    for line in response.text.splitlines():
        assert not line.startswith(("=", "+", "-", "@")), line
        assert ",=" not in line and ",+" not in line and ",@" not in line, line


async def test_open_data_json_keeps_the_texts_as_they_were_written(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    rows = (await http.get(f"{published.url}/open-data/promises.json")).json()["rows"]
    assert {r["title"] for r in rows if r["promise_id"] == PROMISE} == {TITLE}


async def test_the_index_lists_the_published_promise(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    response = await http.get(f"{published.url}/p/")
    assert response.status_code == 200
    assert f'href="/p/{PROMISE}"' in response.text
    assert "=HYPERLINK(&#34;https://evil.example&#34;" in response.text


NOT_FRAMEABLE = [
    f"/p/{PROMISE}",
    "/p/",
    "/p/no-such-promise",
    "/open-data/promises.csv",
    "/open-data/promises.json",
    "/healthz",
    "/readyz",
    "/metrics",
    "/no/such/route",
]


@pytest.mark.parametrize("path", NOT_FRAMEABLE)
async def test_every_answer_but_the_embed_forbids_framing_and_sniffing(
    published: RunningApp, http: httpx.AsyncClient, path: str
) -> None:
    response = await http.get(published.url + path)
    assert response.headers["x-frame-options"] == "DENY", path
    assert response.headers["x-content-type-options"] == "nosniff", path


async def test_graphql_answers_forbid_framing_and_sniffing(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    for response in (
        await http.post(f"{published.url}/graphql", json={"query": "{ logSize }"}),
        await http.post(f"{published.url}/graphql", content=b"[]"),
        await http.get(f"{published.url}/graphql", headers={"accept": "text/html"}),
    ):
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", [f"/p/{PROMISE}/embed", "/p/no-such-promise/embed"])
async def test_the_embed_may_be_framed_by_any_site_but_not_sniffed(
    published: RunningApp, http: httpx.AsyncClient, path: str
) -> None:
    response = await http.get(published.url + path)
    assert "x-frame-options" not in response.headers
    assert "frame-ancestors" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_the_page_forbids_framing_also_by_its_content_security_policy(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    response = await http.get(f"{published.url}/p/{PROMISE}")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
