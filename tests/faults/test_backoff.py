"""Back-off between retries of storage work: doubling to a cap, cut short when storage answers again."""

from __future__ import annotations

import asyncio
import time

import pytest

from devhost.runtime.backoff import Backoff, BackoffPolicy
from devhost.storage import StorageConflictError, StorageUnavailableError


def test_pauses_double_up_to_the_cap_with_jitter() -> None:
    policy = BackoffPolicy(first_s=0.5, max_s=10.0)
    for attempt, base in [(0, 0.5), (1, 1.0), (2, 2.0), (4, 8.0), (5, 10.0), (60, 10.0)]:
        delays = [policy.delay(attempt) for _ in range(200)]
        assert all(0.8 * base <= d <= 1.2 * base for d in delays), (attempt, min(delays), max(delays))


async def test_a_success_after_failures_ends_every_pause() -> None:
    backoff = Backoff(BackoffPolicy(first_s=30.0, max_s=30.0))
    began = time.monotonic()
    pauses = [asyncio.create_task(backoff.pause(0)) for _ in range(3)]
    await asyncio.sleep(0.05)
    backoff.succeeded(after_attempts=0)  # it never failed: nothing to wake
    await asyncio.sleep(0.05)
    assert not any(p.done() for p in pauses)
    backoff.succeeded(after_attempts=2)
    await asyncio.wait_for(asyncio.gather(*pauses), 1.0)
    assert time.monotonic() - began < 1.0


async def test_until_stored_retries_only_unavailable_storage() -> None:
    backoff = Backoff(BackoffPolicy(first_s=0.01, max_s=0.02))
    calls: list[int] = []

    async def flaky() -> str:
        calls.append(1)
        if len(calls) < 4:
            raise StorageUnavailableError("query HubInstances failed: refused")
        return "stored"

    assert await backoff.until_stored("status of i1", flaky) == "stored"
    assert len(calls) == 4

    async def conflict() -> None:
        raise StorageConflictError("insert entity into HubInstances failed (HTTP 409)")

    with pytest.raises(StorageConflictError):
        await backoff.until_stored("status of i2", conflict)
