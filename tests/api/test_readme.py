"""The README works as written: its commands run on a fresh directory and answer as it says.

One `samverkan serve --dev` (what `make run` starts) serves a fresh data directory; the
quickstart's token command and queries, and the auditors' block (two witnesses, strict verify,
export, offline verify, a proof) run against it literally. Every other command the README shows
is named below with the test that runs it, and a test fails when the README gains a command
that nobody runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent

# Commands the README shows that other tests run (a long-lived or whole-suite command each).
RUN_ELSEWHERE = {
    "make run": "this module: `samverkan serve --dev --host 127.0.0.1 --port P`, as make run does",
    "make test": "CI itself (.ci/run)",
    "make cluster": "tests/cluster/test_cluster_main.py",
    "make load": "tests/drills/test_load_smoke.py",
    "make bench": "tests/integration/test_bench_smoke.py",
    "samverkan backup": "tests/integration/test_backup_restore.py",
    "samverkan restore": "tests/integration/test_backup_restore.py",
    "samverkan projections": "tests/integration/test_projections_promises.py (rebuild, status)",
    "samverkan erase": "tests/api/test_erasure.py and tests/integration/test_cli.py",
}
RUN_HERE = ("samverkan dev-token", "samverkan witness", "samverkan audit")


def sh_commands() -> list[str]:
    """Every command line in the README's ```sh blocks, comments dropped."""
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            command = line.split(" #")[0].strip()
            if command:
                lines.append(command)
    return lines


def head(command: str) -> str:
    words = shlex.split(command)
    words[0] = Path(words[0]).name
    return " ".join(words[:2])


def auditor_commands() -> list[str]:
    section = README.split("## For auditors")[1].split("\n## ")[0]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.S)
    assert block is not None
    return [line.split(" #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def readme_queries() -> list[str]:
    """The GraphQL blocks of the quickstart section."""
    quickstart = README.split("## For client-app developers")[0]
    return re.findall(r"```graphql\n(.*?)```", quickstart, flags=re.S)


@dataclass
class Quickstart:
    url: str
    cwd: Path
    env: dict[str, str]

    def argv(self, command: str) -> list[str]:
        words = shlex.split(command)
        return [str(BIN / Path(words[0]).name), *words[1:]]

    async def run(self, command: str) -> subprocess.CompletedProcess[str]:
        done = await asyncio.to_thread(
            subprocess.run,
            self.argv(command),
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return done


@pytest.fixture(scope="module")
async def quickstart(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Quickstart]:
    """`make run` in a fresh directory: the data lands in ./.samverkan, as the README says."""
    cwd = tmp_path_factory.mktemp("newcomer")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "SAMVERKAN"))}
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        str(BIN / "samverkan"),
        *("serve", "--dev", "--host", "127.0.0.1", "--port", str(port)),
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert server.stdout is not None
        first = await asyncio.wait_for(server.stdout.readline(), timeout=90)
        assert first.decode().strip() == (
            f"Samverkan serves GraphQL on http://127.0.0.1:{port}/graphql"
        )
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(timeout=10) as http, asyncio.timeout(60):
            while True:
                try:
                    if (await http.get(f"{url}/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        yield Quickstart(url=url, cwd=cwd, env=env)
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), timeout=30)


def test_every_command_in_the_readme_is_run_by_a_test() -> None:
    heads = {head(c) for c in sh_commands()}
    unrun = {h for h in heads if h not in RUN_ELSEWHERE and not h.startswith(RUN_HERE)}
    assert not unrun, f"README commands no test runs: {sorted(unrun)}"
    for where in RUN_ELSEWHERE.values():
        for path in re.findall(r"tests/[\w/]+\.py", where):
            assert (ROOT / path).exists(), path


