"""The built wheel installs and runs with no checkout: migrations ship inside the package."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.conftest import create_database, drop_database

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout


async def test_the_wheel_installed_in_a_fresh_venv_migrates_and_answers_help(
    server_url: str, tmp_path: Path
) -> None:
    wheels = tmp_path / "wheels"
    # No build isolation: the project's own pinned setuptools builds it, with no download.
    _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
        "-w", wheels, REPO, cwd=tmp_path,
    )  # fmt: skip
    (wheel,) = wheels.glob("samverkan-*.whl")
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    # The dependencies come from this test's environment (a path entry: its .pth files, the
    # editable checkout's among them, are not run), the project itself only from the wheel.
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run(
        sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install",
        "--no-deps", "--no-index", "-q", wheel, cwd=tmp_path,
    )  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    python = venv / "bin" / "python"
    where = _run(python, "-c", "import service; print(service.__file__)", cwd=elsewhere)
    assert Path(where.strip()).is_relative_to(venv), where
    samverkan = venv / "bin" / "samverkan"
    assert "migrate" in _run(samverkan, "--help", cwd=elsewhere)
    # The message catalogues ship as .po files and compile when first needed: no build step.
    swedish = (
        "from schema.i18n.catalogue import translations; import schema; print("
        "schema.__file__, translations('sv').gettext('The parties cannot change.'))"
    )
    module, said = _run(python, "-c", swedish, cwd=elsewhere).split(maxsplit=1)
    assert Path(module).is_relative_to(venv) and said.strip() == "Parterna kan inte ändras."
    created = await create_database(server_url, migrate=False)
    try:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "DATABASE_URL": created.admin_url,
            "SAMVERKAN_DATA_DIR": str(tmp_path / "data"),
        }
        out = _run(samverkan, "migrate", cwd=elsewhere, env=env)
        shipped = sorted(p.name for p in (site / "service" / "migrations").glob("*.sql"))
        assert shipped, "the wheel carries no migrations"
        assert out.startswith(f"applied {len(shipped)} migration(s)"), out
        assert _run(samverkan, "migrate", cwd=elsewhere, env=env).startswith("applied 0")
    finally:
        await drop_database(server_url, created.name)
