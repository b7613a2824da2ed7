"""The test-IdP fixture's rule for a machine without node: skip locally, fail on CI."""

from __future__ import annotations

import pytest

from tests.idp.fixtures import skip_or_fail


def test_missing_node_skips_on_a_developer_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="node and npm"):
        skip_or_fail("node and npm are needed")


def test_missing_node_fails_when_ci_is_true(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        skip_or_fail("node and npm are needed")
