"""docs/client-guide.md runs as written, step by step, against a served app."""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from events.messages import HOME
from tests.api.conftest import RunningApp

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "client-guide.md"
STEP = re.compile(
    r"Token: (?P<token>none|`samverkan dev-token (?P<args>[^`]*)`)"
    r"(?:\s*Header: `(?P<header>[^`:]+): (?P<value>[^`]*)`)?"
    r"\s*```graphql\n(?P<operation>.*?)```\s*```json\n(?P<variables>.*?)```"
    r"(?:\s*Answer: `(?P<answer>\w+)`(?:\s*```json\n(?P<fields>.*?)```)?)?",
    re.S,
)


@dataclass(frozen=True)
class Step:
    """One step of the guide: who, which header, the operation, its variables, its answer.

    A step names its answer's type when it is not CommandAccepted ("Answer: `InvalidInput`"),
    and may show fields of that answer in a JSON block, which must match exactly.
    """

    args: list[str] | None
    headers: dict[str, str]
    operation: str
    variables: str
    answer: str | None
    fields: dict[str, Any]


def steps() -> list[Step]:
    """Every step of the guide, in order."""
    found = []
    for match in STEP.finditer(GUIDE.read_text(encoding="utf-8")):
        found.append(
            Step(
                args=None if match["token"] == "none" else shlex.split(match["args"]),
                headers={match["header"]: match["value"]} if match["header"] else {},
                operation=match["operation"],
                variables=match["variables"],
                answer=match["answer"],
                fields=json.loads(match["fields"]) if match["fields"] else {},
            )
        )
    return found


def token_for(app: RunningApp, args: list[str]) -> str:
    options = dict(zip(args[::2], args[1::2], strict=True))
    return app.token(options["--org"], options["--roles"], person=options.get("--person"))


def fill(template: str, seen: dict[str, Any]) -> dict[str, Any]:
    # The server's day: it dates what it decides in Swedish time.
    today = dt.datetime.now(HOME).date()
    text = template.replace("{{new-id}}", "__NEW__")
    text = text.replace("{{year}}", str(today.year)).replace("{{today}}", today.isoformat())
    text = text.replace('"{{revisionNo}}"', str(seen.get("revisionNo", 0)))
    for name in ("contentHash", "consistencyToken"):
        text = text.replace("{{" + name + "}}", str(seen.get(name, "")))
    variables: dict[str, Any] = json.loads(text)
    if variables.get("id") == "__NEW__":
        variables["id"] = str(uuid.uuid4())
    return variables


async def test_every_step_of_the_client_guide_works_as_written(
    dev_app: RunningApp, http: httpx.AsyncClient
) -> None:
    guide = steps()
    assert len(guide) >= 14
    seen: dict[str, Any] = {}
    last: dict[str, Any] = {}
    for step in guide:
        headers = dict(step.headers)
        if step.args is not None:
            headers["authorization"] = f"Bearer {token_for(dev_app, step.args)}"
        response = await http.post(
            f"{dev_app.url}/graphql",
            json={"query": step.operation, "variables": fill(step.variables, seen)},
            headers=headers,
        )
        body = response.json()
        operation = step.operation
        assert response.status_code == 200 and "errors" not in body, (operation, body)
        last = body["data"]
        first = next(iter(last.values()))
        if step.answer is not None:  # the first field's answer is the one the guide names
            assert first["__typename"] == step.answer, (operation, last)
            assert {name: first.get(name) for name in step.fields} == step.fields, first
        if operation.lstrip().startswith("mutation"):
            (result,) = last.values()
            assert result["__typename"] == (step.answer or "CommandAccepted"), (operation, result)
            if result.get("consistencyToken"):
                seen["consistencyToken"] = result["consistencyToken"]
        promise = last.get("promise")
        if promise and isinstance(promise.get("document"), dict) and "state" in promise["document"]:
            working = promise["document"]["state"]["working"]
            seen["revisionNo"], seen["contentHash"] = (
                working["revision_no"],
                working["content_hash"],
            )
    public = last["promise"]
    assert public["publicOnly"] is True and public["status"] == "in_force"
    assert [(p["achieved"], p["target"], p["colour"]) for p in public["progress"]] == [
        (1, 8, "yellow")
    ]
