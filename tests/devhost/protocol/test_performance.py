"""The host's own work per episode stays below the SDK's replay time (the benchmark's budget)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from azure.durable_functions.models.TaskOrchestrationExecutor import TaskOrchestrationExecutor

from devhost.protocol import RuntimeStatus, replay
from tests.devhost.protocol.driver import Run

STEPS = 40


class _Stopwatch:
    def __init__(self) -> None:
        self.seconds = 0.0

    def timed(self, call: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


def test_host_overhead_per_episode_is_below_the_sdks_replay_time(monkeypatch: pytest.MonkeyPatch) -> None:
    sdk = _Stopwatch()
    sdk_context = replay._RecordingContext

    class TimedContext(sdk_context):  # type: ignore[misc, valid-type]
        def __init__(self, **context: Any) -> None:
            sdk.timed(super().__init__, **context)  # parses every history event

    class TimedExecutor(TaskOrchestrationExecutor):
        def execute(self, *args: Any) -> Any:
            return sdk.timed(super().execute, *args)  # replays user code

    monkeypatch.setattr(replay, "_RecordingContext", TimedContext)
    monkeypatch.setattr(replay, "TaskOrchestrationExecutor", TimedExecutor)
    run = Run("long_chain")
    total = _Stopwatch()

    result = total.timed(run.start, f'"{STEPS}"')
    for step in range(STEPS):
        result = total.timed(run.episode, run.completed(step, step))

    assert (result.status, result.output) == (RuntimeStatus.Completed, str(sum(range(STEPS))))
    host_overhead = total.seconds - sdk.seconds
    assert host_overhead <= sdk.seconds, f"host {host_overhead:.3f}s vs SDK {sdk.seconds:.3f}s"
