"""The Azure Storage provider's queue message: `MessageData` JSON with Newtonsoft `$type` names.

A queue message's text is `MessageData` {`ActivityId`, `TaskMessage` {`Event`, `SequenceNumber`,
`OrchestrationInstance`, `OrchestrationExecutionContext`}, `CompressedBlobName`, `SequenceNumber`,
`Episode` (only when set), `Sender`, `SerializableTraceContext`}, written compactly by Newtonsoft with
`TypeNameHandling.Objects` (`MessageManager.cs`, `MessageData.cs`): every object of a DurableTask type
opens with its `$type` full name (`Sender` excepted, as the captures in dtfx-wire show). A message
whose JSON exceeds 45 KiB is uploaded whole, gzip-compressed, to `<hub>-largemessages` as
`<instance id>/message-<activity id>-<EventType>.json.gz`; the queue then carries a wrapper with only
`CompressedBlobName`.

`parse_message` keeps the decoded object as it was, so `serialize_message` gives the provider's text
back byte for byte. `TaskMessage.event` is the history event without `$type` names: the plain event
dict the devhost uses everywhere (`devhost.protocol.history`), which has the same members in the same
order. `build_message` goes the other way, as a DTFx client or worker writes a message.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from devhost.messaging.errors import InvalidMessageError
from devhost.protocol.history import HistoryEvent
from devhost.protocol.types import EventType

TYPE_KEY = "$type"
MESSAGE_DATA_TYPE = "DurableTask.AzureStorage.MessageData"
TASK_MESSAGE_TYPE = "DurableTask.Core.TaskMessage"
INSTANCE_TYPE = "DurableTask.Core.OrchestrationInstance"
HISTORY_NAMESPACE = "DurableTask.Core.History."
MAX_INLINE_MESSAGE_BYTES = 45 * 1024
"""`MessageManager.MaxStorageQueuePayloadSizeInBytes`: larger messages travel through a blob."""
EMPTY_ACTIVITY_ID = "00000000-0000-0000-0000-000000000000"
LARGE_MESSAGE_MARKER = "/message-"

_STRING_DICTIONARY_TYPE = (
    "System.Collections.Generic.Dictionary`2[[System.String, System.Private.CoreLib],"
    "[System.String, System.Private.CoreLib]]"
)
# Members of history events that hold objects, and the .NET type Newtonsoft names for them.
_NESTED_TYPES = {
    "OrchestrationInstance": INSTANCE_TYPE,
    "ParentInstance": "DurableTask.Core.ParentInstance",
    "FailureDetails": "DurableTask.Core.FailureDetails",
    "InnerFailure": "DurableTask.Core.FailureDetails",
    "Tags": _STRING_DICTIONARY_TYPE,
}
# Newtonsoft's default escaping also covers these three, which Python's json leaves as they are.
_NEWTONSOFT_ESCAPES = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def event_class_name(event_type: EventType) -> str:
    """The DurableTask.Core class of an event type (`EventRaised` -> `EventRaisedEvent`)."""
    return event_type.name if event_type is EventType.GenericEvent else f"{event_type.name}Event"


_EVENT_TYPES_BY_CLASS = {
    HISTORY_NAMESPACE + event_class_name(t): t for t in EventType if t is not EventType.ExecutionFailed
}


@dataclass(frozen=True)
class TaskMessage:
    """The `TaskMessage` of an envelope: which instance (and execution, if named) gets which event."""

    instance_id: str
    execution_id: str | None
    event_type: EventType
    event: HistoryEvent


@dataclass(frozen=True)
class MessageData:
    """One queue message: `document` is the JSON object as written, `$type` names included."""

    document: dict[str, Any]
    task_message: TaskMessage | None
    compressed_blob_name: str | None

    @property
    def activity_id(self) -> str:
        value = self.document.get("ActivityId")
        return value if isinstance(value, str) else EMPTY_ACTIVITY_ID


def parse_message(text: str) -> MessageData:
    """Decode a queue message's text; InvalidMessageError says what is wrong with it."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise InvalidMessageError(f"not JSON ({exc})", code="messaging.message.not_json") from exc
    if not isinstance(document, dict):
        raise InvalidMessageError("not a JSON object", code="messaging.message.not_object")
    instance_id = _instance_id_in(document)
    if document.get(TYPE_KEY) != MESSAGE_DATA_TYPE:
        raise InvalidMessageError(
            f"unknown $type {document.get(TYPE_KEY)!r} (expected {MESSAGE_DATA_TYPE})",
            code="messaging.message.unknown_type",
            instance_id=instance_id,
        )
    blob_name = document.get("CompressedBlobName")
    if blob_name is not None and not isinstance(blob_name, str):
        raise InvalidMessageError(
            "CompressedBlobName is not a string", code="messaging.message.blob_name", instance_id=instance_id
        )
    task = document.get("TaskMessage")
    if task is None and not blob_name:
        raise InvalidMessageError(
            "the message has neither a TaskMessage nor a CompressedBlobName",
            code="messaging.message.empty",
        )
    task_message = None if task is None else _task_message(task, instance_id)
    return MessageData(document, task_message, blob_name or None)


