"""End-to-end fixtures: the two test OpenID Providers from `tests/idp/fixtures.py`."""

from __future__ import annotations

from tests.idp.fixtures import idps, issuer_registry_file

__all__ = ["idps", "issuer_registry_file"]