async def test_the_quickstart_serves_the_demo_and_answers_the_readme_queries(
    quickstart: Quickstart,
) -> None:
    [token_command] = [c for c in sh_commands() if head(c) == "samverkan dev-token"]
    made = await quickstart.run(token_command)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    queries = readme_queries()
    assert len(queries) == 5
    answers = []
    async with httpx.AsyncClient(timeout=10) as http:
        for position, query in enumerate(queries):
            # The first two are asked anonymously, as the README says; the rest with the token.
            headers = {} if position < 2 else {"authorization": f"Bearer {token}"}
            response = await http.post(
                f"{quickstart.url}/graphql", json={"query": query}, headers=headers
            )
            body = response.json()
            assert "errors" not in body, body
            answers.append(body["data"])
    published = {p["id"]: p for p in answers[0]["promises"]["promises"]}
    assert set(published) == {"upplands-bro-2018", "arjeplog-pitea-alvdal-2023-2024"}
    assert published["upplands-bro-2018"]["title"] == "Upplands-Bro – medborgarlöften (2018)"
    for promise in published.values():
        assert promise["status"] == "expired"
        assert [s["recordedFromDocument"] for s in promise["signatures"]] == [True, True]
        [publication] = promise["publications"]
        assert publication["recordedFromDocument"]
        assert len(publication["evidence"]["documentSha256"]) == 64
    arjeplog = published["arjeplog-pitea-alvdal-2023-2024"]
    assert arjeplog["publications"][0]["publishedOn"] == "2023-04-27"
    assert answers[1]["promise"] == {
        "revisionNo": 1,
        "inForceFrom": "2018-01-01",
        "inForceUntil": "2018-12-31",
    }
    seen = {p["id"] for p in answers[2]["promises"]["promises"]}
    assert seen == {"upplands-bro-2018", "arjeplog-pitea-alvdal-2023-2024"}
    assert all(item["promiseId"] != "upplands-bro-2018" for item in answers[3]["inbox"])
    entries = answers[4]["history"]["entries"]
    assert entries[0]["type"] == "PromiseDrafted"
    types = [e["type"] for e in entries]
    assert "PromiseSignatureRecorded" in types and "PromiseExpired" in types
    assert "PromiseSigned" not in types
    assert all(e["organisationId"] for e in entries)


async def test_the_auditors_commands_run_as_written(quickstart: Quickstart) -> None:
    commands = auditor_commands()
    witnesses = [c for c in commands if head(c) == "samverkan witness"]
    assert len(witnesses) == 2
    processes = [
        await asyncio.create_subprocess_exec(
            *quickstart.argv(c),
            cwd=quickstart.cwd,
            env=quickstart.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for c in witnesses
    ]
    try:
        [strict, export, offline, prove] = [c for c in commands if c not in witnesses]
        # The witnesses cosign the newest checkpoint within a few seconds; until both have,
        # strict verification (no --allow-pending) fails, naming what is not yet witnessed.
        # The log may still grow meanwhile, so the three run again until all pass.
        async with asyncio.timeout(90):
            while True:
                verified = await quickstart.run(strict)
                exported = await quickstart.run(export)
                checked = await quickstart.run(offline)
                if verified.returncode == exported.returncode == checked.returncode == 0:
                    break
                await asyncio.sleep(0.5)
    finally:
        for process in processes:
            process.terminate()
        await asyncio.gather(*(asyncio.wait_for(p.wait(), timeout=15) for p in processes))
    assert "audit OK" in verified.stdout
    assert "exported" in exported.stdout
    assert "audit OK" in checked.stdout

    async with httpx.AsyncClient(timeout=10) as http:
        history = await http.post(
            f"{quickstart.url}/graphql",
            json={
                "query": '{ history(streamId: "promise-upplands-bro-2018", first: 1) '
                "{ ... on HistoryPage { entries { eventId } } } }"
            },
            headers={"authorization": f"Bearer {await auditor_token(quickstart)}"},
        )
    event_id = history.json()["data"]["history"]["entries"][0]["eventId"]
    # A checkpoint is signed every 2 s once the tree grew; until one covers the event, prove
    # says so in one line.
    async with asyncio.timeout(30):
        while (proved := await quickstart.run(prove.replace("EVENT_ID", event_id))).returncode:
            assert proved.stderr.strip().endswith("is not under a checkpoint yet"), proved.stderr
            await asyncio.sleep(0.5)
    bundle = json.loads(proved.stdout)
    assert bundle["event_id"] == event_id and bundle["tree_size"] >= 1


async def auditor_token(quickstart: Quickstart) -> str:
    made = await quickstart.run("samverkan dev-token --org org-upplands-bro --roles auditor")
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()
