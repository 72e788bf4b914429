"""One orchestrator episode: past history + new inbound events -> new history events + work to do.

`run_episode` runs the orchestrator through the SDK's own replay (see `replay.py`) and answers with an
`EpisodeResult`. It is pure: no I/O, no clock, no randomness. The runtime owns everything else and must
do the following with each field:

- `new_events`: append to the execution's history, in order, in one atomic write. They carry
  `IsPlayed: true`, which is how every later episode must send them, and their `Timestamp` text must
  be kept byte for byte. Empty: every inbound event was dropped; write nothing, run nothing.
- `status` / `output` / `failure_details`: the instance's new state. `Running` and `Suspended` wait for
  more events. `Completed`: `output` is the output JSON text (None for no output). `Failed`: `output`
  is the failure message, `failure_details` the details. `Terminated`: `output` is the reason.
  `ContinuedAsNew`: `output` is the next execution's stored input; start that execution with
  `next_execution_started(...)` (new execution id, empty history, inbound events not carried over).
- `custom_status`: when `ran_orchestrator` is true, store it (None means no custom status); otherwise
  keep the stored one (terminate/suspend episodes do not run user code).
- `activities`: invoke each activity with its input text; deliver `activities.activity_completed(...)`
  or `activities.activity_failed(...)` with `task_scheduled_id = task_id` as a new inbound event.
- `timers`: at `fire_at` deliver `history.timer_fired(timer_id=..., fire_at=format_timestamp(fire_at))`
  in an episode whose `now` is >= `fire_at` (the SDK's long-timer logic compares them).
- `canceled_timer_ids`: pending timers the orchestrator canceled; they may be forgotten (the real host
  still fires them, which the SDK tolerates).
- `sub_orchestrations`: start each child with `work.execution_started(execution, ...)`; when the child
  ends, its own `parent_notification` goes back here.
- `entity_messages`: deliver each request to its entity, in order per entity; replies to two-way calls
  come from `entities.apply_entity_batch` as `EventRaised` events for this instance.
- `parent_notification`: for a finished sub-orchestration, deliver `event` to the parent instance.
- `dropped_events`: inbound events that were not applied (duplicate completions, completions for ids
  that were never scheduled, a second start), as DTFx drops them; for logging only.

Work is recorded in `new_events` (scheduling events), so pending work can be recomputed from history
after a crash (`recovery.pending_work`).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from datetime import datetime

from devhost.protocol.context import ExecutionInfo, as_played, build_context
from devhost.protocol.errors import HistoryError
from devhost.protocol.functions import RegisteredFunctions
from devhost.protocol.history import (
    COMPLETION_SCHEDULER,
    SCHEDULING_TYPES,
    TERMINAL_TYPES,
    HistoryEvent,
    execution_started,
    orchestrator_started,
)
from devhost.protocol.index import HistoryIndex
from devhost.protocol.replay import OrchestratorHandle, replay
from devhost.protocol.scheduling import Episode, conclude
from devhost.protocol.timefmt import format_timestamp
from devhost.protocol.types import EventType, RuntimeStatus
from devhost.protocol.work import EpisodeResult

logger = logging.getLogger(__name__)

WRITTEN_BY_EPISODES = (
    SCHEDULING_TYPES | TERMINAL_TYPES | {EventType.OrchestratorStarted, EventType.OrchestratorCompleted}
)
"""Event types only an episode writes: every other event of an episode is one of its inbound events."""


def run_episode(
    orchestrator: OrchestratorHandle,
    *,
    history: Sequence[HistoryEvent],
    new_events: Sequence[HistoryEvent],
    now: datetime,
    functions: RegisteredFunctions,
) -> EpisodeResult:
    """Run one episode of the execution whose past events are `history`.

    `orchestrator` is the registered handle (`Function.get_user_function()` of the orchestrationTrigger).
    `history` holds the execution's earlier episodes exactly as earlier results returned them (empty for
    a new execution); `new_events` are the inbound events (the `ExecutionStarted` for a new execution,
    completions, raised events, suspend/resume/terminate). `now` (aware) stamps the episode's
    `OrchestratorStarted` and every event the episode writes; it must not go backwards.
    """
    index = HistoryIndex.of(history)
    if index.ended:
        raise HistoryError("the execution has already ended", code="protocol.history.ended")
    accepted, dropped = _accept(new_events, index)
    if index.started is None:
        raise HistoryError("a new execution's first inbound event must be ExecutionStarted")
    if not accepted:
        status = RuntimeStatus.Suspended if index.suspended else RuntimeStatus.Running
        return EpisodeResult(new_events=[], status=status, dropped_events=dropped)
    timestamp = format_timestamp(now)
    current = [
        orchestrator_started(timestamp=timestamp),
        *({**e, "IsPlayed": False} for e in accepted),
    ]
    episode = Episode(ExecutionInfo.from_started(index.started), timestamp, now, current)
    result = _play(orchestrator, episode, history, index, functions)
    for event in result.new_events:  # the SDK has read them: from now on they are past events
        event["IsPlayed"] = True
    result.dropped_events.extend(dropped)
    return result


def _play(
    orchestrator: OrchestratorHandle,
    episode: Episode,
    history: Sequence[HistoryEvent],
    index: HistoryIndex,
    functions: RegisteredFunctions,
) -> EpisodeResult:
    """Run user code unless the execution is terminated or suspended, and conclude the episode."""
    execution, current = episode.execution, episode.events
    terminated = next((e for e in current if e["EventType"] == EventType.ExecutionTerminated), None)
    if terminated is not None:  # terminating overrides a suspension
        return episode.finish(
            RuntimeStatus.Terminated,
            terminal_id=index.next_event_id,
            ran_orchestrator=False,
            output=terminated["Input"],
        )
    if index.suspended:
        return episode.finish(RuntimeStatus.Suspended, ran_orchestrator=False)
    try:
        context = build_context(execution, [*as_played(history), *current], is_replaying=bool(history))
        answer = replay(orchestrator, context)
    except Exception as exc:  # user code or its payloads broke outside the SDK's own error report
        logger.warning("orchestrator %s (%s) crashed: %s", execution.name, execution.instance_id, exc)
        return episode.finish(
            RuntimeStatus.Failed,
            terminal_id=index.next_event_id,
            output=f"Orchestrator function '{execution.name}' failed: {exc}",
            failure_details="".join(traceback.format_exception(exc)).rstrip(),
        )
    return conclude(
        answer,
        execution=execution,
        index=index,
        functions=functions,
        current_events=current,
        timestamp=episode.timestamp,
    )


def next_execution_started(
    previous: ExecutionInfo, result: EpisodeResult, *, execution_id: str, timestamp: str
) -> HistoryEvent:
    """The `ExecutionStarted` of the execution that follows a `ContinuedAsNew` result."""
    if result.status is not RuntimeStatus.ContinuedAsNew:
        raise HistoryError(f"the execution did not continue as new (status {result.status.name})")
    return execution_started(
        instance_id=previous.instance_id,
        execution_id=execution_id,
        name=previous.name,
        input=result.output,
        timestamp=timestamp,
        version=previous.version,
        parent=previous.parent,
    )


def _accept(
    new_events: Sequence[HistoryEvent], index: HistoryIndex
) -> tuple[list[HistoryEvent], list[HistoryEvent]]:
    """Split inbound events into applied and dropped ones, adding the applied ones to `index`."""
    accepted: list[HistoryEvent] = []
    dropped: list[HistoryEvent] = []
    for event in new_events:
        event_type = event["EventType"]
        if event_type in WRITTEN_BY_EPISODES:
            raise HistoryError(
                f"EventType {event_type} is written by episodes, it cannot be an inbound event"
            )
        if event_type == EventType.ExecutionStarted:
            if index.started is not None:
                dropped.append(event)
                continue
            accepted.insert(0, event)  # DTFx moves the start of an execution before everything else
        elif event_type in COMPLETION_SCHEDULER and not index.accepts_completion(event):
            dropped.append(event)
            continue
        else:
            accepted.append(event)
        index.add(event)
    for event in dropped:
        logger.warning(
            "dropping inbound event %s: duplicate or unknown task id", EventType(event["EventType"]).name
        )
    return accepted, dropped
