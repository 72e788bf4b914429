"""`python -m bench [--quick] [--only NAME] [--output PATH] [--profile DIR]`: measure, print, write JSON.

Every scenario gets a fresh task hub; in a full run each also gets its own fresh in-memory Azurite
(`--quick` shares one Azurite across the scenarios, which saves its start-up time). Measurements never
"fail": a scenario that cannot be measured is logged, left out, and makes the exit code 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import logging
import os
import shlex
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from bench.report import Metric, machine_facts, render_table, write_results
from bench.scenarios import Scenario, select
from bench.sizes import FULL, QUICK, Sizes
from tests.support.azurite import Azurite

logger = logging.getLogger("bench")
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results.json"
NO_STORAGE = "UseDevelopmentStorage=true"
"""What scenarios that touch no storage are given as their connection (never used)."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (seconds): the smoke test's mode")
    parser.add_argument("--only", metavar="NAME", help="one scenario, by scenario or metric name")
    parser.add_argument(
        "--output",
        type=Path,
        help=f"where to write the results JSON (default {DEFAULT_OUTPUT}; with --quick: not written)",
    )
    parser.add_argument("--profile", type=Path, metavar="DIR", help="write DIR/<scenario>.prof (cProfile)")
    return parser.parse_args(argv)


@contextlib.contextmanager
def storage(shared: Azurite | None, scenario: Scenario) -> Iterator[Azurite | None]:
    """The Azurite the scenario runs on: the shared one, a fresh one, or none when it needs no storage."""
    if not scenario.needs_storage:
        yield None
    elif shared is not None:
        yield shared
    else:
        with Azurite() as azurite:
            yield azurite


def cpu_seconds(azurite: Azurite | None) -> float | None:
    """CPU time Azurite's process has used so far (Linux /proc), to tell who is the bottleneck."""
    pid = azurite.pid if azurite is not None else None
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def measure(
    scenario: Scenario, sizes: Sizes, azurite: Azurite | None, profile_dir: Path | None
) -> list[Metric]:
    """Run one scenario; its metrics carry the wall time, the CPU used and the load average of the run."""
    connection = azurite.connection_string if azurite is not None else NO_STORAGE
    profiler = cProfile.Profile() if profile_dir is not None else None
    load_before = os.getloadavg()[0]
    azurite_cpu = cpu_seconds(azurite)
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler is not None:
        profiler.enable()
    try:
        produced = asyncio.run(scenario.measure(connection, sizes))
    finally:
        if profiler is not None and profile_dir is not None:
            profiler.disable()
            profile_dir.mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(profile_dir / f"{scenario.name}.prof")
    azurite_cpu_after = cpu_seconds(azurite)
    run = {
        "scenario": scenario.name,
        "wall_s": round(time.perf_counter() - wall, 2),
        "process_cpu_s": round(time.process_time() - cpu, 2),
        "azurite_cpu_s": (
            round(azurite_cpu_after - azurite_cpu, 2)
            if azurite_cpu is not None and azurite_cpu_after is not None
            else None
        ),
        "load_avg_1m_before": round(load_before, 2),
        "load_avg_1m_after": round(os.getloadavg()[0], 2),
        "profiled": profiler is not None,
    }
    return [replace(metric, params={**metric.params, "run": run}) for metric in produced]


def run(
    scenarios: tuple[Scenario, ...], sizes: Sizes, *, shared: Azurite | None, profile_dir: Path | None
) -> tuple[list[Metric], list[str]]:
    metrics: list[Metric] = []
    failed: list[str] = []
    for scenario in scenarios:
        try:
            with storage(shared, scenario) as azurite:
                produced = measure(scenario, sizes, azurite, profile_dir)
        except Exception:
            logger.exception("scenario %s could not be measured", scenario.name)
            failed.append(scenario.name)
            continue
        metrics.extend(produced)
        summary = ", ".join(f"{m.metric}={m.value:.4g} {m.unit}" for m in produced)
        print(f"{scenario.name}: {summary} ({produced[0].params['run']['wall_s']} s)", flush=True)
    return metrics, failed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    try:
        scenarios = select(args.only)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    with contextlib.ExitStack() as stack:
        shared = stack.enter_context(Azurite()) if args.quick else None
        sizes = QUICK if args.quick else FULL
        metrics, failed = run(scenarios, sizes, shared=shared, profile_dir=args.profile)
    print()
    print(render_table(metrics))
    output = args.output or (None if args.quick else DEFAULT_OUTPUT)
    if output is not None:
        command = shlex.join(["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)])
        write_results(output, metrics, machine_facts(), command)
        print(f"\nwrote {output}")
    if failed:
        print(f"\nnot measured: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
