"""Turns the SDK's answer for one episode into history events, work items and the execution's outcome.

This is the extension's response processing (`OutOfProcOrchestrationShim`) plus DTFx's decision
processing: every sequence id the SDK allocated that has no scheduling event yet becomes one (in id
order), then the outcome decides the tail of the episode:

    running           ... scheduling events, OrchestratorCompleted
    completed/failed  ... scheduling events, ExecutionCompleted, OrchestratorCompleted
    continued-as-new  ... scheduling events, ContinueAsNew          (DTFx adds no OrchestratorCompleted)

The terminal event's `EventId` is the number of ids DTFx allocated (continue-as-new takes none).
Scheduling events carry no `Input`, as DTFx writes them for the host (`includeParameters` is off unless
`storeInputsInOrchestrationHistory`): the input travels in the work item (`ActivityWork`,
`SubOrchestrationWork`), and recovery finds it again by replaying the orchestrator (`replayed_inputs`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from devhost.protocol import history
from devhost.protocol.context import ExecutionInfo
from devhost.protocol.entities import REQUEST_EVENT_NAME, EntityRequest, orchestrator_request_id
from devhost.protocol.functions import RegisteredFunctions
from devhost.protocol.history import HistoryEvent
from devhost.protocol.index import HistoryIndex
from devhost.protocol.payloads import quote_json_string, to_compact_json
from devhost.protocol.replay import ActionKind, ReplayResult, ScheduledAction
from devhost.protocol.timefmt import format_timestamp
from devhost.protocol.types import RuntimeStatus
from devhost.protocol.validation import NON_DETERMINISTIC_DETAILS_PREFIX, invalid_call, non_determinism
from devhost.protocol.work import (
    ActivityWork,
    EntityMessageWork,
    EpisodeResult,
    SubOrchestrationWork,
    TimerWork,
    parent_notification,
)


@dataclass(slots=True)
class Episode:
    """An episode being assembled: its events so far and the work it schedules."""

    execution: ExecutionInfo
    timestamp: str
    now: datetime
    events: list[HistoryEvent]
    activities: list[ActivityWork] = field(default_factory=list)
    timers: list[TimerWork] = field(default_factory=list)
    sub_orchestrations: list[SubOrchestrationWork] = field(default_factory=list)
    entity_messages: list[EntityMessageWork] = field(default_factory=list)

    def schedule(self, action: ScheduledAction) -> None:
        if action.kind is ActionKind.ACTIVITY:
            self._schedule_activity(action)
        elif action.kind is ActionKind.TIMER:
            self._schedule_timer(action)
        elif action.kind is ActionKind.SUB_ORCHESTRATION:
            self._schedule_sub_orchestration(action)
        else:
            self._send_entity_message(action)

    def _schedule_activity(self, action: ScheduledAction) -> None:
        payload = action.input or "null"
        self.events.append(
            history.task_scheduled(
                event_id=action.task_id, name=action.name, input=None, timestamp=self.timestamp
            )
        )
        self.activities.append(ActivityWork(action.task_id, action.name, payload))

    def _schedule_timer(self, action: ScheduledAction) -> None:
        assert action.fire_at is not None
        fire_at = format_timestamp(action.fire_at)
        self.events.append(
            history.timer_created(event_id=action.task_id, fire_at=fire_at, timestamp=self.timestamp)
        )
        self.timers.append(TimerWork(action.task_id, action.fire_at))

    def _schedule_sub_orchestration(self, action: ScheduledAction) -> None:
        instance_id = action.instance_id or f"{self.execution.execution_id}:{action.task_id}"
        child_input = quote_json_string(action.input or "null")
        version = action.version or ""
        self.events.append(
            history.sub_orchestration_created(
                event_id=action.task_id,
                name=action.name,
                instance_id=instance_id,
                input=None,
                timestamp=self.timestamp,
                version=version,
            )
        )
        self.sub_orchestrations.append(
            SubOrchestrationWork(action.task_id, action.name, instance_id, child_input, version)
        )

    def _send_entity_message(self, action: ScheduledAction) -> None:
        request = EntityRequest(
            operation=action.operation or "",
            input=quote_json_string(action.input or "null"),
            request_id=orchestrator_request_id(
                self.execution.instance_id, self.execution.execution_id, action.task_id
            ),
            is_signal=action.kind is ActionKind.ENTITY_SIGNAL,
            parent_instance_id=self.execution.instance_id,
            parent_execution_id=self.execution.execution_id,
        )
        self.events.append(
            history.event_sent(
                event_id=action.task_id,
                instance_id=action.name,
                name=REQUEST_EVENT_NAME,
                input=request.to_json(self.timestamp),
                timestamp=self.timestamp,
            )
        )
        self.entity_messages.append(EntityMessageWork(action.task_id, action.name, request))

    def finish(
        self,
        status: RuntimeStatus,
        *,
        terminal_id: int = 0,
        ran_orchestrator: bool = True,
        output: str | None = None,
        failure_details: str | None = None,
        custom_status: str | None = None,
        canceled_timer_ids: list[int] | None = None,
    ) -> EpisodeResult:
        """Append the tail events for `status` and package the result."""
        if status is RuntimeStatus.ContinuedAsNew:
            assert output is not None
            self.events.append(
                history.continue_as_new(event_id=terminal_id, input=output, timestamp=self.timestamp)
            )
            # Activities and timers of an execution that continues as new are never sent (DTFx).
            self.activities.clear()
            self.timers.clear()
        else:
            if status.is_terminal:
                self.events.append(
                    history.execution_completed(
                        event_id=terminal_id, status=status, result=output, timestamp=self.timestamp
                    )
                )
            self.events.append(history.orchestrator_completed(timestamp=self.timestamp))
        return EpisodeResult(
            new_events=self.events,
            status=status,
            output=output,
            failure_details=failure_details,
            custom_status=custom_status,
            ran_orchestrator=ran_orchestrator,
            activities=self.activities,
            timers=self.timers,
            sub_orchestrations=self.sub_orchestrations,
            entity_messages=self.entity_messages,
            canceled_timer_ids=canceled_timer_ids or [],
            parent_notification=parent_notification(
                self.execution,
                status,
                output=output,
                failure_details=failure_details,
                timestamp=self.timestamp,
            ),
        )


def conclude(
    replay: ReplayResult,
    *,
    execution: ExecutionInfo,
    index: HistoryIndex,
    functions: RegisteredFunctions,
    current_events: list[HistoryEvent],
    timestamp: str,
) -> EpisodeResult:
    """The episode's result from the SDK's answer; `index` covers the past history and `current_events`."""
    episode = Episode(execution, timestamp, replay.current_time, current_events)
    by_id = {action.task_id: action for action in replay.actions}
    calls = [action for action in replay.actions if action.kind is not ActionKind.CONTINUE_AS_NEW]
    mismatch = non_determinism(index.scheduled, by_id)
    if mismatch is not None:
        return episode.finish(
            RuntimeStatus.Failed,
            terminal_id=len(calls),
            output=mismatch,
            failure_details=NON_DETERMINISTIC_DETAILS_PREFIX + mismatch,
        )
    refused = invalid_call(calls, functions, execution)
    invoked = refused[0] if refused else len(calls)  # the shim stops at the action it cannot invoke
    for action in calls[:invoked]:
        if action.task_id not in index.scheduled:
            episode.schedule(action)
    if refused is not None:
        reason = _orchestrator_failure(execution, refused[1])
        return episode.finish(
            RuntimeStatus.Failed,
            terminal_id=invoked,
            output=reason,
            failure_details=f"System.ArgumentException: {reason}",
        )
    state = replay.state
    custom_status = to_compact_json(state["customStatus"]) if state.get("customStatus") else None
    if state.get("error"):
        return episode.finish(
            RuntimeStatus.Failed,
            terminal_id=invoked,
            output=_orchestrator_failure(execution, state["error"]),
            failure_details=f"Message: {state['error']}, StackTrace: {replay.error_details}",
            custom_status=custom_status,
        )
    if not state.get("isDone"):
        canceled = [a.task_id for a in calls if a.canceled and a.task_id not in index.completed]
        return episode.finish(RuntimeStatus.Running, custom_status=custom_status, canceled_timer_ids=canceled)
    continued = next((a for a in replay.actions if a.kind is ActionKind.CONTINUE_AS_NEW), None)
    if continued is not None:
        next_input = quote_json_string(continued.input or "null")
        return episode.finish(
            RuntimeStatus.ContinuedAsNew, terminal_id=invoked, output=next_input, custom_status=custom_status
        )
    output = to_compact_json(state["output"]) if "output" in state else None
    return episode.finish(
        RuntimeStatus.Completed, terminal_id=invoked, output=output, custom_status=custom_status
    )


def _orchestrator_failure(execution: ExecutionInfo, message: str) -> str:
    return f"Orchestrator function '{execution.name}' failed: {message}"
