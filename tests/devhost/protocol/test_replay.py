"""Replay is deterministic: same history and inbound events, same episode; saved histories still match."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from devhost.protocol import (
    EventType,
    ExecutionInfo,
    HistoryEvent,
    apply_entity_batch,
    entity_batch_request,
    run_episode,
)
from devhost.protocol.context import build_context
from devhost.protocol.history import SCHEDULING_TYPES
from devhost.protocol.replay import ActionKind, replay
from tests.devhost.protocol.driver import Run
from tests.devhost.protocol.sample_app import FUNCTIONS, entity_handle, handle

GOLDEN = Path(__file__).parent / "golden"
UPDATE_GOLDEN = os.environ.get("DEVHOST_UPDATE_GOLDEN") == "1"
"""Set to rewrite the saved histories after an intended change (then review the diff)."""


def chaining() -> Run:
    run = Run("chaining")
    run.start('"{\\"a\\": 1}"')
    run.episode(run.completed(0, "Hello Tokyo"))
    run.episode(run.completed(1, "Hello Seattle"))
    return run


def retry_recovers() -> Run:
    run = Run("retrying")
    run.start()
    failed = run.episode(run.failed(0, "flaky", "first"))
    run.episode(run.fired(failed.timers[0]))
    run.episode(run.completed(2, "x done"))
    return run


def entity_calls() -> Run:
    run = Run("entity_user")
    first = run.start()
    requests = [message.request for message in first.entity_messages]
    batch = entity_batch_request("Counter", "c1", exists=False, state=None, requests=requests)
    outcome = apply_entity_batch(entity_handle("counter")(batch), requests, timestamp=run.timestamp)
    run.episode(*(response.event for response in outcome.responses))
    return run


def approval() -> Run:
    run = Run("approval")
    first = run.start()
    run.episode(run.raised("Approve", "yes"))
    run.episode(run.fired(first.timers[0]))
    run.episode(run.completed(1, "Hello yes"))
    return run


SCENARIOS: dict[str, Callable[[], Run]] = {
    "chaining": chaining,
    "retry_recovers": retry_recovers,
    "entity_calls": entity_calls,
    "approval": approval,
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_episode_reruns_to_the_same_events_and_work(scenario: str) -> None:
    run = SCENARIOS[scenario]()
    for episode in run.episodes:
        again = run_episode(
            handle(run.orchestrator),
            history=episode.history,
            new_events=episode.inbound,
            now=episode.now,
            functions=FUNCTIONS,
        )
        assert again == episode.result


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_replaying_a_whole_history_allocates_exactly_the_scheduled_ids(scenario: str) -> None:
    run = SCENARIOS[scenario]()
    started = run.history[1]
    answer = replay(
        handle(run.orchestrator),
        build_context(ExecutionInfo.from_started(started), run.history, is_replaying=True),
    )

    allocated = [a.task_id for a in answer.actions if a.kind is not ActionKind.CONTINUE_AS_NEW]
    scheduled = [e["EventId"] for e in run.history if e["EventType"] in SCHEDULING_TYPES]
    assert allocated == scheduled
    assert answer.state["isDone"] is True


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_history_matches_the_saved_golden_history(scenario: str) -> None:
    history = SCENARIOS[scenario]().history
    path = GOLDEN / f"{scenario}.json"
    if UPDATE_GOLDEN:
        path.write_text(json.dumps(history, indent=1) + "\n")
    saved: list[HistoryEvent] = json.loads(path.read_text())
    assert history == saved
    assert saved[-2]["EventType"] == EventType.ExecutionCompleted
