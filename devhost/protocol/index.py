"""One pass over an execution's history: what was scheduled, what completed, where the execution stands."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from devhost.protocol.history import (
    COMPLETION_SCHEDULER,
    SCHEDULING_TYPES,
    TERMINAL_TYPES,
    HistoryEvent,
    completion_key,
)
from devhost.protocol.types import EventType


@dataclass(slots=True)
class HistoryIndex:
    """Lookup tables over the events added so far (cheap: one dict/set operation per event)."""

    started: HistoryEvent | None = None
    scheduled: dict[int, HistoryEvent] = field(default_factory=dict)
    """Scheduling events by sequence id (`EventId`)."""
    completed: set[int] = field(default_factory=set)
    """Sequence ids that already have a completion (or a fired timer)."""
    suspended: bool = False
    ended: bool = False

    @classmethod
    def of(cls, events: Iterable[HistoryEvent]) -> HistoryIndex:
        index = cls()
        for event in events:
            index.add(event)
        return index

    def add(self, event: HistoryEvent) -> None:
        event_type = event["EventType"]
        if event_type in SCHEDULING_TYPES:
            self.scheduled[event["EventId"]] = event
        elif event_type in COMPLETION_SCHEDULER:
            self.completed.add(completion_key(event))
        elif event_type == EventType.ExecutionStarted:
            self.started = event
        elif event_type == EventType.ExecutionSuspended:
            self.suspended = True
        elif event_type == EventType.ExecutionResumed:
            self.suspended = False
        elif event_type in TERMINAL_TYPES:
            self.ended = True

    def accepts_completion(self, event: HistoryEvent) -> bool:
        """Whether a completion matches an open task of the right kind (DTFx drops the others)."""
        key = completion_key(event)
        scheduled = self.scheduled.get(key)
        return (
            scheduled is not None
            and scheduled["EventType"] == COMPLETION_SCHEDULER[event["EventType"]]
            and key not in self.completed
        )

    @property
    def next_event_id(self) -> int:
        """The sequence id after every scheduled one (the id of a terminal event written now)."""
        return max(self.scheduled, default=-1) + 1
