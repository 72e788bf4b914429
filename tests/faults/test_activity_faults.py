"""Activities that raise, run past `functionTimeout` (2 s in the fixture's host.json) or return something
that is not JSON: the orchestration gets a failure it can catch, with the host's message, and the host
keeps serving everything else meanwhile.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from tests.e2e.harness import poll_until, request
from tests.faults.conftest import FaultHost, start, wait_finished

pytestmark = [pytest.mark.azurite, pytest.mark.e2e]

TIMEOUT_TEXT = "00:00:02"


def caught(done: dict[str, Any]) -> str:
    """The error the `call_and_catch` orchestrator caught (it completes either way)."""
    assert done["runtimeStatus"] == "Completed", done
    message: str = done["output"]["caught"]
    return message


def test_an_activity_that_raises_is_a_failure_the_orchestration_catches(fault_host: FaultHost) -> None:
    body = {"activity": "explode", "input": "no such customer"}
    done = wait_finished(fault_host.management, start(fault_host.management, "call_and_catch", body))
    assert caught(done).startswith("Activity function 'explode' failed: ValueError: no such customer")


def test_a_result_that_is_not_json_fails_the_activity(fault_host: FaultHost) -> None:
    body = {"activity": "unserialisable", "input": None}
    done = wait_finished(fault_host.management, start(fault_host.management, "call_and_catch", body))
    assert caught(done).startswith(
        "Activity function 'unserialisable' failed: ValueError: activity trigger output must be json "
        "serializable ({1, 2})"
    )


def test_a_sync_activity_past_the_timeout_fails_while_its_thread_runs_on(fault_host: FaultHost) -> None:
    key = uuid.uuid4().hex
    began = time.monotonic()
    body = {"activity": "stall_sync", "input": {"key": key, "seconds": 5}}
    instance_id = start(fault_host.management, "call_and_catch", body)
    done = wait_finished(fault_host.management, instance_id, timeout_s=15)
    failed_after = time.monotonic() - began

    assert caught(done).startswith(
        f"Activity function 'stall_sync' failed: Timeout value of {TIMEOUT_TEXT} was exceeded by "
        "function: Functions.stall_sync"
    )
    assert 2 <= failed_after < 5, failed_after
    assert fault_host.marker(key, "started").exists()
    assert not fault_host.marker(key, "finished").exists(), "the orchestration waited for the function"
    # Python cannot stop a thread: the function runs to its end, and what it returns is dropped.
    poll_until(lambda: fault_host.marker(key, "finished").exists(), timeout_s=10, what="the thread to end")
    again = wait_finished(fault_host.management, instance_id)
    assert again["output"] == done["output"]
    assert f"Timeout value of {TIMEOUT_TEXT} exceeded by function 'Functions.stall_sync'" in fault_host.log()


def test_an_async_activity_past_the_timeout_is_cancelled(fault_host: FaultHost) -> None:
    key = uuid.uuid4().hex
    body = {"activity": "stall_async", "input": {"key": key, "seconds": 60}}
    done = wait_finished(
        fault_host.management, start(fault_host.management, "call_and_catch", body), timeout_s=15
    )
    assert caught(done).startswith(
        f"Activity function 'stall_async' failed: Timeout value of {TIMEOUT_TEXT} was exceeded by "
        "function: Functions.stall_async"
    )
    assert fault_host.marker(key, "cancelled").exists()
    assert not fault_host.marker(key, "finished").exists()


def test_the_host_keeps_serving_while_activities_hang_and_fail(fault_host: FaultHost) -> None:
    """Three of the pool's four threads stall past the timeout; HTTP and other work go on."""
    management = fault_host.management
    stalled = [
        start(management, "call_and_catch", {"activity": "stall_sync", "input": {"key": key, "seconds": 6}})
        for key in (uuid.uuid4().hex for _ in range(3))
    ]
    failing = start(management, "call_and_catch", {"activity": "explode", "input": "meanwhile"})
    poll_until(lambda: len(list(fault_host.marker_dir.glob("*.started"))) >= 3, what="the stalls to start")
    began = time.monotonic()
    ping = request("GET", f"{fault_host.host.base_url}/api/ping")
    assert (ping.status, ping.body) == (200, b"pong")
    healthy = start(management, "call_and_catch", {"activity": "echo", "input": "still here"})
    assert wait_finished(management, healthy, timeout_s=10)["output"] == {"result": "still here"}
    assert time.monotonic() - began < 2, "work waited for the stalled functions"
    assert caught(wait_finished(management, failing)).startswith("Activity function 'explode' failed")
    for instance_id in stalled:
        assert "Timeout value of" in caught(wait_finished(management, instance_id, timeout_s=15))
