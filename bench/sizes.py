"""How big each scenario runs: the full sizes of issue 5, and a tiny `--quick` variant for the smoke test."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    chain_steps: int
    """Steps of the chain whose requests are counted; the baseline is the same orchestrator with none."""
    hello3_runs: int
    hello3_warmup: int
    hellocities5_instances: int
    fanout_width: int
    pipeline_files: int
    pipeline_file_bytes: int
    idle_seconds: float
    history_sizes: tuple[int, ...]
    episode_repeats: int


FULL = Sizes(
    chain_steps=20,
    hello3_runs=200,
    hello3_warmup=20,
    hellocities5_instances=500,
    fanout_width=1000,
    pipeline_files=200,
    pipeline_file_bytes=100_000,
    idle_seconds=60.0,
    history_sizes=(10, 100, 1000),
    episode_repeats=15,
)

QUICK = Sizes(
    chain_steps=3,
    hello3_runs=5,
    hello3_warmup=1,
    hellocities5_instances=10,
    fanout_width=20,
    pipeline_files=4,
    pipeline_file_bytes=5_000,
    idle_seconds=1.0,
    history_sizes=(10, 100),
    episode_repeats=3,
)
