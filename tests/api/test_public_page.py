"""The public pages over plain HTTP: the published list, a promise page and its embed, the
municipality page, 404s, versions (ETag, 304), and the open-data export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import AsyncIterator, Mapping

import httpx
import pytest
from babel.dates import format_date

from events.messages import HOME
from service.web import public_page
from service.web.public_page import COLOUR_FILL
from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client

UB, LPO = "org-upplands-bro", "org-lpo-jarfalla"
UB_NAME, LPO_NAME = "Upplands-Bro kommun", "Lokalpolisområde Järfälla"
PROMISE = "ub-public-page"
CURRENT = "ub-public-page-current"
PAST = "ub-public-page-2018"
DRAFT = "ub-public-page-draft"
TITLE = "Upplands-Bro – trygghet i Bro & Kungsängen"
HOSTILE = 'Trygghetsvandringar <script>alert("x")</script> & möten'
FOLLOW_UP_PLAN = "Löftet följs upp varje kvartal i samverkansgruppen."
SUMMARY = "Gemensam insats, samtal med Anna Andersson"
SIGNATORIES = {UB: "Karin Kommunsson", LPO: "Per Polisson"}
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
# A period running now, and activity records and a follow-up inside it, so that the promise
# is in force whatever day the suite runs on.
TODAY = dt.datetime.now(HOME).date()
START, END = TODAY - dt.timedelta(days=300), TODAY + dt.timedelta(days=400)
PERIOD = (START.isoformat(), END.isoformat(), f"{START.year}–{END.year}")
COVERS = (START.isoformat(), (TODAY - dt.timedelta(days=1)).isoformat())
DAYS = {
    "c2": tuple((TODAY - dt.timedelta(days=n)).isoformat() for n in (200, 150, 100)),
    "c3": tuple((TODAY - dt.timedelta(days=n)).isoformat() for n in (180, 20)),
}


PERIOD_2018 = ("2018-01-01", "2018-12-31", "2018")
RECENT = TODAY - dt.timedelta(days=10)


def long_date(day: dt.date | str) -> str:
    """A date as the Swedish page writes it in running text ("22 januari 2018")."""
    value = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
    return format_date(value, format="long", locale="sv")


async def publish_promise(
    app: RunningApp,
    http: httpx.AsyncClient,
    promise_id: str,
    *,
    period: tuple[str, str, str] = PERIOD,
    days: Mapping[str, tuple[str, ...]] = DAYS,
    covers: tuple[str, str] | None = COVERS,
) -> None:
    """Draft, sign, publish and follow up a promise with one commitment of each colour, a
    place, and activity records on `days` at that place; `covers` None publishes no
    follow-up."""
    admin_ub = Client(http, app, app.token(UB, "org_admin"))
    admin_lpo = Client(http, app, app.token(LPO, "org_admin"))
    editor = Client(http, app, app.token(UB, "editor"))
    police_editor = Client(http, app, app.token(LPO, "editor"))
    police_person, municipal_person = f"p-{promise_id}-lpo", f"p-{promise_id}-kso"
    police_signer = Client(http, app, app.token(LPO, "signatory", person=police_person))
    municipal_signer = Client(http, app, app.token(UB, "signatory", person=municipal_person))
    publisher = Client(http, app, app.token(UB, "publisher"))

    for client, person, org in ((admin_lpo, police_person, LPO), (admin_ub, municipal_person, UB)):
        await client.ok("registerPerson", personId=person, name=SIGNATORIES[org])
        await client.ok("grantSigningMandate", mandateId=f"m-{person}", personId=person, orgId=org)

    await editor.ok(
        "draftPromise",
        promiseId=promise_id,
        parties=[UB, LPO],
        details={
            "title": TITLE,
            "period": {"validFrom": period[0], "validTo": period[1], "label": period[2]},
            "followUpPlan": FOLLOW_UP_PLAN,
        },
    )
    await editor.ok(
        "addFocusArea",
        promiseId=promise_id,
        focusArea={"focusAreaId": "fa1", "title": "Öka tryggheten i Bro centrum"},
    )
    await editor.ok(
        "registerPlace",
        promiseId=promise_id,
        place={"placeId": "bro-centrum", "name": "Bro centrum", "municipalityId": UB},
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
    last = await publisher.ok("publishPromise", promiseId=promise_id, channel="kommunens webb")

    for cid, dates in days.items():
        for n, day in enumerate(dates, start=1):
            last = await police_editor.ok(
                "recordActivity",
                promiseId=promise_id,
                recordId=f"{cid}-r{n}",
                commitmentId=cid,
                occurredOn=day,
                performedBy=[LPO, UB],
                summary=SUMMARY,
                placeIds=["bro-centrum"],
            )
    if covers is None:
        await caught_up(editor, promise_id, last["consistencyToken"])
        return
    await editor.ok(
        "draftFollowUp",
        promiseId=promise_id,
        reportId="u1",
        kind="final",
        coversFrom=covers[0],
        coversTo=covers[1],
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
    await caught_up(editor, promise_id, published["consistencyToken"])


async def caught_up(client: Client, promise_id: str, token: str) -> None:
    """Wait until the projections applied `token`, so the pages (read outside GraphQL) see it."""
    await client.query(
        "query($id: ID!, $token: String) { promise(id: $id, consistencyToken: $token) { id } }",
        id=promise_id,
        token=token,
    )


async def record_on_current(
    app: RunningApp, http: httpx.AsyncClient, record_id: str, *, days_ago: int
) -> None:
    """The police record an activity on CURRENT's c2 `days_ago`; the pages then show it."""
    editor = Client(http, app, app.token(LPO, "editor"))
    recorded = await editor.ok(
        "recordActivity",
        promiseId=CURRENT,
        recordId=record_id,
        commitmentId="c2",
        occurredOn=(TODAY - dt.timedelta(days=days_ago)).isoformat(),
        performedBy=[LPO],
        summary=SUMMARY,
        placeIds=["bro-centrum"],
    )
    await caught_up(editor, CURRENT, recorded["consistencyToken"])


