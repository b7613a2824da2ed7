"""What the load does: the data it seeds through the API and the weighted operation mix."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from ops.load.client import Ack, Acknowledged, Answer, accepted, command, data_of, get, post
from service.identity.dev_issuer import DevIssuer

UB, LPO = "org-upplands-bro", "org-lpo-jarfalla"
LPO_SIGNER, UB_SIGNER = "p-load-lpo-chief", "p-load-kso"
COMMITMENTS = 3

PROMISE_LIST = """query { promises(first: 20) {
  promises { id title periodLabel publicOnly
    progress { commitmentId achieved target status colour } }
  pageInfo { endCursor hasNextPage } } }"""
PROMISE_PUBLIC = """query($id: ID!) { promise(id: $id) { id status title publicOnly
  progress { commitmentId achieved target status colour } } }"""
PROMISE_MEMBER = """query($id: ID!, $token: String) { promise(id: $id, consistencyToken: $token) {
  id status title publicOnly document progress { commitmentId achieved target status } } }"""
VISIBLE = "query($id: ID!, $token: String) { promise(id: $id, consistencyToken: $token) { id } }"
INBOX = "query { inbox { promiseId action detail } }"
HISTORY = """query($s: String!) { history(streamId: $s, first: 20) {
  ... on HistoryPage { entries { logIndex type organisationId actorSubject recordedAt } } } }"""


@dataclass(frozen=True, slots=True)
class Tokens:
    """Development bearer tokens for each role the load needs."""

    editor: str
    police_editor: str
    police_signer: str
    municipal_signer: str
    publisher: str
    admin_ub: str
    admin_lpo: str

    @classmethod
    def mint(cls, data_dir: Path, ttl_s: int = 3600) -> Tokens:
        """Tokens from the cluster's development issuer (its key lives in the data dir)."""
        dev = DevIssuer.load_or_create(data_dir)

        def token(org: str, role: str, person: str | None = None) -> str:
            return dev.mint(
                organisation_id=org,
                roles=[role],
                subject=f"load-{org}-{role}",
                person_id=person,
                ttl_s=ttl_s,
            )

        return cls(
            editor=token(UB, "editor"),
            police_editor=token(LPO, "editor"),
            police_signer=token(LPO, "signatory", LPO_SIGNER),
            municipal_signer=token(UB, "signatory", UB_SIGNER),
            publisher=token(UB, "publisher"),
            admin_ub=token(UB, "org_admin"),
            admin_lpo=token(LPO, "org_admin"),
        )


async def ok(
    http: aiohttp.ClientSession,
    base: str,
    token: str,
    name: str,
    acks: Acknowledged | None = None,
    /,
    **input: Any,
) -> Ack:
    """Send a command that must be accepted; record it as acknowledged."""
    answer, command_id = await command(http, base, token, name, **input)
    ack = accepted(answer, command_id)
    if acks is not None:
        acks.add(ack)
    return ack


async def register_signatories(
    http: aiohttp.ClientSession, base: str, tokens: Tokens, acks: Acknowledged
) -> None:
    """Each org_admin registers a signatory and grants a mandate (a rerun finds them there)."""
    for token, person, org in (
        (tokens.admin_lpo, LPO_SIGNER, LPO),
        (tokens.admin_ub, UB_SIGNER, UB),
    ):
        for name, input in (
            ("registerPerson", {"personId": person, "name": f"Load-test signatory of {org}"}),
            ("grantSigningMandate", {"mandateId": f"m-{person}", "personId": person, "orgId": org}),
        ):
            answer, command_id = await command(http, base, token, name, **input)
            result = data_of(answer)["result"]
            if result["__typename"] == "CommandAccepted":
                acks.add(accepted(answer, command_id))
            elif result["__typename"] != "RuleViolated":  # already registered by an earlier run
                raise RuntimeError(f"{name} failed: {result}")


async def seed_promise(
    http: aiohttp.ClientSession, base: str, tokens: Tokens, promise_id: str, acks: Acknowledged
) -> None:
    """Draft, commit, propose, sign by both parties (in force) and publish one promise."""
    editor = tokens.editor

    async def step(token: str, name: str, /, **input: Any) -> Ack:
        return await ok(http, base, token, name, acks, promiseId=promise_id, **input)

    await step(
        editor,
        "draftPromise",
        parties=[UB, LPO],
        details={
            "title": f"Medborgarlöfte {promise_id}: trygghet i Bro och Kungsängen",
            "period": {"validFrom": "2024-01-01", "validTo": "2030-12-31", "label": "2024–2030"},
            "goal": "Ökad trygghet i centrala Bro och Kungsängen.",
        },
    )
    await step(editor, "addFocusArea", focusArea={"focusAreaId": "fa1", "title": "Trygghet"})
    await step(
        editor, "registerPlace", place={"placeId": "p1", "name": "Bro centrum", "kind": "centrum"}
    )
    for n in range(1, COMMITMENTS + 1):
        commitment: dict[str, Any] = {
            "commitmentId": f"c{n}",
            "focusAreaId": "fa1",
            "placeIds": ["p1"],
            "text": f"Åtagande {n}: gemensamma insatser med synlig närvaro i Bro centrum",
            "responsibleIds": [LPO, UB],
            "target": {"comparator": ">=", "quantity": 50, "unit": "insats"},
        }
        await step(editor, "addCommitment", commitment=commitment)
    proposed = await step(editor, "proposePromise")
    doc = data_of(
        await post(
            http,
            base,
            PROMISE_MEMBER,
            {"id": promise_id, "token": proposed.consistency_token},
            token=editor,
        )
    )
    working = doc["promise"]["document"]["state"]["working"]
    for token, party in ((tokens.police_signer, LPO), (tokens.municipal_signer, UB)):
        await step(
            token,
            "signPromise",
            revisionNo=working["revision_no"],
            contentHash=working["content_hash"],
            partyId=party,
        )
    await step(tokens.publisher, "publishPromise", channel="kommunens webb")


