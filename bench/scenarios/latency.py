"""Hello3 end-to-end latency: the client's start call to the instance's Completed row, one run at a time."""

from __future__ import annotations

import statistics
import time

from bench.report import Metric
from bench.rig import CHAINS_APP, running_engine
from bench.sizes import Sizes


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


async def hello3_latency(connection: str, sizes: Sizes) -> list[Metric]:
    async with running_engine(CHAINS_APP, connection) as rig:
        for _ in range(sizes.hello3_warmup):
            await rig.run("hello3")
        rig.counter.reset()
        latencies_ms: list[float] = []
        for _ in range(sizes.hello3_runs):
            started = time.perf_counter()
            await rig.run("hello3")
            latencies_ms.append((time.perf_counter() - started) * 1000)
        requests = rig.counter.snapshot()
    runs = len(latencies_ms)
    params = {
        "runs": runs,
        "warmup_runs": sizes.hello3_warmup,
        "mean_ms": round(statistics.fmean(latencies_ms), 2),
        "min_ms": round(min(latencies_ms), 2),
        "max_ms": round(max(latencies_ms), 2),
        "requests_per_instance": round(requests["total"] / runs, 2),
        "measured": "in the engine's process: Client.start() call to the Completed Instances row written",
    }
    return [
        Metric("hello3_p50_ms", percentile(latencies_ms, 0.50), "ms", params),
        Metric("hello3_p99_ms", percentile(latencies_ms, 0.99), "ms", params),
    ]
