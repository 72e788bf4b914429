"""The device monitor (README §4): readings, an alert per threshold crossing, 409 for a second one, stop."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.clients import AppApi, DevhostClock, ManagementApi, api_error

pytestmark = pytest.mark.azurite

# The monitor's expiry is set from the wall clock when it starts, while it runs on orchestration time;
# earlier tests may have moved the devhost's clock days ahead, so the monitor must outlive that.
LONG_DURATION_S = 90 * 24 * 3600
INTERVAL_S = 60


def report(api: AppApi, device_id: str, value: float) -> None:
    result = api.call("POST", f"devices/{device_id}/readings", {"value": value, "unit": "C"})
    assert result.status == 201, result
    assert result.json() == {"device_id": device_id, "stored": f"telemetry/{device_id}/latest.json"}


def custom(status: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = status["custom_status"] or {}
    return value


def next_poll(api: AppApi, clock: DevhostClock, instance_id: str, polls: int) -> dict[str, Any]:
    """Fire the monitor's interval timer (exactly one generation: the next timer is another interval
    away) and wait for that generation's poll."""
    clock.advance(INTERVAL_S)
    return api.wait(
        instance_id,
        lambda s: custom(s).get("polls") == polls + 1 and custom(s).get("step") == "sleeping",
        what=f"poll {polls + 1}",
    )


@pytest.mark.devhost_clock
def test_monitor_alerts_once_per_crossing_and_stops(
    api: AppApi, management: ManagementApi, clock: DevhostClock, unique_name: str, janitor: list[str]
) -> None:
    device = unique_name
    instance_id = f"monitor-{device}"
    janitor.append(instance_id)
    report(api, device, 4.5)

    links = api.start(
        f"devices/{device}/monitor", {"threshold": 8, "interval_s": INTERVAL_S, "duration_s": LONG_DURATION_S}
    )

    assert links["id"] == instance_id
    first = api.wait(instance_id, lambda s: custom(s).get("step") == "sleeping", what="the first poll")
    assert {k: custom(first)[k] for k in ("polls", "alerts", "in_alarm", "last_value")} == {
        "polls": 1,
        "alerts": 0,
        "in_alarm": False,
        "last_value": 4.5,
    }
    conflict = api_error(
        api.call("POST", f"devices/{device}/monitor", {"threshold": 8}), 409, "monitor.running"
    )
    assert device in conflict["message"]

    report(api, device, 11.2)
    alarm = next_poll(api, clock, instance_id, custom(first)["polls"])
    assert (custom(alarm)["alerts"], custom(alarm)["in_alarm"], custom(alarm)["last_value"]) == (
        1,
        True,
        11.2,
    )
    alerts = [e for e in management.history(instance_id) if e.get("FunctionName") == "raise_device_alert"]
    assert [e["EventType"] for e in alerts] == ["TaskCompleted"]
    assert alerts[0]["Result"].startswith(f"telemetry/{device}/alerts/")

    still = next_poll(api, clock, instance_id, custom(alarm)["polls"])
    assert (custom(still)["alerts"], custom(still)["in_alarm"]) == (1, True)
    report(api, device, 5.0)
    cleared = next_poll(api, clock, instance_id, custom(still)["polls"])
    assert (custom(cleared)["alerts"], custom(cleared)["in_alarm"]) == (1, False)
    report(api, device, 12.0)
    again = next_poll(api, clock, instance_id, custom(cleared)["polls"])
    assert (custom(again)["alerts"], custom(again)["in_alarm"]) == (2, True)

    stop = api.call("POST", f"devices/{device}/monitor/stop")

    assert stop.status == 202
    assert stop.json() == {"instance_id": instance_id, "event": "Stop"}
    done = api.wait_done(instance_id)
    assert done["runtime_status"] == "Completed", done
    assert done["output"]["stopped"] == "stop requested"
    assert done["output"]["alerts"] == 2
    assert custom(done)["step"] == "stopped"
    api_error(api.call("POST", f"devices/{device}/monitor/stop"), 409, "instance.not_running")


def test_a_stopped_monitor_can_be_started_again(api: AppApi, unique_name: str, janitor: list[str]) -> None:
    device = unique_name
    instance_id = f"monitor-{device}"
    janitor.append(instance_id)
    body = {"threshold": 8, "interval_s": INTERVAL_S, "duration_s": LONG_DURATION_S}
    api.start(f"devices/{device}/monitor", body)
    first = api.wait(instance_id, lambda s: custom(s).get("step") == "sleeping", what="the first poll")
    assert custom(first)["last_value"] is None  # no reading reported yet
    assert api.call("POST", f"devices/{device}/monitor/stop").status == 202
    api.wait_done(instance_id)

    api.start(f"devices/{device}/monitor", body)

    second = api.wait(
        instance_id,
        lambda s: custom(s).get("step") == "sleeping" and s["runtime_status"] == "Running",
        what="the new monitor's first poll",
    )
    assert custom(second)["polls"] == 1
    assert api.call("POST", f"devices/{device}/monitor/stop").status == 202
    assert api.wait_done(instance_id)["output"]["stopped"] == "stop requested"
