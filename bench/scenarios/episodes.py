"""Host-side CPU per orchestration episode vs the SDK's own replay, for histories of growing length.

Storage-free by construction: the episode is the engine's CPU path (`run_episode`, the Instances record
update and the encoding of the new History rows and the Instances row), timed on the same history as
the SDK's replay alone (`DurableOrchestrationContext(**context)` + `TaskOrchestrationExecutor.execute`,
what `run_episode` runs inside). Overhead ratio = (host - SDK) / SDK.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.durable_functions.models.DurableOrchestrationContext import DurableOrchestrationContext
from azure.durable_functions.models.TaskOrchestrationExecutor import TaskOrchestrationExecutor

from bench.report import Metric
from bench.rig import CHAINS_APP, bench_settings, new_hub_name, sdk_input
from bench.sizes import Sizes
from devhost.protocol import (
    EpisodeResult,
    HistoryEvent,
    InstanceRecord,
    OrchestratorHandle,
    RegisteredFunctions,
    RuntimeStatus,
    activity_completed,
    context_json,
    format_timestamp,
    run_episode,
)
from devhost.protocol import history as events
from devhost.runtime.instances import apply_result
from devhost.tracking.history_rows import event_to_row
from devhost.tracking.instances import record_to_row
from devhost.tracking.keys import escape_partition_key, history_row_key
from devhost.worker import load_app

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
INSTANCE_ID = "bench-episode"
EXECUTION_ID = "0" * 32
UNENDING_CHAIN = 1_000_000
"""Steps of the chain replayed: never reached, so every measured episode schedules one more step."""


@dataclass
class _Chain:
    """One execution of the `chain` orchestrator, grown one completed activity at a time."""

    handle: OrchestratorHandle
    functions: RegisteredFunctions
    history: list[HistoryEvent]
    next_task_id: int
    clock: datetime

    def tick(self) -> datetime:
        self.clock += timedelta(milliseconds=1)
        return self.clock

    def completion(self) -> HistoryEvent:
        return activity_completed(
            task_scheduled_id=self.next_task_id, worker_json="0", timestamp=format_timestamp(self.tick())
        )

    def episode(self, inbound: HistoryEvent, now: datetime) -> EpisodeResult:
        return run_episode(
            self.handle, history=self.history, new_events=[inbound], now=now, functions=self.functions
        )

    def advance(self) -> None:
        result = self.episode(self.completion(), self.tick())
        self.history.extend(result.new_events)
        self.next_task_id = result.activities[0].task_id


def _start_chain(handle: OrchestratorHandle, functions: RegisteredFunctions) -> _Chain:
    started = events.execution_started(
        instance_id=INSTANCE_ID,
        execution_id=EXECUTION_ID,
        name="chain",
        input=sdk_input(UNENDING_CHAIN),
        timestamp=format_timestamp(T0),
        version="",
        parent=None,
    )
    first = run_episode(handle, history=[], new_events=[started], now=T0, functions=functions)
    return _Chain(handle, functions, list(first.new_events), first.activities[0].task_id, T0)


def _host_episode(chain: _Chain, inbound: HistoryEvent, now: datetime) -> None:
    """What the engine's CPU does for one episode, storage requests excluded."""
    record = InstanceRecord(
        instance_id=INSTANCE_ID,
        name="chain",
        execution_id=EXECUTION_ID,
        runtime_status=RuntimeStatus.Running,
        created_time=T0,
        last_updated_time=T0,
        input=sdk_input(UNENDING_CHAIN),
    )
    result = chain.episode(inbound, now)
    apply_result(record, result, now)
    partition_key = escape_partition_key(INSTANCE_ID)
    start = len(chain.history)
    for offset, event in enumerate(result.new_events):
        event_to_row(event, partition_key, history_row_key(start + offset), EXECUTION_ID)
    record_to_row(record, "BenchHub")


def _sdk_replay(chain: _Chain, context: dict[str, Any]) -> None:
    """The SDK's own replay of the same episode, from the context object `run_episode` hands it."""
    sdk_context = DurableOrchestrationContext(**context)
    TaskOrchestrationExecutor().execute(  # type: ignore[no-untyped-call]
        sdk_context,
        sdk_context.histories,
        chain.handle.orchestrator_function,  # type: ignore[attr-defined]
    )


def _fastest_ms(actions: dict[str, Callable[[], None]], repeats: int) -> dict[str, float]:
    """The fastest of `repeats` interleaved runs of each action, in ms (the least disturbed by other load)."""
    fastest = dict.fromkeys(actions, float("inf"))
    for _ in range(repeats):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            fastest[name] = min(fastest[name], (time.perf_counter() - started) * 1000)
    return fastest


def _measure(chain: _Chain, repeats: int) -> dict[str, float]:
    inbound = chain.completion()
    now = chain.tick()
    current = [events.orchestrator_started(timestamp=format_timestamp(now)), {**inbound, "IsPlayed": False}]
    context: dict[str, Any] = json.loads(context_json(chain.history, current))
    fastest = _fastest_ms(
        {"host": lambda: _host_episode(chain, inbound, now), "sdk": lambda: _sdk_replay(chain, context)},
        repeats,
    )
    host_ms, sdk_ms = fastest["host"], fastest["sdk"]
    return {
        "history_events": len(chain.history),
        "host_ms": round(host_ms, 3),
        "sdk_replay_ms": round(sdk_ms, 3),
        "overhead_ratio": round((host_ms - sdk_ms) / sdk_ms, 3),
        "sdk_us_per_event": round(sdk_ms * 1000 / len(chain.history), 1),
    }


async def host_overhead(connection: str, sizes: Sizes) -> list[Metric]:
    """The largest overhead ratio over the history sizes; per-size timings in `params`."""
    loaded = load_app(bench_settings(CHAINS_APP, connection, new_hub_name()))
    try:
        spec = loaded.registry.orchestrator("chain")
        assert spec is not None
        functions = RegisteredFunctions.of(
            orchestrators=[s.durable_name for s in loaded.registry.orchestrators.values()],
            activities=[s.durable_name for s in loaded.registry.activities.values()],
            entities=[],
        )
        chain = _start_chain(spec.handle, functions)
        rows = []
        for size in sorted(sizes.history_sizes):
            while len(chain.history) < size:
                chain.advance()
            rows.append(_measure(chain, sizes.episode_repeats))
    finally:
        loaded.unload()
    worst = max(rows, key=lambda row: row["overhead_ratio"])
    return [
        Metric(
            "host_overhead_ratio",
            worst["overhead_ratio"],
            "x SDK replay",
            {
                "definition": "(host CPU per episode - SDK replay) / SDK replay; the worst history size",
                "host": "run_episode + Instances record update + History/Instances row encoding (no I/O)",
                "sdk": "DurableOrchestrationContext(**context) + TaskOrchestrationExecutor.execute",
                "timing": f"fastest of {sizes.episode_repeats} interleaved runs of host and SDK per size",
                "by_history_size": rows,
            },
        )
    ]
