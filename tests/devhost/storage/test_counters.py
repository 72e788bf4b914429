"""The request counter the benchmarks read (`requests_per_activity`)."""

from __future__ import annotations

import pytest

from devhost.storage import RequestCounter


def test_hooks_count_per_service_and_in_total() -> None:
    counter = RequestCounter()
    table, blob = counter.hook("table"), counter.hook("blob")

    for _ in range(3):
        table(object())
    blob(object())

    assert counter.count("table") == 3
    assert counter.count("blob") == 1
    assert counter.count("queue") == 0
    assert counter.total == 4
    assert counter.snapshot() == {"table": 3, "blob": 1, "queue": 0, "total": 4}


def test_reset_returns_the_counts_and_starts_again_from_zero() -> None:
    counter = RequestCounter()
    hook = counter.hook("queue")
    hook(object())
    hook(object())

    before = counter.reset()
    hook(object())

    assert before == {"table": 0, "blob": 0, "queue": 2, "total": 2}
    assert counter.snapshot() == {"table": 0, "blob": 0, "queue": 1, "total": 1}


def test_an_unknown_service_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown storage service 'files'"):
        RequestCounter().hook("files")
