"""The public pages of facts recorded from documents: a promise signed on paper and published
on a web page, an agreement signed live and on paper, extended and published, and the
parties' contact points."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from babel.dates import format_date

from events.messages import HOME
from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client

UB, LPO = "org-upplands-bro", "org-lpo-jarfalla"
YEAR = dt.datetime.now(HOME).date().year
UB_NAME, LPO_NAME = "Upplands-Bro kommun", "Lokalpolisområde Järfälla"
PROMISE = "ub-recorded-2018"
PROMISE_TITLE = "Medborgarlöfte Upplands-Bro 2018 (från pappersoriginalet)"
AGREEMENT = "ub-agreement-page"
AGREEMENT_TITLE = "Samverkansöverenskommelse Upplands-Bro (testsida)"
DRAFT_AGREEMENT = "ub-agreement-page-draft"
SOURCE_URL = "https://www.upplands-bro.se/medborgarloften-2018.pdf"
AGREEMENT_URL = "https://www.upplands-bro.se/samverkansoverenskommelse.pdf"
DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
REGISTRY = "KS 18/0042"
CONTACT = {
    "phone": "08-581 690 00",
    "email": "kontakt@upplands-bro.se",
    "web": "https://upplands-bro.se",
}


async def settle(client: Client, token: str) -> None:
    """Wait until the projections applied `token`."""
    await client.query(
        "query($id: ID!, $t: String) { promise(id: $id, consistencyToken: $t) { id } }",
        id=PROMISE,
        t=token,
    )


async def record_a_paper_promise(app: RunningApp, http: httpx.AsyncClient) -> str:
    """A 2018 promise whose signatures and publication are recorded from its documents."""
    editor = Client(http, app, app.token(UB, "editor"))
    police_editor = Client(http, app, app.token(LPO, "editor"))
    await editor.ok(
        "draftPromise",
        promiseId=PROMISE,
        parties=[UB, LPO],
        details={
            "title": PROMISE_TITLE,
            "period": {"label": "2018"},
            "agreementId": AGREEMENT,
        },
    )
    await editor.ok(
        "addCommitment",
        promiseId=PROMISE,
        commitment={
            "commitmentId": "c1",
            "text": "Nattvandringar i Bro centrum",
            "responsibleIds": [UB],
            "target": {"comparator": ">=", "quantity": 12, "unit": "nattvandring"},
        },
    )
    proposed = await editor.ok("proposePromise", promiseId=PROMISE)
    seen = await editor.query(
        "query($id: ID!, $t: String) { promise(id: $id, consistencyToken: $t) { document } }",
        id=PROMISE,
        t=proposed["consistencyToken"],
    )
    working = seen["promise"]["document"]["state"]["working"]
    revision = {"revisionNo": working["revision_no"], "contentHash": working["content_hash"]}
    await editor.ok(
        "recordPromiseSignature",
        promiseId=PROMISE,
        partyId=UB,
        signatoryName="Fredrik Kjos",
        signatoryTitle="kommunstyrelsens ordförande",
        signedOn="2018-01-22",
        evidence={"url": SOURCE_URL, "registryNumber": REGISTRY},
        **revision,
    )
    await police_editor.ok(
        "recordPromiseSignature",
        promiseId=PROMISE,
        partyId=LPO,
        signatoryTitle="lokalpolisområdeschef",
        evidence={"documentSha256": DIGEST, "description": "Inskannat original"},
        **revision,
    )
    published = await editor.ok(
        "recordPromisePublication",
        promiseId=PROMISE,
        channel="upplands-bro.se",
        url=SOURCE_URL,
        publishedOn="2018-02-01",
        evidence={"url": SOURCE_URL},
    )
    token: str = published["consistencyToken"]
    return token


async def publish_an_agreement(app: RunningApp, http: httpx.AsyncClient) -> str:
    """An agreement signed live by the police area and on paper by the municipality,
    extended once and published; and another one only drafted."""
    editor = Client(http, app, app.token(UB, "editor"))
    police_person = "p-agreement-page-lpo"
    admin_lpo = Client(http, app, app.token(LPO, "org_admin"))
    await admin_lpo.ok("registerPerson", personId=police_person, name="Per Polisson")
    await admin_lpo.ok(
        "grantSigningMandate", mandateId=f"m-{police_person}", personId=police_person, orgId=LPO
    )
    signer = Client(http, app, app.token(LPO, "signatory", person=police_person))
    await editor.ok(
        "draftAgreement",
        agreementId=AGREEMENT,
        content={
            "parties": [UB, LPO],
            "title": AGREEMENT_TITLE,
            "goal": "Brottsligheten ska minska och tryggheten öka",
            "period": {"validFrom": "2022-01-01", "validTo": f"{YEAR + 1}-12-31"},
            "focusAreas": [
                {"focusAreaId": "a1", "title": "Våld i offentlig miljö"},
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
    revision = {
        "revisionNo": seen["agreement"]["revisionNo"],
        "contentHash": seen["agreement"]["contentHash"],
    }
    await signer.ok("signAgreement", agreementId=AGREEMENT, partyId=LPO, **revision)
    await editor.ok(
        "recordAgreementSignature",
        agreementId=AGREEMENT,
        partyId=UB,
        signatoryName="Fredrik Kjos",
        signatoryTitle="kommunstyrelsens ordförande",
        signedOn="2021-12-16",
        evidence={"url": AGREEMENT_URL},
        **revision,
    )
    await signer.ok(
        "extendAgreement",
        agreementId=AGREEMENT,
        newValidTo=f"{YEAR + 3}-12-31",
        reason="Förlängd efter uppföljningen",
        decisionRef="KS 25/0101",
    )
    publisher = Client(http, app, app.token(UB, "publisher"))
    await publisher.ok(
        "publishAgreement",
        agreementId=AGREEMENT,
        channel="upplands-bro.se",
        url=AGREEMENT_URL,
    )
    done = await editor.ok(
        "draftAgreement",
        agreementId=DRAFT_AGREEMENT,
        content={"parties": [UB, LPO], "title": "Ett utkast som ingen ska se"},
    )
    token: str = done["consistencyToken"]
    return token


@pytest.fixture(scope="module")
async def recorded(dev_app: RunningApp) -> AsyncIterator[RunningApp]:
    """The dev app with the recorded promise, the agreement and Upplands-Bro's contact."""
    async with httpx.AsyncClient(timeout=10) as http:
        admin = Client(http, dev_app, dev_app.token(UB, "org_admin"))
        await admin.ok("setPublicContact", orgId=UB, contact=CONTACT)
        await publish_an_agreement(dev_app, http)
        token = await record_a_paper_promise(dev_app, http)
        await settle(Client(http, dev_app, dev_app.token(UB, "editor")), token)
    yield dev_app


