"""The README's quickstart works as written: its commands and queries run on a fresh data dir."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import httpx

from tests.api.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SAMVERKAN = str(Path(sys.executable).parent / "samverkan")


def readme_queries() -> list[str]:
    """The GraphQL blocks of the quickstart section."""
    quickstart = README.split("## For client-app developers")[0]
    return re.findall(r"```graphql\n(.*?)```", quickstart, flags=re.S)


def readme_token_command() -> list[str]:
    line = next(
        line.strip()
        for line in README.splitlines()
        if "samverkan dev-token" in line and line.strip().startswith(".venv/bin/samverkan")
    )
    return [SAMVERKAN, *shlex.split(line)[1:]]


async def test_the_quickstart_serves_the_demo_and_answers_the_readme_queries(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["SAMVERKAN_DATA_DIR"] = str(tmp_path / "data")
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        SAMVERKAN,
        "serve",
        "--dev",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert server.stdout is not None
        first = await asyncio.wait_for(server.stdout.readline(), timeout=90)
        assert first.decode().strip() == (
            f"Samverkan serves GraphQL on http://127.0.0.1:{port}/graphql"
        )
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(timeout=10) as http:
            async with asyncio.timeout(60):
                while True:
                    try:
                        ready = await http.get(f"{url}/readyz")
                        if ready.status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.2)
            made = await asyncio.to_thread(
                subprocess.run,
                readme_token_command(),
                env=env,
                check=True,
                capture_output=True,
                text=True,
                timeout=60,
            )
            token = made.stdout.strip()
            queries = readme_queries()
            assert len(queries) == 3
            answers = []
            for query in queries:
                response = await http.post(
                    f"{url}/graphql",
                    json={"query": query},
                    headers={"authorization": f"Bearer {token}"},
                )
                body = response.json()
                assert "errors" not in body, body
                answers.append(body["data"])
        promises = answers[0]["promises"]["promises"]
        assert {p["id"] for p in promises} == {"upplands-bro-2018"}
        assert promises[0]["title"] == "Upplands-Bro – medborgarlöften (2018)"
        assert {
            "action": "sign_revision",
            "promiseId": "upplands-bro-2018",
            "detail": "revision 1",
        } in answers[1]["inbox"]
        entries = answers[2]["history"]["entries"]
        assert entries[0]["type"] == "PromiseDrafted"
        assert all(e["organisationId"] for e in entries)
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), timeout=30)
