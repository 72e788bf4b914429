"""Rewind: undo the failures of a Failed execution so that it runs on from where it failed.

As DTFx's rewind does, each failure in the history (`TaskFailed`, `SubOrchestrationInstanceFailed`) and
the failed `ExecutionCompleted` are replaced, in place, by a `GenericEvent` that keeps the original as
`Rewound: <json>`. The history keeps its length (its rows are rewritten, none is left behind), the
failed tasks become pending again, and a replay schedules nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from devhost.protocol.history import HistoryEvent, generic_event
from devhost.protocol.types import EventType, RuntimeStatus

_FAILURES = frozenset({EventType.TaskFailed, EventType.SubOrchestrationInstanceFailed})


def _undone(event: HistoryEvent) -> bool:
    event_type = event["EventType"]
    if event_type in _FAILURES:
        return True
    failed_end = (
        event_type == EventType.ExecutionCompleted
        and event["OrchestrationStatus"] == RuntimeStatus.Failed.value
    )
    return bool(failed_end)


def rewound_history(history: Sequence[HistoryEvent]) -> list[HistoryEvent]:
    """The history with its failures turned into `GenericEvent`s (same length, same timestamps)."""
    return [
        generic_event(
            data=f"Rewound: {json.dumps(event, separators=(',', ':'))}", timestamp=event["Timestamp"]
        )
        if _undone(event)
        else event
        for event in history
    ]


def failed_children(history: Sequence[HistoryEvent]) -> list[str]:
    """Instance ids of the sub-orchestrations whose failure this history recorded (to rewind them too)."""
    created = {
        e["EventId"]: e["InstanceId"]
        for e in history
        if e["EventType"] == EventType.SubOrchestrationInstanceCreated
    }
    return [
        created[e["TaskScheduledId"]]
        for e in history
        if e["EventType"] == EventType.SubOrchestrationInstanceFailed and e["TaskScheduledId"] in created
    ]
