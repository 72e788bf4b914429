"""Client-level retries of transient storage failures, with one back-off schedule for every service.

Transient: connection refused/reset, 408, 429, 5xx. Pauses double from `backoff_s` up to
`max_backoff_s`; what still fails after `retries` surfaces as `StorageUnavailableError`.

- Blob and queue: the storage SDK's own retry policy (it also tags responses the SDK needs), with our
  back-off. It retries any method.
- Tables: `TableRetryPolicy`, because azure-core's policy never retries POST/PATCH after a connection
  failure, and those are the history batch and the Instances merge. A request that may have been
  applied is repeated only if repeating it is harmless (see `_is_replay_safe`).
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import AsyncHTTPPolicy
from azure.storage.blob.aio import ExponentialRetry

logger = logging.getLogger(__name__)

# Rejected before any work was done: safe to repeat whatever the method.
_NOT_PROCESSED_STATUSES = frozenset({429, 503})
_MAYBE_PROCESSED_STATUSES = frozenset({408, 500, 502, 504})
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "PATCH", "MERGE", "OPTIONS"})


@dataclass(frozen=True)
class RetrySettings:
    """How hard to retry; the defaults give up after about 3 s of storage being unreachable."""

    retries: int = 5
    backoff_s: float = 0.1
    max_backoff_s: float = 2.0

    def backoff(self, retry: int) -> float:
        """Pause before retry number `retry` (0-based): doubling, capped, +-20 % jitter."""
        base = min(self.backoff_s * 2**retry, self.max_backoff_s)
        return float(base * random.uniform(0.8, 1.2))


class DoublingRetry(ExponentialRetry):
    """The storage SDK's retry policy (blob, queue) with `RetrySettings.backoff` instead of 15 s + 3**n."""

    def __init__(self, settings: RetrySettings) -> None:
        super().__init__(retry_total=settings.retries)
        self._settings = settings

    def get_backoff_time(self, settings: dict[str, Any]) -> float:
        """The pause before the next retry."""
        return self._settings.backoff(settings["count"])


class TableRetryPolicy(AsyncHTTPPolicy[Any, Any]):
    """Retries a table request on transient failures; installed outside the SDK's (disabled) policy."""

    def __init__(self, settings: RetrySettings) -> None:
        super().__init__()
        self._settings = settings

    async def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        """Send, retrying while the failure is transient and repeating is safe."""
        retry = 0
        while True:
            try:
                response = await self.next.send(request)
            except ServiceRequestError:
                if retry >= self._settings.retries:
                    raise
            except ServiceResponseError:
                if retry >= self._settings.retries or not _is_replay_safe(request):
                    raise
            else:
                status = response.http_response.status_code
                if retry >= self._settings.retries or not _is_transient(status, request):
                    return response
            logger.debug("retrying %s %s", request.http_request.method, request.http_request.url)
            await asyncio.sleep(self._settings.backoff(retry))
            retry += 1


def _is_transient(status: int, request: PipelineRequest[Any]) -> bool:
    if status in _NOT_PROCESSED_STATUSES:
        return True
    return status in _MAYBE_PROCESSED_STATUSES and _is_replay_safe(request)


def _is_replay_safe(request: PipelineRequest[Any]) -> bool:
    """True if sending the request twice has the effect of sending it once (no POST, no If-Match)."""
    http = request.http_request
    return http.method in _IDEMPOTENT_METHODS and http.headers.get("If-Match", "*") == "*"
