"""Retry policies and task helpers shared by the workflows."""

from typing import Any, Protocol, cast

import azure.durable_functions as df

# Gateways and storage: a few quick retries; the fourth failure is final.
GATEWAY_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=2_000, max_number_of_attempts=4)
STORAGE_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=1_000, max_number_of_attempts=3)


class _Cancellable(Protocol):
    def cancel(self) -> None: ...


def cancel_timer(timer: Any) -> None:
    """Cancel a durable timer that lost a race (`create_timer` is typed as a plain task by the SDK)."""
    cast(_Cancellable, timer).cancel()
