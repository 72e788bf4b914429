"""How often the control queues are polled: the provider's randomized exponential back-off, capped so
that an idle devhost stays within its storage-request budget.

`BackoffPollingHelper` (DurableTask.AzureStorage): after an empty poll the interval becomes
`min + rand(0.8, 1.2) * 2^(k-1) * min` (k counting empty polls) until it reaches the cap; a poll that
finds messages resets it to `min` (50 ms). The cap per queue is host.json
`extensions.durableTask.storageProvider.maxQueuePollingInterval` when set (the real default is 30 s).
When it is not set the devhost spreads a budget of `IDLE_POLLS_PER_MINUTE` polls a minute over all
control queues (20 s x partition count per queue: 80 s with 4 partitions), so that the whole idle
devhost, lease renewals included, stays within about 6 storage requests a minute.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from devhost.worker import AppSettings
from devhost.worker.errors import AppConfigError

MIN_INTERVAL_S = 0.05
IDLE_POLLS_PER_MINUTE = 3
RANDOMIZATION = 0.2
VISIBILITY_TIMEOUT_S = 300
"""`ControlQueueVisibilityTimeout`: a received message stays hidden 5 minutes unless deleted."""

_TIMESPAN = re.compile(r"(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?")


@dataclass(frozen=True)
class PollingOptions:
    """Polling of `partition_count` control queues, each at most every `max_interval_s` when idle."""

    partition_count: int
    max_interval_s: float
    min_interval_s: float = MIN_INTERVAL_S
    visibility_timeout_s: int = VISIBILITY_TIMEOUT_S

    @classmethod
    def from_settings(cls, settings: AppSettings) -> PollingOptions:
        """The options host.json asks for (AppConfigError for an invalid `maxQueuePollingInterval`)."""
        provider = _section(settings.durable_task, "storageProvider")
        configured = _get(provider, "maxQueuePollingInterval")
        if configured is None:
            return cls(settings.partition_count, default_max_interval_s(settings.partition_count))
        return cls(settings.partition_count, parse_timespan_s(configured, "maxQueuePollingInterval"))


def default_max_interval_s(partition_count: int) -> float:
    """The per-queue cap that keeps all control queues together at `IDLE_POLLS_PER_MINUTE`."""
    return partition_count * 60.0 / IDLE_POLLS_PER_MINUTE


def parse_timespan_s(value: object, name: str) -> float:
    """Seconds of a .NET TimeSpan text (`[d.]hh:mm:ss[.fffffff]`) of at least `MIN_INTERVAL_S`."""
    match = _TIMESPAN.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise AppConfigError(
            f"{name} must be a time span such as '00:00:30', got {value!r}.",
            code="worker.app_config.polling_interval",
        )
    days, hours, minutes, seconds, fraction = match.groups()
    total = int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    total_s = total + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)
    if total_s < MIN_INTERVAL_S:
        raise AppConfigError(
            f"{name} must be at least {int(MIN_INTERVAL_S * 1000)} ms, got {value!r}.",
            code="worker.app_config.polling_interval",
        )
    return total_s


class Backoff:
    """The polling interval of one queue; starts idle (at the cap) until a poll finds messages."""

    def __init__(
        self, minimum_s: float, maximum_s: float, *, rng: Callable[[], float] = random.random
    ) -> None:
        if not 0 < minimum_s <= maximum_s:
            raise ValueError(f"need 0 < minimum ({minimum_s}) <= maximum ({maximum_s})")
        self.minimum_s = minimum_s
        self.maximum_s = maximum_s
        self.interval_s = maximum_s
        self._exponent = 1
        self._rng = rng

    def reset(self) -> float:
        """Messages arrived: poll again after the minimum interval."""
        self.interval_s = self.minimum_s
        self._exponent = 1
        return self.interval_s

    def grow(self) -> float:
        """An empty poll: the next, longer interval (randomized by +-20 %, capped)."""
        if self.interval_s >= self.maximum_s:
            return self.interval_s
        factor = 1.0 - RANDOMIZATION + 2 * RANDOMIZATION * self._rng()
        candidate = self.minimum_s + factor * 2 ** (self._exponent - 1) * self.minimum_s
        if candidate < self.maximum_s:
            self.interval_s = candidate
            self._exponent += 1
        else:
            self.interval_s = self.maximum_s
        return self.interval_s


def _section(root: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = _get(root, key)
    return value if isinstance(value, Mapping) else {}


def _get(section: Mapping[str, Any], key: str) -> Any:
    """Case-insensitive lookup, as the host's configuration keys are."""
    folded = key.casefold()
    return next((value for name, value in section.items() if name.casefold() == folded), None)