def section(page: str, name: str) -> str:
    """One `<section id=name>` of a page."""
    found = re.search(rf'<section id="{name}".*?</section>', page, re.S)
    assert found is not None, name
    return found.group(0)


async def test_a_paper_signature_is_shown_as_recorded_from_a_document_with_its_source(
    recorded: RunningApp, http: httpx.AsyncClient
) -> None:
    response = await http.get(f"{recorded.url}/p/{PROMISE}")
    assert response.status_code == 200, response.text
    signatures = section(response.text, "underskrifter")
    assert signatures.count('<li class="signature recorded">') == 2
    assert signatures.count("Registrerat från dokument") == 2
    assert "Signerat i Samverkan" not in signatures
    assert "Fredrik Kjos, kommunstyrelsens ordförande" in signatures
    assert '<span class="signed-on">22 januari 2018</span>' in signatures
    assert f'<a href="{SOURCE_URL}" rel="noopener">Källa</a>' in signatures
    assert f"Diarienummer {REGISTRY}" in signatures
    # The police's copy names no signatory and no date: the page says what the document does.
    assert "lokalpolisområdeschef" in signatures and "datum okänt" in signatures
    assert f"Dokumentets SHA-256: {DIGEST}" in signatures and "Inskannat original" in signatures
    assert UB_NAME in signatures and LPO_NAME in signatures


async def test_a_recorded_publication_shows_its_date_and_link(
    recorded: RunningApp, http: httpx.AsyncClient
) -> None:
    page = (await http.get(f"{recorded.url}/p/{PROMISE}")).text
    publication = section(page, "publicering")
    assert "1 februari 2018" in publication and "upplands-bro.se" in publication
    assert f'<a href="{SOURCE_URL}" rel="noopener">Läs den publicerade texten</a>' in publication
    assert "Registrerat från dokument" in publication
    # The label alone gave the period; it resolved to the year's dates.
    assert "2018 (1 januari 2018 – 31 december 2018)" in page
    # Entered after its period with nothing recorded: its target, and no verdict of failure.
    assert "Mål: minst 12 nattvandringar. Inga genomförda insatser är registrerade här." in page
    assert "saknades" not in page and "Inte uppfyllt" not in page


async def test_contact_points_and_the_numbers_to_call_are_on_the_page(
    recorded: RunningApp, http: httpx.AsyncClient
) -> None:
    contact = section((await http.get(f"{recorded.url}/p/{PROMISE}")).text, "kontakt")
    assert '<a href="tel:08-58169000">08-581 690 00</a>' in contact
    assert '<a href="mailto:kontakt@upplands-bro.se">kontakt@upplands-bro.se</a>' in contact
    assert 'href="https://upplands-bro.se"' in contact
    assert "ring 114 14" in contact and "ring 112" in contact
    # The police area publishes no contact point here: nothing is shown for it.
    assert LPO_NAME not in contact


