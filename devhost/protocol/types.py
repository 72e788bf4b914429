"""Shared vocabulary of the Durable Task Framework: event types, runtime statuses, instance records."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class EventType(enum.IntEnum):
    """DurableTask.Core `EventType`: the integer goes to the SDK, the name into the History table."""

    ExecutionStarted = 0
    ExecutionCompleted = 1
    ExecutionFailed = 2
    ExecutionTerminated = 3
    TaskScheduled = 4
    TaskCompleted = 5
    TaskFailed = 6
    SubOrchestrationInstanceCreated = 7
    SubOrchestrationInstanceCompleted = 8
    SubOrchestrationInstanceFailed = 9
    TimerCreated = 10
    TimerFired = 11
    OrchestratorStarted = 12
    OrchestratorCompleted = 13
    EventSent = 14
    EventRaised = 15
    ContinueAsNew = 16
    GenericEvent = 17
    HistoryState = 18
    ExecutionSuspended = 19
    ExecutionResumed = 20
    ExecutionRewound = 21


ACTIVITY_RESULTS = frozenset({EventType.TaskCompleted, EventType.TaskFailed})
"""The events that bring an activity's outcome into an orchestration's history."""


class RuntimeStatus(enum.Enum):
    """DurableTask.Core `OrchestrationStatus`; `.value` is the integer used in `ExecutionCompleted`."""

    Running = 0
    Completed = 1
    ContinuedAsNew = 2
    Failed = 3
    Canceled = 4
    Terminated = 5
    Pending = 6
    Suspended = 7

    @property
    def is_terminal(self) -> bool:
        """Completed, Failed, Terminated and Canceled instances take no more events."""
        return self in _TERMINAL


_TERMINAL = frozenset(
    {RuntimeStatus.Completed, RuntimeStatus.Failed, RuntimeStatus.Terminated, RuntimeStatus.Canceled}
)


@dataclass
class InstanceRecord:
    """One row of `<Hub>Instances`: what the status API reports about an orchestration instance.

    Payload fields hold the stored JSON text (or, for a failure or terminate reason, plain text);
    `custom_status` is the JSON text of the custom status or `None` when never set.
    """

    instance_id: str
    name: str
    execution_id: str
    runtime_status: RuntimeStatus
    created_time: datetime
    last_updated_time: datetime
    input: str | None = None
    output: str | None = None
    custom_status: str | None = None
    completed_time: datetime | None = None
    version: str = ""
    parent_instance_id: str | None = None
    generation: int = 0