async def seed(
    http: aiohttp.ClientSession, base: str, tokens: Tokens, count: int, acks: Acknowledged
) -> list[str]:
    """Seed `count` published, in-force promises; return their ids."""
    await register_signatories(http, base, tokens, acks)
    run = uuid.uuid4().hex[:6]
    ids = [f"load-{run}-{i:02d}" for i in range(count)]
    for start in range(0, count, 4):
        await asyncio.gather(
            *(seed_promise(http, base, tokens, pid, acks) for pid in ids[start : start + 4])
        )
    # Read-your-writes: the load starts once the read models show every seeded promise.
    token = acks.acks[-1].consistency_token
    for pid in ids:
        seen = data_of(await post(http, base, VISIBLE, {"id": pid, "token": token}))
        if seen["promise"] is None:
            raise RuntimeError(f"the seeded promise {pid} is not visible to citizens")
    return ids


# -- the operation mix --------------------------------------------------------------------

Call = Callable[[aiohttp.ClientSession, str], Awaitable[Answer]]


@dataclass(frozen=True, slots=True)
class Operation:
    """One kind of request in the mix: its name, class, weight (percent) and how to send it."""

    name: str
    kind: str  # "public", "editor" or "mutation"
    weight: float
    call: Call


def operations(
    tokens: Tokens, promise_ids: list[str], acks: Acknowledged, rng: random.Random
) -> list[Operation]:
    """The realistic mix: public reads 80 %, editors' reads 15 %, mutations 5 %."""

    def pick() -> str:
        return rng.choice(promise_ids)

    async def promise_list(http: aiohttp.ClientSession, base: str) -> Answer:
        return await post(http, base, PROMISE_LIST)

    async def promise_public(http: aiohttp.ClientSession, base: str) -> Answer:
        return await post(http, base, PROMISE_PUBLIC, {"id": pick()})

    async def public_page(http: aiohttp.ClientSession, base: str) -> Answer:
        return await get(http, f"{base}/p/{pick()}")

    async def promise_member(http: aiohttp.ClientSession, base: str) -> Answer:
        return await post(http, base, PROMISE_MEMBER, {"id": pick()}, token=tokens.editor)

    async def inbox(http: aiohttp.ClientSession, base: str) -> Answer:
        return await post(http, base, INBOX, token=tokens.police_editor)

    async def history(http: aiohttp.ClientSession, base: str) -> Answer:
        return await post(http, base, HISTORY, {"s": f"promise-{pick()}"}, token=tokens.editor)

    async def record_activity(http: aiohttp.ClientSession, base: str) -> Answer:
        answer, command_id = await command(
            http,
            base,
            tokens.police_editor,
            "recordActivity",
            promiseId=pick(),
            recordId=f"r-{uuid.uuid4().hex[:12]}",
            commitmentId=f"c{rng.randint(1, COMMITMENTS)}",
            occurredOn="2025-06-01",
            performedBy=[LPO, UB],
            summary="Gemensam insats med synlig närvaro i Bro centrum",
            placeIds=["p1"],
        )
        return _acknowledge(answer, command_id, acks)

    async def draft(http: aiohttp.ClientSession, base: str) -> Answer:
        answer, command_id = await command(
            http,
            base,
            tokens.editor,
            "draftPromise",
            promiseId=f"load-draft-{uuid.uuid4().hex[:12]}",
            parties=[UB, LPO],
            details={
                "title": "Utkast: medborgarlöfte under arbete",
                "period": {"validFrom": "2027-01-01", "validTo": "2027-12-31", "label": "2027"},
            },
        )
        return _acknowledge(answer, command_id, acks)

    return [
        Operation("promises (anonymous)", "public", 35, promise_list),
        Operation("promise (anonymous)", "public", 30, promise_public),
        Operation("/p/{id} page", "public", 15, public_page),
        Operation("promise (editor)", "editor", 6, promise_member),
        Operation("inbox (editor)", "editor", 5, inbox),
        Operation("history (editor)", "editor", 4, history),
        Operation("recordActivity", "mutation", 4, record_activity),
        Operation("draftPromise", "mutation", 1, draft),
    ]


def _acknowledge(answer: Answer, command_id: str, acks: Acknowledged) -> Answer:
    """Record a CommandAccepted answer; anything else becomes an error answer."""
    if not answer.ok:
        return answer
    result = answer.body["data"]["result"]
    if result.get("__typename") != "CommandAccepted":
        refusal = {"message": str(result), "extensions": {"code": result.get("__typename")}}
        return Answer(status=answer.status, body={"errors": [refusal]}, seconds=answer.seconds)
    acks.add(accepted(answer, command_id))
    return answer
