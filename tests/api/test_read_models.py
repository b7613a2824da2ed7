"""The organisation directory and activity records through GraphQL, scoped by who asks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client
from tests.api.test_public_page import END, START, publish_promise

UB, LPO, ARJEPLOG = "org-upplands-bro", "org-lpo-jarfalla", "org-arjeplog"
PROMISE = "ub-read-models"
LINKED = "ub-linked-records"

ORGANISATIONS = """query($kind: String) { organisations(kind: $kind) {
  id kind name aliases kommunkod parentId
  links { policeAreaId municipalityId validFrom validTo }
  people { personId name title role }
  mandates { mandateId personId }
} }"""

ORGANISATION = """query($id: ID!) { organisation(id: $id) {
  id name people { personId title } mandates { mandateId personId name }
} }"""

ACTIVITIES = """query($p: ID, $c: String, $o: String, $first: Int, $after: String) {
  activities(promiseId: $p, commitmentId: $c, organisation: $o, first: $first, after: $after) {
    __typename
    ... on ActivityPage { activities { promiseId recordId commitmentId performedBy quantity }
                          pageInfo { endCursor hasNextPage } }
    ... on Forbidden { code }
  }
}"""


async def test_the_directory_is_public_but_people_and_mandates_are_not(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    anonymous = Client(http, dev_app, None)
    admin_ub = Client(http, dev_app, dev_app.token(UB, "org_admin"))
    editor_lpo = Client(http, dev_app, dev_app.token(LPO, "editor"))
    auditor_ub = Client(http, dev_app, dev_app.token(UB, "auditor"))
    auditor_elsewhere = Client(http, dev_app, dev_app.token(ARJEPLOG, "auditor"))
    await admin_ub.ok("registerPerson", personId="p-rm-kso", name="Kim Signatär")
    granted = await admin_ub.ok(
        "grantSigningMandate", mandateId="m-rm-kso", personId="p-rm-kso", orgId=UB
    )
    await admin_ub.query(
        "query($t: String) { promises(consistencyToken: $t) { promises { id } } }",
        t=granted["consistencyToken"],
    )

    areas = (await anonymous.query(ORGANISATIONS, kind="police_area"))["organisations"]
    assert {a["kind"] for a in areas} == {"police_area"}
    jarfalla = next(a for a in areas if a["id"] == LPO)
    assert jarfalla["parentId"] == "org-polisregion-stockholm"
    assert {k["municipalityId"] for k in jarfalla["links"]} == {UB, "org-jarfalla"}
    everyone = (await anonymous.query(ORGANISATIONS))["organisations"]
    ub = next(o for o in everyone if o["id"] == UB)
    assert (ub["kind"], ub["kommunkod"]) == ("municipality", "0139")
    assert ub["people"] == [] and ub["mandates"] == []

    def mandates(data: dict[str, Any]) -> list[str]:
        return [m["mandateId"] for m in data["organisation"]["mandates"]]

    as_member = await admin_ub.query(ORGANISATION, id=UB)
    assert "m-rm-kso" in mandates(as_member)
    assert as_member["organisation"]["mandates"][-1]["name"] == "Kim Signatär"
    assert {p["title"] for p in as_member["organisation"]["people"]} >= {"kommundirektör"}
    as_other = await editor_lpo.query(ORGANISATION, id=UB)
    assert mandates(as_other) == [] and as_other["organisation"]["people"] != []
    # An auditor reads its own organisation's mandates; another organisation's only as an
    # oversight body (tests/api/test_authorisation.py).
    assert "m-rm-kso" in mandates(await auditor_ub.query(ORGANISATION, id=UB))
    assert mandates(await auditor_elsewhere.query(ORGANISATION, id=UB)) == []
    assert (await anonymous.query(ORGANISATION, id="org-nowhere"))["organisation"] is None


async def _promise_with_activities(
    dev_app: RunningApp,
    http: httpx.AsyncClient,
    promise: str = PROMISE,
    people: str = "p-rm",
    partner_on_c1: str | None = None,
) -> str:
    """`promise` with commitments c1 and c2 in force, signed by two people registered with the
    prefix `people`, and five activity records r1..r5 (c1 twice, c2 three times)."""
    lpo_person, ub_person = f"{people}-lpo", f"{people}-ub"
    admin_ub = Client(http, dev_app, dev_app.token(UB, "org_admin"))
    admin_lpo = Client(http, dev_app, dev_app.token(LPO, "org_admin"))
    editor = Client(http, dev_app, dev_app.token(UB, "editor"))
    police = Client(http, dev_app, dev_app.token(LPO, "editor"))
    signers = {
        LPO: Client(http, dev_app, dev_app.token(LPO, "signatory", person=lpo_person)),
        UB: Client(http, dev_app, dev_app.token(UB, "signatory", person=ub_person)),
    }
    for client, person, org in ((admin_lpo, lpo_person, LPO), (admin_ub, ub_person, UB)):
        await client.ok("registerPerson", personId=person, name=person)
        await client.ok("grantSigningMandate", mandateId=f"m-{person}", personId=person, orgId=org)
    await editor.ok(
        "draftPromise",
        promiseId=promise,
        parties=[UB, LPO],
        details={"title": "Aktiviteter", "period": {"validFrom": "2018-01-01", "label": "2018"}},
    )
    for commitment_id in ("c1", "c2"):
        commitment: dict[str, Any] = {
            "commitmentId": commitment_id,
            "text": f"Åtagande {commitment_id}",
        }
        if commitment_id == "c1" and partner_on_c1 is not None:
            commitment["partnerIds"] = [partner_on_c1]
        await editor.ok("addCommitment", promiseId=promise, commitment=commitment)
    proposed = await editor.ok("proposePromise", promiseId=promise)
    doc = await editor.query(
        "query($id: ID!, $t: String) { promise(id: $id, consistencyToken: $t) { document } }",
        id=promise,
        t=proposed["consistencyToken"],
    )
    working = doc["promise"]["document"]["state"]["working"]
    for party, signer in signers.items():
        await signer.ok(
            "signPromise",
            promiseId=promise,
            revisionNo=working["revision_no"],
            contentHash=working["content_hash"],
            partyId=party,
        )
    last: dict[str, Any] = {}
    for n, (commitment_id, by) in enumerate(
        (("c1", [LPO]), ("c2", [LPO, UB]), ("c2", [UB]), ("c1", [LPO, UB]), ("c2", [LPO])),
        start=1,
    ):
        reporter = police if LPO in by else editor
        last = await reporter.ok(
            "recordActivity",
            promiseId=promise,
            recordId=f"r{n}",
            commitmentId=commitment_id,
            occurredOn=f"2018-0{n}-10",
            performedBy=by,
            summary=f"Insats {n}",
        )
    token: str = last["consistencyToken"]
    return token


async def test_activity_records_are_paged_filtered_and_shown_only_to_parties_and_their_auditors(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    token = await _promise_with_activities(dev_app, http)
    editor = Client(http, dev_app, dev_app.token(UB, "editor"))
    await editor.query(
        "query($id: ID!, $t: String) { promise(id: $id, consistencyToken: $t) { id } }",
        id=PROMISE,
        t=token,
    )

    async def records(client: Client, **variables: Any) -> dict[str, Any]:
        result: dict[str, Any] = (await client.query(ACTIVITIES, **variables))["activities"]
        return result

    seen: list[str] = []
    after = None
    while True:
        page = await records(editor, p=PROMISE, first=2, after=after)
        assert page["__typename"] == "ActivityPage"
        seen.extend(a["recordId"] for a in page["activities"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["r1", "r2", "r3", "r4", "r5"]

    c2 = await records(editor, p=PROMISE, c="c2")
    assert [a["recordId"] for a in c2["activities"]] == ["r2", "r3", "r5"]
    by_ub = await records(editor, o=UB)
    assert [a["recordId"] for a in by_ub["activities"] if a["promiseId"] == PROMISE] == [
        "r2",
        "r3",
        "r4",
    ]
    capped = await records(editor, p=PROMISE, first=10_000)
    assert len(capped["activities"]) == 5

    auditor = Client(http, dev_app, dev_app.token(UB, "auditor"))
    assert len((await records(auditor, p=PROMISE))["activities"]) == 5
    other_auditor = Client(http, dev_app, dev_app.token(ARJEPLOG, "auditor"))
    assert (await records(other_auditor, p=PROMISE))["__typename"] == "Forbidden"
    outsider = Client(http, dev_app, dev_app.token(ARJEPLOG, "editor"))
    assert (await records(outsider, p=PROMISE))["__typename"] == "Forbidden"
    mine = await records(outsider)
    assert all(a["promiseId"] != PROMISE for a in mine["activities"])
    assert (await records(Client(http, dev_app, None), p=PROMISE))["__typename"] == "Forbidden"


PROGRESS = """query($id: ID!, $t: String) { promise(id: $id, consistencyToken: $t) {
  progress { commitmentId achieved records per periods { label } }
} }"""


async def test_an_activity_counted_for_two_commitments_shows_in_both_and_a_void_drops_both(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    await _promise_with_activities(dev_app, http, LINKED, "p-linked")
    police = Client(http, dev_app, dev_app.token(LPO, "editor"))

    async def counts(token: str) -> dict[str, tuple[int, int]]:
        found = await police.query(PROGRESS, id=LINKED, t=token)
        rows = found["promise"]["progress"]
        assert all(r["per"] == "period" and r["periods"] == [] for r in rows)
        return {r["commitmentId"]: (r["achieved"], r["records"]) for r in rows}

    record = {
        "promiseId": LINKED,
        "recordId": "r-both",
        "commitmentId": "c2",
        "occurredOn": "2018-06-10",
        "performedBy": [LPO],
        "summary": "Gemensam insats som också var närvaro",
    }
    refused = await police.command("recordActivity", **record, alsoCountsFor=["c2"])
    assert refused["__typename"] == "InvalidInput"
    assert refused["field"] == ["input", "alsoCountsFor", "0"]
    refused = await police.command("recordActivity", **record, alsoCountsFor=["c7"])
    assert refused["__typename"] == "RuleViolated"

    recorded = await police.ok("recordActivity", **record, alsoCountsFor=["c1"])
    # r1..r5: c1 twice, c2 three times; r-both counts once in each.
    assert await counts(recorded["consistencyToken"]) == {"c1": (3, 3), "c2": (4, 4)}
    listed = await police.query(
        "query($p: ID, $c: String) { activities(promiseId: $p, commitmentId: $c) {"
        " ... on ActivityPage { activities { recordId alsoCountsFor } } } }",
        p=LINKED,
        c="c1",
    )
    assert {"recordId": "r-both", "alsoCountsFor": ["c1"]} in listed["activities"]["activities"]

    voided = await police.ok(
        "voidActivityRecord", promiseId=LINKED, recordId="r-both", reason="Dubbelrapporterad"
    )
    assert await counts(voided["consistencyToken"]) == {"c1": (2, 2), "c2": (3, 3)}


FRYSHUSET = "org-fryshuset"
PARTNERED = "ub-partnered"


async def test_a_partner_records_on_the_commitment_that_names_it_and_is_refused_on_another(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    await _promise_with_activities(dev_app, http, PARTNERED, "p-partnered", FRYSHUSET)
    partner = Client(http, dev_app, dev_app.token(FRYSHUSET, "editor"))
    record = {
        "promiseId": PARTNERED,
        "recordId": "f-1",
        "occurredOn": "2018-06-12",
        "performedBy": [FRYSHUSET],
        "summary": "Fryshusets kvällsvandring i Bro centrum",
    }
    done = await partner.ok("recordActivity", **record, commitmentId="c1")
    refused = await partner.command(
        "recordActivity", **{**record, "recordId": "f-2"}, commitmentId="c2"
    )
    assert (refused["__typename"], refused["code"]) == ("Forbidden", "not_a_partner")
    assert "c2" in refused["message"]
    police = Client(http, dev_app, dev_app.token(LPO, "editor"))
    counted = await police.query(PROGRESS, id=PARTNERED, t=done["consistencyToken"])
    rows = {r["commitmentId"]: r["records"] for r in counted["promise"]["progress"]}
    assert rows == {"c1": 3, "c2": 3}  # r1 and r4 on c1, and the partner's record


PLANNED_QUERY = """query($id: ID!, $on: Date, $t: String) {
  promise(id: $id, consistencyToken: $t) {
    followUpSchedule(on: $on) { dueId kind dueOn status metBy } } }"""

INBOX = "query($on: Date) { inbox(on: $on) { promiseId action detail } }"


async def test_planned_follow_ups_come_due_in_the_inbox_and_stay_private_to_the_parties(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    promise = "ub-rhythm"
    await _promise_with_activities(dev_app, http, promise, "p-rhythm")
    editor = Client(http, dev_app, dev_app.token(UB, "editor"))
    planned = await editor.ok(
        "scheduleFollowUp",
        promiseId=promise,
        dueId="halvar-1",
        kind="interim",
        coversFrom="2018-01-01",
        coversTo="2018-06-30",
        dueOn="2018-08-31",
    )
    early = await editor.command(
        "scheduleFollowUp",
        promiseId=promise,
        dueId="tidig",
        kind="interim",
        coversFrom="2018-01-01",
        coversTo="2018-06-30",
        dueOn="2018-06-29",
    )
    assert (early["__typename"], early["code"]) == ("RuleViolated", "due_before_covered_end")

    async def standing(on: str) -> list[tuple[str, str]]:
        found = await editor.query(PLANNED_QUERY, id=promise, on=on, t=planned["consistencyToken"])
        return [(d["dueId"], d["status"]) for d in found["promise"]["followUpSchedule"]]

    assert await standing("2018-07-01") == [("halvar-1", "upcoming")]
    assert await standing("2018-08-01") == [("halvar-1", "due_soon")]
    assert await standing("2018-09-01") == [("halvar-1", "overdue")]

    async def inbox(org: str, on: str) -> list[str]:
        client = Client(http, dev_app, dev_app.token(org, "editor"))
        items = (await client.query(INBOX, on=on))["inbox"]
        return [i["action"] for i in items if i["promiseId"] == promise]

    assert "follow_up_due" in await inbox(LPO, "2018-08-15")
    assert "follow_up_due" in await inbox(LPO, "2018-08-01")  # due soon from 30 days before
    assert "follow_up_due" not in await inbox(LPO, "2018-07-31")
    assert "follow_up_overdue" in await inbox(UB, "2018-09-15")
    assert not {"follow_up_due", "follow_up_overdue"} & set(await inbox(UB, "2018-07-01"))
    outsider = Client(http, dev_app, dev_app.token(ARJEPLOG, "editor"))
    seen = await outsider.query(PLANNED_QUERY, id=promise, on="2018-09-01")
    assert seen["promise"] is None or seen["promise"]["followUpSchedule"] == []

    moved = await editor.ok(
        "rescheduleFollowUp",
        promiseId=promise,
        dueId="halvar-1",
        dueOn="2018-10-31",
        reason="Styrgruppen möts i oktober",
    )
    found = await editor.query(
        PLANNED_QUERY, id=promise, on="2018-09-15", t=moved["consistencyToken"]
    )
    assert found["promise"]["followUpSchedule"][0]["status"] == "upcoming"


PACE = """query($id: ID!, $on: Date) { promise(id: $id) {
  publicOnly progress { commitmentId target achieved pace(on: $on) { status expected achieved } }
} }"""


async def test_pace_is_read_for_any_day_by_members_and_citizens_alike(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    promise = "ub-pace"
    await publish_promise(dev_app, http, promise)  # running from START (300 days ago) to END
    days = (END - START).days + 1
    today = START + dt.timedelta(days=300)
    for client in (Client(http, dev_app, dev_app.token(UB, "editor")), Client(http, dev_app, None)):
        found = (await client.query(PACE, id=promise, on=today.isoformat()))["promise"]
        paces = {
            p["commitmentId"]: (p["pace"]["status"], p["pace"]["expected"], p["pace"]["achieved"])
            for p in found["progress"]
        }
        assert paces == {
            "c1": ("no_target", None, 0),
            "c2": ("on_track", 8 * 301 // days, 3),
            "c3": ("on_track", 2 * 301 // days, 2),
            "c4": ("at_risk", 4 * 301 // days, 0),
        }, found["publicOnly"]


async def test_a_cursor_the_server_did_not_make_is_the_clients_error_on_every_list(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    for query in (
        '{ promises(after: "a") { promises { id } } }',
        '{ agreements(after: "a") { agreements { id } } }',
        '{ places(after: "a") { places { id } } }',
    ):
        response = await http.post(f"{dev_app.url}/graphql", json={"query": query})
        errors = response.json()["errors"]
        assert [e["message"] for e in errors] == ["malformed cursor"], query


PLANS = """query($id: ID!, $t: String) { promise(id: $id, consistencyToken: $t) {
  plans { planId commitmentIds occurrences { occurrenceId startsOn status recordId } }
  progress { commitmentId planned plannedPerformed achieved } } }"""


async def test_a_plan_every_second_week_is_performed_moved_and_cancelled_through_graphql(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    promise = "ub-planned"
    await _promise_with_activities(dev_app, http, promise, "p-planned")
    police = Client(http, dev_app, dev_app.token(LPO, "editor"))
    await police.ok(
        "planActivity",
        promiseId=promise,
        planId="sommar",
        commitmentIds=["c1", "c2"],
        title="Sommarvandringar i centrum",
        recurrence={"everyWeeks": 2, "startsOn": "2018-06-04", "endsOn": "2018-08-31"},
    )
    occurrence = {"promiseId": promise, "planId": "sommar"}
    await police.ok(
        "performOccurrence",
        **occurrence,
        occurrenceId="sommar-1",
        recordId="s-1",
        occurredOn="2018-06-04",
        performedBy=[LPO],
        summary="Första sommarvandringen",
    )
    await police.ok(
        "moveOccurrence",
        **occurrence,
        occurrenceId="sommar-2",
        startsOn="2018-06-20",
        reason="Midsommar",
    )
    last = await police.ok("cancelOccurrence", **occurrence, occurrenceId="sommar-3", reason="Regn")
    twice = await police.command(
        "performOccurrence",
        **occurrence,
        occurrenceId="sommar-1",
        recordId="s-2",
        occurredOn="2018-06-05",
        performedBy=[LPO],
        summary="Igen",
    )
    assert (twice["__typename"], twice["code"]) == ("RuleViolated", "occurrence_performed")

    found = (await police.query(PLANS, id=promise, t=last["consistencyToken"]))["promise"]
    [plan] = found["plans"]
    assert plan["commitmentIds"] == ["c1", "c2"]
    days = [(o["occurrenceId"], o["startsOn"], o["status"]) for o in plan["occurrences"]]
    assert days[:4] == [
        ("sommar-1", "2018-06-04", "performed"),
        ("sommar-2", "2018-06-20", "moved"),
        ("sommar-3", "2018-07-02", "cancelled"),
        ("sommar-4", "2018-07-16", "planned"),
    ]
    assert len(days) == 7  # 4 June to 27 August, every second week
    progress = {p["commitmentId"]: p for p in found["progress"]}
    # r1..r5 (c1 twice, c2 three times) and the plan's record, counted for both commitments.
    assert {
        k: (p["planned"], p["plannedPerformed"], p["achieved"]) for k, p in progress.items()
    } == {
        "c1": (6, 1, 3),
        "c2": (6, 1, 4),
    }
    outsider = Client(http, dev_app, dev_app.token(ARJEPLOG, "editor"))
    hidden = await outsider.query(PLANS, id=promise)
    assert hidden["promise"] is None or hidden["promise"]["plans"] == []

    await police.ok(
        "planActivity",
        promiseId=promise,
        planId="host",
        commitmentIds=["c1"],
        title="Höstinsats",
        dates=["2018-10-01"],
    )
    added = await police.ok(
        "planActivity",
        promiseId=promise,
        planId="vinter",
        commitmentIds=["c1"],
        title="Vinterinsats",
        dates=["2018-12-01"],
    )
    paged = (
        "query($id: ID!, $t: String, $after: String) { promise(id: $id, consistencyToken: $t) "
        "{ plans(first: 2, after: $after) { planId } } }"
    )
    first = await police.query(paged, id=promise, t=added["consistencyToken"], after=None)
    assert [p["planId"] for p in first["promise"]["plans"]] == ["sommar", "host"]
    rest = await police.query(paged, id=promise, after="host")
    assert [p["planId"] for p in rest["promise"]["plans"]] == ["vinter"]
    response = await http.post(
        f"{dev_app.url}/graphql",
        json={"query": paged, "variables": {"id": promise, "after": "nope"}},
        headers={"authorization": f"Bearer {dev_app.token(LPO, 'editor')}"},
    )
    assert [e["message"] for e in response.json()["errors"]] == ["no plan nope to continue after"]
