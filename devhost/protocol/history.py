"""History events as the plain dicts the extension sends to the SDK (DTFx `History/*.cs` DataMembers).

Every event carries `EventType` (int), `EventId`, `IsPlayed` and `Timestamp`; type-specific members are
always present (null when empty) and keys follow Newtonsoft's order for the DTFx classes (`EventType`,
the type's own members, then `EventId`, `IsPlayed`, `Timestamp`; `ExecutionStarted` opens with
`OrchestrationInstance`). Scheduling events carry the SDK sequence id as `EventId`; all others use -1.

Timestamps are passed in as text (see `timefmt.format_timestamp`) so one formatted episode time can be
shared by every event of an episode. Constructors return new events with `IsPlayed: false`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devhost.protocol.types import EventType, RuntimeStatus

HistoryEvent = dict[str, Any]
"""One history event, JSON-ready (the SDK builds `HistoryEvent(**event)` from it)."""

NO_EVENT_ID = -1

SCHEDULING_TYPES = frozenset(
    {
        EventType.TaskScheduled,
        EventType.TimerCreated,
        EventType.SubOrchestrationInstanceCreated,
        EventType.EventSent,
    }
)
"""Events whose `EventId` is a sequence id allocated by the orchestrator."""

COMPLETION_SCHEDULER = {
    EventType.TaskCompleted: EventType.TaskScheduled,
    EventType.TaskFailed: EventType.TaskScheduled,
    EventType.SubOrchestrationInstanceCompleted: EventType.SubOrchestrationInstanceCreated,
    EventType.SubOrchestrationInstanceFailed: EventType.SubOrchestrationInstanceCreated,
    EventType.TimerFired: EventType.TimerCreated,
}
"""Completion event type -> the scheduling event type whose sequence id it completes."""

TERMINAL_TYPES = frozenset({EventType.ExecutionCompleted, EventType.ContinueAsNew})


@dataclass(frozen=True, slots=True)
class ParentInstance:
    """The `ParentInstance` of a sub-orchestration's `ExecutionStarted`."""

    name: str
    instance_id: str
    execution_id: str
    task_schedule_id: int
    version: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "Name": self.name,
            "OrchestrationInstance": {"InstanceId": self.instance_id, "ExecutionId": self.execution_id},
            "TaskScheduleId": self.task_schedule_id,
            "Version": self.version,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> ParentInstance:
        instance = value["OrchestrationInstance"]
        return cls(
            name=value["Name"],
            instance_id=instance["InstanceId"],
            execution_id=instance["ExecutionId"],
            task_schedule_id=value["TaskScheduleId"],
            version=value.get("Version") or "",
        )


def completion_key(event: HistoryEvent) -> int:
    """The sequence id a completion event (`COMPLETION_SCHEDULER` key) completes."""
    if event["EventType"] == EventType.TimerFired:
        return int(event["TimerId"])
    return int(event["TaskScheduledId"])


def _event(
    event_type: EventType, members: dict[str, Any], timestamp: str, event_id: int = NO_EVENT_ID
) -> HistoryEvent:
    return {
        "EventType": int(event_type),
        **members,
        "EventId": event_id,
        "IsPlayed": False,
        "Timestamp": timestamp,
    }


def execution_started(
    *,
    instance_id: str,
    execution_id: str,
    name: str,
    input: str | None,
    timestamp: str,
    version: str = "",
    parent: ParentInstance | None = None,
    generation: int | None = None,
) -> HistoryEvent:
    """`ExecutionStartedEvent`; `input` is the stored JSON text (the client's serialized input)."""
    return {
        "OrchestrationInstance": {"InstanceId": instance_id, "ExecutionId": execution_id},
        **_event(
            EventType.ExecutionStarted,
            {
                "ParentInstance": parent.to_json() if parent else None,
                "Name": name,
                "Version": version,
                "Input": input,
                "Tags": None,
                "Correlation": None,
                "ParentTraceContext": None,
                "ScheduledStartTime": None,
                "Generation": generation,
                "GenerateNewTrace": False,
            },
            timestamp,
        ),
    }


def execution_completed(
    *, event_id: int, status: RuntimeStatus, result: str | None, timestamp: str
) -> HistoryEvent:
    """`ExecutionCompletedEvent`: `result` is the output JSON text, or the failure/terminate reason."""
    members = {"OrchestrationStatus": status.value, "Result": result, "FailureDetails": None}
    return _event(EventType.ExecutionCompleted, members, timestamp, event_id)


