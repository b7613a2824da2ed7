"""The Upplands-Bro 2018 promise through its whole life, through GraphQL only."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import httpx

from projections import serving
from service.database import create_pool
from tests.api.conftest import RunningApp

UB, LPO = "org-upplands-bro", "org-lpo-jarfalla"
PROMISE = "ub-2018-lifecycle"
_ids = itertools.count()


class Client:
    """GraphQL calls as one principal."""

    def __init__(self, http: httpx.AsyncClient, app: RunningApp, token: str | None) -> None:
        self.http, self.app = http, app
        self.headers = {"authorization": f"Bearer {token}"} if token else {}

    async def query(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post(
            f"{self.app.url}/graphql",
            json={"query": query, "variables": variables},
            headers=self.headers,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def command(
        self, mutation_name: str, command_id: str | None = None, **input: Any
    ) -> dict[str, Any]:
        name = mutation_name
        input_type = name[0].upper() + name[1:] + "Input"
        mutation = (
            f"mutation($id: ID!, $input: {input_type}!) {{ result: {name}(commandId: $id, "
            "input: $input) { __typename ... on CommandAccepted { version consistencyToken "
            "eventIds duplicate } ... on Forbidden { message code } ... on RuleViolated "
            "{ message code } ... on InvalidInput { message field } ... on NotFound { message } "
            "... on VersionConflict { message } } }"
        )
        data = await self.query(mutation, id=command_id or str(uuid.uuid4()), input=input)
        result: dict[str, Any] = data["result"]
        return result

    async def ok(self, mutation_name: str, **input: Any) -> dict[str, Any]:
        result = await self.command(mutation_name, **input)
        assert result["__typename"] == "CommandAccepted", result
        return result


PROMISE_QUERY = """query($id: ID!, $asOf: Int, $token: String) {
  promise(id: $id, asOf: $asOf, consistencyToken: $token) {
    id status title publicOnly document
    progress { commitmentId target achieved status colour }
  }
}"""


async def test_the_upplands_bro_2018_promise_lives_its_whole_life_through_graphql(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    admin_ub = Client(http, dev_app, dev_app.token(UB, "org_admin"))
    admin_lpo = Client(http, dev_app, dev_app.token(LPO, "org_admin"))
    editor = Client(http, dev_app, dev_app.token(UB, "editor"))
    police_editor = Client(http, dev_app, dev_app.token(LPO, "editor"))
    police_signer = Client(
        http, dev_app, dev_app.token(LPO, "signatory", person="p-test-lpo-chief")
    )
    municipal_signer = Client(http, dev_app, dev_app.token(UB, "signatory", person="p-test-kso"))
    publisher = Client(http, dev_app, dev_app.token(UB, "publisher"))
    anonymous = Client(http, dev_app, None)

    # Each organisation's org_admin records who may sign for it: mandates are facts in the log.
    for client, person, org in ((admin_lpo, "p-test-lpo-chief", LPO), (admin_ub, "p-test-kso", UB)):
        await client.ok("registerPerson", personId=person, name=f"Test signatory of {org}")
        await client.ok("grantSigningMandate", mandateId=f"m-{person}", personId=person, orgId=org)

    await editor.ok(
        "draftPromise",
        promiseId=PROMISE,
        parties=[UB, LPO],
        details={
            "title": "Upplands-Bro – medborgarlöften (2018)",
            "period": {"validFrom": "2018-01-01", "validTo": "2018-12-31", "label": "2018"},
        },
    )
    await editor.ok(
        "addFocusArea",
        promiseId=PROMISE,
        focusArea={
            "focusAreaId": "fa1",
            "title": "Öka tryggheten i de centrala delarna av Bro och Kungsängen",
        },
    )
    await editor.ok(
        "registerPlace",
        promiseId=PROMISE,
        place={"placeId": "p1", "name": "Bro centrum", "kind": "centrum"},
    )
    await editor.ok(
        "addCommitment",
        promiseId=PROMISE,
        commitment={
            "commitmentId": "c2",
            "focusAreaId": "fa1",
            "placeIds": ["p1"],
            "prePlanned": True,
            "text": "Gemensamma insatser med synlig närvaro av polis, polisvolontärer, kommunal "
            "personal, trygghetsvärdar och andra trygghetsskapande aktörer",
            "responsibleIds": [LPO, UB],
            "target": {"comparator": ">=", "quantity": 8, "unit": "insats"},
        },
    )
    await police_editor.ok(
        "addCommitment",
        promiseId=PROMISE,
        commitment={
            "commitmentId": "c1",
            "text": "Ökad polisiär närvaro i ovan nämnda områden",
            "responsibleIds": [LPO],
        },
    )
    proposed = await editor.ok("proposePromise", promiseId=PROMISE)

    doc = await editor.query(PROMISE_QUERY, id=PROMISE, token=proposed["consistencyToken"])
    working = doc["promise"]["document"]["state"]["working"]
    assert doc["promise"]["status"] == "proposed"
    revision, content_hash = working["revision_no"], working["content_hash"]

    # A police signatory signs for the police area — and cannot sign for the municipality.
    refused = await police_signer.command(
        "signPromise", promiseId=PROMISE, revisionNo=revision, contentHash=content_hash, partyId=UB
    )
    assert refused["__typename"] == "Forbidden", refused
    before_signatures = await police_signer.ok(
        "signPromise", promiseId=PROMISE, revisionNo=revision, contentHash=content_hash, partyId=LPO
    )
    signed = await municipal_signer.ok(
        "signPromise", promiseId=PROMISE, revisionNo=revision, contentHash=content_hash, partyId=UB
    )
    # The last signature puts it in force at once: every party signed and valid_from has passed;
    # its whole period (2018) is over, so it is recorded as in force for 2018, then expired.
    in_force = await editor.command("enterPromiseIntoForce", promiseId=PROMISE)
    assert in_force["__typename"] == "RuleViolated", in_force
    publication = await publisher.ok("publishPromise", promiseId=PROMISE, channel="kommunens webb")

    for n, day in enumerate(("2018-03-10", "2018-05-02", "2018-09-15"), start=1):
        await police_editor.ok(
            "recordActivity",
            promiseId=PROMISE,
            recordId=f"r{n}",
            commitmentId="c2",
            occurredOn=day,
            performedBy=[LPO, UB],
            summary="Gemensam insats i Bro centrum",
            placeIds=["p1"],
        )
    await editor.ok(
        "draftFollowUp",
        promiseId=PROMISE,
        reportId="u1",
        kind="final",
        coversFrom="2018-01-01",
        coversTo="2018-12-31",
    )
    await editor.ok(
        "assessCommitment",
        promiseId=PROMISE,
        reportId="u1",
        commitmentId="c2",
        status="partly",
        achieved=3,
        comment="Tre av minst åtta insatser",
    )
    await editor.ok(
        "assessCommitment",
        promiseId=PROMISE,
        reportId="u1",
        commitmentId="c1",
        status="no_target",
        comment="Närvaron ökade",
    )
    await municipal_signer.ok("approveFollowUp", promiseId=PROMISE, reportId="u1")
    await police_signer.ok("approveFollowUp", promiseId=PROMISE, reportId="u1")
    published = await publisher.ok(
        "publishFollowUp", promiseId=PROMISE, reportId="u1", channel="Upplands-Brobladet"
    )

    now = await editor.query(PROMISE_QUERY, id=PROMISE, token=published["consistencyToken"])
    promise = now["promise"]
    assert promise["status"] == "expired"
    progress = {p["commitmentId"]: p for p in promise["progress"]}
    assert (progress["c2"]["achieved"], progress["c2"]["target"]) == (3, 8)
    assert (progress["c2"]["status"], progress["c2"]["colour"]) == ("partly", "yellow")
    assert progress["c1"]["colour"] == "grey"

    # Citizens see the published promise and follow-up, nothing of the drafts.
    public = (await anonymous.query(PROMISE_QUERY, id=PROMISE))["promise"]
    assert public["publicOnly"] is True
    assert [f["report_id"] for f in public["document"]["follow_ups"]] == ["u1"]
    assert "state" not in public["document"]
    # The revision that was in force says so, and the signatures made here carry the day they
    # were made; business time finds it in force in 2018 and not after.
    in_force = promise["document"]["state"]["in_force"]
    assert (in_force["revision_no"], in_force["stage"]) == (1, "expired")
    assert (in_force["in_force_from"], in_force["in_force_until"]) == ("2018-01-01", "2018-12-31")
    assert all(s["signed_on"] is not None for s in in_force["signatures"])
    assert public["document"]["revision"]["stage"] == "expired"
    by_day = await anonymous.query(
        'query($id: ID!) { then: promise(id: $id, inForceOn: "2018-06-01") { revisionNo '
        "signatures { partyId recordedFromDocument } } after: promise(id: $id, inForceOn: "
        '"2019-06-01") { revisionNo } }',
        id=PROMISE,
    )
    assert by_day["then"]["revisionNo"] == 1
    assert {s["recordedFromDocument"] for s in by_day["then"]["signatures"]} == {False}
    assert by_day["after"] is None
    # Before it was published, a citizen's time travel finds it not yet there, not missing.
    published_at = await _log_index_of(editor, publication["eventIds"][0])
    not_yet = await anonymous.query(
        "query($id: ID!, $a: Int) { promiseAt(id: $id, asOf: $a) { __typename "
        "... on NotYetExisting { firstLogIndex } } }",
        id=PROMISE,
        a=published_at - 1,
    )
    assert not_yet["promiseAt"] == {"__typename": "NotYetExisting", "firstLogIndex": published_at}

    history = await editor.query(
        "query($p: ID!) { history(promiseId: $p) { ... on HistoryPage { entries "
        "{ type organisationId actorSubject logIndex } } } }",
        p=PROMISE,
    )
    entries = history["history"]["entries"]
    assert entries[0]["type"] == "PromiseDrafted"
    assert {e["organisationId"] for e in entries} == {UB, LPO}

    # Time travel: as of the log index just before the first signature, nothing was signed.
    signature_index = await _log_index_of(editor, before_signatures["eventIds"][0])
    past = await editor.query(PROMISE_QUERY, id=PROMISE, asOf=signature_index - 1)
    assert past["promise"]["status"] == "proposed"
    assert past["promise"]["document"]["state"]["working"]["signatures"] == []
    by_time = await editor.query(
        "query($id: ID!, $t: DateTime!) { promise(id: $id, asOfTime: $t) { status } }",
        id=PROMISE,
        t="2000-01-01T00:00:00+00:00",
    )
    assert by_time["promise"] is None  # nothing was recorded that early
    entries_by_index = {
        e["logIndex"]: e
        for e in (
            await editor.query(
                "query($p: ID!) { history(promiseId: $p, first: 100) { ... on HistoryPage "
                "{ entries { logIndex recordedAt } } } }",
                p=PROMISE,
            )
        )["history"]["entries"]
    }
    proposed_at = max(e["recordedAt"] for i, e in entries_by_index.items() if i < signature_index)
    by_time = await editor.query(
        "query($id: ID!, $t: DateTime!) { promise(id: $id, asOfTime: $t) { status } }",
        id=PROMISE,
        t=proposed_at,
    )
    assert by_time["promise"]["status"] == "proposed"
    active = await editor.query(
        '{ promises(activeOn: "2018-06-01") { promises { id } } '
        'none: promises(activeOn: "2019-06-01") { promises { id } } }'
    )
    assert PROMISE in {p["id"] for p in active["promises"]["promises"]}
    assert PROMISE not in {p["id"] for p in active["none"]["promises"]}
    at_second = await editor.query(
        PROMISE_QUERY, id=PROMISE, asOf=await _log_index_of(editor, signed["eventIds"][0])
    )
    assert at_second["promise"]["status"] == "signed"


async def _log_index_of(client: Client, event_id: str) -> int:
    history = await client.query(
        "query($p: ID!) { history(promiseId: $p, first: 100) { ... on HistoryPage { entries "
        "{ eventId logIndex } } } }",
        p=PROMISE,
    )
    for entry in history["history"]["entries"]:
        if entry["eventId"] == event_id:
            return int(entry["logIndex"])
    raise AssertionError(f"event {event_id} not in the history")


async def test_the_same_command_id_twice_appends_one_event_and_answers_the_same(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    editor = Client(http, dev_app, dev_app.token(UB, "editor"))
    command_id = str(uuid.uuid4())
    details = {"title": "Idempotens", "period": {"label": "2030"}}
    first = await editor.command(
        "draftPromise", command_id, promiseId="ub-idem", parties=[UB, LPO], details=details
    )
    again = await editor.command(
        "draftPromise", command_id, promiseId="ub-idem", parties=[UB, LPO], details=details
    )
    assert first["__typename"] == again["__typename"] == "CommandAccepted"
    assert (again["version"], again["eventIds"]) == (first["version"], first["eventIds"])
    assert (first["duplicate"], again["duplicate"]) == (False, True)


async def test_an_editor_from_arjeplog_cannot_touch_the_upplands_bro_promise(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    arjeplog = Client(http, dev_app, dev_app.token("org-arjeplog", "editor"))
    refused = await arjeplog.command(
        "addCommitment",
        promiseId="upplands-bro-2018",
        commitment={"commitmentId": "cx", "text": "Något annat"},
    )
    # Published, so Arjeplog sees it and learns only that it is not a party.
    assert refused["__typename"] == "Forbidden", refused
    # The unpublished 2022 promise is not there at all for Arjeplog: the answer for a missing one.
    hidden = await arjeplog.command(
        "addCommitment",
        promiseId="medborgarlofte-2022",
        commitment={"commitmentId": "cx", "text": "Något annat"},
    )
    assert hidden["__typename"] == "NotFound", hidden


async def test_an_auditor_reads_its_organisations_promises_but_can_issue_no_command(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    auditor = Client(http, dev_app, dev_app.token("org-upplands-bro", "auditor"))
    refused = await auditor.command("proposePromise", promiseId="upplands-bro-2018")
    assert refused["__typename"] == "Forbidden"
    seen = await auditor.query(PROMISE_QUERY, id="upplands-bro-2018")
    assert seen["promise"]["publicOnly"] is False


async def test_anonymous_callers_see_no_unpublished_promise(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    anonymous = Client(http, dev_app, None)
    # The 2022 promise was signed but never published: citizens see nothing of it.
    assert (await anonymous.query(PROMISE_QUERY, id="medborgarlofte-2022"))["promise"] is None
    listed = await anonymous.query("{ promises { promises { id status } } }")
    ids = {p["id"] for p in listed["promises"]["promises"]}
    assert {"upplands-bro-2018", "arjeplog-pitea-alvdal-2023-2024"} <= ids
    assert "medborgarlofte-2022" not in ids


async def test_the_public_reads_only_the_public_view_of_a_listed_promise_and_a_party_all(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    assert dev_app.settings.app_database_url is not None
    pool = await create_pool(dev_app.settings.app_database_url, min_size=1, max_size=1)
    try:

        async def listed(member_of: frozenset[str]) -> dict[str, dict[str, Any]]:
            rows = await serving.promise_documents(
                pool,
                organisation=None,
                status=None,
                title=None,
                after=None,
                limit=100,
                member_of=member_of,
                everything=False,
            )
            return dict(rows)

        public = await listed(frozenset())
        party = await listed(frozenset({"org-upplands-bro"}))
    finally:
        await pool.close()
    assert "promise-medborgarlofte-2022" not in public  # signed, never published
    assert all(set(doc) == {"public"} for doc in public.values())
    whole = party["promise-upplands-bro-2018"]
    assert {"state", "public", "progress"} <= set(whole)
    assert public["promise-upplands-bro-2018"]["public"] == whole["public"]
    assert set(party["promise-arjeplog-pitea-alvdal-2023-2024"]) == {"public"}  # not a party
    # What each caller is answered is unchanged: the public view, or the whole promise.
    anonymous = Client(http, dev_app, None)
    seen = await anonymous.query(PROMISE_LIST_WITH_DOCUMENTS)
    assert all(p["publicOnly"] for p in seen["promises"]["promises"])
    editor = Client(http, dev_app, dev_app.token("org-upplands-bro", "editor"))
    mine = {
        p["id"]: p
        for p in (await editor.query(PROMISE_LIST_WITH_DOCUMENTS))["promises"]["promises"]
    }
    assert mine["upplands-bro-2018"]["publicOnly"] is False
    assert "state" in mine["upplands-bro-2018"]["document"]
    assert mine["arjeplog-pitea-alvdal-2023-2024"]["publicOnly"] is True


PROMISE_LIST_WITH_DOCUMENTS = "{ promises(first: 100) { promises { id publicOnly document } } }"
