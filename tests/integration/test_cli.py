"""The `samverkan` command line: every contract command listed, errors as one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from service.identity.dev_issuer import DEV_PLATFORM_OPERATOR
from tests.conftest import Database

SAMVERKAN = str(Path(sys.executable).parent / "samverkan")
CONTRACT = [
    "serve",
    "worker",
    "migrate",
    "dev-token",
    "projections",
    "audit",
    "witness",
    "erase",
    "bench",
]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SAMVERKAN, *args], capture_output=True, text=True, timeout=120, env=env)


def test_help_lists_every_command_with_a_line_of_help() -> None:
    listed = run("--help").stdout
    for command in CONTRACT:
        assert f"    {command}" in listed, command


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["audit", "prove", "not-an-id"], "is not an event id"),
        (
            ["erase", "nope", "--reason", "r", "--erased-by", "a", "--authorised-by", "b"],
            "is not an event id",
        ),
        (["dev-token", "--org", "org-x", "--roles", "emperor"], "unknown roles"),
    ],
)
def test_bad_input_is_one_clear_line_and_a_non_zero_exit(
    db: Database, tmp_path: Path, args: list[str], message: str
) -> None:
    env = {"DATABASE_URL": db.admin_url, "SAMVERKAN_DATA_DIR": str(tmp_path), "PATH": ""}
    done = run(*args, env=env)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("samverkan: ") and message in lines[0], lines


def test_an_unreachable_database_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": "postgresql://nobody@/x?host=/nonexistent",
        "SAMVERKAN_DATA_DIR": str(tmp_path),
    }
    done = run("migrate", env=env)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_migrate_then_projections_status_prints_each_projection(
    db: Database, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": db.admin_url, "SAMVERKAN_DATA_DIR": str(tmp_path)}
    assert run("migrate", env=env).stdout.strip() == "applied 0 migration(s)"
    status = run("projections", "status", env=env)
    assert status.returncode == 0, status.stderr
    assert status.stdout.splitlines()[0].split() == [
        "projection",
        "version",
        "status",
        "checkpoint",
        "lag",
    ]


def test_a_malformed_export_is_one_clear_line(tmp_path: Path) -> None:
    from events.proof.note import Signer, generate_skey

    vkey = tmp_path / "log.vkey"
    vkey.write_text(Signer.from_skey(generate_skey("samverkan.local/log/v1")).vkey + "\n")
    export = tmp_path / "log.jsonl"
    export.write_text('{"not": "an export"}\n')
    env = {"SAMVERKAN_DATA_DIR": str(tmp_path), "PATH": ""}
    done = run("audit", "verify", "--from", str(export), "--log-vkey", str(vkey), env=env)
    assert done.returncode != 0
    # A progress line first, then the error as one line, no traceback.
    *_, last = done.stderr.strip().splitlines()
    assert last.startswith("samverkan: ") and "not a samverkan-audit-export" in last
    assert "Traceback" not in done.stderr


def _subject(token: str) -> str:
    import base64
    import json

    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(claims["sub"])


def test_dev_tokens_with_different_roles_are_different_people_unless_a_subject_is_given(
    tmp_path: Path,
) -> None:
    env = {"SAMVERKAN_DATA_DIR": str(tmp_path), "PATH": ""}
    org = ("dev-token", "--org", "org-upplands-bro")
    editor = run(*org, "--roles", "editor", env=env)
    signatory = run(*org, "--roles", "signatory", env=env)
    named = run(*org, "--roles", "editor", "--subject", "anna.svensson", env=env)
    assert editor.returncode == signatory.returncode == named.returncode == 0, editor.stderr
    assert _subject(editor.stdout.strip()) == "dev-org-upplands-bro-editor"
    assert _subject(signatory.stdout.strip()) == "dev-org-upplands-bro-signatory"
    assert _subject(named.stdout.strip()) == "anna.svensson"


def test_dev_token_for_the_platform_operator_names_the_dev_issuers_operator(
    tmp_path: Path,
) -> None:
    env = {"SAMVERKAN_DATA_DIR": str(tmp_path), "PATH": ""}
    made = run(
        "dev-token", "--org", "samverkan", "--roles", "service", "--platform-operator", env=env
    )
    assert made.returncode == 0, made.stderr
    assert _subject(made.stdout.strip()) == DEV_PLATFORM_OPERATOR
    both = run("dev-token", "--org", "x", "--platform-operator", "--subject", "s", env=env)
    assert both.returncode != 0 and "leave out --subject" in both.stderr
