"""Drive the app's orchestrators through the SDK's real replay, episode by episode, as the host does.

The history JSON is built exactly as the Durable extension sends it (tests/support/episodes.py on top
of devhost.protocol), the registered orchestrator handle is called with it, and the tests assert the
work (activities, timers, entity messages, sub-orchestrations) the returned actions turn into.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import azure.functions as func

from devhost.protocol import (
    ActivityWork,
    EpisodeResult,
    ExecutionInfo,
    HistoryEvent,
    RegisteredFunctions,
    SubOrchestrationWork,
    activity_failed,
    apply_entity_batch,
    entity_batch_request,
    next_execution_started,
)
from devhost.protocol.context import build_context
from devhost.protocol.history import sub_orchestration_completed, sub_orchestration_failed
from devhost.protocol.replay import ActionKind, ReplayResult, replay
from domain import names
from tests.support.episodes import EpisodeRun

AppFunctions = dict[str, func.Function]
"""The `app_functions` fixture: every function of the app by name."""

FUNCTIONS = RegisteredFunctions.of(
    orchestrators=list(names.WORKFLOWS), activities=list(names.ACTIVITIES), entities=[names.INVENTORY_ENTITY]
)


def client_input(value: Any) -> str:
    """How the host stores an input sent by the SDK client (`start_new`): a JSON string of the JSON text."""
    return json.dumps(json.dumps(value))


def stored_value(text: str | None) -> Any:
    """The value of a stored input (`client_input`, a `ContinuedAsNew` output): the JSON text inside."""
    return json.loads(json.loads(text)) if text is not None else None


def workflow(app_functions: AppFunctions, name: str, instance_id: str) -> EpisodeRun:
    return EpisodeRun(
        name, lambda n: app_functions[n].get_user_function(), FUNCTIONS, instance_id=instance_id
    )


def custom_status(result: EpisodeResult) -> Any:
    return json.loads(result.custom_status) if result.custom_status else None


def output(result: EpisodeResult) -> Any:
    return json.loads(result.output) if result.output is not None else None


def activity_input(result: EpisodeResult, index: int = 0) -> Any:
    return json.loads(result.activities[index].input)


def only_activity(result: EpisodeResult) -> ActivityWork:
    """The one activity the episode scheduled (fails the test when there are none or several)."""
    (activity,) = result.activities
    return activity


def complete(run: EpisodeRun, result: EpisodeResult, value: Any) -> EpisodeResult:
    """Complete the episode's one activity with `value` and run the next episode."""
    return run.episode(run.completed(only_activity(result).task_id, value))


def raised(run: EpisodeRun, activity: ActivityWork, error: Exception) -> HistoryEvent:
    """`TaskFailed` as the host records an activity that raised `error`."""
    return activity_failed(
        task_scheduled_id=activity.task_id,
        activity_name=activity.name,
        error_type=type(error).__name__,
        message=str(error),
        stack="Traceback (most recent call last): ...",
        timestamp=run.timestamp,
    )


def fail_every_attempt(
    run: EpisodeRun, result: EpisodeResult, error: Exception, attempts: int
) -> tuple[EpisodeResult, list[timedelta]]:
    """Fail a retried activity `attempts` times, firing each retry timer.

    Returns the episode after the last timer fired and, per failure, how far after the failing
    episode its retry timer was set to fire. Every attempt must repeat the first one's input.
    """
    first = only_activity(result)
    delays: list[timedelta] = []
    for _ in range(attempts):
        activity = only_activity(result)
        assert (activity.name, activity.input) == (first.name, first.input)
        result = run.episode(raised(run, activity, error))
        (timer,) = result.timers
        assert result.activities == []
        delays.append(timer.fire_at - run.clock)
        result = run.episode(run.fired(timer))
    return result, delays


