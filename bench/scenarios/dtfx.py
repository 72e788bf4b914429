"""Side by side with the real engine: `dtfx bench` (DurableTask.AzureStorage) and the devhost on one Azurite.

The scenario starts its own fresh in-memory Azurite with `--debug LOG`, so that the real engine's storage
requests can be counted (one `StorageContextMiddleware: RequestMethod=` line per request). Every `dtfx`
run gets its own task hub. The real engine's client polls an instance's status every 2 s, so its sizes
are smaller than the devhost's (a sequential Hello3 costs at least 2 s of wall time there); the figures
taken are the engine's own timings (`service_ms_*`: created -> completed timestamps), except
`instances_per_s`, which is bounded by those polls (at most `concurrency / 2` instances per second).
"""

from __future__ import annotations

import asyncio
import json
import shlex
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import Metric
from bench.rig import CHAINS_APP, BenchError, running_engine
from bench.sizes import Sizes
from tests.support.azurite import Azurite

DTFX = Path(__file__).resolve().parents[2] / ".." / "shared" / "tools" / "dtfx" / "dtfx"
DTFX_SHOWN = "../shared/tools/dtfx/dtfx"
"""How command lines in the results name the tool (relative to the repository root)."""
REQUEST_LINE = "StorageContextMiddleware: RequestMethod="
CONN_PLACEHOLDER = "<fresh in-memory Azurite>"
RUN_TIMEOUT_S = 600
HELLO3_STEPS = 3
"""Sequential activity steps of a Hello3 instance."""
MAX_CONCURRENCY = 50
MAX_CONCURRENT_INSTANCES = 250
MAX_WARMUP = 3
REQUESTS_METHOD = (
    "Counted in Azurite's --debug log: ((requests - GETs on the hub's Instances table) of the longer "
    "sequential Hello3 run minus the same of a 1-instance run without warm-up) / (extra instances, the "
    "warm-up runs included, x 3 steps). dtfx's Hello3 is fixed, so unlike the devhost's chain-length "
    "difference each step also carries a third of an instance's start and completion and of the "
    "worker's queue polling during the ~2 s its client waits per instance; the client's status polls "
    "(Instances GETs) are left out. `without_any_queue_receive_per_step` also leaves out every queue "
    "message GET (empty polls and the ones that fetched work alike): a lower bound."
)


class DtfxUnavailableError(BenchError):
    """`../shared/tools/dtfx/dtfx` is missing, cannot start, or its run failed; the message says which."""


@dataclass(frozen=True)
class DtfxRun:
    """One `dtfx bench` run: its command line (connection elided), its JSON line, and its storage requests."""

    command: str
    result: dict[str, Any]
    requests: int
    status_reads: int
    """GET requests on the hub's Instances table (the client's status polls and its create-time check)."""
    queue_receives: int
    """GET requests on the hub's queues' messages (work fetched and empty polls alike)."""
    process_s: float


def dtfx_command(hub: str, args: list[str]) -> list[str]:
    return [DTFX_SHOWN, "bench", "--conn", CONN_PLACEHOLDER, "--hub", hub, *args]


def run_dtfx(azurite: Azurite, log: Path, args: list[str]) -> DtfxRun:
    """`dtfx bench ARGS` on a new hub of `azurite`; DtfxUnavailableError unless every instance completed."""
    if not DTFX.is_file():
        raise DtfxUnavailableError(
            f"{DTFX} is missing: the real-engine comparison needs ../shared/tools/dtfx"
        )
    hub = "Dtfx" + uuid.uuid4().hex[:10]
    shown = dtfx_command(hub, args)
    real = {DTFX_SHOWN: str(DTFX), CONN_PLACEHOLDER: azurite.connection_string}
    command = [real.get(part, part) for part in shown]
    offset = log.stat().st_size
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DtfxUnavailableError(f"`{shlex.join(shown)}` could not run: {exc}") from exc
    if done.returncode != 0:
        raise DtfxUnavailableError(
            f"`{shlex.join(shown)}` exited {done.returncode}: {done.stdout[-500:]} {done.stderr[-1500:]}"
        )
    try:
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError) as exc:
        raise DtfxUnavailableError(
            f"`{shlex.join(shown)}` printed no JSON line: {done.stdout[-500:]}"
        ) from exc
    with log.open("rb") as handle:
        handle.seek(offset)
        lines = [line for line in handle.read().decode(errors="replace").splitlines() if REQUEST_LINE in line]
    status_reads = sum(
        1 for line in lines if "RequestMethod=GET RequestURL=" in line and f"/{hub}Instances" in line
    )
    receives = sum(1 for line in lines if "RequestMethod=GET RequestURL=" in line and "/messages" in line)
    elapsed = round(time.perf_counter() - started, 2)
    return DtfxRun(shlex.join(shown), result, len(lines), status_reads, receives, elapsed)


