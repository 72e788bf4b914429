"""When the table retry policy repeats a request (a request that may have been applied is repeated only
if repeating it is harmless). The pipeline step after it is a stand-in that fails on demand; the real
connection-refused path runs against a closed port in test_clients."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from azure.core.pipeline import PipelineContext, PipelineRequest, PipelineResponse
from azure.core.rest import HttpRequest

from devhost.storage import RetrySettings
from devhost.storage.retry import TableRetryPolicy

SETTINGS = RetrySettings(retries=3, backoff_s=0.001, max_backoff_s=0.001)


class _Outcomes:
    """The next pipeline step: plays the given outcomes (status codes or exceptions), counting attempts."""

    def __init__(self, outcomes: list[int | Exception]) -> None:
        self._outcomes: Iterator[int | Exception] = iter(outcomes)
        self.attempts = 0

    async def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        self.attempts += 1
        outcome = next(self._outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return PipelineResponse(request.http_request, SimpleNamespace(status_code=outcome), request.context)


async def _send(
    method: str, outcomes: list[int | Exception], headers: dict[str, str] | None = None
) -> tuple[int, int]:
    policy = TableRetryPolicy(SETTINGS)
    policy.next = _Outcomes(outcomes)  # type: ignore[assignment]
    request = PipelineRequest(
        HttpRequest(method, "http://127.0.0.1/acct/Hub", headers=headers), PipelineContext(None)
    )
    response = await policy.send(request)
    return response.http_response.status_code, policy.next.attempts  # type: ignore[attr-defined]


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "POST"])
async def test_rejected_without_processing_is_retried_for_every_method(method: str) -> None:
    assert await _send(method, [503, 429, 200]) == (200, 3)


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
async def test_maybe_processed_idempotent_requests_are_retried(method: str) -> None:
    assert await _send(method, [500, 504, 200]) == (200, 3)


async def test_a_batch_that_may_have_been_applied_is_not_repeated() -> None:
    assert await _send("POST", [500, 200]) == (500, 1)


async def test_a_conditional_update_that_may_have_been_applied_is_not_repeated() -> None:
    assert await _send("PATCH", [502, 200], headers={"If-Match": "W/\"datetime'x'\""}) == (502, 1)


async def test_connection_failures_before_sending_are_retried_then_raised() -> None:
    assert await _send("POST", [ServiceRequestError("refused"), 202]) == (202, 2)
    with pytest.raises(ServiceRequestError):
        await _send("POST", [ServiceRequestError("refused")] * 4)


async def test_a_connection_lost_after_sending_repeats_only_idempotent_requests() -> None:
    assert await _send("PUT", [ServiceResponseError("reset"), 204]) == (204, 2)
    with pytest.raises(ServiceResponseError):
        await _send("POST", [ServiceResponseError("reset"), 202])


async def test_the_last_failure_is_returned_after_the_configured_retries() -> None:
    assert await _send("GET", [503, 503, 503, 503, 200]) == (503, 4)


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    settings = RetrySettings(retries=5, backoff_s=0.1, max_backoff_s=0.5)

    pauses = [settings.backoff(retry) for retry in range(5)]

    for pause, base in zip(pauses, [0.1, 0.2, 0.4, 0.5, 0.5], strict=True):
        assert base * 0.8 <= pause <= base * 1.2
