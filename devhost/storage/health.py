"""Whether storage answers: one log line when it stops answering, one when it answers again.

Every SDK call passes `storage_call`, which reports here: a `StorageUnavailableError` (no answer, or
only transient failures after the client's retries) marks storage down, any answer (even a 404 or a
412) marks it up. Callers retry on their own schedule; this only keeps an outage to two log lines
however many requests fail meanwhile, and tells the HTTP layer it may answer 503 at once.

The state is process-wide, like the logging configuration: a devhost talks to one storage account.
"""

from __future__ import annotations

import logging
import time

logger = logging.getLogger(__name__)


class StorageHealth:
    """Tracks storage outages; `available` is False from the first unanswered request to the next answer."""

    def __init__(self) -> None:
        self._down_since: float | None = None
        self._failures = 0
        self.outages = 0

    @property
    def available(self) -> bool:
        return self._down_since is None

    def unanswered(self, detail: str) -> None:
        """A request got no usable answer after the client's retries (`detail` says which and why)."""
        self._failures += 1
        if self._down_since is not None:
            logger.debug("storage still unavailable: %s", detail)
            return
        self._down_since = time.monotonic()
        self.outages += 1
        logger.warning(
            "storage is unavailable (%s); work is retried with back-off and HTTP calls that need "
            "storage answer 503 until it answers again",
            detail,
        )

    def answered(self) -> None:
        """Storage answered a request."""
        if self._down_since is None:
            return
        logger.warning(
            "storage is available again after %.1f s (%d failed requests); resuming",
            time.monotonic() - self._down_since,
            self._failures,
        )
        self._down_since = None
        self._failures = 0


STORAGE_HEALTH = StorageHealth()