@pytest.fixture(scope="module")
async def published(dev_app: RunningApp) -> AsyncIterator[RunningApp]:
    """The dev app with the published test promises: two running now (one followed up, one
    with a single activity record), and one for 2018, expired as soon as it was signed."""
    async with httpx.AsyncClient(timeout=10) as http:
        await publish_promise(dev_app, http, PROMISE)
        await publish_promise(
            dev_app, http, CURRENT, days={"c2": (RECENT.isoformat(),)}, covers=None
        )
        await publish_promise(dev_app, http, PAST, period=PERIOD_2018, days={}, covers=None)
        editor = Client(http, dev_app, dev_app.token(UB, "editor"))
        await editor.ok(
            "draftPromise", promiseId=DRAFT, parties=[UB, LPO], details={"title": "Utkast"}
        )
    yield dev_app


def commitment_block(page: str, cid: str) -> str:
    """One commitment's list item on a page."""
    item = re.search(rf'<li class="commitment" id="c-{cid}".*?</li>', page, re.S)
    assert item is not None, cid
    return item.group(0)


async def test_a_promise_page_names_the_parties_and_shows_dates_as_running_text(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    response = await http.get(f"{published.url}/p/{PROMISE}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="sv">' in page
    assert "Följ med i hur det går" in page
    assert "Upplands-Bro – trygghet i Bro &amp; Kungsängen" in page
    assert UB_NAME in page and LPO_NAME in page
    assert UB not in page and LPO not in page  # names, never ids
    assert '<a href="/p/kommun/0139">Upplands-Bro kommun</a>' in page
    assert f"{PERIOD[2]} ({long_date(START)} – {long_date(END)})" in page
    assert "Godkänt av båda parterna" in page
    assert "Senast uppdaterad" in page
    assert FOLLOW_UP_PLAN in page
    assert f"Slutrapport, {long_date(COVERS[0])} – {long_date(COVERS[1])}" in page
    assert "114 14" in page and "112" in page
    # Nothing is loaded from elsewhere, and the page runs no script.
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        published.url, ""
    )
    assert "https://" not in page
    assert "<script" not in page
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "frame-ancestors 'none'" in policy


async def test_each_commitment_has_an_honest_status_in_the_words_a_municipality_writes(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    page = (await http.get(f"{published.url}/p/{PROMISE}")).text
    assert page.count('<li class="commitment"') == len(COMMITMENTS)
    # The focus area is named once for its group, not once per commitment.
    assert page.count("Öka tryggheten i Bro centrum") == 1
    for cid, (target, achieved, status, colour) in EXPECTED.items():
        block = commitment_block(page, cid)
        assert f'data-status="{status}"' in block
        assert "Utfört" not in block and "Mål:" not in block
        if target is None:
            # No number promised: no bar at all, what was done, and the latest assessment.
            assert "<svg" not in block
            assert "Inget mätbart mål" in block and block.count("Inget mätbart mål") == 1
            assert "Inga genomförda insatser registrerade än" in block
            continue
        assert 'role="img"' in block and "<title>" in block
        assert f'fill="{COLOUR_FILL[colour]}"' in block or achieved == 0
        assert f'Genomförda: <span class="achieved">{achieved}</span>' in block
    c2, c3, c4 = (commitment_block(page, c) for c in ("c2", "c3", "c4"))
    assert "av minst 8 insatser" in c2
    assert f"5 insatser kvar före {long_date(END)}" in c2
    assert "Delvis uppfyllt" in c2
    assert "av minst 2 möten" in c3 and "Uppfyllt" in c3 and "kvar" not in c3
    assert "av minst 4 vandringar" in c4
    assert f"4 vandringar kvar före {long_date(END)}" in c4
    # Who carries it out, by name.
    assert f"Vilka: {LPO_NAME}, {UB_NAME}" in c2
    # The latest published comment stands beside its commitment.
    assert "Närvaron ökade" in commitment_block(page, "c1")
    assert "Båda mötena hölls" in c3


async def test_one_activity_record_is_one_registrerad_in_the_singular(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    page = (await http.get(f"{published.url}/p/{CURRENT}")).text
    assert f"7 insatser kvar före {long_date(END)}" in commitment_block(page, "c2")
    assert "(1 registrerad)" in page and long_date(RECENT) in page
    assert "1 genomförd insats registrerad" not in page  # c1 has none: it says so
    assert "Inga genomförda insatser registrerade än" in commitment_block(page, "c1")


async def test_a_promise_whose_period_ended_with_nothing_recorded_gives_no_verdict(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    page = (await http.get(f"{published.url}/p/{PAST}")).text
    assert "2018 (1 januari 2018 – 31 december 2018)" in page
    assert "<dd>Avslutat</dd>" in page
    c2 = commitment_block(page, "c2")
    # Nothing was recorded for it in Samverkan, which says nothing about what was done then.
    assert "Mål: minst 8 insatser. Inga genomförda insatser är registrerade här." in c2
    assert "Inte uppfyllt" not in c2 and "saknades" not in c2 and "kvar före" not in page
    assert "<svg" not in c2
    assert "registrerade)" not in page and "Inga insatser är publicerade än." in page
    assert "Ingen uppföljning är publicerad än." in page


async def test_public_activity_records_show_date_and_place_and_never_who_or_a_summary(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    page = (await http.get(f"{published.url}/p/{PROMISE}")).text
    rows = re.search(r'<table class="stack activities">.*?</table>', page, re.S)
    assert rows is not None
    table = rows.group(0)
    assert table.count("<tr>") == 1 + 5  # the header and five records
    assert "(5 registrerade)" in page
    dates = re.findall(r'<time datetime="([\d-]+)">([^<]+)</time>', table)
    assert [d for d, _ in dates] == sorted((d for d, _ in dates), reverse=True)
    assert (DAYS["c2"][2], long_date(DAYS["c2"][2])) in dates
    assert table.count("Bro centrum") == 5
    assert "1 insats" in table and "1 möte" in table
    assert SUMMARY not in page and "Anna Andersson" not in page


async def test_live_signatures_show_who_signed_and_when_and_that_it_was_in_samverkan(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    page = (await http.get(f"{published.url}/p/{PROMISE}")).text
    section = re.search(r'<section id="underskrifter".*?</section>', page, re.S)
    assert section is not None
    signatures = section.group(0)
    assert signatures.count('<li class="signature">') == 2
    assert signatures.count("Signerat i Samverkan") == 2
    assert "Registrerat från dokument" not in signatures
    assert SIGNATORIES[LPO] in signatures and SIGNATORIES[UB] in signatures
    assert UB_NAME in signatures and LPO_NAME in signatures
    assert re.search(r'<span class="signed-on">\d{1,2} [a-z]+ \d{4}</span>', signatures)
    publication = re.search(r'<section id="publicering".*?</section>', page, re.S)
    assert publication is not None and "kommunens webb" in publication.group(0)


async def test_every_value_is_escaped(published: RunningApp, http: httpx.AsyncClient) -> None:
    page = (await http.get(f"{published.url}/p/{PROMISE}")).text
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; möten" in page
    assert "<b>genomfördes</b>" not in page


async def test_the_embed_puts_progress_first_and_posts_its_height_from_a_served_script(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    response = await http.get(f"{published.url}/p/{PROMISE}/embed")
    assert response.status_code == 200
    page = response.text
    assert '<header class="site">' not in page and "<footer>" not in page
    assert page.count('<li class="commitment"') == len(COMMITMENTS)
    assert page.index('<li class="commitment"') < page.index('class="about"')
    height = re.search(r'data-suggested-height="(\d+)"', page)
    assert height is not None and int(height.group(1)) > 400
    script = re.search(r'<script src="(/p/assets/embed\.js\?v=\w+)" defer></script>', page)
    assert script is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors" not in policy
    assert "x-frame-options" not in response.headers
    js = await http.get(published.url + script.group(1))
    assert js.status_code == 200
    assert js.headers["content-type"].startswith("text/javascript")
    assert "postMessage" in js.text and "scrollHeight" in js.text
    # The full page offers the frame with the suggested height.
    full = (await http.get(f"{published.url}/p/{PROMISE}")).text
    assert f'height="{height.group(1)}"' in full


async def test_the_styles_are_served_from_the_package_and_nothing_else_is(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    page = (await http.get(f"{published.url}/p/{PROMISE}")).text
    sheet = re.search(r'<link rel="stylesheet" href="(/p/assets/public\.css\?v=\w+)">', page)
    assert sheet is not None
    css = await http.get(published.url + sheet.group(1))
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "@media" in css.text
    for path in ("/p/assets/app.py", "/p/assets/..%2Fpublic_page.py", "/p/assets/"):
        assert (await http.get(published.url + path)).status_code == 404, path


async def test_the_index_lists_what_is_published_by_municipality_and_police_area(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    response = await http.get(f"{published.url}/p/")
    assert response.status_code == 200
    page = response.text
    group = re.search(
        rf'<section class="group"(?:(?!</section>).)*?{UB_NAME} · .*?</section>', page, re.S
    )
    assert group is not None
    heading = re.search(r"<h2[^>]*>(.*?)</h2>", group.group(0))
    assert heading is not None and heading.group(1) == f"{UB_NAME} · {LPO_NAME}"
    links = re.findall(r'<a href="(/p/[^"]+)">', group.group(0))
    assert "/p/kommun/0139" in links
    # Newest first: the promises running now before the one for 2018.
    assert links.index(f"/p/{CURRENT}") < links.index(f"/p/{PAST}")
    assert links.index(f"/p/{PROMISE}") < links.index(f"/p/{PAST}")
    assert "etag" in response.headers


async def test_a_municipality_page_lists_its_promises_by_kommunkod_or_name(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    for path in ("/p/kommun/0139", "/p/kommun/upplands-bro"):
        response = await http.get(published.url + path)
        assert response.status_code == 200, path
        page = response.text
        assert f"<h1>{UB_NAME}</h1>" in page
        assert f'href="/p/{PROMISE}"' in page and f'href="/p/{CURRENT}"' in page
        assert page.index(f'href="/p/{PROMISE}"') < page.index(f'href="/p/{PAST}"')
    # Järfälla has no published promise: its page says so.
    jarfalla = await http.get(f"{published.url}/p/kommun/0123")
    assert jarfalla.status_code == 200 and "Inget är publicerat än." in jarfalla.text


@pytest.mark.parametrize(
    "path",
    [
        f"/p/{DRAFT}",
        f"/p/{DRAFT}/embed",
        "/p/no-such-promise",
        "/p/kommun/9999",
        "/p/kommun/no-such-town",
        "/p/overenskommelse/no-such-agreement",
        "/p/overenskommelse/upplands-bro-2021",
        "/p/a/b/c",
    ],
)
async def test_what_is_unknown_or_unpublished_has_no_page(
    published: RunningApp, http: httpx.AsyncClient, path: str
) -> None:
    response = await http.get(f"{published.url}{path}")
    assert response.status_code == 404, path
    assert "Sidan finns inte" in response.text
    assert "Upplands-Bro – " not in response.text and "etag" not in response.headers


async def test_a_conditional_get_is_304_until_a_new_activity_is_published(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    paths = (f"/p/{CURRENT}", f"/p/{CURRENT}/embed", "/p/", "/p/kommun/0139")
    first = {p: await http.get(published.url + p) for p in paths}
    tags = {p: r.headers["etag"] for p, r in first.items()}
    assert len(set(tags.values())) == len(paths)  # each page its own version
    for path, response in first.items():
        assert response.headers["last-modified"].endswith(" GMT")
        again = await http.get(published.url + path, headers={"if-none-match": tags[path]})
        assert again.status_code == 304, path
        assert again.content == b"" and again.headers["etag"] == tags[path]
    english = await http.get(
        f"{published.url}/p/{CURRENT}",
        headers={"if-none-match": tags[f"/p/{CURRENT}"], "accept-language": "en"},
    )
    assert english.status_code == 200  # another language is another version

    await record_on_current(published, http, "c2-r-new", days_ago=5)
    for path in paths:
        after = await http.get(published.url + path, headers={"if-none-match": tags[path]})
        assert after.status_code == 200, path
        assert after.headers["etag"] != tags[path]
    page = (await http.get(f"{published.url}/p/{CURRENT}")).text
    assert f"6 insatser kvar före {long_date(END)}" in page
    assert long_date(TODAY - dt.timedelta(days=5)) in page


async def test_a_page_whose_version_stands_is_sent_again_without_rendering_it(
    published: RunningApp, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[str] = []
    render = public_page.templates.render

    def counted(name: str, *args: object, **kwargs: object) -> str:
        rendered.append(name)
        return render(name, *args, **kwargs)

    monkeypatch.setattr(public_page.templates, "render", counted)
    path = f"/p/{CURRENT}"
    first = await http.get(published.url + path)
    again = await http.get(published.url + path)
    assert again.status_code == 200 and again.headers["etag"] == first.headers["etag"]
    assert again.content == first.content
    assert rendered.count("promise.html") <= 1  # the second is the kept body

    # The page links to itself: another host asked is another body, made for it.
    host = published.url.replace("127.0.0.1", "localhost")
    other = await http.get(published.url + path, headers={"host": host.split("//")[1]})
    assert other.headers["etag"] == first.headers["etag"]
    assert f"{host}{path}/embed" in other.text and f"{host}{path}/embed" not in first.text
    assert rendered.count("promise.html") in (1, 2) and rendered[-1] == "promise.html"

    # A new version is rendered anew and shows what changed.
    before = len(rendered)
    await record_on_current(published, http, "c2-r-kept-body", days_ago=4)
    changed = await http.get(published.url + path)
    assert changed.headers["etag"] != first.headers["etag"]
    assert len(rendered) == before + 1 and changed.content != first.content
    assert long_date(TODAY - dt.timedelta(days=4)) in changed.text


async def test_a_promise_page_is_sent_again_unread_while_only_another_promise_changes(
    published: RunningApp, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []
    published_document = public_page.serving.published_document

    async def counted(conn: object, projection: str, key: str) -> object:
        read.append(key)
        return await published_document(conn, projection, key)  # type: ignore[arg-type]

    monkeypatch.setattr(public_page.serving, "published_document", counted)
    path = f"/p/{PROMISE}"
    first = await http.get(published.url + path)
    await record_on_current(published, http, "c2-r-elsewhere", days_ago=3)
    read.clear()
    again = await http.get(published.url + path)
    assert again.status_code == 200 and again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert read == []  # its marks stood: no document was read
    not_modified = await http.get(
        published.url + path, headers={"if-none-match": first.headers["etag"]}
    )
    assert not_modified.status_code == 304 and read == []

    # The promise that changed is read and made again, and says what changed.
    current = await http.get(f"{published.url}/p/{CURRENT}")
    assert read == ["promise-" + CURRENT]
    assert long_date(TODAY - dt.timedelta(days=3)) in current.text


async def test_the_page_speaks_english_when_the_browser_prefers_it_and_swedish_otherwise(
    published: RunningApp, http: httpx.AsyncClient
) -> None:
    english = await http.get(
        f"{published.url}/p/{PROMISE}", headers={"accept-language": "en-GB,en;q=0.9,sv;q=0.5"}
    )
    page = english.text
    assert '<html lang="en">' in page and english.headers["content-language"] == "en"
    assert "Accept-Language" in english.headers["vary"]
    for words in (
        "Follow how it is going",
        "Signatures",
        "Final report, " + format_date(START, format="long", locale="en"),
        "Partly met",
        "Signed in Samverkan",
    ):
        assert words in page, words
    assert "at least 8 insatser" in page and "minst 8" not in page
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
    assert {PROMISE, CURRENT, PAST} <= {r["promise_id"] for r in rows}
    assert DRAFT not in {r["promise_id"] for r in rows}
    for cid, (target, achieved, status, colour) in EXPECTED.items():
        row = ours[cid]
        assert row["commitment_text"] == COMMITMENTS[cid]
        assert row["title"] == TITLE
        assert row["parties"] == f"{UB};{LPO}"
        assert (row["valid_from"], row["valid_to"], row["period_label"]) == PERIOD
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


async def test_a_commitment_shows_its_planned_occasions_against_those_carried_out(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    promise_id = "pub-planned"
    await publish_promise(dev_app, http, promise_id, days={}, covers=None)
    police = Client(http, dev_app, dev_app.token(LPO, "editor"))
    days = [(START + dt.timedelta(days=n)).isoformat() for n in (10, 40, 70)]
    await police.ok(
        "planActivity",
        promiseId=promise_id,
        planId="vandringar",
        commitmentIds=["c4"],
        title="Trygghetsvandring",
        kind="safety_walk",
        dates=days,
    )
    await police.ok(
        "performOccurrence",
        promiseId=promise_id,
        planId="vandringar",
        occurrenceId="vandringar-1",
        recordId="vandring-1",
        occurredOn=days[0],
        performedBy=[LPO],
        summary="Vandring i Bro centrum",
    )
    cancelled = await police.ok(
        "cancelOccurrence",
        promiseId=promise_id,
        planId="vandringar",
        occurrenceId="vandringar-3",
        reason="Inställd på grund av storm",
    )
    await caught_up(police, promise_id, cancelled["consistencyToken"])
    page = (await http.get(f"{dev_app.url}/p/{promise_id}")).text
    walks = commitment_block(page, "c4")
    assert "1 av 2 planerade tillfällen genomförda" in walks  # the cancelled one is not planned
    assert 'Genomförda: <span class="achieved">1</span>' in walks
    assert "planerade" not in commitment_block(page, "c2")  # nothing planned: nothing said
    english = await http.get(f"{dev_app.url}/p/{promise_id}", headers={"Accept-Language": "en"})
    assert "1 of 2 planned occasions carried out" in commitment_block(english.text, "c4")
    # Citizens read the plans through the API too: days and status, never records or reasons.
    anonymous = await http.post(
        f"{dev_app.url}/graphql",
        json={
            "query": "query($id: ID!) { promise(id: $id) { publicOnly plans { planId kind "
            "occurrences { occurrenceId status recordId reason } } } }",
            "variables": {"id": promise_id},
        },
    )
    seen = anonymous.json()["data"]["promise"]
    assert seen["publicOnly"] is True
    [plan] = seen["plans"]
    assert (plan["planId"], plan["kind"]) == ("vandringar", "safety_walk")
    assert [(o["status"], o["recordId"], o["reason"]) for o in plan["occurrences"]] == [
        ("performed", None, None),
        ("planned", None, None),
        ("cancelled", None, None),
    ]
