"""Inputs of scheduled activities and sub-orchestrations, found again by replaying the episodes that
scheduled them.

The provider's History rows keep no `Input` for `TaskScheduled` and `SubOrchestrationInstanceCreated`:
the real host reads it from the work-item or control-queue message. The devhost dispatches in process
and has no such message after a restart or for a rewind, so it asks the orchestrator again: an episode
replayed through `run_episode` with the same earlier history, the same inbound events and the same
episode time schedules the same calls with the same inputs, because orchestrators are deterministic
(the Durable contract). That costs one replay per episode that scheduled a wanted task, and only
recovery and rewind pay it.

A task whose episode, replayed, no longer schedules a call of the same kind and name (the code changed,
the orchestrator now raises, or a function it calls is gone) gets no input. The host would run it with
the input from its message and fail the execution at its next episode; here the next episode fails
it straight away, through the same replay checks (non-determinism, the orchestrator's error).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from devhost.protocol.episode import WRITTEN_BY_EPISODES, run_episode
from devhost.protocol.functions import RegisteredFunctions
from devhost.protocol.history import HistoryEvent
from devhost.protocol.replay import OrchestratorHandle
from devhost.protocol.timefmt import parse_timestamp
from devhost.protocol.types import EventType
from devhost.protocol.work import ActivityWork, EpisodeResult, SubOrchestrationWork

_WORK_OF = {
    EventType.TaskScheduled: ActivityWork,
    EventType.SubOrchestrationInstanceCreated: SubOrchestrationWork,
}


def scheduled_inputs(
    orchestrator: OrchestratorHandle,
    history: Sequence[HistoryEvent],
    functions: RegisteredFunctions,
    task_ids: Iterable[int],
) -> dict[int, str]:
    """Input text by sequence id, for the activities and sub-orchestrations `task_ids` of `history`.

    `history` is one execution's committed episodes; inputs recorded in it (by an older devhost) are
    not read. An activity's input is its trigger payload (`ActivityWork.input`), a
    sub-orchestration's the child's stored input (`SubOrchestrationWork.input`). Ids the replay does
    not schedule again as recorded are missing from the answer (see the module docstring).
    """
    wanted = set(task_ids)
    inputs: dict[int, str] = {}
    for start, end in _episodes(history):
        recorded = {
            event["EventId"]: event
            for event in history[start:end]
            if event["EventType"] in _WORK_OF and event["EventId"] in wanted
        }
        if not recorded:
            continue
        result = _replay(orchestrator, history, start, end, functions)
        calls: list[ActivityWork | SubOrchestrationWork] = [*result.activities, *result.sub_orchestrations]
        for work in calls:
            event = recorded.get(work.task_id)
            if event is not None and _same_call(event, work):
                inputs[work.task_id] = work.input
    return inputs


def _episodes(history: Sequence[HistoryEvent]) -> Iterator[tuple[int, int]]:
    """`(start, end)` positions of each episode: from its `OrchestratorStarted` to the next one."""
    starts = [i for i, e in enumerate(history) if e["EventType"] == EventType.OrchestratorStarted]
    yield from zip(starts, [*starts[1:], len(history)], strict=True)


def _replay(
    orchestrator: OrchestratorHandle,
    history: Sequence[HistoryEvent],
    start: int,
    end: int,
    functions: RegisteredFunctions,
) -> EpisodeResult:
    """The episode at `history[start:end]` again: its inbound events on the history before it."""
    inbound = [e for e in history[start + 1 : end] if e["EventType"] not in WRITTEN_BY_EPISODES]
    return run_episode(
        orchestrator,
        history=history[:start],
        new_events=inbound,
        now=parse_timestamp(history[start]["Timestamp"]),
        functions=functions,
    )


def _same_call(event: HistoryEvent, work: ActivityWork | SubOrchestrationWork) -> bool:
    """The replay's check for a recorded call (`validation.non_determinism`): kind, name ignoring case."""
    return isinstance(work, _WORK_OF[event["EventType"]]) and work.name.lower() == event["Name"].lower()