def entity_operations(result: EpisodeResult) -> list[tuple[str, str, Any, bool]]:
    """`(sku, operation, input value, is_signal)` per entity message of the episode, in order."""
    return [
        (
            message.entity_key,
            message.request.operation,
            stored_value(message.request.input),
            message.request.is_signal,
        )
        for message in result.entity_messages
    ]


def child_completed(run: EpisodeRun, task_id: int, value: Any) -> HistoryEvent:
    return sub_orchestration_completed(
        task_scheduled_id=task_id, result=json.dumps(value), timestamp=run.timestamp
    )


def child_failed(run: EpisodeRun, task_id: int, reason: str) -> HistoryEvent:
    return sub_orchestration_failed(
        task_scheduled_id=task_id, reason=reason, details="Traceback: ...", timestamp=run.timestamp
    )


def start_child(
    app_functions: AppFunctions, parent: EpisodeRun, work: SubOrchestrationWork
) -> tuple[EpisodeRun, EpisodeResult]:
    """Start the sub-orchestration `work` as the host does: its own execution, naming `parent`."""
    child = workflow(app_functions, work.name, work.instance_id)
    child.execution_id = f"{work.instance_id}-exec"
    child.clock = parent.clock
    started = work.execution_started(
        ExecutionInfo.from_started(parent.history[1]),
        execution_id=child.execution_id,
        timestamp=child.timestamp,
    )
    return child, child.episode(started, advance=timedelta(0))


def next_generation(
    app_functions: AppFunctions, run: EpisodeRun, result: EpisodeResult
) -> tuple[EpisodeRun, EpisodeResult]:
    """Start the execution that follows a `ContinuedAsNew` result, as the host does."""
    generation = workflow(app_functions, run.orchestrator, run.instance_id)
    generation.execution_id = f"{run.execution_id}+"
    generation.clock = run.clock
    started = next_execution_started(
        ExecutionInfo.from_started(run.history[1]),
        result,
        execution_id=generation.execution_id,
        timestamp=generation.timestamp,
    )
    return generation, generation.episode(started, advance=timedelta(0))


def replay_history(run: EpisodeRun) -> ReplayResult:
    """The SDK's answer when it replays the run's whole history (every event already played)."""
    handle = run.handle_of(run.orchestrator)
    context = build_context(ExecutionInfo.from_started(run.history[1]), run.history, is_replaying=True)
    return replay(handle, context)


def canceled_timers(run: EpisodeRun) -> list[int]:
    """Ids of the timers the orchestrator canceled, as the SDK reports them on replaying the history."""
    return [a.task_id for a in replay_history(run).actions if a.kind is ActionKind.TIMER and a.canceled]


class Inventory:
    """Answers the orchestration's entity messages with the app's real `inventory` entity handle."""

    def __init__(self, app_functions: AppFunctions, stock: dict[str, int]) -> None:
        self._handle = app_functions[names.INVENTORY_ENTITY].get_user_function()
        self.states = {sku: json.dumps({"available": qty, "reservations": {}}) for sku, qty in stock.items()}

    def answer(self, run: EpisodeRun, result: EpisodeResult) -> list[HistoryEvent]:
        """Process every entity message of the episode; returns the replies to deliver."""
        replies: list[HistoryEvent] = []
        for message in result.entity_messages:
            state = self.states.get(message.entity_key)
            batch = entity_batch_request(
                message.entity_name,
                message.entity_key,
                exists=state is not None,
                state=state,
                requests=[message.request],
            )
            outcome = apply_entity_batch(self._handle(batch), [message.request], timestamp=run.timestamp)
            if outcome.state is not None:
                self.states[message.entity_key] = outcome.state
            replies.extend(response.event for response in outcome.responses)
        return replies

    def reply(self, run: EpisodeRun, result: EpisodeResult) -> EpisodeResult:
        """Answer the episode's entity messages and run the episode that receives the replies."""
        return run.episode(*self.answer(run, result))

    def state(self, sku: str) -> Any:
        return json.loads(self.states[sku])
