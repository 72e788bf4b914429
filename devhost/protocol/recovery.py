"""Work an execution still waits for, recomputed from its history (after a crash, a restart or a rewind).

Every scheduling event without its completion is outstanding: activities to (re-)run, timers to
(re-)arm, sub-orchestrations to start if they do not exist yet. The History rows keep no input for
activities and sub-orchestrations (as the provider's), so their inputs come from a replay of the
orchestrator (`replayed_inputs`); tasks it does not schedule again are `unreproduced`. Entity messages
have no completion of their own, so all of them are returned with their request ids; the entity side
must skip requests it has already processed, and a two-way call is still waiting only if no
`EventRaised` named after its request id is in the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from devhost.protocol.entities import EntityRequest
from devhost.protocol.functions import RegisteredFunctions
from devhost.protocol.history import HistoryEvent
from devhost.protocol.index import HistoryIndex
from devhost.protocol.replay import OrchestratorHandle
from devhost.protocol.replayed_inputs import scheduled_inputs
from devhost.protocol.timefmt import parse_timestamp
from devhost.protocol.types import EventType
from devhost.protocol.work import ActivityWork, EntityMessageWork, SubOrchestrationWork, TimerWork

_NEEDS_INPUT = frozenset({EventType.TaskScheduled, EventType.SubOrchestrationInstanceCreated})


@dataclass(frozen=True, slots=True)
class PendingWork:
    activities: list[ActivityWork] = field(default_factory=list)
    timers: list[TimerWork] = field(default_factory=list)
    sub_orchestrations: list[SubOrchestrationWork] = field(default_factory=list)
    entity_messages: list[EntityMessageWork] = field(default_factory=list)
    """Entity requests this execution sent that may not have been handled (see module docstring)."""
    unreproduced: list[int] = field(default_factory=list)
    """Outstanding activities and sub-orchestrations the orchestrator no longer schedules as recorded
    (or whose orchestrator is not registered): they cannot run again, and the execution's next
    episode fails it (non-determinism or the orchestrator's error), so the runtime must run one."""

    @property
    def idle(self) -> bool:
        """Nothing to run, arm, start or send (`unreproduced` tasks aside)."""
        return not (self.activities or self.timers or self.sub_orchestrations or self.entity_messages)


def pending_work(
    history: Sequence[HistoryEvent],
    orchestrator: OrchestratorHandle | None,
    functions: RegisteredFunctions,
) -> PendingWork:
    """Outstanding work of a running execution (nothing once it has ended).

    `orchestrator` is the execution's registered handle (None when it is not registered any more);
    it is replayed only when an activity or sub-orchestration is outstanding.
    """
    index = HistoryIndex.of(history)
    pending = PendingWork()
    if index.ended:
        return pending
    outstanding = {i: e for i, e in index.scheduled.items() if i not in index.completed}
    needing_input = [i for i, e in outstanding.items() if e["EventType"] in _NEEDS_INPUT]
    inputs = (
        scheduled_inputs(orchestrator, history, functions, needing_input)
        if needing_input and orchestrator is not None
        else {}
    )
    answered = {e["Name"] for e in history if e["EventType"] == EventType.EventRaised}
    for task_id, event in outstanding.items():
        event_type = event["EventType"]
        if event_type in _NEEDS_INPUT and task_id not in inputs:
            pending.unreproduced.append(task_id)
        elif event_type == EventType.TaskScheduled:
            pending.activities.append(ActivityWork(task_id, event["Name"], inputs[task_id]))
        elif event_type == EventType.TimerCreated:
            pending.timers.append(TimerWork(task_id, parse_timestamp(event["FireAt"])))
        elif event_type == EventType.SubOrchestrationInstanceCreated:
            pending.sub_orchestrations.append(
                SubOrchestrationWork(
                    task_id, event["Name"], event["InstanceId"], inputs[task_id], event["Version"]
                )
            )
        else:
            request = EntityRequest.from_json(event["Input"])
            if request.is_signal or request.request_id not in answered:
                pending.entity_messages.append(EntityMessageWork(task_id, event["InstanceId"], request))
    return pending
