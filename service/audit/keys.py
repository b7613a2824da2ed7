"""Key files of the log and the witnesses: skey/vkey pairs on disk, and where they live."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from events.proof.note import Signer, generate_skey
from service.settings import Settings

_log = logging.getLogger("service.audit.checkpointer")


def write_key_files(skey: str, vkey: str, skey_path: Path, vkey_path: Path) -> None:
    """Write a key pair; the skey file is created readable by its owner only."""
    fd = os.open(skey_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(skey + "\n")
    vkey_path.write_text(vkey + "\n", encoding="utf-8")


def read_key_file(path: Path) -> str:
    """Read an skey or vkey file written by `write_key_files`."""
    return path.read_text(encoding="utf-8").strip()


def vkey_path_for(key_path: Path) -> Path:
    """Where the verifier key of a signer key file lives: beside it, with `.vkey`."""
    return key_path.with_name(key_path.name + ".vkey")


def log_key_path(settings: Settings) -> Path:
    """Where the log's signing key lives (generated there for the embedded default)."""
    return settings.log_key or settings.data_dir / "log.key"


def load_signer(key_path: Path, name: str, *, create: bool = False) -> Signer:
    """The log's signer from an skey file; with `create`, generate the pair if it is missing.

    `create` is for the embedded default only: a production key is provisioned, never made up.
    """
    if create and not key_path.exists():
        key_path.parent.mkdir(parents=True, exist_ok=True)
        signer = Signer.from_skey(generate_skey(name))
        write_key_files(signer.skey, signer.vkey, key_path, vkey_path_for(key_path))
        _log.info("generated the log key %s in %s", signer.vkey, key_path)
    return Signer.from_skey(read_key_file(key_path))
