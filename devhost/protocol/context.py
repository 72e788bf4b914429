"""The orchestration context JSON the extension hands the SDK's orchestrator handle.

`OrchestrationTriggerAttributeBindingProvider.OrchestrationContextToString`: the current execution's
history (earlier episodes `IsPlayed: true`, the current one `false`), the input as a JSON value, and the
replay-schema and long-timer settings of the Azure Storage provider (the SDK splits timers longer than
6 days into 3-day sub-timers itself).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from devhost.protocol.errors import HistoryError
from devhost.protocol.history import HistoryEvent, ParentInstance
from devhost.protocol.types import EventType

UPPER_SCHEMA_VERSION = 1
"""`SchemaVersion.V2`, the extension's `upperSchemaVersion`."""
UPPER_SCHEMA_VERSION_NEW = 2
"""`SchemaVersion.V3`: the SDK answers with one cumulative action list and splits long timers."""
LONG_RUNNING_TIMER_INTERVAL = "3.00:00:00"
MAXIMUM_SHORT_TIMER_DURATION = "6.00:00:00"
DEFAULT_HTTP_ASYNC_SLEEP_MS = 30000


@dataclass(frozen=True, slots=True)
class ExecutionInfo:
    """Who is running: what one execution's `ExecutionStarted` event says."""

    instance_id: str
    execution_id: str
    name: str
    version: str
    input: str | None
    parent: ParentInstance | None

    def as_parent(self, task_id: int) -> ParentInstance:
        """This execution as the `ParentInstance` of the child it schedules with sequence id `task_id`."""
        return ParentInstance(
            name=self.name,
            instance_id=self.instance_id,
            execution_id=self.execution_id,
            task_schedule_id=task_id,
            version=self.version,
        )

    @classmethod
    def from_started(cls, event: HistoryEvent) -> ExecutionInfo:
        if event["EventType"] != EventType.ExecutionStarted:
            raise HistoryError(f"expected an ExecutionStarted event, got EventType {event['EventType']}")
        instance = event["OrchestrationInstance"]
        parent = event.get("ParentInstance")
        return cls(
            instance_id=instance["InstanceId"],
            execution_id=instance["ExecutionId"],
            name=event["Name"],
            version=event.get("Version") or "",
            input=event.get("Input"),
            parent=ParentInstance.from_json(parent) if parent else None,
        )


def as_played(events: Sequence[HistoryEvent]) -> list[HistoryEvent]:
    """Earlier episodes as the SDK must see them: `IsPlayed: true` (copies only events that are not)."""
    return [event if event["IsPlayed"] else {**event, "IsPlayed": True} for event in events]


def build_context(
    execution: ExecutionInfo, history: list[HistoryEvent], *, is_replaying: bool
) -> dict[str, Any]:
    """The context object; `history` is every event of the execution, the current episode last."""
    return {
        "history": history,
        "input": json.loads(execution.input) if execution.input is not None else None,
        "instanceId": execution.instance_id,
        "isReplaying": is_replaying,
        "parentInstanceId": execution.parent.instance_id if execution.parent else None,
        "upperSchemaVersion": UPPER_SCHEMA_VERSION,
        "upperSchemaVersionNew": UPPER_SCHEMA_VERSION_NEW,
        "longRunningTimerIntervalDuration": LONG_RUNNING_TIMER_INTERVAL,
        "maximumShortTimerDuration": MAXIMUM_SHORT_TIMER_DURATION,
        "defaultHttpAsyncRequestSleepTimeMillseconds": DEFAULT_HTTP_ASYNC_SLEEP_MS,
    }


def context_json(past: Sequence[HistoryEvent], current: Sequence[HistoryEvent]) -> str:
    """The context JSON text for an episode: `past` = earlier episodes, `current` = this one so far.

    `current` starts with the episode's `OrchestratorStarted` and holds its new inbound events
    (`IsPlayed: false`); the execution's `ExecutionStarted` is in `past`, or in `current` for episode 1.
    """
    history = [*as_played(past), *current]
    started = next((event for event in history if event["EventType"] == EventType.ExecutionStarted), None)
    if started is None:
        raise HistoryError("the history has no ExecutionStarted event")
    context = build_context(ExecutionInfo.from_started(started), history, is_replaying=started["IsPlayed"])
    return json.dumps(context)
