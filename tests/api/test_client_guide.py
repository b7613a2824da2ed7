"""docs/client-guide.md runs as written, step by step, against a served app."""

from __future__ import annotations

import json
import re
import shlex
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.api.conftest import RunningApp

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "client-guide.md"
STEP = re.compile(
    r"Token: (none|`samverkan dev-token ([^`]*)`)\s*```graphql\n(.*?)```\s*```json\n(.*?)```",
    re.S,
)


def steps() -> list[tuple[list[str] | None, str, str]]:
    """(dev-token arguments or None, operation, variables template) for each step."""
    found = []
    for match in STEP.finditer(GUIDE.read_text(encoding="utf-8")):
        args = None if match[1] == "none" else shlex.split(match[2])
        found.append((args, match[3], match[4]))
    return found


def token_for(app: RunningApp, args: list[str]) -> str:
    options = dict(zip(args[::2], args[1::2], strict=True))
    return app.token(options["--org"], options["--roles"], person=options.get("--person"))


def fill(template: str, seen: dict[str, Any]) -> dict[str, Any]:
    text = template.replace("{{new-id}}", "__NEW__")
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
    for args, operation, template in guide:
        headers = {} if args is None else {"authorization": f"Bearer {token_for(dev_app, args)}"}
        response = await http.post(
            f"{dev_app.url}/graphql",
            json={"query": operation, "variables": fill(template, seen)},
            headers=headers,
        )
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, (operation, body)
        last = body["data"]
        if operation.lstrip().startswith("mutation"):
            (result,) = last.values()
            assert result["__typename"] == "CommandAccepted", (operation, result)
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
