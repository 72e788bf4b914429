"""Chains and fan-outs of no-op activities: requests per step, HelloCities5 throughput, fan-out time."""

from __future__ import annotations

import asyncio
import time

from bench.report import Metric
from bench.rig import CHAINS_APP, Rig, running_engine, sdk_input
from bench.sizes import Sizes
from devhost.protocol import EventType
from devhost.runtime.pipeline import CHECKPOINT_HOLD_S


async def requests_per_activity(connection: str, sizes: Sizes) -> list[Metric]:
    """Requests of a chain of N steps minus those of the same orchestrator with no step, per step.

    The headline chain's activities each outlast the checkpoint hold (`devhost/runtime/pipeline.py`),
    so every step is written on its own: the most a step costs. A chain of no-op steps is counted too
    (`params.quick_steps`): its steps share their writes, so it costs about what its start does. The
    baseline has no step so the difference cannot vanish by sharing the start's writes.
    """
    async with running_engine(CHAINS_APP, connection) as rig:
        await rig.run("chain", sdk_input(1))  # warm-up: first use of the tables and the connection pool
        baseline = await _counted(rig, "paused_chain", _paused(0))
        chain = await _counted(rig, "paused_chain", _paused(sizes.chain_steps))
        quick_baseline = await _counted(rig, "chain", sdk_input(0))
        quick_chain = await _counted(rig, "chain", sdk_input(sizes.chain_steps))
    per_step = _per_step(chain, baseline, sizes.chain_steps)
    return [
        Metric(
            "requests_per_activity",
            per_step["total"],
            "requests",
            {
                "chains": [0, sizes.chain_steps],
                "activity_pause_s": PAUSE_S,
                "checkpoint_hold_s": CHECKPOINT_HOLD_S,
                "requests_without_steps": baseline,
                "requests_of_the_chain": chain,
                "per_step_by_service": per_step,
                "quick_steps": {
                    "requests_without_steps": quick_baseline,
                    "requests_of_the_chain": quick_chain,
                    "per_step_by_service": _per_step(quick_chain, quick_baseline, sizes.chain_steps),
                },
                "counted_with": "devhost.storage.RequestCounter (every HTTP attempt, retries included)",
            },
        )
    ]


PAUSE_S = CHECKPOINT_HOLD_S + 0.05
"""How long each step of the headline chain waits: longer than a checkpoint is held for."""


async def _counted(rig: Rig, orchestrator: str, input_text: str) -> dict[str, int]:
    rig.counter.reset()
    await rig.run(orchestrator, input_text)
    return rig.counter.snapshot()


def _paused(steps: int) -> str:
    return sdk_input({"steps": steps, "pause_s": PAUSE_S})


def _per_step(chain: dict[str, int], baseline: dict[str, int], steps: int) -> dict[str, float]:
    return {service: (chain[service] - baseline[service]) / steps for service in chain}


async def hellocities5_throughput(connection: str, sizes: Sizes) -> list[Metric]:
    """Orchestrations per second for HelloCities5 instances all started at once."""
    count = sizes.hellocities5_instances
    async with running_engine(CHAINS_APP, connection) as rig:
        await rig.run("hello_cities5")  # warm-up
        rig.counter.reset()
        started = time.perf_counter()
        ids = await asyncio.gather(*(rig.start("hello_cities5") for _ in range(count)))
        all_started = time.perf_counter() - started
        await asyncio.gather(*(rig.completed(instance_id) for instance_id in ids))
        elapsed = time.perf_counter() - started
        requests = rig.counter.snapshot()
    return [
        Metric(
            "hellocities5_per_s",
            count / elapsed,
            "orchestrations/s",
            {
                "instances": count,
                "activities_per_instance": 5,
                "elapsed_s": round(elapsed, 3),
                "start_calls_done_after_s": round(all_started, 3),
                "requests": requests,
                "requests_per_instance": round(requests["total"] / count, 2),
                "max_concurrent_activities": rig.settings.max_concurrent_activities,
            },
        )
    ]


async def fan_out(connection: str, sizes: Sizes) -> list[Metric]:
    """Seconds from the start call to the completion of one instance that fans out to N no-op activities."""
    width = sizes.fanout_width
    async with running_engine(CHAINS_APP, connection) as rig:
        await rig.run("fan_out", sdk_input(2))  # warm-up
        rig.counter.reset()
        started = time.perf_counter()
        record = await rig.run("fan_out", sdk_input(width))
        elapsed = time.perf_counter() - started
        requests = rig.counter.snapshot()
        history = (await rig.engine.instance(record.instance_id)).history
    episodes = sum(1 for event in history if event["EventType"] == EventType.OrchestratorStarted)
    return [
        Metric(
            "fanout1000_s",
            elapsed,
            "s",
            {
                "activities": width,
                "output": record.output,
                "history_events": len(history),
                "episodes": episodes,
                "requests": requests,
                "max_concurrent_activities": rig.settings.max_concurrent_activities,
            },
        )
    ]
