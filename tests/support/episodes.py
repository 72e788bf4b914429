"""Drive one orchestration execution through `run_episode` (the SDK's own replay), one episode per call.

Used by the app's orchestrator tests and the devhost's protocol tests alike.

The clock is explicit: every episode advances it (one second unless told), and inbound events are
stamped with the clock *before* the episode that delivers them, like completions that arrive between
episodes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from devhost.protocol import (
    EpisodeResult,
    EventType,
    HistoryEvent,
    OrchestratorHandle,
    ParentInstance,
    RegisteredFunctions,
    TimerWork,
    activity_completed,
    activity_failed,
    format_timestamp,
    run_episode,
)
from devhost.protocol import history as events

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Episode:
    """What one `run_episode` call was given and what it answered."""

    history: list[HistoryEvent]
    inbound: list[HistoryEvent]
    now: datetime
    result: EpisodeResult


@dataclass
class EpisodeRun:
    """One execution of an orchestrator and its growing history."""

    orchestrator: str
    handle_of: Callable[[str], OrchestratorHandle]
    functions: RegisteredFunctions
    instance_id: str = "inst1"
    execution_id: str = "exec1"
    clock: datetime = T0
    history: list[HistoryEvent] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)

    @property
    def timestamp(self) -> str:
        return format_timestamp(self.clock)

    def start(
        self,
        stored_input: str | None = None,
        *,
        parent: ParentInstance | None = None,
        also: tuple[HistoryEvent, ...] = (),
    ) -> EpisodeResult:
        """The first episode: `ExecutionStarted` (plus any events that arrived with it)."""
        started = events.execution_started(
            instance_id=self.instance_id,
            execution_id=self.execution_id,
            name=self.orchestrator,
            input=stored_input,
            timestamp=self.timestamp,
            parent=parent,
        )
        return self.episode(started, *also, advance=timedelta(0))

    def episode(self, *inbound: HistoryEvent, advance: timedelta = timedelta(seconds=1)) -> EpisodeResult:
        self.clock += advance
        result = run_episode(
            self.handle_of(self.orchestrator),
            history=self.history,
            new_events=list(inbound),
            now=self.clock,
            functions=self.functions,
        )
        self.episodes.append(Episode(list(self.history), list(inbound), self.clock, result))
        self.history.extend(result.new_events)
        return result

    def completed(self, task_id: int, value: Any) -> HistoryEvent:
        return activity_completed(
            task_scheduled_id=task_id, worker_json=json.dumps(value), timestamp=self.timestamp
        )

    def failed(self, task_id: int, activity: str, message: str) -> HistoryEvent:
        return activity_failed(
            task_scheduled_id=task_id,
            activity_name=activity,
            error_type="ValueError",
            message=message,
            stack="Traceback: ...",
            timestamp=self.timestamp,
        )

    def fired(self, timer: TimerWork) -> HistoryEvent:
        """`TimerFired`; moves the clock to the timer's time first (the episode must not be earlier)."""
        self.clock = max(self.clock, timer.fire_at)
        return events.timer_fired(
            timer_id=timer.timer_id, fire_at=format_timestamp(timer.fire_at), timestamp=self.timestamp
        )

    def raised(self, name: str, value: Any) -> HistoryEvent:
        return events.event_raised(name=name, input=json.dumps(value), timestamp=self.timestamp)


def brief(history: list[HistoryEvent]) -> list[tuple[str, int]]:
    """`(EventType name, EventId)` per event: the skeleton of a history."""
    return [(EventType(event["EventType"]).name, event["EventId"]) for event in history]
