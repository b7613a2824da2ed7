"""The dispatcher's state cache: bounded, least recently used first, and erasures win."""

from __future__ import annotations

import pytest

from service.dispatcher import STATE_CACHE_DEFAULT, StateCache, state_cache_size
from service.settings import SettingsError


def test_the_cache_keeps_at_most_its_size_and_forgets_the_least_recently_used() -> None:
    cache = StateCache(2)
    cache.put("a", 1, "A1", cache.epoch)
    cache.put("b", 1, "B1", cache.epoch)
    assert cache.get("a") == (1, "A1")  # a is now more recent than b
    cache.put("c", 1, "C1", cache.epoch)
    assert len(cache) == 2
    assert cache.get("b") is None
    assert cache.get("a") == (1, "A1") and cache.get("c") == (1, "C1")


def test_a_cache_of_size_zero_keeps_nothing() -> None:
    cache = StateCache(0)
    cache.put("a", 1, "A1", cache.epoch)
    assert len(cache) == 0 and cache.get("a") is None


def test_an_earlier_version_never_replaces_a_later_one() -> None:
    cache = StateCache(10)
    cache.put("a", 5, "A5", cache.epoch)
    cache.put("a", 3, "A3", cache.epoch)
    assert cache.get("a") == (5, "A5")
    cache.put("a", 6, "A6", cache.epoch)
    assert cache.get("a") == (6, "A6")


def test_an_erasure_drops_the_stream_and_refuses_states_folded_before_it() -> None:
    cache = StateCache(10)
    before = cache.epoch
    cache.put("a", 1, "A1", before)
    cache.put("b", 1, "B1", before)
    cache.erased(["a"])
    assert cache.get("a") is None
    assert cache.get("b") == (1, "B1")
    # A command that began before the erasure was seen may hold a payload read before it.
    cache.put("a", 2, "A2 folded from the original payload", before)
    assert cache.get("a") is None
    cache.put("a", 2, "A2", cache.epoch)
    assert cache.get("a") == (2, "A2")


def test_a_dropped_stream_is_folded_again_from_the_log() -> None:
    cache = StateCache(10)
    cache.put("a", 1, "A1", cache.epoch)
    cache.drop("a")
    assert cache.get("a") is None


def test_the_cache_size_comes_from_samverkan_state_cache() -> None:
    assert state_cache_size({}) == STATE_CACHE_DEFAULT
    assert state_cache_size({"SAMVERKAN_STATE_CACHE": " 250 "}) == 250
    assert state_cache_size({"SAMVERKAN_STATE_CACHE": "0"}) == 0


@pytest.mark.parametrize("value", ["many", "-1", "1.5"])
def test_a_cache_size_that_is_not_a_whole_number_is_refused_by_name(value: str) -> None:
    with pytest.raises(SettingsError, match="SAMVERKAN_STATE_CACHE"):
        state_cache_size({"SAMVERKAN_STATE_CACHE": value})
