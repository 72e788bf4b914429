"""Instances on the devhost seen two ways: through its status API and through the real client (`dtfx`).

`assert_read_as_the_devhost_shows_it` is the round-trip check of the interop tests: what the real
engine's client reads from the task hub (`dtfx inspect`) is what the devhost's status API reports.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from devhost.protocol.payloads import parse_to_jtoken
from devhost.protocol.status import render_history_events
from devhost.protocol.timefmt import format_status_time, parse_timestamp
from tests.e2e.clients import ManagementApi
from tests.e2e.harness import poll_until, request

WAIT_S = 30.0


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def json_string(value: Any) -> str:
    """An input as the Python SDK's client stores it: JSON text inside a JSON string."""
    return json.dumps(json.dumps(value))


def status(management: ManagementApi, instance_id: str, **query: str) -> dict[str, Any]:
    result = request("GET", management.url(f"instances/{instance_id}", **query))
    assert result.status in (200, 202), f"status of {instance_id}: {result.status} {result.body!r}"
    payload: dict[str, Any] = result.json()
    return payload


def wait_status(management: ManagementApi, instance_id: str, wanted: set[str]) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        result = request("GET", management.url(f"instances/{instance_id}"))
        payload = result.json() if result.status in (200, 202) else None
        return payload if payload and payload["runtimeStatus"] in wanted else None

    found: dict[str, Any] = poll_until(check, timeout_s=WAIT_S, what=f"{instance_id} to be {sorted(wanted)}")
    return found


def assert_read_as_the_devhost_shows_it(
    inspected: dict[str, Any], management: ManagementApi, instance_id: str
) -> dict[str, Any]:
    """Assert `inspected` (`Dtfx.inspect`) is what `showHistory=true&showHistoryOutput=true` reports.

    Returns the devhost's status payload.
    """
    state, history = inspected["state"], inspected["history"]
    shown = status(management, instance_id, showHistory="true", showHistoryOutput="true")
    where = f"{instance_id}, as dtfx reads it: {state}"
    assert state["status"] == shown["runtimeStatus"], where
    assert parse_to_jtoken(state["output"]) == shown["output"], where
    assert parse_to_jtoken(state["input"]) == shown["input"], where
    assert parse_to_jtoken(state["customStatus"]) == shown["customStatus"], where
    assert format_status_time(parse_timestamp(state["createdTime"])) == shown["createdTime"], where
    assert format_status_time(parse_timestamp(state["lastUpdatedTime"])) == shown["lastUpdatedTime"], where
    # The real client's history, shown the way the status API shows history, is the devhost's.
    rendered = render_history_events(history, show_history_output=True, show_input=True)
    assert rendered == shown["historyEvents"], instance_id
    return shown
