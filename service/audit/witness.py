"""A witness: cosigns the log's checkpoints only as consistent extensions of what it saw.

Each organisation runs one, with its own key and its own state directory. The state (the last
cosigned size and root) is written atomically BEFORE the cosignature is published: a witness
that crashed in between re-publishes the same cosignature, while one that published first and
then lost its state could later cosign a fork. A lock file keeps a second process off the same
state. Anything inconsistent with the state is refused and written into `evidence/`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from events.log import transparency
from events.log.connection import dedicated
from events.log.wakeup import wait_any
from events.proof import merkle
from events.proof.note import (
    CosignatureSigner,
    NoteError,
    Verifier,
    generate_skey,
    parse_checkpoint,
    verify_note,
)
from service.audit.keys import read_key_file, write_key_files
from service.supervisor import Role, Supervisor

_log = logging.getLogger(__name__)

STATE_FILE = "state.json"
LOCK_FILE = "witness.lock"
EVIDENCE_DIR = "evidence"


class WitnessError(RuntimeError):
    """The witness cannot run: a bad key, a bad state file, or its state is locked."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WitnessState:
    """The largest checkpoint this witness cosigned."""

    origin: str | None
    size: int
    root: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What one checkpoint did to the witness: cosigned, already cosigned, or refused."""

    size: int
    cosigned: bool
    refused: str | None = None
    evidence: Path | None = None


def load_witness_key(key_path: Path, name: str) -> CosignatureSigner:
    """The witness's cosigning key; generated (with a `.vkey` beside it) on first use."""
    if not key_path.exists():
        key_path.parent.mkdir(parents=True, exist_ok=True)
        signer = CosignatureSigner.from_skey(generate_skey(name))
        write_key_files(
            signer.skey, signer.vkey, key_path, key_path.with_name(key_path.name + ".vkey")
        )
    signer = CosignatureSigner.from_skey(read_key_file(key_path))
    if signer.name != name:
        raise WitnessError(f"key file {key_path} is for {signer.name!r}, not {name!r}")
    return signer


