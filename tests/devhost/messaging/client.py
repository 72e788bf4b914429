"""A stand-in for a DTFx `TaskHubClient` in-process: the same messages, queues and rows, in its order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from azure.storage.queue import QueueClient

from devhost.messaging import (
    MessageData,
    build_message,
    control_queue_for,
    control_queue_names,
    large_message_blob_name,
    large_message_wrapper,
    serialize_message,
)
from devhost.protocol import HistoryEvent, InstanceRecord, RuntimeStatus, format_timestamp
from devhost.protocol import history as events
from devhost.storage import StorageClients
from devhost.tracking import TaskHub

PARTITIONS = 4


def now_text() -> str:
    return format_timestamp(datetime.now(UTC))


class QueueClientSide:
    """Sends client messages to the control queue of each instance and writes the client's Pending rows."""

    def __init__(self, hub: TaskHub, clients: StorageClients, connection: str) -> None:
        self.hub = hub
        self._clients = clients
        self._connection = connection

    async def create_queues(self) -> None:
        """`CreateIfNotExistsAsync`, which the client runs before it writes."""
        for name in control_queue_names(self.hub.names.hub, PARTITIONS):
            await self._clients.queue(name).create_if_missing()

    def queue_name(self, instance_id: str) -> str:
        return control_queue_for(self.hub.names.hub, instance_id, PARTITIONS)

    async def send(self, message: MessageData | str, instance_id: str) -> None:
        text = message if isinstance(message, str) else serialize_message(message)
        await self._clients.queue(self.queue_name(instance_id)).send(text)

    async def send_large(self, message: MessageData) -> str:
        """Upload the message gzip-compressed and queue the wrapper naming its blob, as the provider does."""
        assert message.task_message is not None
        name = large_message_blob_name(message)
        await self.hub.payloads.upload_text(name, serialize_message(message))
        await self.send(large_message_wrapper(name), message.task_message.instance_id)
        return name

    async def start(
        self, name: str, instance_id: str, input_text: str | None = None, *, write_row: bool = True
    ) -> str:
        """`CreateOrchestrationInstanceAsync`: the ExecutionStarted message first, then the Pending row."""
        execution_id = uuid.uuid4().hex
        created = datetime.now(UTC)
        started = events.execution_started(
            instance_id=instance_id,
            execution_id=execution_id,
            name=name,
            input=input_text,
            timestamp=format_timestamp(created),
            generation=0,
        )
        await self.send(
            build_message(started, instance_id=instance_id, execution_id=execution_id), instance_id
        )
        if write_row:
            await self.write_row(name, instance_id, execution_id, created, input_text)
        return execution_id

    async def write_row(
        self, name: str, instance_id: str, execution_id: str, created: datetime, input_text: str | None = None
    ) -> None:
        record = InstanceRecord(
            instance_id=instance_id,
            name=name,
            execution_id=execution_id,
            runtime_status=RuntimeStatus.Pending,
            created_time=created,
            last_updated_time=created,
            input=input_text,
        )
        await self.hub.instances.upsert_instance(record, replace=True)

    async def deliver(self, instance_id: str, event: HistoryEvent) -> None:
        """A client operation on whatever execution is current (ExecutionId null)."""
        await self.send(build_message(event, instance_id=instance_id, execution_id=None), instance_id)

    async def raise_event(self, instance_id: str, name: str, data: str | None) -> None:
        await self.deliver(instance_id, events.event_raised(name=name, input=data, timestamp=now_text()))

    async def terminate(self, instance_id: str, reason: str) -> None:
        await self.deliver(instance_id, events.execution_terminated(reason=reason, timestamp=now_text()))

    def queued(self) -> int:
        """Messages on the hub's control queues, invisible ones included."""
        total = 0
        for name in control_queue_names(self.hub.names.hub, PARTITIONS):
            with QueueClient.from_connection_string(self._connection, name) as queue:
                total += queue.get_queue_properties().approximate_message_count or 0
        return total
