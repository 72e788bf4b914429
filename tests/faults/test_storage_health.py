"""Storage outages are logged once, and each failure says whether a write may have been applied."""

from __future__ import annotations

import logging

import pytest
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

from devhost.storage import (
    STORAGE_HEALTH,
    StorageClients,
    StorageHealth,
    StorageUnavailableError,
    storage_call,
)
from devhost.storage.retry import RetrySettings
from tests.support.azurite import Azurite, free_port

HEALTH_LOGGER = "devhost.storage.health"


def test_an_outage_is_two_log_lines_however_many_requests_fail(caplog: pytest.LogCaptureFixture) -> None:
    health = StorageHealth()
    with caplog.at_level(logging.DEBUG, logger=HEALTH_LOGGER):
        health.answered()
        for n in range(50):
            health.unanswered(f"query HubInstances failed: refused ({n})")
        assert not health.available
        health.answered()
        health.answered()
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 2, warnings
    assert warnings[0].startswith("storage is unavailable (query HubInstances failed: refused (0))")
    assert warnings[1].startswith("storage is available again after ")
    assert "(50 failed requests)" in warnings[1]
    assert health.available
    assert health.outages == 1


def _http_error(status: int) -> HttpResponseError:
    error = HttpResponseError("storage said no")
    error.status_code = status
    return error


@pytest.mark.parametrize(
    ("failure", "maybe_applied"),
    [
        (ServiceRequestError("connection refused"), False),  # never reached storage
        (_http_error(503), False),  # refused before any work
        (_http_error(429), False),
        (_http_error(408), False),
        (ServiceResponseError("connection reset while reading the answer"), True),
        (_http_error(500), True),
        (_http_error(502), True),
    ],
)
def test_a_failure_says_whether_the_write_may_have_been_applied(
    failure: Exception, maybe_applied: bool
) -> None:
    with (
        pytest.raises(StorageUnavailableError) as caught,
        storage_call("entity-group transaction on HubHistory"),
    ):
        raise failure
    assert caught.value.maybe_applied is maybe_applied
    with storage_call("query HubInstances"):  # any answer ends the outage the failure started
        pass
    assert STORAGE_HEALTH.available


@pytest.mark.azurite
async def test_the_boundary_reports_outages_and_answers(azurite: Azurite) -> None:
    """A request to a port nobody listens on marks storage down; any answer (even a 404) marks it up."""
    dead = azurite.connection_string.replace(str(azurite.table_port), str(free_port()))
    quick = RetrySettings(retries=1, backoff_s=0.01)
    async with (
        await StorageClients.open(dead, retry=quick) as unreachable,
        await StorageClients.open(azurite.connection_string, retry=quick) as reachable,
    ):
        with pytest.raises(StorageUnavailableError) as caught:
            await unreachable.table("HealthProbe").get("p", "r")
        assert caught.value.maybe_applied is False
        assert not STORAGE_HEALTH.available
        await reachable.table("HealthProbe").create_if_missing()
        assert await reachable.table("HealthProbe").get("p", "r") is None
        assert STORAGE_HEALTH.available
