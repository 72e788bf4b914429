"""Runs one orchestrator episode through the SDK's own replay and reports every sequence id it used.

This is the recipe of durable-protocol.md §3.4: build the SDK's `DurableOrchestrationContext` from the
context object, run `TaskOrchestrationExecutor().execute(...)` with the registered handle's
`orchestrator_function`, and read the state JSON (from the `$OutOfProcData$` exception when user code
raised). The context subclass below records each sequence id at the moment the SDK allocates it, so the
host can schedule exactly the ids the SDK will later match completions against: the SDK's allocation
order is normative, including retry timers and rescheduled attempts allocated while it processes
failures, and long-timer sub-timers.
"""

from __future__ import annotations

import enum
import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.durable_functions.models.actions.CallActivityAction import CallActivityAction
from azure.durable_functions.models.actions.CallActivityWithRetryAction import CallActivityWithRetryAction
from azure.durable_functions.models.actions.CallEntityAction import CallEntityAction
from azure.durable_functions.models.actions.CallHttpAction import CallHttpAction
from azure.durable_functions.models.actions.CallSubOrchestratorAction import CallSubOrchestratorAction
from azure.durable_functions.models.actions.CallSubOrchestratorWithRetryAction import (
    CallSubOrchestratorWithRetryAction,
)
from azure.durable_functions.models.actions.ContinueAsNewAction import ContinueAsNewAction
from azure.durable_functions.models.actions.CreateTimerAction import CreateTimerAction
from azure.durable_functions.models.actions.NoOpAction import NoOpAction
from azure.durable_functions.models.actions.SignalEntityAction import SignalEntityAction
from azure.durable_functions.models.DurableOrchestrationContext import DurableOrchestrationContext
from azure.durable_functions.models.Task import AtomicTask
from azure.durable_functions.models.TaskOrchestrationExecutor import TaskOrchestrationExecutor

from devhost.protocol.functions import HTTP_ACTIVITY_NAME
from devhost.protocol.payloads import to_compact_json
from devhost.protocol.sdk_timestamps import memoize_history_timestamps

memoize_history_timestamps()  # every replay runs through this module (see sdk_timestamps.py)

OrchestratorHandle = Callable[..., Any]
"""`Function.get_user_function()` of an orchestrationTrigger: has `.orchestrator_function`."""

_OUT_OF_PROC_MARKER = "\n\n$OutOfProcData$:"
_RETRY_TIMER = "-WithRetry timer"
_MAX_RETRY_INTERVAL = timedelta(days=6)
"""Extension `RetryOptions` default `MaxRetryInterval`; the SDK never sends another one."""


class ActionKind(enum.Enum):
    ACTIVITY = "activity"
    TIMER = "timer"
    SUB_ORCHESTRATION = "sub_orchestration"
    ENTITY_CALL = "entity_call"
    ENTITY_SIGNAL = "entity_signal"
    CONTINUE_AS_NEW = "continue_as_new"


@dataclass(frozen=True, slots=True)
class ScheduledAction:
    """What the SDK did with one sequence id (its action as the extension would receive it)."""

    task_id: int
    kind: ActionKind
    name: str = ""
    """Activity or orchestrator name; the entity scheduler id (`@name@key`) for entity actions."""
    input: str | None = None
    """The action's JSON text (`df_dumps` of the value); the `httpRequest` JSON for HTTP calls."""
    fire_at: datetime | None = None
    instance_id: str | None = None
    version: str | None = None
    operation: str | None = None
    canceled: bool = False


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """The SDK's answer for one episode."""

    actions: list[ScheduledAction]
    """Every id allocated in this execution, in id order (a continue-as-new comes last)."""
    state: dict[str, Any]
    """The orchestrator state JSON (`isDone`, `output`, `error`, `customStatus`, ...)."""
    error_details: str | None
    """Traceback text of the user exception when `state` carries an `error`."""
    current_time: datetime
    """The SDK's deterministic clock after the replay (the latest `OrchestratorStarted`)."""


