"""`python -m bench --quick`: every scenario still runs and yields a sane value (measurements are not judged).

The benchmark starts its own in-memory Azurite, so it runs as a subprocess: it loads apps and sets the
app's blob connection in its own process, never in the test session's.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.scenarios import SCENARIOS
from tests.support.azurite import PROJECT_ROOT

pytestmark = pytest.mark.slow

METRICS = (
    "requests_per_activity",
    "hello3_p50_ms",
    "hello3_p99_ms",
    "hellocities5_per_s",
    "fanout1000_s",
    "pipeline_ratio",
    "idle_requests_per_min",
    "host_overhead_ratio",
    "hello3_p50_ms_dtfx",
    "hello3_per_s_dtfx",
    "hello3_per_s",
    "fanout1000_s_dtfx",
    "requests_per_activity_dtfx",
)
MAY_BE_ZERO = {"idle_requests_per_min"}
"""An idle host may send nothing at all in the quick run's one-second window."""
MAY_BE_NEGATIVE = {"host_overhead_ratio"}
"""The host's own share can be within timing noise of zero, so the ratio may come out slightly below it."""
RUN_TIMEOUT_S = 240


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    output = tmp_path_factory.mktemp("bench") / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--output", str(output)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, f"python -m bench --quick failed:\n{done.stdout}\n{done.stderr}"
    results: dict[str, Any] = json.loads(Path(output).read_text())
    return results


def test_the_scenarios_cover_exactly_the_issues_metrics() -> None:
    assert sorted(name for scenario in SCENARIOS for name in scenario.metrics) == sorted(METRICS)


@pytest.mark.parametrize("name", METRICS)
def test_each_metric_is_measured_with_a_sane_value(quick_results: dict[str, Any], name: str) -> None:
    measured = [m for m in quick_results["metrics"] if m["metric"] == name]
    assert len(measured) == 1, f"{name} measured {len(measured)} times"
    value = measured[0]["value"]
    assert isinstance(value, float | int), value
    assert math.isfinite(value), value
    if name in MAY_BE_NEGATIVE:
        assert value > -1, value
    elif name in MAY_BE_ZERO:
        assert value >= 0, value
    else:
        assert value > 0, value
    assert measured[0]["unit"]
    assert measured[0]["params"]["run"]["wall_s"] > 0


def test_the_results_name_the_machine(quick_results: dict[str, Any]) -> None:
    machine = quick_results["machine"]
    assert machine["cores"] >= 1
    assert machine["python"].count(".") == 2
    assert machine["azurite"][0].isdigit(), machine["azurite"]
    assert machine["cpu_model"]
    assert quick_results["command"].startswith("python -m bench --quick")
