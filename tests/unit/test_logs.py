"""Structured logs: one JSON object per line with role, node and the request's ids."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from service import logs
from service.settings import Settings


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter("serve", "api-1"))
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("test.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)
    logger.propagate = True


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_record_is_one_json_object_with_time_level_logger_message_role_and_node(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    logger.warning("sequencer took over after %d s", 3)
    logger.info("second\nline")
    first, second = lines(stream)
    assert first["level"] == "WARNING" and first["logger"] == "test.logs"
    assert first["message"] == "sequencer took over after 3 s"
    assert (first["role"], first["node"]) == ("serve", "api-1")
    assert isinstance(first["time"], str) and first["time"].endswith("+00:00")
    assert isinstance(first["pid"], int)
    assert "request_id" not in first and "correlation_id" not in first
    assert second["message"] == "second\nline"


def test_inside_a_request_every_record_carries_its_request_and_correlation_ids(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    request = logs.request_id_var.set("req-1")
    correlation = logs.correlation_id_var.set("corr-9")
    try:
        logger.info("inside")
    finally:
        logs.request_id_var.reset(request)
        logs.correlation_id_var.reset(correlation)
    logger.info("outside")
    inside, outside = lines(stream)
    assert (inside["request_id"], inside["correlation_id"]) == ("req-1", "corr-9")
    assert "request_id" not in outside


def test_extra_fields_and_exceptions_are_kept_and_unserialisable_values_become_text(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed", extra={"stream_id": "promise-x", "odd": object()})
    (entry,) = lines(stream)
    assert entry["stream_id"] == "promise-x"
    assert isinstance(entry["odd"], str) and entry["odd"].startswith("<object")
    assert isinstance(entry["exception"], str) and "ValueError: boom" in entry["exception"]


@pytest.mark.parametrize(
    ("raw", "usable"),
    [
        ("a1b2-c3.d4_e5", True),
        ("", False),
        ("x" * 129, False),
        ("two\nlines", False),
        ("trailing\n", False),
        ('quote"', False),
        (None, False),
    ],
)
def test_only_short_url_safe_ids_are_taken_from_headers(raw: str | None, usable: bool) -> None:
    assert logs.valid_id(raw) == (raw if usable else None)


def test_configure_replaces_its_own_handler_and_leaves_others_alone() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    first = io.StringIO()
    second = io.StringIO()
    try:
        logs.configure(role="worker", node="w-1", json=True, level=logging.INFO, stream=first)
        handler = logs.configure(
            role="worker", node="w-1", json=False, level=logging.INFO, stream=second
        )
        assert [h for h in root.handlers if h not in before] == [handler]
        logging.getLogger("test.configure").info("plain text")
    finally:
        for h in list(root.handlers):
            if h not in before:
                root.removeHandler(h)
        root.setLevel(level)
    assert first.getvalue() == ""
    assert "INFO test.configure [w-1 -] plain text" in second.getvalue()


@pytest.mark.parametrize(
    ("dev", "log_format", "as_json"),
    [(False, None, True), (True, None, False), (True, "json", True), (False, "text", False)],
)
def test_logs_are_json_outside_dev_mode_unless_the_setting_says_otherwise(
    dev: bool, log_format: str | None, as_json: bool
) -> None:
    settings = Settings(
        database_url=None, app_database_url=None, data_dir=Path("."), dev=dev, log_format=log_format
    )
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    try:
        logs.configure_for(settings, role="serve", verbose=False)
        (handler,) = [h for h in root.handlers if h not in before]
    finally:
        for h in list(root.handlers):
            if h not in before:
                root.removeHandler(h)
        root.setLevel(level)
    assert isinstance(handler.formatter, logs.JsonFormatter) is as_json
