"""Granskning: a promise's history ("vem gjorde vad, när") for its auditors, the inclusion
proof of one of its events, checked on the server and again in the browser against the log's
public key, and the history as a JSON download.

The proof is what `inclusionProof` gives (the leaf, the audit path and the signed checkpoint);
the server's verdict is the same check as `samverkan audit prove` bundles allow
(service.audit.verify.check_proof): the checkpoint note signed by the log's key, the leaf
hashed into the checkpoint's root along the path (RFC 9162, with the 0x00/0x01 prefixes) and
the leaf naming the event. static/app/proof.js repeats it in the page with WebCrypto, from
the values the page shows, so an auditor need not take the server's word for it.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from events.proof import merkle
from events.proof.leaf import LeafError, parse_leaf
from events.proof.note import NoteError, Verifier, parse_checkpoint, verify_note
from service.web.public.present import N_
from service.web.public_page import language_of, valid_id, words_for
from service.web.workspace import graph, history, pages, views
from service.web.workspace.core import Workspace

PROOF = """
query Proof($id: ID!) {
  inclusionProof(eventId: $id) {
    eventId logIndex treeSize leaf leafHash hashes finality
    checkpoint { size rootHash note signedAt cosignatures { witness } }
  }
  logVerifierKey
}
"""
TITLE = """
query Title($id: ID!) { promise(id: $id) { id title } }
"""
FINALITY = {
    "SEQUENCED": N_("sequenced, not yet under a signed checkpoint"),
    "CHECKPOINTED": N_("under a checkpoint signed by the log"),
    "WITNESSED": N_("under a checkpoint cosigned by every witness"),
}


def routes(ws: Workspace) -> list[BaseRoute]:
    """The auditor's start page, a promise's history and its JSON, and an event's proof."""
    handlers = Audit(ws)
    return [
        Route("/granskning", handlers.start, methods=["GET"]),
        Route("/granskning/loften/{promise_id}", handlers.history, methods=["GET"]),
        Route("/granskning/loften/{promise_id}/historik.json", handlers.export, methods=["GET"]),
        Route("/granskning/handelser/{event_id}", handlers.proof, methods=["GET"]),
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """The server's check of a proof: `verified`, or the msgid of what failed."""

    verified: bool
    problem: str | None = None


def check(proof: dict[str, Any], log_vkey: str | None) -> Verdict:
    """The server's verdict on an inclusion proof as the API gave it: signed by the log's key,
    the leaf's path leading to the signed root, and the leaf naming the event."""
    if log_vkey is None:
        return Verdict(verified=False, problem=N_("The server has no public key of the log."))
    try:
        verifier = Verifier.from_vkey(log_vkey)
        text, signed = verify_note(proof["checkpoint"]["note"], [verifier])
        checkpoint = parse_checkpoint(text)
        leaf = base64.b64decode(proof["leaf"], validate=True)
        path = [base64.b64decode(h, validate=True) for h in proof["hashes"]]
        envelope = parse_leaf(leaf)
    except NoteError:
        return Verdict(verified=False, problem=N_("The checkpoint's signature does not verify."))
    except (LeafError, binascii.Error, ValueError):
        return Verdict(verified=False, problem=N_("The leaf cannot be read."))
    if verifier.name not in signed:
        return Verdict(verified=False, problem=N_("The checkpoint's signature does not verify."))
    if str(envelope["event_id"]) != proof["eventId"] or envelope["log_index"] != proof["logIndex"]:
        return Verdict(verified=False, problem=N_("The leaf is for another event."))
    if checkpoint.size != proof["treeSize"] or not merkle.verify_inclusion(
        proof["logIndex"], checkpoint.size, merkle.leaf_hash(leaf), path, checkpoint.root
    ):
        return Verdict(
            verified=False, problem=N_("The path does not lead to the checkpoint's root.")
        )
    return Verdict(verified=True)


def key_id(log_vkey: str | None) -> str | None:
    """The log key's id (hex), as its signature lines name it; None without a key."""
    if log_vkey is None:
        return None
    try:
        return Verifier.from_vkey(log_vkey).key_id.hex()
    except NoteError:
        return None


class Audit:
    """The auditor's handlers."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    async def start(self, request: Request) -> Response:
        """Granskning: choose a promise (the organisation's, or any by its id)."""
        session = await self.ws.session(request)
        if isinstance(session, Response):
            return session
        wanted = request.query_params.get("lofte", "").strip()
        if wanted and valid_id(wanted):
            return RedirectResponse(f"/app/granskning/loften/{wanted}", status_code=303)
        principal = session.principal
        data = await self.ws.graph.run(
            request,
            principal,
            graph.PROMISES,
            {"org": principal.organisation_id, "status": None, "after": None},
        )
        words = words_for(language_of(request))
        errors = (
            [views.FieldError(message=words(N_("Enter a promise's id.")), field="lofte")]
            if "lofte" in request.query_params
            else []
        )
        return pages.page(
            request,
            "audit_start.html",
            status_code=422 if errors else 200,
            person=principal,
            promises=data["promises"]["promises"],
            statuses=views.STATUSES,
            errors=errors,
        )

    async def history(self, request: Request) -> Response:
        """A promise's history in words, each entry linking to its proof."""
        session = await self.ws.session(request)
        if isinstance(session, Response):
            return session
        promise_id = request.path_params["promise_id"]
        if not valid_id(promise_id):
            return self.ws.not_found(request)
        principal = session.principal
        await self.ws.graph.after_write(request, principal)
        read = await history.read_history(self.ws.graph, request, principal, promise_id)
        title = await self.ws.graph.run(request, principal, TITLE, {"id": promise_id})
        promise = title["promise"] or {"id": promise_id, "title": None}
        if isinstance(read, dict):
            return self.ws.message(
                request,
                403,
                words_for(language_of(request))(N_("The history cannot be shown")),
                read["message"],
            )
        if not read and title["promise"] is None:
            return self.ws.not_found(request)
        organisations, people = await history.names(self.ws.graph, request, principal)
        words = words_for(language_of(request))
        return pages.page(
            request,
            "audit_history.html",
            person=principal,
            promise=promise,
            entries=history.in_words(read, words, organisations, people),
        )

    async def export(self, request: Request) -> Response:
        """The history as the API gives it, as a JSON download."""
        session = await self.ws.session(request)
        if isinstance(session, Response):
            return session
        promise_id = request.path_params["promise_id"]
        if not valid_id(promise_id):
            return self.ws.not_found(request)
        read = await history.read_history(self.ws.graph, request, session.principal, promise_id)
        if isinstance(read, dict):
            body: dict[str, Any] = {"promiseId": promise_id, "refused": read}
            status = 403
        else:
            body, status = {"promiseId": promise_id, "entries": read}, 200
        return Response(
            json.dumps(body, ensure_ascii=False, indent=2) + "\n",
            status_code=status,
            media_type="application/json",
            headers={
                **pages.page_headers(language_of(request)),
                "content-disposition": f'attachment; filename="historik-{promise_id}.json"',
            },
        )

    async def proof(self, request: Request) -> Response:
        """The inclusion proof of one event, the server's verdict on it, and the values the
        page's script checks again."""
        session = await self.ws.session(request)
        if isinstance(session, Response):
            return session
        event_id = request.path_params["event_id"]
        try:
            event_id = str(uuid.UUID(event_id))
        except ValueError:
            return self._no_proof(request)
        data = await self.ws.graph.run(request, session.principal, PROOF, {"id": event_id})
        proof = data["inclusionProof"]
        if proof is None:
            return self._no_proof(request)
        log_vkey = data["logVerifierKey"]
        note_text, _, signatures = proof["checkpoint"]["note"].rpartition("\n\n")
        return pages.page(
            request,
            "audit_proof.html",
            person=session.principal,
            proof=proof,
            verdict=check(proof, log_vkey),
            log_vkey=log_vkey,
            key_id=key_id(log_vkey),
            finality=FINALITY,
            note_text=note_text + "\n",
            signatures=signatures,
            promise_id=back if valid_id(back := request.query_params.get("lofte", "")) else "",
        )

    def _no_proof(self, request: Request) -> Response:
        return self.ws.missing(
            request,
            N_("No proof to show"),
            N_(
                "There is no event with this id that you may see, or it is not yet under a "
                "signed checkpoint. Try again in a minute."
            ),
        )
