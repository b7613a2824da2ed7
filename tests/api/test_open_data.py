"""Open data over HTTP: every file in three variants, in step with the public pages, with
an ETag and 304, and nothing that was not published."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import AsyncIterator
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from events.messages import HOME
from service.web.open_data.tables import TABLES
from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client

UB, LPO = "org-upplands-bro", "org-lpo-jarfalla"
PUBLISHED, DRAFT = "od-published", "od-draft"
TITLE = "Öppna data i Bro"
DRAFT_TITLE = "Hemligt utkast om Kungsängen"
FORMULA = '=HYPERLINK("https://evil.example","klicka")'
SUMMARY = "Insats vid stationen, Anna Andersson tillkallades"
UNPUBLISHED_AGREEMENT = "od-agreement-draft"
UNPUBLISHED_AGREEMENT_TITLE = "Ej publicerad överenskommelse"
AGREEMENT = "od-agreement"
AGREEMENT_TITLE = "Samverkansöverenskommelse i öppna data"
AGREEMENT_URL = "https://www.upplands-bro.se/samverkansoverenskommelse"
VARIANTS = ("csv", "excel.csv", "json")
YEAR = dt.datetime.now(HOME).date().year
"""The promises run this year, so activities may be recorded against them."""
FIRST_DAY = f"{YEAR}-01-01"
"""The day of the records and the paper signature: never after today, whatever the day."""


class Parties:
    """Clients for everyone who acts on the test promises."""

    def __init__(self, app: RunningApp, http: httpx.AsyncClient) -> None:
        self.app, self.http = app, http
        self.editor = Client(http, app, app.token(UB, "editor"))
        self.police_editor = Client(http, app, app.token(LPO, "editor"))
        self.publisher = Client(http, app, app.token(UB, "publisher"))
        self.signers = {
            LPO: Client(http, app, app.token(LPO, "signatory", person="p-od-lpo")),
            UB: Client(http, app, app.token(UB, "signatory", person="p-od-kso")),
        }

    async def settle(self, promise_id: str, token: str) -> None:
        """Wait until the read models include the write that returned `token`."""
        await self.editor.query(
            "query($id: ID!, $t: String) { promise(id: $id, consistencyToken: $t) { id } }",
            id=promise_id,
            t=token,
        )


async def draft(parties: Parties, promise_id: str, title: str) -> dict[str, Any]:
    """A drafted and proposed promise with a place and a commitment of each kind."""
    editor = parties.editor
    period = {"validFrom": f"{YEAR}-01-01", "validTo": f"{YEAR}-12-31", "label": str(YEAR)}
    await editor.ok(
        "draftPromise",
        promiseId=promise_id,
        parties=[UB, LPO],
        details={"title": title, "period": period},
    )
    await editor.ok(
        "registerPlace",
        promiseId=promise_id,
        place={"placeId": "p1", "name": "Bro centrum", "municipalityId": UB},
    )
    await editor.ok(
        "addCommitment",
        promiseId=promise_id,
        commitment={
            "commitmentId": "c1",
            "text": "Gemensamma insatser i Bro centrum",
            "responsibleIds": [LPO, UB],
            "placeIds": ["p1"],
            "target": {"comparator": ">=", "quantity": 8, "unit": "insats"},
        },
    )
    await editor.ok(
        "addCommitment",
        promiseId=promise_id,
        commitment={"commitmentId": "c2", "text": FORMULA, "responsibleIds": [UB]},
    )
    proposed = await editor.ok("proposePromise", promiseId=promise_id)
    doc = await editor.query(
        "query($id: ID!, $t: String) { promise(id: $id, consistencyToken: $t) { document } }",
        id=promise_id,
        t=proposed["consistencyToken"],
    )
    working: dict[str, Any] = doc["promise"]["document"]["state"]["working"]
    return working


async def record(parties: Parties, promise_id: str, record_id: str, day: str) -> str:
    """One activity record of two insatser at Bro centrum; returns its consistency token."""
    done = await parties.police_editor.ok(
        "recordActivity",
        promiseId=promise_id,
        recordId=record_id,
        commitmentId="c1",
        occurredOn=day,
        performedBy=[LPO, UB],
        placeIds=["p1"],
        quantity=2,
        summary=SUMMARY,
    )
    token: str = done["consistencyToken"]
    return token


async def set_up(app: RunningApp, http: httpx.AsyncClient) -> None:
    """A published promise with an activity and a published follow-up; a promise signed but
    never published; an agreement drafted but never published."""
    parties = Parties(app, http)
    for org, person in ((LPO, "p-od-lpo"), (UB, "p-od-kso")):
        admin = Client(http, app, app.token(org, "org_admin"))
        await admin.ok("registerPerson", personId=person, name=f"Signatory {person}")
        await admin.ok("grantSigningMandate", mandateId=f"m-{person}", personId=person, orgId=org)
    for promise_id, title in ((PUBLISHED, TITLE), (DRAFT, DRAFT_TITLE)):
        working = await draft(parties, promise_id, title)
        for party, signer in parties.signers.items():
            await signer.ok(
                "signPromise",
                promiseId=promise_id,
                revisionNo=working["revision_no"],
                contentHash=working["content_hash"],
                partyId=party,
            )
    await parties.publisher.ok(
        "publishPromise",
        promiseId=PUBLISHED,
        channel="kommunens webb",
        url="https://www.upplands-bro.se/medborgarloften",
    )
    await record(parties, PUBLISHED, "r1", FIRST_DAY)
    await plan_walks(parties)
    await parties.editor.ok(
        "draftFollowUp",
        promiseId=PUBLISHED,
        reportId="u1",
        kind="final",
        coversFrom=f"{YEAR}-01-01",
        coversTo=f"{YEAR}-12-31",
    )
    await parties.editor.ok(
        "assessCommitment",
        promiseId=PUBLISHED,
        reportId="u1",
        commitmentId="c1",
        status="partly",
        achieved=2,
        comment="Två av minst åtta",
    )
    await parties.editor.ok(
        "assessCommitment", promiseId=PUBLISHED, reportId="u1", commitmentId="c2", status="met"
    )
    for signer in parties.signers.values():
        await signer.ok("approveFollowUp", promiseId=PUBLISHED, reportId="u1")
    done = await parties.publisher.ok(
        "publishFollowUp", promiseId=PUBLISHED, reportId="u1", channel="Upplands-Brobladet"
    )
    await parties.editor.ok(
        "draftAgreement",
        agreementId=UNPUBLISHED_AGREEMENT,
        content={"parties": [UB, LPO], "title": UNPUBLISHED_AGREEMENT_TITLE},
    )
    await publish_agreement(parties)
    await parties.settle(PUBLISHED, done["consistencyToken"])


CANCEL_REASON = "Inställd: Anna Andersson är sjuk"
"""A reason naming a person: open data never carries it."""


async def plan_walks(parties: Parties) -> None:
    """Three safety walks planned for c2 at Bro centrum (a shared place of Upplands-Bro the
    promise's place is linked to): the first performed, the last cancelled."""
    police = parties.police_editor
    await parties.editor.ok(
        "registerMunicipalPlace",
        placeId="od-ub-bro-centrum",
        municipalityId=UB,
        name="Bro centrum",
        kind="centrum",
    )
    await parties.editor.ok(
        "linkSharedPlace", promiseId=PUBLISHED, placeId="p1", sharedPlaceId="od-ub-bro-centrum"
    )
    await police.ok(
        "planActivity",
        promiseId=PUBLISHED,
        planId="od-vandring",
        commitmentIds=["c2"],
        title="Trygghetsvandring i Bro centrum",
        kind="safety_walk",
        dates=[f"{YEAR}-01-01", f"{YEAR}-12-30", f"{YEAR}-12-31"],
        placeIds=["p1"],
        responsibleIds=[UB],
    )
    await police.ok(
        "performOccurrence",
        promiseId=PUBLISHED,
        planId="od-vandring",
        occurrenceId="od-vandring-1",
        recordId="od-vandring-r1",
        occurredOn=f"{YEAR}-01-01",
        performedBy=[LPO, UB],
        summary=SUMMARY,
    )
    await police.ok(
        "cancelOccurrence",
        promiseId=PUBLISHED,
        planId="od-vandring",
        occurrenceId="od-vandring-3",
        reason=CANCEL_REASON,
    )


async def publish_agreement(parties: Parties) -> None:
    """An agreement signed live by the police area and on paper by the municipality (recorded
    from the document), extended once and published."""
    editor = parties.editor
    await editor.ok(
        "draftAgreement",
        agreementId=AGREEMENT,
        content={
            "parties": [UB, LPO],
            "title": AGREEMENT_TITLE,
            "goal": "Brottsligheten ska minska och tryggheten ska öka",
            "period": {"validFrom": f"{YEAR}-01-01", "validTo": f"{YEAR + 1}-12-31"},
            "focusAreas": [
                {"focusAreaId": "a1", "title": "Våld"},
                {"focusAreaId": "a2", "title": "Ungdomar i riskzonen"},
            ],
        },
    )
    proposed = await editor.ok("proposeAgreement", agreementId=AGREEMENT)
    seen = await editor.query(
        "query($id: ID!, $t: String) { agreement(id: $id, consistencyToken: $t) "
        "{ revisionNo contentHash } }",
        id=AGREEMENT,
        t=proposed["consistencyToken"],
    )
    revision, digest = seen["agreement"]["revisionNo"], seen["agreement"]["contentHash"]
    await parties.signers[LPO].ok(
        "signAgreement", agreementId=AGREEMENT, revisionNo=revision, contentHash=digest, partyId=LPO
    )
    await editor.ok(
        "recordAgreementSignature",
        agreementId=AGREEMENT,
        revisionNo=revision,
        contentHash=digest,
        partyId=UB,
        signatoryName="Fredrik Kjos",
        signatoryTitle="kommunstyrelsens ordförande",
        signedOn=FIRST_DAY,
        evidence={"url": AGREEMENT_URL},
    )
    await parties.signers[LPO].ok(
        "extendAgreement",
        agreementId=AGREEMENT,
        newValidTo=f"{YEAR + 2}-12-31",
        reason="förlängd efter uppföljning",
    )
    await parties.publisher.ok(
        "publishAgreement", agreementId=AGREEMENT, channel="upplands-bro.se", url=AGREEMENT_URL
    )


@pytest.fixture(scope="module")
async def published(dev_app: RunningApp) -> AsyncIterator[RunningApp]:
    """The dev app with the test promises and agreement."""
    async with httpx.AsyncClient(timeout=10) as http:
        await set_up(dev_app, http)
    yield dev_app


def excel_rows(response: httpx.Response) -> list[dict[str, str]]:
    """The Swedish-Excel variant as Python's csv module reads it: BOM off, `;`."""
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def comma_rows(response: httpx.Response) -> list[dict[str, str]]:
    """The RFC 4180 variant: BOM off, comma."""
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


async def get(app: RunningApp, http: httpx.AsyncClient, name: str) -> httpx.Response:
    response = await http.get(f"{app.url}/open-data/{name}")
    assert response.status_code == 200, (name, response.text[:300])
    return response


async def test_every_file_comes_in_three_variants_with_type_charset_and_file_name(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    for table in TABLES:
        counts = {}
        for variant in VARIANTS:
            name = f"{table.name}.{variant}"
            response = await get(published, http, name)
            disposition = response.headers["content-disposition"]
            assert f'filename="{name}"' in disposition, name
            assert response.headers["access-control-allow-origin"] == "*"
            if variant == "json":
                assert response.headers["content-type"].startswith("application/json")
                body = response.json()
                assert body["fields"] == [c.key for c in table.columns]
                counts[variant] = len(body["rows"])
            else:
                assert response.headers["content-type"] == "text/csv; charset=utf-8", name
                assert disposition.startswith("attachment")
                rows = excel_rows(response) if variant == "excel.csv" else comma_rows(response)
                counts[variant] = len(rows)
        assert len(set(counts.values())) == 1, (table.name, counts)


async def test_the_excel_variant_parses_with_semicolons_and_has_the_swedish_labels(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    promises = {
        r["Löfte (id)"]: r for r in excel_rows(await get(published, http, "promises.excel.csv"))
    }
    row = promises[PUBLISHED]
    assert (row["Titel"], row["Status (kod)"], row["Status"]) == (TITLE, "in_force", "Gällande")
    assert (row["Kommun (id)"], row["Kommun"]) == (UB, "Upplands-Bro kommun")
    assert row["Lokalpolisområde (id)"] == LPO
    assert row["Lokalpolisområde"] not in ("", LPO)
    assert (row["Period"], row["Gäller från"], row["Gäller till"]) == (
        str(YEAR),
        f"{YEAR}-01-01",
        f"{YEAR}-12-31",
    )
    assert row["Publicerat på (adress)"] == "https://www.upplands-bro.se/medborgarloften"
    assert row["Underskrifter"].count("Signatory p-od-") == 2
    assert row["Registrerat från dokument"] == "nej"

    commitments = {
        r["Åtagande (id)"]: r
        for r in excel_rows(await get(published, http, "commitments.excel.csv"))
        if r["Löfte (id)"] == PUBLISHED
    }
    c1 = commitments["c1"]
    assert (c1["Mål (jämförelse)"], c1["Mål (antal)"], c1["Genomförda"]) == ("minst", "8", "2")
    assert (c1["Måluppfyllelse (kod)"], c1["Måluppfyllelse"]) == ("partly", "Delvis uppfyllt")
    assert c1["Platser"] == "Bro centrum"
    assert (c1["Senaste bedömning"], c1["Senaste kommentar"]) == (
        "Delvis uppfyllt",
        "Två av minst åtta",
    )

    [follow_up] = [
        r
        for r in excel_rows(await get(published, http, "follow-ups.excel.csv"))
        if r["Löfte (id)"] == PUBLISHED and r["Åtagande (id)"] == "c1"
    ]
    assert (follow_up["Slag"], follow_up["Bedömning"]) == ("Slutrapport", "Delvis uppfyllt")
    assert follow_up["Kommentar"] == "Två av minst åtta"
    assert follow_up["Publicerad i"] == "Upplands-Brobladet"


async def test_a_formula_in_a_text_is_neutralised_in_both_csv_variants(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    excel = excel_rows(await get(published, http, "commitments.excel.csv"))
    comma = comma_rows(await get(published, http, "commitments.csv"))
    assert {
        r["Åtagande"] for r in excel if (r["Löfte (id)"], r["Åtagande (id)"]) == (PUBLISHED, "c2")
    } == {"'" + FORMULA}
    assert {
        r["commitment_text"]
        for r in comma
        if (r["promise_id"], r["commitment_id"]) == (PUBLISHED, "c2")
    } == {"'" + FORMULA}
    as_json = (await get(published, http, "commitments.json")).json()["rows"]
    assert {
        r["commitment_text"]
        for r in as_json
        if (r["promise_id"], r["commitment_id"]) == (PUBLISHED, "c2")
    } == {FORMULA}


async def test_an_unpublished_promise_or_agreement_appears_in_no_file(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    # The signed but unpublished promise is there for its parties, and in no open-data file.
    member = Client(http, published, published.token(UB, "viewer"))
    seen = await member.query("query($id: ID!) { promise(id: $id) { id } }", id=DRAFT)
    assert seen["promise"] is not None
    for table in TABLES:
        for variant in VARIANTS:
            body = (await get(published, http, f"{table.name}.{variant}")).content.decode()
            for secret in (DRAFT, DRAFT_TITLE, UNPUBLISHED_AGREEMENT, UNPUBLISHED_AGREEMENT_TITLE):
                assert secret not in body, (table.name, variant, secret)
    promise_ids = {
        r["promise_id"] for r in (await get(published, http, "promises.json")).json()["rows"]
    }
    assert PUBLISHED in promise_ids


async def test_the_activities_file_has_no_summary_nor_who_performed_it(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    for variant in VARIANTS:
        response = await get(published, http, f"activities.{variant}")
        body = response.content.decode()
        assert SUMMARY not in body and "Anna" not in body, variant
        if variant != "json":
            header = body.splitlines()[0].lower()
            for word in ("summary", "sammanfattning", "beskrivning", "performed", "utförd av"):
                assert word not in header, (variant, word)
    fields = (await get(published, http, "activities.json")).json()["fields"]
    assert "summary" not in fields and "performed_by" not in fields
    assert {"occurred_on", "place_names", "commitment_id", "quantity"} <= set(fields)


async def test_open_data_lists_the_promises_the_public_index_links_and_no_other(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    index = (await http.get(f"{published.url}/p/")).text
    linked = set(re.findall(r'href="/p/([^"/]+)"', index))
    rows = (await get(published, http, "promises.json")).json()["rows"]
    listed = {r["promise_id"] for r in rows}
    assert PUBLISHED in listed and DRAFT not in listed
    assert listed <= linked, listed - linked
    assert DRAFT not in linked


async def test_a_conditional_get_with_the_etag_is_304_until_something_changes(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    url = f"{published.url}/open-data/activities.excel.csv"
    first = await http.get(url)
    etag = first.headers["etag"]
    again = await http.get(url, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert (await http.get(url, headers={"if-none-match": '"something-else"'})).status_code == 200
    # Without If-None-Match, If-Modified-Since with the Last-Modified it was sent is enough.
    since = first.headers["last-modified"]
    assert (await http.get(url, headers={"if-modified-since": since})).status_code == 304
    # Each file has its own tag.
    other = await http.get(f"{published.url}/open-data/activities.csv")
    assert other.headers["etag"] != etag
    # A draft changes nothing published: the copy is still current.
    parties = Parties(published, http)
    drafted = await parties.editor.ok(
        "draftPromise",
        promiseId="od-etag-draft",
        parties=[UB, LPO],
        details={"title": "Ett utkast till", "period": {"label": str(YEAR)}},
    )
    await parties.settle("od-etag-draft", drafted["consistencyToken"])
    assert (await http.get(url, headers={"if-none-match": etag})).status_code == 304

    token = await record(Parties(published, http), PUBLISHED, "r2", FIRST_DAY)
    await Parties(published, http).settle(PUBLISHED, token)
    changed = await http.get(url, headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert parsedate_to_datetime(changed.headers["last-modified"]) >= parsedate_to_datetime(since)
    achieved = {
        r["commitment_id"]: r["achieved"]
        for r in (await get(published, http, "commitments.json")).json()["rows"]
        if r["promise_id"] == PUBLISHED
    }
    assert achieved["c1"] == 4


async def test_the_index_lists_every_file_with_the_public_pages_policy(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    response = await http.get(f"{published.url}/open-data/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="sv">' in page
    for table in TABLES:
        for variant in VARIANTS:
            assert f'href="/open-data/{table.name}.{variant}"' in page
        assert table.description in page
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"
    # The public pages link here.
    assert 'href="/open-data/"' in (await http.get(f"{published.url}/p/{PUBLISHED}")).text
    listed = (await http.get(f"{published.url}/open-data/index.json")).json()["files"]
    assert [f["name"] for f in listed] == [t.name for t in TABLES]
    assert json.dumps(listed)  # plain JSON


async def test_the_agreements_file_lists_the_published_agreement_with_names_and_signatures(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    rows = {
        r["agreement_id"]: r for r in (await get(published, http, "agreements.json")).json()["rows"]
    }
    assert UNPUBLISHED_AGREEMENT not in rows
    row = rows[AGREEMENT]
    assert row["title"] == AGREEMENT_TITLE
    assert (row["parties"], row["party_names"][0]) == ([UB, LPO], "Upplands-Bro kommun")
    assert (row["status"], row["status_label"]) == ("signed", "Undertecknad")
    assert (row["valid_from"], row["valid_to"], row["extensions"]) == (
        f"{YEAR}-01-01",
        f"{YEAR + 2}-12-31",
        1,
    )
    assert row["focus_areas"] == ["Våld", "Ungdomar i riskzonen"]
    assert row["publication_urls"] == [AGREEMENT_URL]
    live, recorded = row["signatures"]
    assert "Signatory p-od-lpo" in live and "registrerat från dokument" not in live
    assert recorded == (
        f"Upplands-Bro kommun: Fredrik Kjos, kommunstyrelsens ordförande, {FIRST_DAY} "
        f"(registrerat från dokument: {AGREEMENT_URL})"
    )
    assert row["recorded_from_document"] is True
    excel = {
        r["Överenskommelse (id)"]: r
        for r in excel_rows(await get(published, http, "agreements.excel.csv"))
    }
    assert set(excel) == set(rows)
    assert excel[AGREEMENT]["Status"] == "Undertecknad"
    assert excel[AGREEMENT]["Prioriterade områden"] == "Våld;Ungdomar i riskzonen"


async def test_plans_and_their_occurrences_are_open_data_without_reasons(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    plans = [
        r
        for r in (await get(published, http, "plans.json")).json()["rows"]
        if r["promise_id"] == PUBLISHED
    ]
    assert plans == [
        {
            "promise_id": PUBLISHED,
            "title": TITLE,
            "plan_id": "od-vandring",
            "kind": "safety_walk",
            "kind_label": "Trygghetsvandring",
            "plan_title": "Trygghetsvandring i Bro centrum",
            "commitment_ids": ["c2"],
            "place_ids": ["p1"],
            "place_names": ["Bro centrum"],
            "responsible_names": ["Upplands-Bro kommun"],
            "partner_names": [],
            "planned": 2,
            "performed": 1,
            "cancelled": 1,
        }
    ]
    excel = excel_rows(await get(published, http, "occurrences.excel.csv"))
    mine = [r for r in excel if r["Löfte (id)"] == PUBLISHED]
    assert [(r["Tillfälle (id)"], r["Från"], r["Läge"]) for r in mine] == [
        ("od-vandring-1", f"{YEAR}-01-01", "Genomfört"),
        ("od-vandring-2", f"{YEAR}-12-30", "Planerat"),
        ("od-vandring-3", f"{YEAR}-12-31", "Inställt"),
    ]
    for name in ("plans", "occurrences"):
        for variant in VARIANTS:
            body = (await get(published, http, f"{name}.{variant}")).content.decode("utf-8")
            assert "Anna Andersson" not in body, (name, variant)
    places = (await get(published, http, "places.json")).json()["rows"]
    [p1] = [r for r in places if r["promise_id"] == PUBLISHED and r["place_id"] == "p1"]
    assert p1["shared_place_id"] == "od-ub-bro-centrum"