def continue_as_new(*, event_id: int, input: str, timestamp: str) -> HistoryEvent:
    """`ContinueAsNewEvent` ending an execution; `input` is the next execution's stored input."""
    members = {
        "OrchestrationStatus": RuntimeStatus.ContinuedAsNew.value,
        "Result": input,
        "FailureDetails": None,
    }
    return _event(EventType.ContinueAsNew, members, timestamp, event_id)


def execution_terminated(*, reason: str | None, timestamp: str) -> HistoryEvent:
    return _event(EventType.ExecutionTerminated, {"Input": reason}, timestamp)


def execution_suspended(*, reason: str | None, timestamp: str) -> HistoryEvent:
    return _event(EventType.ExecutionSuspended, {"Reason": reason}, timestamp)


def execution_resumed(*, reason: str | None, timestamp: str) -> HistoryEvent:
    return _event(EventType.ExecutionResumed, {"Reason": reason}, timestamp)


def orchestrator_started(*, timestamp: str) -> HistoryEvent:
    return _event(EventType.OrchestratorStarted, {}, timestamp)


def orchestrator_completed(*, timestamp: str) -> HistoryEvent:
    return _event(EventType.OrchestratorCompleted, {}, timestamp)


def task_scheduled(*, event_id: int, name: str, input: str | None, timestamp: str) -> HistoryEvent:
    """`TaskScheduledEvent`; the host's history keeps no `input` (None, see `scheduling`)."""
    members = {"Name": name, "Version": "", "Input": input, "ParentTraceContext": None, "Tags": None}
    return _event(EventType.TaskScheduled, members, timestamp, event_id)


def task_completed(*, task_scheduled_id: int, result: str | None, timestamp: str) -> HistoryEvent:
    """`TaskCompletedEvent`; `result` is compact JSON text or None (see `activities.activity_result`)."""
    return _event(
        EventType.TaskCompleted, {"TaskScheduledId": task_scheduled_id, "Result": result}, timestamp
    )


def task_failed(
    *, task_scheduled_id: int, reason: str | None, details: str | None, timestamp: str
) -> HistoryEvent:
    members = {
        "TaskScheduledId": task_scheduled_id,
        "Reason": reason,
        "Details": details,
        "FailureDetails": None,
    }
    return _event(EventType.TaskFailed, members, timestamp)


def sub_orchestration_created(
    *, event_id: int, name: str, instance_id: str, input: str | None, timestamp: str, version: str = ""
) -> HistoryEvent:
    members = {
        "Name": name,
        "Version": version,
        "InstanceId": instance_id,
        "Input": input,
        "ClientSpanId": None,
        "Tags": None,
    }
    return _event(EventType.SubOrchestrationInstanceCreated, members, timestamp, event_id)


def sub_orchestration_completed(
    *, task_scheduled_id: int, result: str | None, timestamp: str
) -> HistoryEvent:
    members = {"TaskScheduledId": task_scheduled_id, "Result": result}
    return _event(EventType.SubOrchestrationInstanceCompleted, members, timestamp)


def sub_orchestration_failed(
    *, task_scheduled_id: int, reason: str | None, details: str | None, timestamp: str
) -> HistoryEvent:
    members = {
        "TaskScheduledId": task_scheduled_id,
        "Reason": reason,
        "Details": details,
        "FailureDetails": None,
    }
    return _event(EventType.SubOrchestrationInstanceFailed, members, timestamp)


def timer_created(*, event_id: int, fire_at: str, timestamp: str) -> HistoryEvent:
    return _event(EventType.TimerCreated, {"FireAt": fire_at}, timestamp, event_id)


def timer_fired(*, timer_id: int, fire_at: str, timestamp: str) -> HistoryEvent:
    return _event(EventType.TimerFired, {"TimerId": timer_id, "FireAt": fire_at}, timestamp)


def event_sent(
    *, event_id: int, instance_id: str, name: str, input: str | None, timestamp: str
) -> HistoryEvent:
    members = {"InstanceId": instance_id, "Name": name, "Input": input}
    return _event(EventType.EventSent, members, timestamp, event_id)


def event_raised(*, name: str, input: str | None, timestamp: str) -> HistoryEvent:
    """`EventRaisedEvent`: an external event (`input` = compact JSON text) or an entity response."""
    return _event(
        EventType.EventRaised, {"Name": name, "Input": input, "ParentTraceContext": None}, timestamp
    )


def generic_event(*, data: str, timestamp: str) -> HistoryEvent:
    """`GenericEvent`: what a rewind leaves in place of each failure it undoes (the SDK ignores it)."""
    return {**_event(EventType.GenericEvent, {"Data": data}, timestamp), "IsPlayed": True}