async def test_the_agreement_page_shows_its_parties_signatures_extension_and_promises(
    recorded: RunningApp, http: httpx.AsyncClient
) -> None:
    response = await http.get(f"{recorded.url}/p/overenskommelse/{AGREEMENT}")
    assert response.status_code == 200, response.text
    page = response.text
    assert f"<h1>{AGREEMENT_TITLE}</h1>" in page and "Samverkansöverenskommelse" in page
    assert UB_NAME in page and LPO_NAME in page and UB not in page
    assert f"1 januari 2022 – 31 december {YEAR + 3}" in page  # as extended
    assert "Våld i offentlig miljö" in page and "Ungdomar i riskzonen" in page
    assert "Brottsligheten ska minska och tryggheten öka" in page
    assert (
        f"Förlängd till 31 december {YEAR + 3}: Förlängd efter uppföljningen (KS 25/0101)" in page
    )
    assert "Godkänt av båda parterna" in page
    assert "<dd>Gäller</dd>" in page  # signed, and its period covers today
    signatures = section(page, "underskrifter")
    assert signatures.count("Signerat i Samverkan") == 1
    assert signatures.count("Registrerat från dokument") == 1
    assert "Per Polisson" in signatures and "16 december 2021" in signatures
    publication = section(page, "publicering")
    today = format_date(dt.datetime.now(HOME).date(), format="long", locale="sv")
    assert today in publication and AGREEMENT_URL in publication
    # The promise that builds on it links here, and the agreement links back.
    assert f'<a href="/p/{PROMISE}">{PROMISE_TITLE}</a>' in section(page, "loften")
    promise = (await http.get(f"{recorded.url}/p/{PROMISE}")).text
    assert f'<a href="/p/overenskommelse/{AGREEMENT}">' in promise
    assert "etag" in response.headers and "last-modified" in response.headers
    again = await http.get(
        f"{recorded.url}/p/overenskommelse/{AGREEMENT}",
        headers={"if-none-match": response.headers["etag"]},
    )
    assert again.status_code == 304


async def test_the_index_and_the_municipality_page_link_the_agreement_but_not_a_draft(
    recorded: RunningApp, http: httpx.AsyncClient
) -> None:
    for path in ("/p/", "/p/kommun/0139", "/p/kommun/upplands-bro"):
        page = (await http.get(recorded.url + path)).text
        assert f'<a href="/p/overenskommelse/{AGREEMENT}">{AGREEMENT_TITLE}</a>' in page, path
        assert f'<a href="/p/{PROMISE}">{PROMISE_TITLE}</a>' in page, path
        assert DRAFT_AGREEMENT not in page and "Ett utkast som ingen ska se" not in page
    town = (await http.get(f"{recorded.url}/p/kommun/0139")).text
    assert '<a href="tel:08-58169000">' in town
    draft = await http.get(f"{recorded.url}/p/overenskommelse/{DRAFT_AGREEMENT}")
    assert draft.status_code == 404 and "Sidan finns inte" in draft.text


async def test_the_agreement_page_speaks_english_when_asked(
    recorded: RunningApp, http: httpx.AsyncClient
) -> None:
    page = (
        await http.get(
            f"{recorded.url}/p/overenskommelse/{AGREEMENT}", headers={"accept-language": "en"}
        )
    ).text
    assert '<html lang="en">' in page
    assert "Cooperation agreement" in page and "Recorded from a document" in page
    assert f"Extended to December 31, {YEAR + 3}" in page


async def test_a_change_in_the_directory_is_a_new_version_of_the_pages_that_name_it(
    recorded: RunningApp, http: httpx.AsyncClient
) -> None:
    paths = (f"/p/{PROMISE}", f"/p/overenskommelse/{AGREEMENT}", "/p/", "/p/kommun/0139")
    tags = {p: (await http.get(recorded.url + p)).headers["etag"] for p in paths}
    admin = Client(http, recorded, recorded.token(LPO, "org_admin"))
    changed = await admin.ok("setPublicContact", orgId=LPO, contact={"phone": "114 14"})
    await settle(Client(http, recorded, recorded.token(UB, "editor")), changed["consistencyToken"])
    for path in paths:
        again = await http.get(recorded.url + path, headers={"if-none-match": tags[path]})
        assert again.status_code == 200, path
        assert again.headers["etag"] != tags[path]
    contact = section((await http.get(f"{recorded.url}/p/{PROMISE}")).text, "kontakt")
    assert LPO_NAME in contact and '<a href="tel:11414">114 14</a>' in contact
