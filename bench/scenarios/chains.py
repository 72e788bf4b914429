"""Chains and fan-outs of no-op activities: requests per step, HelloCities5 throughput, fan-out time."""

from __future__ import annotations

import asyncio
import time

from bench.report import Metric
from bench.rig import CHAINS_APP, Rig, running_engine, sdk_input
from bench.sizes import Sizes
from devhost.protocol import EventType


async def requests_per_activity(connection: str, sizes: Sizes) -> list[Metric]:
    """Requests of a chain of N+k steps minus those of a chain of N steps, per extra step (deterministic)."""
    async with running_engine(CHAINS_APP, connection) as rig:
        await rig.run("chain", sdk_input(1))  # warm-up: first use of the tables and the connection pool
        short = await _counted_chain(rig, sizes.chain_steps)
        long = await _counted_chain(rig, sizes.chain_steps + sizes.chain_extra)
    per_step = {service: (long[service] - short[service]) / sizes.chain_extra for service in long}
    return [
        Metric(
            "requests_per_activity",
            per_step["total"],
            "requests",
            {
                "chains": [sizes.chain_steps, sizes.chain_steps + sizes.chain_extra],
                "requests_short_chain": short,
                "requests_long_chain": long,
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
