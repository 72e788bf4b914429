"""The scenarios of issue 5: each a coroutine `measure(connection, sizes) -> list[Metric]`."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from bench.report import Metric
from bench.scenarios import chains, dtfx, episodes, idle, latency, pipeline
from bench.sizes import Sizes

Measure = Callable[[str, Sizes], Coroutine[Any, Any, list[Metric]]]


@dataclass(frozen=True)
class Scenario:
    name: str
    metrics: tuple[str, ...]
    measure: Measure
    needs_storage: bool = True


SCENARIOS = (
    Scenario("requests", ("requests_per_activity",), chains.requests_per_activity),
    Scenario("hello3", ("hello3_p50_ms", "hello3_p99_ms"), latency.hello3_latency),
    Scenario("hellocities5", ("hellocities5_per_s",), chains.hellocities5_throughput),
    Scenario("fanout", ("fanout1000_s",), chains.fan_out),
    Scenario("pipeline", ("pipeline_ratio",), pipeline.pipeline_ratio),
    Scenario("idle", ("idle_requests_per_min",), idle.idle_requests),
    Scenario("overhead", ("host_overhead_ratio",), episodes.host_overhead, needs_storage=False),
    Scenario(
        "dtfx",
        (
            "hello3_p50_ms_dtfx",
            "hello3_per_s_dtfx",
            "hello3_per_s",
            "fanout1000_s_dtfx",
            "requests_per_activity_dtfx",
        ),
        dtfx.dtfx_side_by_side,
        needs_storage=False,  # it starts its own Azurite, with a request log
    ),
)


def select(only: str | None) -> tuple[Scenario, ...]:
    """Every scenario, or the one named `only` (by scenario or metric name)."""
    if only is None:
        return SCENARIOS
    chosen = tuple(s for s in SCENARIOS if only in (s.name, *s.metrics))
    if not chosen:
        names = ", ".join(name for s in SCENARIOS for name in (s.name, *s.metrics))
        raise ValueError(f"unknown scenario or metric {only!r}; choose one of: {names}")
    return chosen
