"""Task hub resources and purges on Azurite."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from devhost.protocol.types import InstanceRecord, RuntimeStatus
from devhost.storage import StorageClients, StorageNotFoundError
from devhost.tracking import InvalidTaskHubNameError, PurgeResult, TaskHub, TaskHubNames
from tests.devhost.tracking.events import TS, hello3_events

pytestmark = pytest.mark.azurite

T0 = datetime(2024, 5, 1, tzinfo=UTC)


def _record(instance_id: str, status: RuntimeStatus) -> InstanceRecord:
    return InstanceRecord(instance_id, "wf", "e1", status, T0, T0)


async def _start(hub: TaskHub, instance_id: str, status: RuntimeStatus, *, big: bool = False) -> None:
    result = '"' + "r" * (40_000 if big else 1) + '"'
    completed = {"EventType": 5, "EventId": -1, "IsPlayed": False, "Timestamp": TS, "TaskScheduledId": 0}
    await hub.history.append_episode(
        instance_id, "e1", 0, [*hello3_events()[:4], completed | {"Result": result}], None
    )
    await hub.instances.upsert_instance(_record(instance_id, status))


def test_resource_names_follow_the_provider() -> None:
    names = TaskHubNames.for_hub("OrdersHub2")

    assert (names.history_table, names.instances_table) == ("OrdersHub2History", "OrdersHub2Instances")
    assert names.large_messages_container == "ordershub2-largemessages"
    assert (names.lease_container, names.lease_info_blob) == (
        "ordershub2-applease",
        "ordershub2-appleaseinfo",
    )


@pytest.mark.parametrize("name", ["ab", "1hub", "my-hub", "hub_1", "h" * 46])
def test_invalid_task_hub_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidTaskHubNameError) as caught:
        TaskHubNames.for_hub(name)

    assert caught.value.code == "taskhub.invalid_name"


async def test_create_is_idempotent_and_cheap_on_restart(storage: StorageClients, unique_name: str) -> None:
    hub = TaskHub(storage, unique_name)
    await hub.create_if_missing()
    storage.counter.reset()

    await hub.create_if_missing()

    assert storage.counter.snapshot() == {"table": 2, "blob": 2, "queue": 0, "total": 4}
    assert await hub.history.table.create_if_missing() is False
    assert await hub.instances.table.create_if_missing() is False
    assert await storage.container(f"{unique_name}-largemessages").create_if_missing() is False
    assert await storage.container(f"{unique_name}-applease").create_if_missing() is False
    await hub.delete()


async def test_purge_instance_removes_row_history_and_blobs(hub: TaskHub) -> None:
    await _start(hub, "i1", RuntimeStatus.Completed, big=True)
    await hub.payloads.upload_text("i1/message-0123456789abcdef0123456789abcdef-TaskCompleted.json.gz", "{}")
    await _start(hub, "i10", RuntimeStatus.Completed, big=True)

    result = await hub.purge_instance("i1")

    assert result == PurgeResult(instances_deleted=1, history_rows_deleted=6)
    assert await hub.instances.get_instance("i1") is None
    assert (await hub.history.load_history("i1")).events == []
    assert await hub.payloads.container.list_names("i1/") == []
    assert await hub.instances.get_instance("i10") is not None
    assert len(await hub.payloads.container.list_names("i10/")) == 1
    assert await hub.purge_instance("i1") == PurgeResult(instances_deleted=0, history_rows_deleted=0)


async def test_purge_instances_takes_only_terminal_ones(hub: TaskHub) -> None:
    statuses = {
        "done": RuntimeStatus.Completed,
        "broken": RuntimeStatus.Failed,
        "stopped": RuntimeStatus.Terminated,
        "busy": RuntimeStatus.Running,
        "waiting": RuntimeStatus.Pending,
    }
    for instance_id, status in statuses.items():
        await _start(hub, instance_id, status)

    nothing = await hub.purge_instances(statuses=[RuntimeStatus.Running])
    failed = await hub.purge_instances(statuses=[RuntimeStatus.Failed, RuntimeStatus.Running])
    rest = await hub.purge_instances(created_from=T0)

    remaining, _ = await hub.instances.query_instances()
    assert nothing == PurgeResult(0, 0)
    assert failed == PurgeResult(1, 6)
    assert rest == PurgeResult(2, 12)
    assert sorted(record.instance_id for record in remaining) == ["busy", "waiting"]


async def test_delete_removes_everything_even_a_leftover_lease(
    storage: StorageClients, unique_name: str
) -> None:
    hub = TaskHub(storage, unique_name)
    await hub.create_if_missing()
    await _start(hub, "i1", RuntimeStatus.Completed, big=True)
    lease_container = storage.container(hub.names.lease_container)
    await lease_container.acquire_lease(str(uuid.uuid4()), 60)

    await hub.delete()

    for table in (hub.history.table, hub.instances.table):
        with pytest.raises(StorageNotFoundError):
            await table.query("RowKey eq ''")
    assert await hub.payloads.container.create_if_missing() is True
    assert await lease_container.create_if_missing() is True
    await hub.delete()
