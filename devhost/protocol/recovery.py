"""Work an execution still waits for, recomputed from its history (after a crash or a restart).

Every scheduling event without its completion is outstanding: activities to (re-)run, timers to
(re-)arm, sub-orchestrations to start if they do not exist yet. Entity messages have no completion of
their own, so all of them are returned with their request ids; the entity side must skip requests it
has already processed, and a two-way call is still waiting only if no `EventRaised` named after its
request id is in the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from devhost.protocol.activities import activity_input_from_scheduled
from devhost.protocol.entities import EntityRequest
from devhost.protocol.history import HistoryEvent
from devhost.protocol.index import HistoryIndex
from devhost.protocol.timefmt import parse_timestamp
from devhost.protocol.types import EventType
from devhost.protocol.work import ActivityWork, EntityMessageWork, SubOrchestrationWork, TimerWork


@dataclass(frozen=True, slots=True)
class PendingWork:
    activities: list[ActivityWork] = field(default_factory=list)
    timers: list[TimerWork] = field(default_factory=list)
    sub_orchestrations: list[SubOrchestrationWork] = field(default_factory=list)
    entity_messages: list[EntityMessageWork] = field(default_factory=list)
    """Entity requests this execution sent that may not have been handled (see module docstring)."""


def pending_work(history: Sequence[HistoryEvent]) -> PendingWork:
    """Outstanding work of a running execution (nothing once it has ended)."""
    index = HistoryIndex.of(history)
    pending = PendingWork()
    if index.ended:
        return pending
    answered = {e["Name"] for e in history if e["EventType"] == EventType.EventRaised}
    for task_id, event in index.scheduled.items():
        if task_id in index.completed:
            continue
        event_type = event["EventType"]
        if event_type == EventType.TaskScheduled:
            pending.activities.append(
                ActivityWork(task_id, event["Name"], activity_input_from_scheduled(event))
            )
        elif event_type == EventType.TimerCreated:
            pending.timers.append(TimerWork(task_id, parse_timestamp(event["FireAt"])))
        elif event_type == EventType.SubOrchestrationInstanceCreated:
            pending.sub_orchestrations.append(
                SubOrchestrationWork(
                    task_id, event["Name"], event["InstanceId"], event["Input"], event["Version"]
                )
            )
        else:
            request = EntityRequest.from_json(event["Input"])
            if request.is_signal or request.request_id not in answered:
                pending.entity_messages.append(EntityMessageWork(task_id, event["InstanceId"], request))
    return pending
