"""Settings for replica reads and logs: read from the environment, bad values refused."""

from __future__ import annotations

import pytest

from service.settings import Settings, SettingsError

PRIMARY = "postgresql://postgres@127.0.0.1:5432/samverkan"
REPLICA = "postgresql://samverkan_app@127.0.0.1:5433/samverkan"


def test_replica_url_wait_log_format_and_node_name_are_read() -> None:
    s = Settings.from_env(
        {
            "DATABASE_URL": PRIMARY,
            "SAMVERKAN_REPLICA_URL": REPLICA,
            "SAMVERKAN_REPLICA_WAIT_S": "0.25",
            "SAMVERKAN_LOG_FORMAT": "TEXT",
            "SAMVERKAN_NODE_NAME": "api-2",
        }
    )
    assert (s.replica_url, s.replica_wait_s) == (REPLICA, 0.25)
    assert (s.log_format, s.node_name) == ("text", "api-2")


def test_without_them_reads_go_to_the_primary_and_the_log_format_follows_dev_mode() -> None:
    s = Settings.from_env({})
    assert s.replica_url is None and s.log_format is None and s.node_name is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SAMVERKAN_REPLICA_URL": REPLICA}, "needs DATABASE_URL"),
        ({"SAMVERKAN_LOG_FORMAT": "xml"}, "json or text"),
        ({"SAMVERKAN_REPLICA_WAIT_S": "soon"}, "number of seconds"),
        ({"SAMVERKAN_REPLICA_WAIT_S": "-1"}, "between 0 and 60"),
    ],
)
def test_unusable_values_are_a_clear_settings_error(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_session_lifetime_and_recheck_default_to_eight_hours_and_thirty_seconds() -> None:
    s = Settings.from_env({})
    assert (s.session_max_age_s, s.session_recheck_s) == (8 * 3600, 30.0)
    chosen = Settings.from_env(
        {"SAMVERKAN_SESSION_MAX_AGE_S": "3600", "SAMVERKAN_SESSION_RECHECK_S": "5"}
    )
    assert (chosen.session_max_age_s, chosen.session_recheck_s) == (3600, 5.0)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SAMVERKAN_SESSION_MAX_AGE_S": "8h"}, "whole number of seconds"),
        ({"SAMVERKAN_SESSION_MAX_AGE_S": "10"}, "between 60 and 604800"),
        ({"SAMVERKAN_SESSION_RECHECK_S": "often"}, "number of seconds"),
        ({"SAMVERKAN_SESSION_RECHECK_S": "0"}, "between 1 and 300"),
    ],
)
def test_unusable_session_times_are_a_clear_settings_error(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_kept_answers_default_to_32_mib_and_zero_keeps_none() -> None:
    assert Settings.from_env({}).kept_answers_mb == 32
    assert Settings.from_env({"SAMVERKAN_KEPT_ANSWERS_MB": "0"}).kept_answers_mb == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [("lots", "whole number of MiB"), ("-1", "between 0 and 4096"), ("5000", "between 0 and 4096")],
)
def test_unusable_kept_answer_budgets_are_a_clear_settings_error(value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"SAMVERKAN_KEPT_ANSWERS_MB": value})


def test_the_warm_up_defaults_to_ten_copies_at_once_and_zero_turns_it_off() -> None:
    assert Settings.from_env({}).warm_up == 10
    assert Settings.from_env({"SAMVERKAN_WARM_UP": "0"}).warm_up == 0
    assert Settings.from_env({"SAMVERKAN_WARM_UP": "64"}).warm_up == 64


@pytest.mark.parametrize(
    ("value", "message"),
    [("many", "whole number"), ("-1", "between 0 and 64"), ("65", "between 0 and 64")],
)
def test_unusable_warm_up_counts_are_a_clear_settings_error(value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"SAMVERKAN_WARM_UP": value})
