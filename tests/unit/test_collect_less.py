"""Garbage-collection settings of the long-running processes (service.workers.collect_less)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from service.workers import (
    API_YOUNG_COLLECTION_AFTER,
    FULL_COLLECTION_EVERY,
    MIDDLE_COLLECTION_EVERY,
    YOUNG_COLLECTION_AFTER,
    collect_less,
)


@pytest.fixture(autouse=True)
def thresholds_restored() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_a_worker_or_an_api_with_workers_collects_its_young_generation_every_10000() -> None:
    collect_less()
    assert gc.get_threshold() == (
        YOUNG_COLLECTION_AFTER,
        MIDDLE_COLLECTION_EVERY,
        FULL_COLLECTION_EVERY,
    )
    assert YOUNG_COLLECTION_AFTER == 10_000


def test_an_api_without_workers_collects_its_young_generation_every_100000() -> None:
    collect_less(api_only=True)
    assert gc.get_threshold() == (
        API_YOUNG_COLLECTION_AFTER,
        MIDDLE_COLLECTION_EVERY,
        FULL_COLLECTION_EVERY,
    )
    assert API_YOUNG_COLLECTION_AFTER == 100_000
