"""Durable timers: a heap of pending `TimerCreated` events, fired by one loop on the devhost's clock.

Timers live in storage as `TimerCreated` events without a `TimerFired`; this heap is only the in-memory
schedule, rebuilt from history on start-up. Any length works (the queue visibility limit that forces
the real provider to chain long timers does not apply here). Each timer is keyed by instance,
execution and timer id, so scheduling the same timer twice (live and by recovery) fires it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from devhost.runtime.clock import Clock

TimerKey = tuple[str, str, int]
"""(instance id, execution id, timer id)."""


@dataclass(order=True)
class _Due:
    fire_at: datetime
    order: int
    key: TimerKey = field(compare=False)
    fire_at_text: str = field(compare=False)


class TimerService:
    """Fires `deliver(key, fire_at_text)` once the clock reaches each timer's `FireAt`."""

    def __init__(self, clock: Clock, deliver: Callable[[TimerKey, str], None]) -> None:
        self._clock = clock
        self._deliver = deliver
        self._heap: list[_Due] = []
        self._keys: set[TimerKey] = set()
        self._order = itertools.count()
        self._changed = asyncio.Event()

    def __len__(self) -> int:
        return len(self._heap)

    def schedule(self, key: TimerKey, fire_at: datetime, fire_at_text: str) -> None:
        if key in self._keys:
            return
        self._keys.add(key)
        heapq.heappush(self._heap, _Due(fire_at, next(self._order), key, fire_at_text))
        self._changed.set()

    def next_fire_at(self) -> datetime | None:
        return self._heap[0].fire_at if self._heap else None

    def wake(self) -> None:
        """Re-evaluate the earliest timer now (after the clock skipped)."""
        self._changed.set()

    def fire_due(self) -> int:
        """Deliver every timer whose time has come; returns how many fired."""
        fired = 0
        while self._heap and self._clock.seconds_until(self._heap[0].fire_at) <= 0:
            due = heapq.heappop(self._heap)
            self._keys.discard(due.key)
            self._deliver(due.key, due.fire_at_text)
            fired += 1
        return fired

    async def run(self) -> None:
        """Fire timers until cancelled."""
        while True:
            self.fire_due()
            self._changed.clear()
            delay = self._clock.seconds_until(self._heap[0].fire_at) if self._heap else None
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):  # wait_for could swallow a cancellation in 3.11
                    await self._changed.wait()
