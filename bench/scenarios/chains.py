"""Chains and fan-outs of no-op activities: requests per step, HelloCities5 throughput, fan-out time."""

from __future__ import annotations

import asyncio
import time

from bench.report import Metric
from bench.rig import CHAINS_APP, Rig, running_engine, sdk_input
from bench.sizes import Sizes
from devhost.protocol import EventType


async def requests_per_activity(connection: str, sizes: Sizes) -> list[Metric]:
    """Requests of a chain of N steps minus those of the same orchestrator with no step, per step.

    The baseline has no step so the difference can never vanish: a step's episode can share a write
    with the steps before it (`devhost/runtime/pipeline.py`), but the first one cannot share the start's.
    """
    async with running_engine(CHAINS_APP, connection) as rig:
        await rig.run("chain", sdk_input(1))  # warm-up: first use of the tables and the connection pool
        baseline = await _counted_chain(rig, 0)
        chain = await _counted_chain(rig, sizes.chain_steps)
    per_step = {service: (chain[service] - baseline[service]) / sizes.chain_steps for service in chain}
    return [
        Metric(
            "requests_per_activity",
            per_step["total"],
            "requests",
            {
                "chains": [0, sizes.chain_steps],
                "requests_without_steps": baseline,
                "requests_of_the_chain": chain,
                "per_step_by_service": per_step,
                "counted_with": "devhost.storage.RequestCounter (every HTTP attempt, retries included)",
            },
        )
    ]


async def _counted_chain(rig: Rig, steps: int) -> dict[str, int]:
    rig.counter.reset()
    await rig.run("chain", sdk_input(steps))
    return rig.counter.snapshot()


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
