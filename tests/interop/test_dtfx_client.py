"""The real engine's client against a running devhost: start, raise, terminate, wait and inspect by `dtfx`."""

from __future__ import annotations

import json

import pytest
from azure.storage.queue import QueueClient

from devhost.messaging import build_message, control_queue_for, control_queue_names, serialize_message
from devhost.protocol import history as events
from tests.e2e.clients import TERMINAL_STATUSES, ManagementApi
from tests.e2e.harness import poll_until
from tests.interop.dtfx import NOT_COMPLETED_EXIT, Dtfx
from tests.interop.instances import (
    WAIT_S,
    assert_read_as_the_devhost_shows_it,
    json_string,
    new_id,
    status,
    wait_status,
)
from tests.support.azurite import Azurite

pytestmark = pytest.mark.azurite


def queued(connection: str, hub: str) -> int:
    total = 0
    for name in control_queue_names(hub, 4):
        with QueueClient.from_connection_string(connection, name) as queue:
            total += queue.get_queue_properties().approximate_message_count or 0
    return total


def test_dtfx_start_and_wait_complete_with_the_output(dtfx: Dtfx, management: ManagementApi) -> None:
    instance_id = new_id("hello")
    dtfx.start("hello_sequence", instance_id, json_string(["Tokyo", "Paris"]))
    code, state = dtfx.wait(instance_id, WAIT_S)
    assert code == 0, state
    assert state is not None
    assert (state["status"], json.loads(state["output"])) == ("Completed", ["Hello Tokyo!", "Hello Paris!"])
    assert status(management, instance_id)["output"] == ["Hello Tokyo!", "Hello Paris!"]


def test_dtfx_raise_wakes_a_waiting_instance(dtfx: Dtfx, management: ManagementApi) -> None:
    instance_id = new_id("approval")
    dtfx.start("approval", instance_id)
    wait_status(management, instance_id, {"Running"})
    dtfx.raise_event(instance_id, "Decision", '"approved"')
    code, state = dtfx.wait(instance_id, WAIT_S)
    assert code == 0, state
    assert state is not None
    assert json.loads(state["output"]) == {"decision": "approved"}


def test_dtfx_terminate_ends_an_instance(dtfx: Dtfx, management: ManagementApi) -> None:
    instance_id = new_id("stop")
    dtfx.start("approval", instance_id)
    wait_status(management, instance_id, {"Running"})
    dtfx.terminate(instance_id, "stopped by dtfx")
    code, state = dtfx.wait(instance_id, WAIT_S)
    assert code == NOT_COMPLETED_EXIT, state
    assert state is not None
    assert (state["status"], state["output"]) == ("Terminated", "stopped by dtfx")
    devhost_view = status(management, instance_id)
    assert (devhost_view["runtimeStatus"], devhost_view["output"]) == ("Terminated", "stopped by dtfx")


@pytest.fixture(scope="module")
def devhost_runs(dtfx: Dtfx, management: ManagementApi) -> dict[str, str]:
    """Instances the devhost ran to their end, started by dtfx or by the devhost's own API, by label."""
    started = {
        "hello by dtfx": new_id("hello"),
        "approval raised by dtfx": new_id("approval"),
        "sub-orchestrations": new_id("parent"),
        "activity retries": new_id("flaky"),
        "continue-as-new": new_id("countdown"),
        "fan-out": new_id("fan"),
    }
    dtfx.start("hello_sequence", started["hello by dtfx"])
    dtfx.start("approval", started["approval raised by dtfx"])
    for label, name, body in (
        ("sub-orchestrations", "parent", None),
        ("activity retries", "flaky_then_ok", None),
        ("continue-as-new", "countdown", "1"),  # inputs as the SDK client sends them: JSON strings
        ("fan-out", "fan_out", "4"),
    ):
        assert management.start(name, started[label], body).status == 202
    wait_status(management, started["approval raised by dtfx"], {"Running"})
    dtfx.raise_event(started["approval raised by dtfx"], "Decision", '{"ok":true}')
    for instance_id in started.values():
        wait_status(management, instance_id, set(TERMINAL_STATUSES))
    return started


@pytest.mark.parametrize(
    "label",
    [
        "hello by dtfx",
        "approval raised by dtfx",
        "sub-orchestrations",
        "activity retries",
        "continue-as-new",
        "fan-out",
    ],
)
def test_dtfx_inspect_reads_what_the_devhost_status_api_reports(
    label: str, devhost_runs: dict[str, str], dtfx: Dtfx, management: ManagementApi
) -> None:
    instance_id = devhost_runs[label]
    shown = assert_read_as_the_devhost_shows_it(dtfx.inspect(instance_id), management, instance_id)
    assert shown["runtimeStatus"] == "Completed"


def test_invalid_control_messages_fail_only_their_own_instance(
    dtfx: Dtfx, management: ManagementApi, azurite: Azurite
) -> None:
    victim, bystander = new_id("victim"), new_id("bystander")
    unknown, after = new_id("unknown"), new_id("after")
    for instance_id in (victim, bystander):
        dtfx.start("approval", instance_id)
        wait_status(management, instance_id, {"Running"})
    strange = build_message(
        events.event_raised(name="Decision", input='"x"', timestamp="2026-01-01T00:00:00Z"),
        instance_id=victim,
        execution_id=None,
    )
    strange.document["TaskMessage"]["Event"]["$type"] = "Contoso.Events.Strange"
    queue_name = control_queue_for(dtfx.hub, victim, 4)
    with QueueClient.from_connection_string(azurite.connection_string, queue_name) as queue:
        queue.send_message("garbage: not a message at all")
        queue.send_message(serialize_message(strange))
    dtfx.start("no_such_orchestrator", unknown)
    dtfx.start("hello_sequence", after)

    code, state = dtfx.wait(after, WAIT_S)
    assert code == 0, state
    failed = wait_status(management, victim, {"Failed"})
    assert f"Invalid message on control queue {queue_name}" in failed["output"]
    assert "unknown event $type 'Contoso.Events.Strange'" in failed["output"]
    code, state = dtfx.wait(unknown, WAIT_S)
    assert code == NOT_COMPLETED_EXIT
    assert state is not None
    assert state["status"] == "Failed"
    assert "The function 'no_such_orchestrator' doesn't exist" in state["output"]
    assert status(management, bystander)["runtimeStatus"] == "Running"
    poll_until(lambda: queued(azurite.connection_string, dtfx.hub) == 0, what="the control queues to empty")
    dtfx.terminate(bystander, "test clean-up")
