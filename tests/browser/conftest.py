"""The served app fixtures of the API tests, shared with the browser tests."""

from __future__ import annotations

from tests.api.conftest import dev_app, http

__all__ = ["dev_app", "http"]
