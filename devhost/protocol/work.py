"""What one episode asks the runtime to do: work items, the outcome, and the parent's notification."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from devhost.protocol.context import ExecutionInfo
from devhost.protocol.entities import EntityRequest, split_scheduler_id
from devhost.protocol.history import (
    HistoryEvent,
    execution_started,
    sub_orchestration_completed,
    sub_orchestration_failed,
)
from devhost.protocol.types import RuntimeStatus


@dataclass(frozen=True, slots=True)
class ActivityWork:
    """Run activity `name`; deliver `TaskCompleted`/`TaskFailed` with `TaskScheduledId = task_id`."""

    task_id: int
    name: str
    input: str
    """The trigger payload: the orchestrator's JSON text verbatim (the worker `df_loads` it)."""


@dataclass(frozen=True, slots=True)
class TimerWork:
    """At `fire_at` deliver `TimerFired(timer_id, fire_at)`, in an episode stamped no earlier than it."""

    timer_id: int
    fire_at: datetime


@dataclass(frozen=True, slots=True)
class SubOrchestrationWork:
    """Start orchestration `name` as `instance_id`; report back with `TaskScheduledId = task_id`."""

    task_id: int
    name: str
    instance_id: str
    input: str
    """The child's stored input (its `ExecutionStarted.Input`)."""
    version: str

    def execution_started(self, parent: ExecutionInfo, *, execution_id: str, timestamp: str) -> HistoryEvent:
        """The child's first event, naming `parent` (the scheduling execution) as its parent."""
        return execution_started(
            instance_id=self.instance_id,
            execution_id=execution_id,
            name=self.name,
            input=self.input,
            timestamp=timestamp,
            version=self.version,
            parent=parent.as_parent(self.task_id),
        )


@dataclass(frozen=True, slots=True)
class EntityMessageWork:
    """Deliver `request` to entity `target` (`@name@key`), in order per entity."""

    task_id: int
    target: str
    request: EntityRequest

    @property
    def entity_name(self) -> str:
        return split_scheduler_id(self.target)[0]

    @property
    def entity_key(self) -> str:
        return split_scheduler_id(self.target)[1]


@dataclass(frozen=True, slots=True)
class ParentNotification:
    """`SubOrchestrationInstanceCompleted/Failed` for the parent execution that started this one."""

    instance_id: str
    execution_id: str
    event: HistoryEvent


@dataclass(frozen=True, slots=True)
class EpisodeResult:
    """Everything one episode produced; see `devhost.protocol.episode` for what to do with each field."""

    new_events: list[HistoryEvent]
    status: RuntimeStatus
    output: str | None = None
    failure_details: str | None = None
    custom_status: str | None = None
    ran_orchestrator: bool = False
    activities: list[ActivityWork] = field(default_factory=list)
    timers: list[TimerWork] = field(default_factory=list)
    sub_orchestrations: list[SubOrchestrationWork] = field(default_factory=list)
    entity_messages: list[EntityMessageWork] = field(default_factory=list)
    canceled_timer_ids: list[int] = field(default_factory=list)
    parent_notification: ParentNotification | None = None
    dropped_events: list[HistoryEvent] = field(default_factory=list)


def parent_notification(
    execution: ExecutionInfo,
    status: RuntimeStatus,
    *,
    output: str | None,
    failure_details: str | None,
    timestamp: str,
) -> ParentNotification | None:
    """What a finished sub-orchestration sends its parent (None for top-level or unfinished executions)."""
    parent = execution.parent
    if parent is None or status not in _NOTIFIED:
        return None
    if status is RuntimeStatus.Completed:
        event = sub_orchestration_completed(
            task_scheduled_id=parent.task_schedule_id, result=output, timestamp=timestamp
        )
    else:
        event = sub_orchestration_failed(
            task_scheduled_id=parent.task_schedule_id,
            reason=output,
            details=failure_details,
            timestamp=timestamp,
        )
    return ParentNotification(parent.instance_id, parent.execution_id, event)


_NOTIFIED = frozenset({RuntimeStatus.Completed, RuntimeStatus.Failed, RuntimeStatus.Terminated})
