"""What a benchmark run produces: metrics, the machine they were measured on, the table and results.json."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from tests.support.azurite import AZURITE_BIN

PACKAGES = (
    "azure-functions",
    "azure-functions-durable",
    "azure-data-tables",
    "azure-storage-blob",
    "azure-core",
)


@dataclass(frozen=True)
class Metric:
    """One measured value; `params` say how it was measured (sizes, raw timings, breakdowns)."""

    metric: str
    value: float
    unit: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    """Issue 5's target for a metric (None: reported only) and the reference figure of the real system."""

    limit: float | None
    higher_is_better: bool
    reference: str

    def goal(self) -> str:
        if self.limit is None:
            return "-"
        return f"{'>=' if self.higher_is_better else '<='} {self.limit:g}"

    def met(self, value: float) -> str:
        if self.limit is None:
            return "-"
        met = value >= self.limit if self.higher_is_better else value <= self.limit
        return "yes" if met else "no"


TARGETS: dict[str, Target] = {
    "requests_per_activity": Target(3, False, "Azure Storage provider ~9"),
    "hello3_p50_ms": Target(15, False, "DF on Azure Storage ~203 ms; Netherite ~13 ms"),
    "hello3_p99_ms": Target(None, False, "DF on Azure Storage ~2.2 s"),
    "hellocities5_per_s": Target(45, True, "1 EP2 node on Azure Storage 24.5-45/s"),
    "fanout1000_s": Target(4, False, "published 100 activities/s fan-out, 150/s fan-in"),
    "pipeline_ratio": Target(1.3, False, "the plain script is the limit (1.0)"),
    "idle_requests_per_min": Target(6, False, "~10/min polling per worker plus lease traffic"),
    "host_overhead_ratio": Target(1, False, "SDK replay ~44 us per history event"),
}
UNKNOWN_TARGET = Target(None, False, "")


def machine_facts() -> dict[str, Any]:
    """CPU, cores, memory, Python, Azurite and SDK versions of this machine."""
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "azurite": _azurite_version(),
        "packages": {name: _version(name) for name in PACKAGES},
    }


def write_results(path: Path, metrics: Sequence[Metric], machine: dict[str, Any], command: str) -> None:
    document = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "machine": machine,
        "metrics": [asdict(metric) for metric in metrics],
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def render_table(metrics: Sequence[Metric]) -> str:
    """A Markdown table: metric, measured value, target, met, reference."""
    lines = [
        "| Metric | Measured | Target | Met | Reference (real system) |",
        "|---|---|---|---|---|",
    ]
    for metric in metrics:
        target = TARGETS.get(metric.metric, UNKNOWN_TARGET)
        cells = (
            metric.metric,
            f"{metric.value:.4g} {metric.unit}",
            target.goal(),
            target.met(metric.value),
            target.reference,
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _azurite_version() -> str:
    try:
        done = subprocess.run(
            [str(AZURITE_BIN), "--version"], check=False, capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return done.stdout.strip() or "unknown"


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None
