"""C2SP signed notes, checkpoints and cosignatures (Ed25519) for the audit log.

A note is UTF-8 text ending in a newline, a blank line, then one signature line per key:
"— <name> <base64(key id || signature)>". Log checkpoints are signed with type 0x01 keys;
witnesses cosign them with cosignature/v1 (type 0x04), which also binds a timestamp.
Specs: c2sp.org/signed-note, c2sp.org/tlog-checkpoint, c2sp.org/tlog-cosignature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
SIGNATURE_PREFIX = "\u2014 "
MAX_SIGNATURES = 100
_COSIGNATURE_HEADER = "cosignature/v1\ntime {}\n"


class NoteError(ValueError):
    """A note, key or checkpoint that is malformed or fails verification."""


def key_id(name: str, alg: int, public_key: bytes) -> bytes:
    """The 4-byte key id: SHA-256(name || 0x0A || alg || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()[:4]


def _check_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"invalid key name {name!r}")


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"invalid base64 {text!r}") from exc


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --- Keys ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Verifier:
    """A public key that checks one kind of note signature (Ed25519 or cosignature/v1)."""

    name: str
    alg: int
    public_key: bytes

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        """Parse `name+hexkeyid+base64(alg || public key)`."""
        parts = vkey.split("+", 2)
        if len(parts) != 3:
            raise NoteError(f"malformed verifier key {vkey!r}")
        name, hex_id, encoded = parts
        _check_name(name)
        raw = _b64decode(encoded)
        if len(raw) != 33 or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise NoteError(f"unsupported verifier key {vkey!r}")
        verifier = cls(name=name, alg=raw[0], public_key=raw[1:])
        if hex_id != verifier.key_id.hex():
            raise NoteError(f"key id of {vkey!r} does not match its key")
        return verifier

    @property
    def key_id(self) -> bytes:
        """The 4-byte key id that prefixes this key's signatures."""
        return key_id(self.name, self.alg, self.public_key)

    @property
    def vkey(self) -> str:
        """The verifier key string."""
        raw = bytes([self.alg]) + self.public_key
        return f"{self.name}+{self.key_id.hex()}+{_b64(raw)}"

    def check(self, text: str, blob: bytes) -> int | None:
        """Verify `blob` (the signature after the key id) over `text`.

        Raises NoteError when it fails; returns the cosignature timestamp, or None for a
        plain Ed25519 signature.
        """
        timestamp: int | None = None
        if self.alg == ALG_COSIGNATURE_V1:
            if len(blob) != 8 + 64:
                raise NoteError(f"cosignature from {self.name} has the wrong length")
            timestamp = int.from_bytes(blob[:8], "big")
            message = (_COSIGNATURE_HEADER.format(timestamp) + text).encode()
            signature = blob[8:]
        else:
            message, signature = text.encode(), blob
        if len(signature) != 64:
            raise NoteError(f"signature from {self.name} has the wrong length")
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature as exc:
            raise NoteError(f"signature from {self.name} does not verify") from exc
        return timestamp


def _private_key(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed)


