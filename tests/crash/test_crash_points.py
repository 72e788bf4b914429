"""The two dangerous points of an episode, hit on purpose with the fixture app in tests/crash/fixtures/.

1. After an activity's side effect, before its completion is checkpointed: the activity runs again
   (at least once) and its idempotency keeps the side effect single.
2. After an episode's history batch, before its Instances row: the final episode of an execution is
   committed straight into the History table with devhost.tracking (the row is left Running), which is
   exactly the state a kill between the two writes leaves; the next devhost must repair the row and
   tell a waiting parent.
3. After a sub-orchestration's Pending row, before its first episode: the child's history is removed
   and its row set back to Pending, the state a kill right after the parent's checkpoint can leave; the
   restarted child must still report to its parent.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devhost.protocol import RuntimeStatus, format_timestamp
from devhost.protocol import history as events
from devhost.storage import StorageClients
from devhost.tracking import TaskHub
from tests.crash.conftest import WEBHOOK, Hosts, status, wait_finished, wait_for
from tests.crash.fixtures import SIDE_EFFECTS_APP
from tests.e2e.harness import poll_until, request

pytestmark = [pytest.mark.crash, pytest.mark.azurite, pytest.mark.timeout(45)]


def _environment(hosts: Hosts, markers: Path) -> dict[str, str]:
    markers.mkdir(exist_ok=True)
    return {
        "AzureWebJobsStorage": hosts.azurite.connection_string,
        "CRASH_HUB": hosts.hub,
        "CRASH_MARKER_DIR": str(markers),
    }


def _start(base_url: str, orchestrator: str, instance_id: str, body: object = None) -> None:
    response = request("POST", f"{base_url}{WEBHOOK}/orchestrators/{orchestrator}/{instance_id}", body)
    assert response.status == 202, response.body


def _status(base_url: str, instance_id: str) -> dict[str, object]:
    status: dict[str, object] = request("GET", f"{base_url}{WEBHOOK}/instances/{instance_id}").json()
    return status


def _history(base_url: str, instance_id: str) -> list[dict[str, object]]:
    response = request("GET", f"{base_url}{WEBHOOK}/instances/{instance_id}?showHistory=true")
    history: list[dict[str, object]] = response.json()["historyEvents"]
    return history


def test_activity_killed_after_its_side_effect_reruns_without_repeating_it(
    hosts: Hosts, tmp_path: Path
) -> None:
    markers = tmp_path / "markers"
    host = hosts.launch(SIDE_EFFECTS_APP, _environment(hosts, markers))
    instance_id = f"book-{uuid.uuid4().hex[:8]}"
    runs = markers / f"{instance_id}.runs"
    _start(host.base_url, "book", instance_id)

    poll_until(lambda: runs.exists() and runs.read_text().endswith("\n"), timeout_s=10, what="a first run")
    poll_until(
        lambda: _status(host.base_url, instance_id)["runtimeStatus"] == "Running",
        timeout_s=10,
        what="the checkpoint that schedules the activity",  # held until the activity outlasts the hold
    )
    host.kill()  # the activity did its side effect and now sleeps: only its scheduling is checkpointed
    first_pid = int(runs.read_text().split()[0])
    booking = {"booking_id": f"bk-{instance_id}", "booked_by_pid": first_pid}
    assert json.loads((markers / f"{instance_id}.booking").read_text()) == booking

    host.start()
    final = wait_finished(host.base_url, instance_id)

    assert final["runtimeStatus"] == "Completed"
    assert final["output"] == {"booking": booking, "instance": instance_id}
    pids = [int(pid) for pid in runs.read_text().split()]
    assert len(pids) == 2, "one run per host: exactly one repeat"
    assert pids[0] == first_pid
    assert pids[1] != first_pid
    completions = [e for e in _history(host.base_url, instance_id) if e.get("FunctionName") == "book_once"]
    assert [e["EventType"] for e in completions] == ["TaskCompleted"]
    assert hosts.re_dispatched() == (1, 0)


async def _commit_final_episode(connection: str, hub_name: str, instance_id: str, go: str) -> None:
    """Append the episode that completes a waiting `wait_for_go` and stop before its Instances write."""
    clients = await StorageClients.open(connection)
    try:
        hub = TaskHub(clients, hub_name)
        record = await hub.instances.get_instance(instance_id)
        loaded = await hub.history.load_history(instance_id)
        assert record is not None
        assert record.runtime_status is RuntimeStatus.Running
        assert loaded.execution_id == record.execution_id
        assert loaded.events
        now = format_timestamp(datetime.now(UTC))
        final_episode = [
            events.orchestrator_started(timestamp=now),
            events.event_raised(name="Go", input=json.dumps(go), timestamp=now),
            events.execution_completed(
                event_id=0, status=RuntimeStatus.Completed, result=json.dumps({"go": go}), timestamp=now
            ),
            events.orchestrator_completed(timestamp=now),
        ]
        await hub.history.append_episode(
            instance_id, record.execution_id, len(loaded.events), final_episode, loaded.etag
        )
    finally:
        await clients.close()


async def _stored_statuses(connection: str, hub_name: str, instance_ids: list[str]) -> dict[str, str]:
    clients = await StorageClients.open(connection)
    try:
        hub = TaskHub(clients, hub_name)
        records = [await hub.instances.get_instance(instance_id) for instance_id in instance_ids]
        return {r.instance_id: r.runtime_status.name for r in records if r is not None}
    finally:
        await clients.close()


def test_final_history_without_its_instances_row_is_repaired_at_start(hosts: Hosts, tmp_path: Path) -> None:
    connection = hosts.azurite.connection_string
    host = hosts.launch(SIDE_EFFECTS_APP, _environment(hosts, tmp_path / "markers"))
    unique = uuid.uuid4().hex[:8]
    alone = f"{unique}-alone"
    # One child sorts after its parent, the other before: recovery meets them in either order.
    parents = {f"{unique}-p1": f"{unique}-p1-child", f"{unique}-p2": f"{unique}-c2"}
    _start(host.base_url, "wait_for_go", alone)
    for parent, child in parents.items():
        _start(host.base_url, "parent_of_waiter", parent, {"child_id": child})
    for waiting in (alone, *parents.values()):
        wait_for(
            host.base_url, waiting, lambda s: s["runtimeStatus"] == "Running", timeout_s=10, what="Running"
        )
    host.kill()

    for waiting in (alone, *parents.values()):
        asyncio.run(_commit_final_episode(connection, hosts.hub, waiting, f"go {waiting}"))
    stored = asyncio.run(_stored_statuses(connection, hosts.hub, [alone, *parents.values()]))
    assert set(stored.values()) == {"Running"}, "the crash state: history says done, the row does not"

    host.start()
    for waiting in (alone, *parents.values()):
        repaired = status(host.base_url, waiting)
        assert repaired is not None
        assert (repaired["runtimeStatus"], repaired["output"]) == ("Completed", {"go": f"go {waiting}"})
    for parent, child in parents.items():
        final = wait_finished(host.base_url, parent, timeout_s=10)
        assert (final["runtimeStatus"], final["output"]) == ("Completed", {"child": {"go": f"go {child}"}})
        outcomes = [e for e in _history(host.base_url, parent) if e.get("FunctionName") == "wait_for_go"]
        assert [e["EventType"] for e in outcomes] == ["SubOrchestrationInstanceCompleted"]
    all_ids = [alone, *parents, *parents.values()]

    def all_stored_completed() -> bool:  # the API may answer from memory a moment before the row is written
        return set(asyncio.run(_stored_statuses(connection, hosts.hub, all_ids)).values()) == {"Completed"}

    poll_until(all_stored_completed, timeout_s=5, what="every Instances row Completed")


async def _uncommit_first_episode(connection: str, hub_name: str, instance_id: str) -> None:
    """Leave a child as a kill between its Pending row and its first checkpoint does."""
    clients = await StorageClients.open(connection)
    try:
        hub = TaskHub(clients, hub_name)
        record = await hub.instances.get_instance(instance_id)
        assert record is not None
        assert record.parent_instance_id is not None
        await hub.history.delete_history(instance_id)
        record.runtime_status = RuntimeStatus.Pending
        await hub.instances.upsert_instance(record, replace=True)
    finally:
        await clients.close()


def test_child_whose_first_episode_never_committed_reports_to_its_parent(
    hosts: Hosts, tmp_path: Path
) -> None:
    host = hosts.launch(SIDE_EFFECTS_APP, _environment(hosts, tmp_path / "markers"))
    unique = uuid.uuid4().hex[:8]
    parents = {f"{unique}-p1": f"{unique}-p1-child", f"{unique}-p2": f"{unique}-c2"}
    for parent, child in parents.items():
        _start(host.base_url, "parent_of_waiter", parent, {"child_id": child})
    for child in parents.values():
        wait_for(
            host.base_url, child, lambda s: s["runtimeStatus"] == "Running", timeout_s=10, what="Running"
        )
    host.kill()
    for child in parents.values():
        asyncio.run(_uncommit_first_episode(hosts.azurite.connection_string, hosts.hub, child))

    host.start()
    for child in parents.values():
        wait_for(
            host.base_url, child, lambda s: s["runtimeStatus"] == "Running", timeout_s=10, what="restarted"
        )
        raised = request("POST", f"{host.base_url}{WEBHOOK}/instances/{child}/raiseEvent/Go", f"go {child}")
        assert raised.status == 202, raised.body
    for parent, child in parents.items():
        assert wait_finished(host.base_url, child, timeout_s=10)["output"] == {"go": f"go {child}"}
        final = wait_finished(host.base_url, parent, timeout_s=10)
        assert (final["runtimeStatus"], final["output"]) == ("Completed", {"child": {"go": f"go {child}"}})