def serialize_message(message: MessageData) -> str:
    """The message's text as the provider writes it (compact Newtonsoft JSON)."""
    text = json.dumps(message.document, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in _NEWTONSOFT_ESCAPES.items():
        if char in text:  # these can only occur inside strings
            text = text.replace(char, escaped)
    return text


def build_message(
    event: HistoryEvent,
    *,
    instance_id: str,
    execution_id: str | None,
    activity_id: str | None = None,
    sequence_number: int = 1,
    episode: int | None = None,
    sender: tuple[str, str] = ("", ""),
) -> MessageData:
    """The envelope a DTFx client (empty `sender`) or worker writes to deliver `event`.

    `execution_id` is None for messages meant for whatever execution is current (raise, terminate).
    """
    event_type = EventType(event["EventType"])
    task = {
        TYPE_KEY: TASK_MESSAGE_TYPE,
        "Event": _annotated(event, HISTORY_NAMESPACE + event_class_name(event_type)),
        "SequenceNumber": 0,
        "OrchestrationInstance": {
            TYPE_KEY: INSTANCE_TYPE,
            "InstanceId": instance_id,
            "ExecutionId": execution_id,
        },
        "OrchestrationExecutionContext": None,
    }
    document: dict[str, Any] = {
        TYPE_KEY: MESSAGE_DATA_TYPE,
        "ActivityId": activity_id or str(uuid.uuid4()),
        "TaskMessage": task,
        "CompressedBlobName": None,
        "SequenceNumber": sequence_number,
    }
    if episode is not None:
        document["Episode"] = episode
    document["Sender"] = {"InstanceId": sender[0], "ExecutionId": sender[1]}
    document["SerializableTraceContext"] = None
    plain = TaskMessage(instance_id, execution_id, event_type, _without_types(task["Event"]))
    return MessageData(document, plain, None)


def large_message_blob_name(message: MessageData) -> str:
    """Where the provider uploads a too-large message: `<instance>/message-<activity id>-<type>.json.gz`."""
    task = message.task_message
    if task is None:
        raise ValueError("a large-message wrapper has no TaskMessage to name its blob after")
    activity = uuid.UUID(message.activity_id).hex
    return f"{task.instance_id}{LARGE_MESSAGE_MARKER}{activity}-{task.event_type.name}.json.gz"


def large_message_wrapper(blob_name: str) -> MessageData:
    """The queue message that stands for a message uploaded to `blob_name`."""
    document = {
        TYPE_KEY: MESSAGE_DATA_TYPE,
        "ActivityId": EMPTY_ACTIVITY_ID,
        "TaskMessage": None,
        "CompressedBlobName": blob_name,
        "SequenceNumber": 0,
        "Sender": None,
        "SerializableTraceContext": None,
    }
    return MessageData(document, None, blob_name)


def needs_large_message_blob(text: str) -> bool:
    """True when a serialized message is too large to go on the queue itself."""
    return len(text) > MAX_INLINE_MESSAGE_BYTES or len(text.encode("utf-8")) > MAX_INLINE_MESSAGE_BYTES


def instance_of_blob_name(blob_name: str) -> str | None:
    """The instance id a large-message blob name starts with, if it has the provider's form."""
    instance_id, marker, _ = blob_name.rpartition(LARGE_MESSAGE_MARKER)
    return instance_id if marker and instance_id else None


def _task_message(value: object, instance_id: str | None) -> TaskMessage:
    if not isinstance(value, dict) or value.get(TYPE_KEY) != TASK_MESSAGE_TYPE:
        found = value.get(TYPE_KEY) if isinstance(value, dict) else type(value).__name__
        raise InvalidMessageError(
            f"TaskMessage has unknown $type {found!r} (expected {TASK_MESSAGE_TYPE})",
            code="messaging.message.unknown_type",
            instance_id=instance_id,
        )
    if instance_id is None:
        raise InvalidMessageError(
            "TaskMessage.OrchestrationInstance.InstanceId is missing", code="messaging.message.no_instance"
        )
    execution_id = value["OrchestrationInstance"].get("ExecutionId")
    if execution_id is not None and not isinstance(execution_id, str):
        raise InvalidMessageError(
            "ExecutionId is not a string", code="messaging.message.execution_id", instance_id=instance_id
        )
    event = value.get("Event")
    type_name = event.get(TYPE_KEY) if isinstance(event, dict) else None
    event_type = _EVENT_TYPES_BY_CLASS.get(type_name) if isinstance(type_name, str) else None
    if not isinstance(event, dict) or event_type is None:
        raise InvalidMessageError(
            f"unknown event $type {type_name!r}",
            code="messaging.message.unknown_event_type",
            instance_id=instance_id,
        )
    declared = event.get("EventType")
    if type(declared) is not int or declared != event_type:
        raise InvalidMessageError(
            f"{type_name} declares EventType {declared!r}",
            code="messaging.message.event_type_mismatch",
            instance_id=instance_id,
        )
    return TaskMessage(instance_id, execution_id, event_type, _without_types(event))


def _instance_id_in(document: dict[str, Any]) -> str | None:
    """The instance id a message names, found even in messages that are otherwise invalid."""
    task = document.get("TaskMessage")
    instance = task.get("OrchestrationInstance") if isinstance(task, dict) else None
    instance_id = instance.get("InstanceId") if isinstance(instance, dict) else None
    return instance_id if isinstance(instance_id, str) else None


def _annotated(value: dict[str, Any], type_name: str) -> dict[str, Any]:
    out: dict[str, Any] = {TYPE_KEY: type_name}
    for key, item in value.items():
        nested = _NESTED_TYPES.get(key)
        out[key] = _annotated(item, nested) if nested is not None and isinstance(item, dict) else item
    return out


def _without_types(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_types(item) for key, item in value.items() if key != TYPE_KEY}
    if isinstance(value, list):
        return [_without_types(item) for item in value]
    return value
