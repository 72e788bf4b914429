"""Waiting out storage outages: capped exponential back-off that ends early once storage answers again.

The storage clients already retry each request for about 3 s (`devhost.storage.retry`); what still
fails is an outage. The engine then keeps its work (inbound events, a written checkpoint whose
Instances row is missing, a child to create) and tries again after a pause that doubles up to a cap.
The first retry that gets through wakes every other paused retry, so all work resumes together.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from devhost.storage import StorageUnavailableError

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class BackoffPolicy:
    """Pause before retry `attempt` (0-based): `first_s * 2**attempt`, at most `max_s`, +-20 % jitter."""

    first_s: float = 0.5
    max_s: float = 10.0

    def delay(self, attempt: int) -> float:
        base = min(self.first_s * 2 ** min(attempt, 32), self.max_s)
        return float(base * random.uniform(0.8, 1.2))


class Backoff:
    """Pauses between retries of storage work; a success after failures ends every current pause."""

    def __init__(self, policy: BackoffPolicy | None = None) -> None:
        self.policy = policy or BackoffPolicy()
        self._resumed = asyncio.Event()

    async def pause(self, attempt: int) -> None:
        """Sleep before retry `attempt`, or less if other work got through to storage meanwhile."""
        resumed = self._resumed
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.policy.delay(attempt)):
                await resumed.wait()

    def succeeded(self, after_attempts: int) -> None:
        """Work got through after `after_attempts` failures: wake the others (nothing if it never failed)."""
        if after_attempts:
            self._resumed.set()
            self._resumed = asyncio.Event()

    async def until_stored(self, what: str, operation: Callable[[], Awaitable[T]]) -> T:
        """Run `operation` until storage answers it; only `StorageUnavailableError` is retried."""
        attempt = 0
        while True:
            try:
                result = await operation()
            except StorageUnavailableError as exc:
                logger.debug("%s: %s; retrying", what, exc)
                await self.pause(attempt)
                attempt += 1
                continue
            self.succeeded(attempt)
            return result
