"""The inbox reads only the documents whose attention day has come, yet loses nothing: an
organisation party to hundreds of quiet drafts still sees the one promise waiting for its
signature, and a document written before the day was kept is read as before."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx

from tests.api.conftest import RunningApp
from tests.api.test_promise_lifecycle import Client

UB, LPO = "org-upplands-bro", "org-lpo-jarfalla"
INBOX = "query($on: Date) { inbox(on: $on) { promiseId action detail } }"
DRAFTS = 520
WAITING = "zz-waits-for-signatures"
PERIOD = {"validFrom": "2027-01-01", "validTo": "2027-12-31", "label": "2027"}


async def draft(editor: Client, promise_id: str) -> dict[str, object]:
    return await editor.ok(
        "draftPromise",
        promiseId=promise_id,
        parties=[UB, LPO],
        details={"title": f"Utkast {promise_id}", "period": PERIOD},
    )


async def test_the_inbox_lists_what_waits_behind_hundreds_of_quiet_promises(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    editor = Client(http, dev_app, dev_app.token(UB, "editor"))
    police = Client(http, dev_app, dev_app.token(LPO, "editor"))
    for start in range(0, DRAFTS, 20):
        await asyncio.gather(*(draft(editor, f"aa-{n:04d}") for n in range(start, start + 20)))
    await draft(editor, WAITING)
    await editor.ok(
        "addFocusArea", promiseId=WAITING, focusArea={"focusAreaId": "fa1", "title": "Trygghet"}
    )
    await editor.ok(
        "addCommitment",
        promiseId=WAITING,
        commitment={"commitmentId": "c1", "text": "Synlig närvaro", "responsibleIds": [LPO]},
    )
    proposed = await editor.ok("proposePromise", promiseId=WAITING)
    await police.query(
        "query($id: ID!, $t: String) { promise(id: $id, consistencyToken: $t) { id } }",
        id=WAITING,
        t=proposed["consistencyToken"],
    )

    async def waiting() -> list[tuple[str, str]]:
        items = (await police.query(INBOX, on="2027-02-01"))["inbox"]
        return [(i["promiseId"], i["action"]) for i in items]

    # More than 500 promises of the organisation come before it in key order.
    assert (WAITING, "sign_revision") in await waiting()

    conn = await asyncpg.connect(dev_app.settings.database_url)
    try:
        quiet = await conn.fetchval(
            "SELECT count(*) FROM documents WHERE projection = 'promises' AND key LIKE "
            "'promise-aa-%' AND attention_from = 'infinity'"
        )
        assert quiet == DRAFTS  # none of the drafts is read for the inbox
        key = f"promise-{WAITING}"
        # A document the inbox skips is one whose attention day has not come …
        await conn.execute("UPDATE documents SET attention_from = 'infinity' WHERE key = $1", key)
        assert (WAITING, "sign_revision") not in await waiting()
        # … and one written before the day was kept (NULL) is read, as every one was before.
        await conn.execute("UPDATE documents SET attention_from = NULL WHERE key = $1", key)
        assert (WAITING, "sign_revision") in await waiting()
    finally:
        await conn.close()
