"""host.json `functionTimeout`: parsed as the host does, and enforced from when a function starts."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from devhost.worker import load_app_settings
from devhost.worker.errors import AppConfigError
from devhost.worker.settings import DEFAULT_FUNCTION_TIMEOUT_S
from devhost.worker.timeout import FunctionTimeoutError, format_timespan, in_thread, within
from tests.faults.fixtures import FAULT_APP


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (2, "00:00:02"),
        (300, "00:05:00"),
        (1800, "00:30:00"),
        (86400 + 3661, "1.01:01:01"),
        (1.5, "00:00:01.5000000"),
    ],
)
def test_durations_print_as_dotnet_timespans(seconds: float, text: str) -> None:
    assert format_timespan(seconds) == text


def _app(tmp_path: Path, host_json: dict[str, object]) -> Path:
    (tmp_path / "host.json").write_text(json.dumps({"version": "2.0", **host_json}))
    return tmp_path


@pytest.mark.parametrize(
    ("host_json", "expected"),
    [
        ({}, DEFAULT_FUNCTION_TIMEOUT_S),
        ({"functionTimeout": "00:10:00"}, 600.0),
        ({"FUNCTIONTIMEOUT": "01:00:00"}, 3600.0),
        ({"functionTimeout": "-1"}, None),
    ],
)
def test_function_timeout_from_host_json(
    tmp_path: Path, host_json: dict[str, object], expected: float | None
) -> None:
    assert load_app_settings(_app(tmp_path, host_json), environ={}).function_timeout_s == expected
    assert DEFAULT_FUNCTION_TIMEOUT_S == 30 * 60  # the host's default outside the Consumption plan


def test_the_fixture_app_times_out_after_two_seconds() -> None:
    assert load_app_settings(FAULT_APP, environ={"FAULT_HUB": "unused"}).function_timeout_s == 2.0


@pytest.mark.parametrize("value", ["00:00:00.5", "soon", 300])
def test_invalid_function_timeouts_are_refused(tmp_path: Path, value: object) -> None:
    with pytest.raises(AppConfigError) as caught:
        load_app_settings(_app(tmp_path, {"functionTimeout": value}), environ={})
    assert caught.value.code == "worker.app_config.function_timeout"


async def test_queue_time_does_not_count_against_the_timeout() -> None:
    """One thread: the second call waits for the first one's thread, then runs well within its limit."""
    release = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        first = asyncio.ensure_future(in_thread(pool, lambda: release.wait(5), 0.3, "hog"))
        second = asyncio.ensure_future(in_thread(pool, lambda: "on time", 0.3, "queued"))
        with pytest.raises(FunctionTimeoutError) as caught:
            await first
        assert (
            str(caught.value) == "Timeout value of 00:00:00.3000000 was exceeded by function: Functions.hog"
        )
        await asyncio.sleep(0.5)  # longer than the limit: the second call is still queued
        release.set()
        assert await second == "on time"


async def test_a_timed_out_thread_runs_on_and_its_result_is_dropped() -> None:
    finished = threading.Event()

    def slow() -> str:
        time.sleep(0.6)
        finished.set()
        return "late"

    with ThreadPoolExecutor(1) as pool:
        with pytest.raises(FunctionTimeoutError):
            await in_thread(pool, slow, 0.2, "slow")
        assert not finished.is_set()
        assert await asyncio.to_thread(finished.wait, 5)


async def test_a_coroutine_past_the_timeout_is_cancelled_and_its_own_timeouts_pass_through() -> None:
    cancelled = asyncio.Event()

    async def stall() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(FunctionTimeoutError):
        await within(stall(), 0.1, "stall")
    assert cancelled.is_set()

    async def own_timeout() -> None:
        raise TimeoutError("the payment gateway did not answer")

    with pytest.raises(TimeoutError, match="payment gateway") as caught:
        await within(own_timeout(), 5, "own")
    assert not isinstance(caught.value, FunctionTimeoutError)
