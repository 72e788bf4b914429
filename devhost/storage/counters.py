"""Counts storage requests per service (table, blob, queue): what the request budget is measured in.

Every HTTP attempt is counted, retries included, because each one costs a round trip and ~1.2 ms of
Python CPU. The module imports nothing from the rest of the project so anything can read the counts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SERVICES = ("table", "blob", "queue")


class RequestCounter:
    """Per-service request counts; `total`, `snapshot()` and `reset()` are what benchmarks read."""

    __slots__ = ("_counts",)

    def __init__(self) -> None:
        self._counts = dict.fromkeys(SERVICES, 0)

    def hook(self, service: str) -> Callable[[Any], None]:
        """The azure-core `raw_request_hook` that counts each attempt sent to `service`."""
        if service not in self._counts:
            raise ValueError(f"unknown storage service {service!r}; expected one of {SERVICES}")
        counts = self._counts

        def count(_request: Any) -> None:
            counts[service] += 1

        return count

    @property
    def total(self) -> int:
        """Requests sent to all services since creation or the last `reset()`."""
        return sum(self._counts.values())

    def count(self, service: str) -> int:
        """Requests sent to one service (`table`, `blob` or `queue`)."""
        return self._counts[service]

    def snapshot(self) -> dict[str, int]:
        """A copy of the per-service counts plus `total`."""
        return {**self._counts, "total": self.total}

    def reset(self) -> dict[str, int]:
        """Zero the counts and return the values they had."""
        before = self.snapshot()
        for service in self._counts:
            self._counts[service] = 0
        return before
