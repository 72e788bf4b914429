"""What the extension refuses while it replays the SDK's actions, with the real messages.

- Non-determinism (DTFx `TaskOrchestrationContext.Handle*CreatedEvent`): every scheduling event in the
  history must meet an action of the same kind (and, for activities and sub-orchestrations, the same
  name, ignoring case) at its sequence id. Failure output: `Non-Deterministic workflow detected: ...`.
- Invalid calls (extension `CallDurableTaskFunctionAsync`): unknown activity, orchestrator or entity
  names, and sub-orchestration instance ids that reuse the caller's or its parent's id or start with
  `@`. These are `ArgumentException`s thrown inside the orchestrator shim, so the output reads
  `Orchestrator function '<name>' failed: <message>`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from devhost.protocol.context import ExecutionInfo
from devhost.protocol.entities import split_scheduler_id
from devhost.protocol.functions import FunctionKind, RegisteredFunctions
from devhost.protocol.history import HistoryEvent
from devhost.protocol.replay import ActionKind, ScheduledAction
from devhost.protocol.types import EventType

NON_DETERMINISTIC_PREFIX = "Non-Deterministic workflow detected: "
NON_DETERMINISTIC_DETAILS_PREFIX = (
    "Unhandled exception while executing orchestration: "
    "DurableTask.Core.Exceptions.NonDeterministicOrchestrationException: "
)
_PREVIOUS = "A previous execution of this orchestration scheduled"
_NOT_YET = "but the current replay execution hasn't (yet?) scheduled this task."
_CHANGED = "Was a change made to the orchestrator code after this instance had already started running?"
_ACTION_CLASS = {
    ActionKind.ACTIVITY: "ScheduleTaskOrchestratorAction",
    ActionKind.TIMER: "CreateTimerOrchestratorAction",
    ActionKind.SUB_ORCHESTRATION: "CreateSubOrchestrationAction",
    ActionKind.ENTITY_CALL: "SendEventOrchestratorAction",
    ActionKind.ENTITY_SIGNAL: "SendEventOrchestratorAction",
    ActionKind.CONTINUE_AS_NEW: "OrchestrationCompleteOrchestratorAction",
}
_SAME_ID_AS_PARENT = (
    "The instance ID of a sub-orchestration must be different than the instance ID of a parent orchestration."
)
_AT_SIGN_ID = "instanceId (Parameter 'Orchestration instance ids must not start with @')"


def non_determinism(
    scheduled: Mapping[int, HistoryEvent], actions: Mapping[int, ScheduledAction]
) -> str | None:
    """The failure message for the first scheduling event the replay contradicts, in history order."""
    for task_id, event in scheduled.items():
        message = _contradiction(task_id, event, actions.get(task_id))
        if message is not None:
            return NON_DETERMINISTIC_PREFIX + message
    return None


def _contradiction(task_id: int, event: HistoryEvent, action: ScheduledAction | None) -> str | None:
    event_type = event["EventType"]
    if event_type == EventType.TaskScheduled:
        return _activity_contradiction(task_id, event, action)
    if event_type == EventType.TimerCreated:
        return _timer_contradiction(task_id, action)
    if event_type == EventType.SubOrchestrationInstanceCreated:
        return _sub_orchestration_contradiction(task_id, event, action)
    return _event_sent_contradiction(task_id, event, action)


def _activity_contradiction(task_id: int, event: HistoryEvent, action: ScheduledAction | None) -> str | None:
    name = event["Name"]
    if action is None:
        return (
            f"{_PREVIOUS} an activity task with sequence ID {task_id} "
            f"and name '{name}' (version '{event['Version']}'), "
            f"{_NOT_YET} {_CHANGED}"
        )
    prefix = (
        f"{_PREVIOUS} an activity task with sequence number {task_id} "
        f"named '{name}', but the current orchestration replay instead"
    )
    if action.kind is not ActionKind.ACTIVITY:
        return (
            f"{prefix} produced a {_ACTION_CLASS[action.kind]} action with this sequence number. {_CHANGED}"
        )
    if action.name.lower() != name.lower():
        renamed = f"scheduled an activity task named '{action.name}' with this sequence number."
        return f"{prefix} {renamed}  {_CHANGED}"
    return None


def _timer_contradiction(task_id: int, action: ScheduledAction | None) -> str | None:
    prefix = f"{_PREVIOUS} a timer task with sequence number {task_id}"
    if action is None:
        return f"{prefix} {_NOT_YET} {_CHANGED}"
    if action.kind is not ActionKind.TIMER:
        return (
            f"{prefix} named but the current orchestration replay instead produced a "
            f"{_ACTION_CLASS[action.kind]} action with this sequence number. {_CHANGED}"
        )
    return None


def _sub_orchestration_contradiction(
    task_id: int, event: HistoryEvent, action: ScheduledAction | None
) -> str | None:
    prefix = (
        f"{_PREVIOUS} a sub-orchestration task with sequence ID {task_id} and name '{event['Name']}' "
        f"(version '{event['Version']}', instance ID '{event['InstanceId']}'),"
    )
    replay = "but the current orchestration replay instead"
    if action is None:
        return f"{prefix} {_NOT_YET} {_CHANGED}"
    if action.kind is not ActionKind.SUB_ORCHESTRATION:
        kind = _ACTION_CLASS[action.kind]
        return f"{prefix} {replay} produced a {kind} action at this sequence number. {_CHANGED}"
    if action.name.lower() != str(event["Name"]).lower():
        return (
            f"{prefix} {replay} scheduled a sub-orchestration task with name {action.name} "
            f"at this sequence number. {_CHANGED}"
        )
    return None


def _event_sent_contradiction(
    task_id: int, event: HistoryEvent, action: ScheduledAction | None
) -> str | None:
    prefix = f"{_PREVIOUS} a send event task with sequence ID {task_id}, type '{EventType.EventSent.name}'"
    target = f"name '{event['Name']}', instance ID '{event['InstanceId']}'"
    if action is None:
        return f"{prefix} {target}, {_NOT_YET} {_CHANGED}"
    if action.kind not in (ActionKind.ENTITY_CALL, ActionKind.ENTITY_SIGNAL):
        return (
            f"{prefix}, {target}, but the current orchestration replay instead scheduled a "
            f"{_ACTION_CLASS[action.kind]} task at this sequence number. {_CHANGED}"
        )
    return None


def invalid_call(
    actions: Iterable[ScheduledAction], functions: RegisteredFunctions, execution: ExecutionInfo
) -> tuple[int, str] | None:
    """`(sequence id, ArgumentException message)` of the first action the extension would refuse."""
    for action in actions:
        message = _refusal(action, functions, execution)
        if message is not None:
            return action.task_id, message
    return None


def _refusal(action: ScheduledAction, functions: RegisteredFunctions, execution: ExecutionInfo) -> str | None:
    if action.kind is ActionKind.ACTIVITY:
        kind, name = FunctionKind.ACTIVITY, action.name
    elif action.kind is ActionKind.SUB_ORCHESTRATION:
        kind, name = FunctionKind.ORCHESTRATOR, action.name
    elif action.kind in (ActionKind.ENTITY_CALL, ActionKind.ENTITY_SIGNAL):
        kind, name = FunctionKind.ENTITY, split_scheduler_id(action.name)[0]
    else:
        return None
    if not functions.has(kind, name):
        return functions.missing_function_message(kind, name)
    if kind is FunctionKind.ORCHESTRATOR and action.instance_id is not None:
        return _sub_orchestration_id_refusal(action.instance_id, execution)
    return None


def _sub_orchestration_id_refusal(instance_id: str, execution: ExecutionInfo) -> str | None:
    reused = {execution.instance_id.lower()}
    if execution.parent is not None:
        reused.add(execution.parent.instance_id.lower())
    if instance_id.lower() in reused:
        return _SAME_ID_AS_PARENT
    if instance_id.startswith("@"):
        return _AT_SIGN_ID
    return None
