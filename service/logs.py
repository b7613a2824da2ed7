"""Structured logs: one JSON object per line, with the process's role and node name and, inside a
request, its request and correlation ids.

The ids come from the `X-Request-Id` and `X-Correlation-Id` headers (generated when absent or
malformed), are echoed in the response headers and live in context variables, so every log line
written while the request is handled carries them, the dispatcher's included. The formatter is
a few lines over the standard library with orjson (already a dependency).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import os
import re
import secrets
import socket
import sys
import time
from typing import Any, TextIO

import orjson
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.settings import Settings

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "samverkan_request_id", default=None
)
correlation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "samverkan_correlation_id", default=None
)

REQUEST_ID_HEADER = "x-request-id"
CORRELATION_ID_HEADER = "x-correlation-id"
_VALID_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "role",
    "node",
    "request_id",
    "correlation_id",
}

_HANDLER_NAME = "samverkan"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(node)s %(request_id)s] %(message)s"

access_log = logging.getLogger("service.access")


def valid_id(raw: str | None) -> str | None:
    """`raw` if it is a usable id (1-128 URL-safe characters), else None."""
    return raw if raw is not None and _VALID_ID.fullmatch(raw) else None


def new_id() -> str:
    """A fresh random id (16 hex digits)."""
    return secrets.token_hex(8)


def current_request_id() -> str:
    """The request id of the request being handled, or a fresh one outside a request."""
    return request_id_var.get() or new_id()


class ContextFilter(logging.Filter):
    """Puts role, node and the current request's ids on every record."""

    def __init__(self, role: str, node: str) -> None:
        super().__init__()
        self.role = role
        self.node = node

    def filter(self, record: logging.LogRecord) -> bool:
        record.role = self.role
        record.node = self.node
        record.request_id = request_id_var.get() or "-"
        record.correlation_id = correlation_id_var.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, role, node,
    pid, the request's ids when in one, any `extra=` fields, and the exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "role": getattr(record, "role", None),
            "node": getattr(record, "node", None),
            "pid": record.process,
        }
        for name in ("request_id", "correlation_id"):
            value = getattr(record, name, None)
            if value and value != "-":
                entry[name] = value
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(entry, default=str).decode()


def configure(
    *,
    role: str,
    node: str | None = None,
    json: bool = True,
    level: int = logging.WARNING,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send every log record to `stream` (stderr) as JSON lines or text; return the handler.

    Replaces the handler an earlier call installed and leaves other handlers alone.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(ContextFilter(role, node or default_node_name(role)))
    handler.setFormatter(JsonFormatter() if json else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == _HANDLER_NAME:
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # pgserver logs every start-up step at INFO.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    return handler


def configure_for(settings: Settings, *, role: str, verbose: bool, dev: bool = False) -> None:
    """Configure logs for a command: JSON unless SAMVERKAN_LOG_FORMAT or dev mode says text."""
    as_json = settings.log_format == "json" if settings.log_format else not (settings.dev or dev)
    configure(
        role=role,
        node=settings.node_name,
        json=as_json,
        level=logging.INFO if verbose else logging.WARNING,
    )


def default_node_name(role: str) -> str:
    """`role@host:pid` when SAMVERKAN_NODE_NAME is not set."""
    return f"{role}@{socket.gethostname()}:{os.getpid()}"


class RequestIds:
    """ASGI middleware: request and correlation ids for every HTTP and WebSocket request.

    Sets the context variables for the request's duration, stores the ids in
    `scope["state"]`, echoes them as response headers and writes one access line per HTTP
    request (logger `service.access`, INFO).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(
            (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]
        )
        request_id = valid_id(headers.get(REQUEST_ID_HEADER)) or new_id()
        correlation_id = valid_id(headers.get(CORRELATION_ID_HEADER)) or request_id
        scope.setdefault("state", {})
        scope["state"]["request_id"] = request_id
        scope["state"]["correlation_id"] = correlation_id
        request_token = request_id_var.set(request_id)
        correlation_token = correlation_id_var.set(correlation_id)
        started = time.perf_counter()
        status = 500

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                response_headers = MutableHeaders(scope=message)
                response_headers["X-Request-Id"] = request_id
                response_headers["X-Correlation-Id"] = correlation_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        finally:
            if scope["type"] == "http":
                access_log.info(
                    "%s %s %d",
                    scope["method"],
                    scope["path"],
                    status,
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            request_id_var.reset(request_token)
            correlation_id_var.reset(correlation_token)