def read_state(state_dir: Path) -> WitnessState:
    """The stored state; the empty tree when the witness has never cosigned."""
    path = state_dir / STATE_FILE
    if not path.exists():
        return WitnessState(origin=None, size=0, root=merkle.EMPTY_ROOT)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return WitnessState(
            origin=str(raw["origin"]), size=int(raw["size"]), root=base64.b64decode(raw["root"])
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise WitnessError(f"unreadable witness state {path}: {exc}") from exc


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    # The rename itself must reach the disk before the cosignature is published.
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_state(state_dir: Path, state: WitnessState) -> None:
    """Persist the state atomically (write, fsync, rename, fsync the directory)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    body = {
        "origin": state.origin,
        "size": state.size,
        "root": base64.b64encode(state.root).decode(),
    }
    _write_atomically(state_dir / STATE_FILE, json.dumps(body, indent=2) + "\n")


def keep_evidence(
    state_dir: Path, state: WitnessState, note: str, proof: list[bytes], reason: str
) -> Path:
    """Write a refused checkpoint, the proof offered and the state it contradicted."""
    folder = state_dir / EVIDENCE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{stamp}.json"
    body = {
        "reason": reason,
        "witness_state": {
            "origin": state.origin,
            "size": state.size,
            "root": base64.b64encode(state.root).decode(),
        },
        "checkpoint_note": note,
        "consistency_proof": [base64.b64encode(h).decode() for h in proof],
        "recorded_at": stamp,
    }
    _write_atomically(path, json.dumps(body, indent=2) + "\n")
    return path


@contextlib.contextmanager
def locked_state(state_dir: Path) -> Iterator[None]:
    """Hold the state directory's lock file for the block; refuse if another witness holds it."""
    state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(state_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WitnessError(f"another witness holds {state_dir}") from exc
        yield
    finally:
        os.close(fd)


@dataclass(slots=True)
class Witness:
    """One witness: its key, the log key it trusts, and its state directory."""

    signer: CosignatureSigner
    log_verifier: Verifier
    state_dir: Path
    last_refusal: str | None = None

    def refuse(
        self, state: WitnessState, note: str, proof: list[bytes], size: int, why: str
    ) -> Outcome:
        """Keep evidence of a refused checkpoint (once per distinct reason) and say why."""
        if why == self.last_refusal:
            return Outcome(size=size, cosigned=False, refused=why)
        self.last_refusal = why
        path = keep_evidence(self.state_dir, state, note, proof, why)
        _log.error("witness %s refused checkpoint %d: %s", self.signer.name, size, why)
        return Outcome(size=size, cosigned=False, refused=why, evidence=path)

    async def consider(self, conn: asyncpg.Connection, note: str) -> Outcome:
        """Verify one log-signed checkpoint against the state and cosign it if consistent."""
        state = read_state(self.state_dir)
        try:
            text, _ = verify_note(note, [self.log_verifier])
            cp = parse_checkpoint(text)
        except NoteError as exc:
            return self.refuse(state, note, [], -1, f"not signed by the log key: {exc}")
        if state.origin is not None and cp.origin != state.origin:
            return self.refuse(
                state, note, [], cp.size, f"origin {cp.origin!r} is not {state.origin!r}"
            )
        if cp.size < state.size:
            return self.refuse(state, note, [], cp.size, f"size {cp.size} is below {state.size}")
        proof: list[bytes] = []
        if cp.size > state.size:
            try:
                proof = await transparency.consistency_proof(conn, state.size, cp.size)
            except transparency.AuditLogError as exc:
                return self.refuse(state, note, [], cp.size, f"no consistency proof: {exc}")
        if not merkle.verify_consistency(state.size, cp.size, proof, state.root, cp.root):
            why = f"checkpoint {cp.size} is not consistent with cosigned size {state.size}"
            return self.refuse(state, note, proof, cp.size, why)
        write_state(self.state_dir, WitnessState(origin=cp.origin, size=cp.size, root=cp.root))
        self.last_refusal = None
        line = self.signer.sign(text, int(time.time()))
        added = await transparency.add_cosignature(conn, cp.size, self.signer.name, line)
        return Outcome(size=cp.size, cosigned=added)


NEW_CHECKPOINTS = """
SELECT c.size, c.note FROM checkpoints c
WHERE c.size > $1
   OR (c.size = $1 AND NOT EXISTS (
          SELECT 1 FROM cosignatures s WHERE s.size = c.size AND s.witness = $2))
ORDER BY c.size LIMIT $3"""
LARGEST_CHECKPOINT = "SELECT max(size) FROM checkpoints"


async def witness_once(
    conn: asyncpg.Connection, witness: Witness, limit: int = 100
) -> list[Outcome]:
    """Consider every checkpoint from the stored size up; stop at the first refusal."""
    state = read_state(witness.state_dir)
    # The checkpoint at the stored size comes back only when its cosignature is missing (a
    # crash between writing the state and publishing): it is then cosigned again.
    rows = await conn.fetch(NEW_CHECKPOINTS, state.size, witness.signer.name, limit)
    outcomes: list[Outcome] = []
    largest = int(await conn.fetchval(LARGEST_CHECKPOINT) or 0) if not rows else state.size
    if largest < state.size:
        # The checkpoint this witness cosigned is gone and nothing larger replaced it.
        why = f"the log shrank to checkpoint {largest} below cosigned size {state.size}"
        outcomes.append(witness.refuse(state, "", [], largest, why))
        return outcomes
    for row in rows:
        outcome = await witness.consider(conn, row[1])
        outcomes.append(outcome)
        if outcome.refused is not None:
            break
    return outcomes


async def watch(
    connect: Callable[[], Awaitable[asyncpg.Connection]],
    witness: Witness,
    stop: asyncio.Event,
    *,
    interval: float = 1.0,
) -> None:
    """One run of the witness role: poll for checkpoints and cosign consistent ones.

    Crash-only: a lost connection ends the run with its exception; the supervisor runs it again.
    """
    async with dedicated(connect) as conn:
        while not stop.is_set():
            await witness_once(conn, witness)
            await wait_any(stop, timeout=interval)


async def run_witness(
    db_url: str,
    name: str,
    key_path: Path,
    state_dir: Path,
    log_vkey: str,
    stop: asyncio.Event,
    *,
    interval: float = 1.0,
    supervisor: Supervisor | None = None,
) -> None:
    """Run a witness until `stop` is set: poll for checkpoints and cosign consistent ones.

    The key, the log's verifier key and the state lock are set up once (a problem there is a
    WitnessError for the command line); the polling is a supervised role (`witness:NAME`),
    restarted after any failure. After a refusal the witness keeps running but cosigns
    nothing until the log shows a checkpoint consistent with its state again; the evidence
    stays in `state_dir/evidence`.
    """
    witness = Witness(
        signer=load_witness_key(key_path, name),
        log_verifier=Verifier.from_vkey(log_vkey),
        state_dir=state_dir,
    )

    async def run(stop: asyncio.Event) -> None:
        await watch(lambda: asyncpg.connect(db_url), witness, stop, interval=interval)

    with locked_state(state_dir):
        await (supervisor or Supervisor()).supervise(Role(f"witness:{name}", run), stop)
