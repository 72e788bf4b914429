"""The project's ingestion pipeline on the devhost vs the plain script, over the same blobs and Azurite."""

from __future__ import annotations

import asyncio
import functools
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from bench.report import Metric
from bench.rig import PROJECT_APP, BenchError, app_blob_storage, running_engine, sdk_input
from bench.scenarios.orders_csv import orders_csv, plain_script, upload_inputs
from bench.sizes import Sizes
from domain.csv_orders import aggregate_csv

SOURCE_CONTAINER = "bench-orders"
SOURCE_PREFIX = "incoming/"
SCRIPT_CONTAINER = "bench-script-output"


async def pipeline_ratio(connection: str, sizes: Sizes) -> list[Metric]:
    """Pipeline seconds / script seconds (start call to Completed row vs the script's wall time)."""
    await asyncio.to_thread(
        upload_inputs,
        connection,
        SOURCE_CONTAINER,
        SOURCE_PREFIX,
        sizes.pipeline_files,
        sizes.pipeline_file_bytes,
    )
    aggregate_csv(orders_csv(0, sizes.pipeline_file_bytes))  # warm-up: imports and validators
    with app_blob_storage(connection):
        async with running_engine(PROJECT_APP, connection) as rig:
            workers = rig.settings.max_concurrent_activities
            before, script = await _timed_script(connection, workers)
            rig.counter.reset()
            request = {"container": SOURCE_CONTAINER, "prefix": SOURCE_PREFIX}
            started, cpu = time.perf_counter(), time.process_time()
            record = await rig.run("ingestion_workflow", sdk_input(request))
            pipeline = Timing(time.perf_counter() - started, time.process_time() - cpu)
            host_requests = rig.counter.snapshot()
            after, _ = await _timed_script(connection, workers)
    script_s = (before.wall_s + after.wall_s) / 2
    summary = json.loads(record.output or "{}")
    if (summary.get("files"), summary.get("valid")) != (script["files"], script["valid"]):
        raise BenchError(f"the pipeline's summary {summary} disagrees with the script's {script}")
    return [
        Metric(
            "pipeline_ratio",
            pipeline.wall_s / script_s,
            "x script",
            {
                "files": sizes.pipeline_files,
                "file_bytes": sizes.pipeline_file_bytes,
                "rows_per_file": script["rows"] // max(1, script["files"]),
                "pipeline_s": round(pipeline.wall_s, 3),
                "script_s": round(script_s, 3),
                "script_runs_s": [round(before.wall_s, 3), round(after.wall_s, 3)],
                "pipeline_process_cpu_s": round(pipeline.cpu_s, 3),
                "script_process_cpu_s": [round(before.cpu_s, 3), round(after.cpu_s, 3)],
                "timing": "pipeline: start call to Completed row; script: mean of one run before, one after",
                "threads": workers,
                "host_storage_requests": host_requests,
                "batch_size_and_parallel_batches": "the app's defaults (100, 4)",
            },
        )
    ]


@dataclass(frozen=True)
class Timing:
    wall_s: float
    cpu_s: float
    """CPU of this whole process (every thread) meanwhile."""


async def _timed_script(connection: str, workers: int) -> tuple[Timing, dict[str, Any]]:
    script = functools.partial(
        plain_script,
        connection,
        container=SOURCE_CONTAINER,
        prefix=SOURCE_PREFIX,
        target_container=SCRIPT_CONTAINER,
        run_id=f"script-{uuid.uuid4().hex}",
        workers=workers,
    )
    started, cpu = time.perf_counter(), time.process_time()
    summary = await asyncio.to_thread(script)
    return Timing(time.perf_counter() - started, time.process_time() - cpu), summary
