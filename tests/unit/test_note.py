"""C2SP signed notes, cosignatures and checkpoints against the Go vectors and the opening rules."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from events.proof.note import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    Checkpoint,
    CosignatureSigner,
    NoteError,
    Signer,
    Verifier,
    add_signature_lines,
    cosignature_timestamp,
    format_checkpoint,
    generate_skey,
    open_note,
    parse_checkpoint,
    sign_note,
    split_note,
    verify_note,
)
from service.audit.keys import read_key_file, write_key_files

# golang.org/x/mod sumdb/note (doc example and tests)
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_LINE = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfq"
    "dngotpRZb6KE6RyyBwJnAM=\n"
)

# transparency-dev/formats note/note_cosigv1_test.go
COSIG_BLOB = (
    "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFi"
    "EBYJXORmnFBOBA=="
)
PLAIN_SIG_BLOB = (
    "eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY="
)
WITNESS_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
PLUS_IN_KEY_VKEY = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"

ROOT = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
CHECKPOINT_TEXT = "samverkan.example/log/v1\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"


@pytest.fixture(scope="module")
def peter() -> Signer:
    return Signer.from_skey(PETER_SKEY)


@pytest.fixture(scope="module")
def other() -> Signer:
    return Signer.from_skey(generate_skey("other.example"))


# --- The Go vector ---------------------------------------------------------------------------


def test_the_peter_neumann_skey_gives_the_go_vkey_and_round_trips(peter: Signer) -> None:
    assert peter.vkey == PETER_VKEY
    assert peter.skey == PETER_SKEY
    assert Verifier.from_vkey(PETER_VKEY).vkey == PETER_VKEY


def test_signing_reproduces_the_go_signature_byte_for_byte(peter: Signer) -> None:
    assert peter.sign(PETER_TEXT) == PETER_LINE
    assert sign_note(PETER_TEXT, [peter]) == PETER_TEXT + "\n" + PETER_LINE


def test_the_go_note_opens_with_the_go_vkey() -> None:
    text, names = open_note(PETER_TEXT + "\n" + PETER_LINE, [Verifier.from_vkey(PETER_VKEY)])
    assert text == PETER_TEXT
    assert names == ("PeterNeumann",)


def test_changing_any_character_of_the_text_fails_verification() -> None:
    verifier = Verifier.from_vkey(PETER_VKEY)
    for i, c in enumerate(PETER_TEXT):
        tampered = PETER_TEXT[:i] + ("X" if c != "X" else "Y") + PETER_TEXT[i + 1 :]
        with pytest.raises(NoteError):
            open_note(tampered + "\n" + PETER_LINE, [verifier])


# --- Opening rules ---------------------------------------------------------------------------


def test_signatures_by_unknown_keys_are_ignored(peter: Signer, other: Signer) -> None:
    note = sign_note(PETER_TEXT, [other, peter])
    assert open_note(note, [peter.verifier]) == (PETER_TEXT, ("PeterNeumann",))
    assert open_note(note, [peter.verifier, other.verifier])[1] == ("other.example", "PeterNeumann")


def test_a_note_with_no_signature_by_a_known_key_is_rejected(peter: Signer, other: Signer) -> None:
    with pytest.raises(NoteError, match="no signature by a known key"):
        open_note(sign_note(PETER_TEXT, [other]), [peter.verifier])


def test_a_known_key_with_a_bad_signature_rejects_the_note(peter: Signer, other: Signer) -> None:
    forged = Signer("PeterNeumann", Ed25519PrivateKey.generate())
    # Same name but a different key: its key id differs, so it is merely unknown.
    assert open_note(sign_note(PETER_TEXT, [forged, other]), [other.verifier])[1] == (
        "other.example",
    )
    line = peter.sign(PETER_TEXT)
    raw = bytearray(base64.b64decode(line.split(" ")[2]))
    raw[-1] ^= 1
    bad = f"\u2014 PeterNeumann {base64.b64encode(bytes(raw)).decode()}\n"
    note = PETER_TEXT + "\n" + other.sign(PETER_TEXT) + bad
    with pytest.raises(NoteError, match="does not verify"):
        open_note(note, [peter.verifier, other.verifier])


def test_a_repeated_signature_is_rejected(peter: Signer) -> None:
    note = PETER_TEXT + "\n" + PETER_LINE + PETER_LINE
    with pytest.raises(NoteError, match="repeated"):
        open_note(note, [peter.verifier])


@pytest.mark.parametrize(
    "note",
    [
        PETER_TEXT + PETER_LINE,  # no blank line
        PETER_TEXT + "\n" + PETER_LINE[:-1],  # no final newline
        PETER_TEXT + "\n" + PETER_LINE.replace("\u2014", "-"),
        PETER_TEXT + "\n" + "\u2014 PeterNeumann !!!!\n",
        PETER_TEXT + "\n" + "\u2014 PeterNeumann AAAA\n",  # shorter than a key id
        PETER_TEXT.replace("then", "\tthen") + "\n" + PETER_LINE,
        "\n" + PETER_LINE,
    ],
)
def test_malformed_notes_are_rejected(note: str, peter: Signer) -> None:
    with pytest.raises(NoteError):
        open_note(note, [peter.verifier])


def test_the_text_ends_at_the_last_blank_line() -> None:
    text, sigs = split_note("Note\n\n\n" + PETER_LINE)
    assert text == "Note\n\n"
    assert [s.name for s in sigs] == ["PeterNeumann"]


# --- Verifier keys ---------------------------------------------------------------------------


def test_verifier_keys_from_the_formats_tests_parse() -> None:
    witness = Verifier.from_vkey(WITNESS_VKEY)
    assert witness.alg == ALG_COSIGNATURE_V1
    assert witness.vkey == WITNESS_VKEY
    plus = Verifier.from_vkey(PLUS_IN_KEY_VKEY)
    assert plus.alg == ALG_ED25519
    assert plus.vkey == PLUS_IN_KEY_VKEY


@pytest.mark.parametrize(
    "vkey",
    [
        "bananas.sigstore.dev+12344556",
        "rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!",
        "rekor.sigstore.dev+12345678+AwEB",
        "PeterNeumann+00000000+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_malformed_verifier_keys_are_rejected(vkey: str) -> None:
    with pytest.raises(NoteError):
        Verifier.from_vkey(vkey)


def test_generated_keys_are_written_and_read_back(tmp_path: Path) -> None:
    skey = generate_skey("samverkan.example/log/v1")
    signer = Signer.from_skey(skey)
    write_key_files(skey, signer.vkey, tmp_path / "log.skey", tmp_path / "log.vkey")
    assert stat.S_IMODE((tmp_path / "log.skey").stat().st_mode) == 0o600
    assert read_key_file(tmp_path / "log.skey") == skey
    verifier = Verifier.from_vkey(read_key_file(tmp_path / "log.vkey"))
    assert open_note(sign_note(CHECKPOINT_TEXT, [signer]), [verifier])[0] == CHECKPOINT_TEXT
    with pytest.raises(FileExistsError):
        write_key_files(skey, signer.vkey, tmp_path / "log.skey", tmp_path / "other.vkey")


# --- Cosignatures ----------------------------------------------------------------------------


def test_the_formats_cosignature_blob_carries_its_timestamp() -> None:
    assert cosignature_timestamp(COSIG_BLOB) == 1727964367


@pytest.mark.parametrize("blob", [PLAIN_SIG_BLOB, "5%/$!\n 2"])
def test_a_blob_that_is_not_a_cosignature_has_no_timestamp(blob: str) -> None:
    with pytest.raises(NoteError):
        cosignature_timestamp(blob)


def test_a_witness_cosignature_round_trips_with_its_timestamp(peter: Signer) -> None:
    skey = generate_skey("polisen.example/witness")
    witness = CosignatureSigner.from_skey(skey)
    assert base64.b64decode(witness.vkey.split("+", 2)[2])[0] == ALG_COSIGNATURE_V1
    note = sign_note(CHECKPOINT_TEXT, [peter])
    cosigned = add_signature_lines(note, [witness.sign(CHECKPOINT_TEXT, 1727964367)])
    line = cosigned.splitlines()[-1]
    assert cosignature_timestamp(line.split(" ")[2]) == 1727964367
    text, verified = verify_note(cosigned, [peter.verifier, witness.verifier])
    assert text == CHECKPOINT_TEXT
    assert verified == {"PeterNeumann": None, "polisen.example/witness": 1727964367}


def test_a_cosignature_does_not_verify_as_a_plain_signature(peter: Signer) -> None:
    skey = generate_skey("kommun.example/witness")
    witness = CosignatureSigner.from_skey(skey)
    cosigned = sign_note(CHECKPOINT_TEXT, [peter]) + witness.sign(CHECKPOINT_TEXT, 1)
    plain = Signer.from_skey(skey).verifier
    # The type byte is in the key id, so the plain verifier does not even recognise the line.
    with pytest.raises(NoteError, match="no signature by a known key"):
        open_note(cosigned, [plain])


def test_a_cosignature_binds_its_timestamp_and_the_text(peter: Signer) -> None:
    witness = CosignatureSigner.from_skey(generate_skey("kommun.example/witness"))
    line = witness.sign(CHECKPOINT_TEXT, 1700000000)
    raw = bytearray(base64.b64decode(line.split(" ")[2]))
    raw[11] ^= 1  # last byte of the timestamp
    moved = f"\u2014 kommun.example/witness {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(NoteError, match="does not verify"):
        open_note(CHECKPOINT_TEXT + "\n" + moved, [witness.verifier])
    other_text = CHECKPOINT_TEXT.replace("\n8\n", "\n9\n")
    with pytest.raises(NoteError, match="does not verify"):
        open_note(other_text + "\n" + line, [witness.verifier])


# --- Checkpoints -----------------------------------------------------------------------------


def test_a_checkpoint_formats_and_parses_back() -> None:
    text = format_checkpoint("samverkan.example/log/v1", 8, ROOT)
    assert text == CHECKPOINT_TEXT
    assert parse_checkpoint(text) == Checkpoint(
        origin="samverkan.example/log/v1", size=8, root=ROOT
    )
    with_ext = format_checkpoint("o", 0, ROOT, ("Timestamp: 1",))
    assert parse_checkpoint(with_ext).extensions == ("Timestamp: 1",)


@pytest.mark.parametrize(
    "text",
    [
        CHECKPOINT_TEXT[:-1],
        CHECKPOINT_TEXT.replace("\n8\n", "\n08\n"),
        CHECKPOINT_TEXT.replace("\n8\n", "\n+8\n"),
        CHECKPOINT_TEXT.replace("\n8\n", "\n\n"),
        CHECKPOINT_TEXT.replace("samverkan.example/log/v1", ""),
        CHECKPOINT_TEXT.replace("Qyg=", "Qyh="),  # non-canonical base64 padding bits
        "o\n8\nAAAA\n",
        CHECKPOINT_TEXT + "\n",
    ],
)
def test_malformed_checkpoints_are_rejected(text: str) -> None:
    with pytest.raises(NoteError):
        parse_checkpoint(text)
