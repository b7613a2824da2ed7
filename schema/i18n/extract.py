"""A Babel extractor for refusals: their message templates and the vocabulary they use.

`pybabel extract -F babel.cfg` runs it over events/ and schema/ (see babel.cfg). It finds
* every call with a literal `code=` and a literal `message=`: the message is a msgid;
* `Term("kind", "text")` with literals: a msgid in the context `kind`;
* a literal passed to a parameter named `action` of a function defined in events/: an action
  (msgctxt "action"), as in `require_status(state, allowed, "publish")`;
* and, once per run, the statuses and kinds of organisation that terms name at run time.
A message written as an f-string cannot be translated: `untranslatable` lists them.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import events
from events.agreement import STATUSES as AGREEMENT_STATUSES
from events.directory.state import KINDS as ORGANISATION_KINDS
from events.messages import Term
from events.promise.state import STATUSES as PROMISE_STATUSES

EVENTS_DIR = Path(events.__file__).resolve().parent

Extracted = tuple[int, str, str | tuple[str, str], list[str]]
"""Babel's extractor result: line, keyword, message (or context and message), comments."""


def vocabulary() -> list[tuple[str, str]]:
    """(context, msgid) of every word a Term can name at run time."""
    words = [("promise_status", s) for s in PROMISE_STATUSES]
    words += [("agreement_status", s) for s in AGREEMENT_STATUSES]
    words += [("organisation_kind", k) for k in ORGANISATION_KINDS]
    return [(kind, str(Term(kind, text))) for kind, text in words]


@functools.cache
def action_parameters() -> dict[str, int]:
    """Function name → position of its `action` parameter, for functions defined in events/."""
    found: dict[str, int] = {}
    for path in sorted(EVENTS_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                names = [a.arg for a in node.args.posonlyargs + node.args.args]
                if "action" in names:
                    found[node.name] = names.index("action")
    return found


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _keywords(call: ast.Call) -> dict[str, ast.expr]:
    return {k.arg: k.value for k in call.keywords if k.arg is not None}


def messages_in(source: str) -> Iterator[Extracted]:
    """The msgids of one module's source."""
    actions = action_parameters()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        keywords, name = _keywords(node), _name(node.func)
        code, message = _literal(keywords.get("code")), _literal(keywords.get("message"))
        if code is not None and message is not None:
            yield node.lineno, "gettext", message, [f"code: {code}"]
        if name == "Term" and len(node.args) == 2:
            kind, text = _literal(node.args[0]), _literal(node.args[1])
            if kind is not None and text is not None:
                yield node.lineno, "pgettext", (kind, str(Term(kind, text))), []
        if name in actions:
            position = actions[name]
            given = node.args[position] if position < len(node.args) else keywords.get("action")
            action = _literal(given)
            if action is not None:
                yield node.lineno, "pgettext", ("action", action), []


def refusals_in(source: str) -> Iterator[tuple[str, str, str]]:
    """(called name, code, message) of every call with a literal `code=` and `message=`."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            keywords = _keywords(node)
            code, message = _literal(keywords.get("code")), _literal(keywords.get("message"))
            if code is not None and message is not None:
                yield _name(node.func), code, message


def _built(node: ast.expr) -> bool:
    """True for text built in place: an f-string, `%` or `.format()`, a concatenation."""
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return True
    return isinstance(node, ast.Call) and _name(node.func) == "format"


def untranslatable(source: str) -> list[int]:
    """Lines of calls with a `code=` whose `message=` is built in place, so has no msgid.

    A message passed on by name (a helper's parameter) is fine: its callers give literals.
    """
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            keywords = _keywords(node)
            if "code" in keywords and "message" in keywords and _built(keywords["message"]):
                lines.append(node.lineno)
    return sorted(lines)


def extract_refusals(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[Extracted]:
    """The Babel extraction method named in babel.cfg (`[refusals: events/**.py]`)."""
    yield from messages_in(fileobj.read().decode("utf-8"))
    if Path(getattr(fileobj, "name", "")).parts[-2:] == ("events", "messages.py"):
        for kind, word in vocabulary():
            yield 1, "pgettext", (kind, word), [f"a {kind.replace('_', ' ')}"]
