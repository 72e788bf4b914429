"""What a client's control-queue message means in the devhost's terms: its events, records and keys.

The devhost builds its own history events for client operations (`devhost.protocol.history`) from the
message's members, after checking their types, so that whatever a message carries, history holds
exactly the events the devhost writes itself. The event keeps the sender's `Timestamp`, as the
provider's history does.
"""

from __future__ import annotations

from datetime import datetime

from devhost.messaging.envelope import TaskMessage
from devhost.messaging.errors import InvalidMessageError
from devhost.protocol import HistoryEvent, InstanceRecord, RuntimeStatus, format_timestamp
from devhost.protocol import history as events
from devhost.protocol.errors import PayloadError
from devhost.protocol.timefmt import parse_timestamp
from devhost.protocol.types import EventType
from devhost.tracking import escape_partition_key

MAX_KEY_BYTES = 1024
"""Azure Table keys hold at most 1 KiB (UTF-16)."""
ENTITY_PREFIX = "@"


def check_instance_id(instance_id: str) -> None:
    """InvalidMessageError unless `instance_id` can be an orchestration's table key."""
    try:
        key_bytes = len(escape_partition_key(instance_id).encode("utf-16-le"))
    except UnicodeEncodeError:
        key_bytes = -1
    if not instance_id or not 0 < key_bytes <= MAX_KEY_BYTES:
        raise InvalidMessageError(
            f"instance id {instance_id[:80]!r} cannot be a table key", code="messaging.message.instance_id"
        )
    if instance_id.startswith(ENTITY_PREFIX):
        raise InvalidMessageError(
            f"'{instance_id[:80]}' is an entity: entity messages are not taken from control queues",
            code="messaging.message.entity",
        )


def inbound_event(task: TaskMessage) -> HistoryEvent:
    """The devhost's own event for a client operation's message (its members checked)."""
    timestamp = format_timestamp(sent_at(task))
    event = task.event
    if task.event_type is EventType.EventRaised:
        name = event.get("Name")
        if not isinstance(name, str):
            raise _bad_member(task, "Name")
        return events.event_raised(name=name, input=_text(task, "Input"), timestamp=timestamp)
    if task.event_type is EventType.ExecutionTerminated:
        return events.execution_terminated(reason=_text(task, "Input"), timestamp=timestamp)
    if task.event_type is EventType.ExecutionSuspended:
        return events.execution_suspended(reason=_text(task, "Reason"), timestamp=timestamp)
    if task.event_type is EventType.ExecutionResumed:
        return events.execution_resumed(reason=_text(task, "Reason"), timestamp=timestamp)
    raise InvalidMessageError(
        f"{task.event_type.name} messages are not taken from control queues: the devhost runs "
        "activities, timers and sub-orchestrations itself",
        code="messaging.message.unsupported_event",
        instance_id=task.instance_id,
    )


def _text(task: TaskMessage, member: str) -> str | None:
    value = task.event.get(member)
    if value is not None and not isinstance(value, str):
        raise _bad_member(task, member)
    return value


def _bad_member(task: TaskMessage, member: str) -> InvalidMessageError:
    return InvalidMessageError(
        f"{task.event_type.name}.{member} is not a string",
        code="messaging.message.event_member",
        instance_id=task.instance_id,
    )


def sent_at(task: TaskMessage) -> datetime:
    """When the sender wrote the message (its event's `Timestamp`)."""
    try:
        return parse_timestamp(str(task.event.get("Timestamp")))
    except PayloadError as exc:
        raise InvalidMessageError(
            f"{task.event_type.name}.Timestamp is not a time ({exc})",
            code="messaging.message.timestamp",
            instance_id=task.instance_id,
        ) from exc


def start_record(
    task: TaskMessage, name: str, execution_id: str, created: datetime, now: datetime
) -> InstanceRecord:
    """The Pending row the client should have written, from its `ExecutionStarted`."""
    event = task.event
    version = event.get("Version")
    generation = event.get("Generation")
    return InstanceRecord(
        instance_id=task.instance_id,
        name=name,
        execution_id=execution_id,
        runtime_status=RuntimeStatus.Pending,
        created_time=created,
        last_updated_time=now,
        input=_text(task, "Input"),
        version=version if isinstance(version, str) else "",
        generation=generation if type(generation) is int else 0,
    )
