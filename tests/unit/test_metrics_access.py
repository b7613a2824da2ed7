"""Who may read /metrics: loopback by default, listed networks, or the bearer token."""

from __future__ import annotations

import pytest

from service.settings import LOOPBACK, Settings, SettingsError
from service.web.metrics_access import metrics_refusal

TOKEN = "s3cret-scrape-token"


def test_loopback_reads_metrics_by_default_and_nobody_else_does() -> None:
    assert Settings.from_env({}).metrics_allow == LOOPBACK
    for client in ("127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"):
        assert metrics_refusal(client, None, allow=LOOPBACK, token=None) is None, client
    for client in ("10.0.0.5", "192.168.1.2", "2001:db8::1", "::ffff:10.0.0.5", None, "x"):
        refused = metrics_refusal(client, None, allow=LOOPBACK, token=None)
        assert refused is not None and refused.status_code == 403, client


def test_listed_networks_read_metrics() -> None:
    allow = Settings.from_env({"SAMVERKAN_METRICS_ALLOW": "10.1.0.0/16, 192.0.2.7"}).metrics_allow
    assert allow == ("10.1.0.0/16", "192.0.2.7/32")
    assert metrics_refusal("10.1.200.3", None, allow=allow, token=None) is None
    assert metrics_refusal("192.0.2.7", None, allow=allow, token=None) is None
    refused = metrics_refusal("127.0.0.1", None, allow=allow, token=None)
    assert refused is not None and refused.status_code == 403


def test_an_empty_list_allows_no_address() -> None:
    assert Settings.from_env({"SAMVERKAN_METRICS_ALLOW": ""}).metrics_allow == ()


def test_the_token_opens_metrics_from_anywhere_and_a_wrong_one_is_a_401() -> None:
    assert metrics_refusal("203.0.113.9", f"Bearer {TOKEN}", allow=(), token=TOKEN) is None
    for header in (None, "Bearer wrong", f"Basic {TOKEN}", "Bearer", "Bearer åäö", TOKEN):
        refused = metrics_refusal("203.0.113.9", header, allow=(), token=TOKEN)
        assert refused is not None and refused.status_code == 401, header
        assert refused.headers["www-authenticate"].startswith("Bearer"), header


def test_a_token_is_never_accepted_when_none_is_configured() -> None:
    refused = metrics_refusal("203.0.113.9", "Bearer ", allow=(), token=None)
    assert refused is not None and refused.status_code == 403


@pytest.mark.parametrize("value", ["localhost", "10.0.0.0/33", "1.2.3.4/x", "::1, nope"])
def test_an_unusable_allow_list_is_a_settings_error(value: str) -> None:
    with pytest.raises(SettingsError, match="SAMVERKAN_METRICS_ALLOW"):
        Settings.from_env({"SAMVERKAN_METRICS_ALLOW": value})


def test_the_token_is_read_from_the_environment() -> None:
    assert Settings.from_env({"SAMVERKAN_METRICS_TOKEN": TOKEN}).metrics_token == TOKEN
    assert Settings.from_env({"SAMVERKAN_METRICS_TOKEN": ""}).metrics_token is None