async def dtfx_side_by_side(connection: str, sizes: Sizes) -> list[Metric]:
    """The real engine's Hello3 latency and rate, fan-out and requests, plus the devhost's Hello3 rate."""
    del connection  # this scenario needs an Azurite of its own, with a request log
    sequential = max(HELLO3_STEPS, sizes.hello3_runs // 5)
    warmup = min(sizes.hello3_warmup // 5, MAX_WARMUP)
    concurrent = min(sizes.hellocities5_instances // 2, MAX_CONCURRENT_INSTANCES)
    concurrency = min(MAX_CONCURRENCY, concurrent)
    with tempfile.TemporaryDirectory(prefix="bench-dtfx-") as scratch:
        log = Path(scratch) / "azurite-debug.log"
        with Azurite(debug_log=log) as azurite:
            latency = await asyncio.to_thread(run_dtfx, azurite, log, _hello3(sequential, 1, warmup))
            single = await asyncio.to_thread(run_dtfx, azurite, log, _hello3(1, 1, 0))
            throughput = await asyncio.to_thread(
                run_dtfx, azurite, log, _hello3(concurrent, concurrency, min(warmup, 1))
            )
            fan_out = await asyncio.to_thread(
                run_dtfx,
                azurite,
                log,
                ["--scenario", "fanout", "--width", str(sizes.fanout_width), "--count", "1", "--warmup", "0"],
            )
            devhost_rate, devhost_elapsed = await devhost_hello3_rate(
                azurite.connection_string, concurrent, concurrency
            )
    return [
        Metric("hello3_p50_ms_dtfx", float(latency.result["service_ms_p50"]), "ms", _params(latency)),
        Metric(
            "hello3_per_s_dtfx",
            float(throughput.result["instances_per_s"]),
            "orchestrations/s",
            _params(throughput),
        ),
        Metric(
            "hello3_per_s",
            devhost_rate,
            "orchestrations/s",
            {
                "instances": concurrent,
                "concurrency": concurrency,
                "elapsed_s": round(devhost_elapsed, 3),
                "measured": "the devhost rig on the same Azurite, at most `concurrency` Hello3 in flight; "
                "an instance counts when its Completed row is written (no polling)",
                "compare_with": throughput.command,
            },
        ),
        Metric(
            "fanout1000_s_dtfx",
            float(fan_out.result["service_ms_p50"]) / 1000,
            "s",
            {
                **_params(fan_out),
                "measured": "the engine's own created -> completed time of the one instance",
            },
        ),
        requests_per_activity(latency, single, sequential + warmup - 1),
    ]


def requests_per_activity(longer: DtfxRun, shorter: DtfxRun, extra_instances: int) -> Metric:
    """Requests per sequential step: two Hello3 runs differing only in `extra_instances`, polls left out."""
    without_polls = (longer.requests - longer.status_reads) - (shorter.requests - shorter.status_reads)
    per_step = without_polls / (extra_instances * HELLO3_STEPS)
    return Metric(
        "requests_per_activity_dtfx",
        per_step,
        "requests",
        {
            "commands": [longer.command, shorter.command],
            "requests": [longer.requests, shorter.requests],
            "instances_status_reads": [longer.status_reads, shorter.status_reads],
            "queue_receives": [longer.queue_receives, shorter.queue_receives],
            "with_status_reads_per_step": round(
                (longer.requests - shorter.requests) / (extra_instances * HELLO3_STEPS), 2
            ),
            "without_any_queue_receive_per_step": round(
                (without_polls - longer.queue_receives + shorter.queue_receives)
                / (extra_instances * HELLO3_STEPS),
                2,
            ),
            "computed": f"{REQUESTS_METHOD} Here: {extra_instances} extra Hello3 x {HELLO3_STEPS} steps.",
        },
    )


async def devhost_hello3_rate(connection: str, count: int, concurrency: int) -> tuple[float, float]:
    """The devhost's Hello3 instances per second with at most `concurrency` in flight, and the time taken."""
    async with running_engine(CHAINS_APP, connection) as rig:
        await rig.run("hello3")  # warm-up
        gate = asyncio.Semaphore(concurrency)

        async def one() -> None:
            async with gate:
                await rig.run("hello3")

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(count)))
        elapsed = time.perf_counter() - started
    return count / elapsed, elapsed


def _hello3(count: int, concurrency: int, warmup: int) -> list[str]:
    return [
        "--scenario",
        "hello3",
        "--count",
        str(count),
        "--concurrency",
        str(concurrency),
        "--warmup",
        str(warmup),
    ]


def _params(run: DtfxRun) -> dict[str, Any]:
    return {"command": run.command, "dtfx": run.result, "requests": run.requests, "process_s": run.process_s}