def _public_bytes(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes_raw()


def parse_skey(skey: str) -> tuple[str, Ed25519PrivateKey]:
    """Parse `PRIVATE+KEY+name+hexkeyid+base64(0x01 || seed)` into a name and a key."""
    parts = skey.strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("malformed signer key")
    name, hex_id, encoded = parts[2:]
    _check_name(name)
    raw = _b64decode(encoded)
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise NoteError("unsupported signer key")
    private_key = _private_key(raw[1:])
    if hex_id != key_id(name, ALG_ED25519, _public_bytes(private_key)).hex():
        raise NoteError("key id of the signer key does not match its key")
    return name, private_key


def format_skey(name: str, private_key: Ed25519PrivateKey) -> str:
    """The skey string of an Ed25519 key (also what a witness key is stored as)."""
    _check_name(name)
    kid = key_id(name, ALG_ED25519, _public_bytes(private_key)).hex()
    seed = private_key.private_bytes_raw()
    return f"PRIVATE+KEY+{name}+{kid}+{_b64(bytes([ALG_ED25519]) + seed)}"


def generate_skey(name: str) -> str:
    """A new random Ed25519 signer key as an skey string."""
    return format_skey(name, Ed25519PrivateKey.generate())


class _KeyPair:
    """An Ed25519 private key with its name and the verifier for this key's signature type."""

    alg = ALG_ED25519

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        _check_name(name)
        self.name = name
        self._private_key = private_key
        self.verifier = Verifier(name=name, alg=self.alg, public_key=_public_bytes(private_key))

    @classmethod
    def from_skey(cls, skey: str) -> Self:
        """A key pair from an Ed25519 skey string; the key id follows this class's type."""
        name, private_key = parse_skey(skey)
        return cls(name, private_key)

    @property
    def vkey(self) -> str:
        """The verifier key string."""
        return self.verifier.vkey

    @property
    def skey(self) -> str:
        """The skey string (always type 0x01, as Go's note package writes it)."""
        return format_skey(self.name, self._private_key)

    def _line(self, blob: bytes) -> str:
        return f"{SIGNATURE_PREFIX}{self.name} {_b64(self.verifier.key_id + blob)}\n"


class Signer(_KeyPair):
    """Signs notes with an Ed25519 key (type 0x01), as the log signs its checkpoints."""

    def sign(self, text: str) -> str:
        """The signature line over note `text`, ending in a newline."""
        _check_text(text)
        return self._line(self._private_key.sign(text.encode()))


class CosignatureSigner(_KeyPair):
    """Cosigns checkpoints with cosignature/v1 (type 0x04), as a witness does."""

    alg = ALG_COSIGNATURE_V1

    def sign(self, text: str, timestamp: int) -> str:
        """The cosignature line over checkpoint `text` at `timestamp` (Unix seconds)."""
        _check_text(text)
        if not 0 <= timestamp < 1 << 64:
            raise NoteError(f"timestamp {timestamp} out of range")
        message = (_COSIGNATURE_HEADER.format(timestamp) + text).encode()
        return self._line(timestamp.to_bytes(8, "big") + self._private_key.sign(message))


# --- Notes -----------------------------------------------------------------------------------


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text must end in a newline")
    if any((c < " " and c != "\n") or c == "\x7f" for c in text):
        raise NoteError("note text must not contain control characters")


def sign_note(text: str, signers: Iterable[Signer]) -> str:
    """The note: `text`, a blank line, one signature line per signer."""
    lines = [signer.sign(text) for signer in signers]
    return text + "\n" + "".join(lines)


def add_signature_lines(note: str, lines: Iterable[str]) -> str:
    """`note` with further signature lines (such as cosignatures) appended."""
    return note + "".join(lines)


@dataclass(frozen=True, slots=True, kw_only=True)
class Signature:
    """One parsed signature line: key name, key id and the bytes after the key id."""

    name: str
    key_id: bytes
    blob: bytes


def split_note(note: str) -> tuple[str, tuple[Signature, ...]]:
    """Split a note into its text and parsed signature lines, without verifying any."""
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise NoteError("malformed note")
    text, block = note[: cut + 1], note[cut + 2 :]
    _check_text(text)
    signatures: list[Signature] = []
    for line in block[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"malformed signature line {line!r}")
        name, sep, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
        _check_name(name)
        raw = _b64decode(encoded) if sep else b""
        if len(raw) < 5:
            raise NoteError(f"malformed signature line {line!r}")
        signatures.append(Signature(name=name, key_id=raw[:4], blob=raw[4:]))
    if len(signatures) > MAX_SIGNATURES:
        raise NoteError("too many signatures")
    return text, tuple(signatures)


def verify_note(note: str, verifiers: Iterable[Verifier]) -> tuple[str, dict[str, int | None]]:
    """Open a note: its text and, per verified key name, the cosignature time (None if plain).

    Signatures by unknown keys are ignored; a signature by a known key that fails rejects the
    note, as does a repeated key or the absence of any verified signature.
    """
    known = {(v.name, v.key_id): v for v in verifiers}
    text, signatures = split_note(note)
    verified: dict[str, int | None] = {}
    seen: set[tuple[str, bytes]] = set()
    for sig in signatures:
        key = (sig.name, sig.key_id)
        if key in seen:
            raise NoteError(f"repeated signature by {sig.name}")
        seen.add(key)
        verifier = known.get(key)
        if verifier is not None:
            verified[sig.name] = verifier.check(text, sig.blob)
    if not verified:
        raise NoteError("no signature by a known key")
    return text, verified


def open_note(note: str, verifiers: Iterable[Verifier]) -> tuple[str, tuple[str, ...]]:
    """Open a note: its text and the names of the known keys whose signatures verified."""
    text, verified = verify_note(note, verifiers)
    return text, tuple(verified)


def cosignature_timestamp(signature_b64: str) -> int:
    """The timestamp in a cosignature/v1 blob, without verifying it."""
    raw = _b64decode(signature_b64)
    if len(raw) != 4 + 8 + 64:
        raise NoteError("not a cosignature/v1 signature")
    return int.from_bytes(raw[4:12], "big")


# --- Checkpoints -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Checkpoint:
    """A log checkpoint: origin, tree size, root hash and any extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()


def format_checkpoint(origin: str, size: int, root: bytes, extensions: tuple[str, ...] = ()) -> str:
    """The checkpoint note text: origin, decimal size, base64 root, extension lines."""
    if not origin or "\n" in origin or size < 0 or len(root) != 32:
        raise NoteError("invalid checkpoint fields")
    if any(not line or "\n" in line for line in extensions):
        raise NoteError("invalid checkpoint extension line")
    return "".join(f"{line}\n" for line in (origin, str(size), _b64(root), *extensions))


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse checkpoint note text; size and root must be in canonical form."""
    if not text.endswith("\n"):
        raise NoteError("checkpoint must end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not lines[0] or any(not line for line in lines[3:]):
        raise NoteError("malformed checkpoint")
    origin, size_text, root_text = lines[:3]
    if not size_text.isascii() or not size_text.isdigit() or str(int(size_text)) != size_text:
        raise NoteError(f"malformed checkpoint size {size_text!r}")
    root = _b64decode(root_text)
    if len(root) != 32 or _b64(root) != root_text:
        raise NoteError("malformed checkpoint root hash")
    return Checkpoint(origin=origin, size=int(size_text), root=root, extensions=tuple(lines[3:]))