class _RecordingContext(DurableOrchestrationContext):
    """The SDK context, noting each sequence id as the SDK allocates it."""

    def __init__(self, **context: Any) -> None:
        self.allocations: dict[int, Any] = {}
        super().__init__(**context)

    def _add_to_open_tasks(self, task: Any) -> None:
        if isinstance(task, AtomicTask) and task.id is None and not task._is_scheduled:
            self.allocations[self._sequence_number] = task
        super()._add_to_open_tasks(task)

    def _record_fire_and_forget_action(self, action: Any) -> None:
        if not self.will_continue_as_new:
            self.allocations[self._sequence_number] = action
        super()._record_fire_and_forget_action(action)


def replay(handle: OrchestratorHandle, context: dict[str, Any]) -> ReplayResult:
    """Run the SDK replay; exceptions other than the SDK's `$OutOfProcData$` report propagate."""
    sdk_context = _RecordingContext(**context)
    # As the SDK's own handle does: the decorator's `input_type` decodes the orchestration input.
    sdk_context._input_expected_type = getattr(handle, "_df_input_type", None)  # type: ignore[attr-defined]
    error_details = None
    try:
        state_text = TaskOrchestrationExecutor().execute(  # type: ignore[no-untyped-call]
            sdk_context,
            sdk_context.histories,
            handle.orchestrator_function,  # type: ignore[attr-defined]
        )
    except Exception as exc:
        head, marker, state_text = str(exc).partition(_OUT_OF_PROC_MARKER)
        if not marker:
            raise
        error_details = _stack_text(exc.__cause__) if exc.__cause__ else head
    now = sdk_context.current_utc_datetime.astimezone(UTC)
    allocations = sdk_context.allocations
    actions = [_describe(task_id, allocations[task_id], now) for task_id in sorted(allocations)]
    return ReplayResult(actions, json.loads(state_text), error_details, now)


def _stack_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)).rstrip()


def _describe(task_id: int, allocated: Any, now: datetime) -> ScheduledAction:
    if not isinstance(allocated, AtomicTask):
        return _from_action(task_id, allocated)
    action = allocated.action_repr
    if not isinstance(action, NoOpAction):
        return _from_action(task_id, action)
    retry: Any = allocated.parent  # the RetryAbleTask that asked for the timer or the new attempt
    if action.metadata != _RETRY_TIMER:
        return _from_action(task_id, retry.actions)  # the rescheduled attempt repeats the call
    options = retry.retry_options
    final = retry.num_attempts >= options.max_number_of_attempts
    delay = min(timedelta(milliseconds=options.first_retry_interval_in_milliseconds), _MAX_RETRY_INTERVAL)
    return ScheduledAction(task_id, ActionKind.TIMER, fire_at=now if final else now + delay)


def _from_action(task_id: int, action: Any) -> ScheduledAction:
    if isinstance(action, CallActivityAction | CallActivityWithRetryAction):
        return ScheduledAction(task_id, ActionKind.ACTIVITY, action.function_name, action.input_)
    if isinstance(action, CallHttpAction):
        request = to_compact_json(action.http_request.to_json())
        return ScheduledAction(task_id, ActionKind.ACTIVITY, HTTP_ACTIVITY_NAME, request)
    if isinstance(action, CallSubOrchestratorAction | CallSubOrchestratorWithRetryAction):
        return ScheduledAction(
            task_id,
            ActionKind.SUB_ORCHESTRATION,
            action.function_name,
            action._input,
            instance_id=action.instance_id,
            version=action.version,
        )
    if isinstance(action, CreateTimerAction):
        # The SDK writes the wall-clock fields with a literal "Z"; the extension reads that text as UTC.
        fire_at = action.fire_at.replace(tzinfo=UTC)
        return ScheduledAction(task_id, ActionKind.TIMER, fire_at=fire_at, canceled=action.is_cancelled)
    if isinstance(action, CallEntityAction | SignalEntityAction):
        kind = ActionKind.ENTITY_SIGNAL if isinstance(action, SignalEntityAction) else ActionKind.ENTITY_CALL
        return ScheduledAction(task_id, kind, action.instance_id, action.input_, operation=action.operation)
    if isinstance(action, ContinueAsNewAction):
        return ScheduledAction(task_id, ActionKind.CONTINUE_AS_NEW, input=action.input_)
    raise TypeError(f"unexpected SDK action {type(action).__name__} for sequence id {task_id}")
