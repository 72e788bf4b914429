"""Many orders started concurrently over HTTP on one devhost: latencies, outcomes and the host's memory.

`run_load` starts `orders` orders of the real app through `POST /api/orders`, `concurrency` at a time,
from a thread pool on loopback, then waits until every order has finished. Stock is spread over a few
SKUs so no single inventory entity serializes the run. The devhost's memory comes from
`/proc/<pid>/status`: `VmRSS` sampled while the run goes, `VmHWM` (peak resident set) at the end.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.clients import AppApi, ManagementApi
from tests.e2e.harness import DevhostProcess, poll_until
from tests.support.azurite import PROJECT_ROOT, Azurite

SKUS = 10
RSS_SAMPLE_S = 0.5
UNIT_PRICE = 10


class MeasuredDevhost(DevhostProcess):
    """A devhost whose process id is known, to read its memory."""

    @property
    def pid(self) -> int:
        assert self._process is not None, "the devhost is not running"
        return self._process.pid


def memory_kib(pid: int, field_name: str) -> int:
    """A `VmRSS`/`VmHWM` line of /proc/<pid>/status, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {field_name} in /proc/{pid}/status")


@dataclass
class LoadResult:
    orders: int
    concurrency: int
    start_statuses: Counter[int]
    start_latencies_s: list[float]
    starting_s: float
    all_done_s: float
    final_statuses: Counter[str]
    rss_before_kib: int
    wrong_outputs: list[str]
    rss_samples_kib: list[int] = field(default_factory=list)
    peak_rss_kib: int = 0

    def percentile(self, fraction: float) -> float:
        """Nearest-rank percentile of the start latencies, in seconds."""
        ordered = sorted(self.start_latencies_s)
        return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]

    def summary(self) -> dict[str, str]:
        return {
            "orders started": f"{self.orders} ({self.concurrency} at a time)",
            "start answers": ", ".join(f"{code}: {n}" for code, n in sorted(self.start_statuses.items())),
            "start latency p50 / p95 / p99 / max": " / ".join(
                f"{value * 1000:.0f} ms"
                for value in (
                    statistics.median(self.start_latencies_s),
                    self.percentile(0.95),
                    self.percentile(0.99),
                    max(self.start_latencies_s),
                )
            ),
            "all starts answered after": f"{self.starting_s:.1f} s",
            "all orders finished after": f"{self.all_done_s:.1f} s",
            "final statuses": ", ".join(f"{s}: {n}" for s, n in sorted(self.final_statuses.items())),
            "devhost RSS before the run": f"{self.rss_before_kib / 1024:.0f} MiB",
            "devhost peak RSS (VmHWM)": f"{self.peak_rss_kib / 1024:.0f} MiB",
            "devhost RSS at the end": f"{self.rss_samples_kib[-1] / 1024:.0f} MiB",
        }


def run_load(
    azurite: Azurite, log_path: Path, *, orders: int, concurrency: int, finish_within_s: float
) -> LoadResult:
    run = uuid.uuid4().hex[:8]
    environment = {
        "AzureWebJobsStorage": azurite.connection_string,
        "WorkflowStorage": azurite.connection_string,
        "TASKHUB_NAME": "Load" + run,
        "APPROVAL_THRESHOLD": "1000000",
    }
    host = MeasuredDevhost(PROJECT_ROOT, environment, time_skipping=True, log_path=log_path)
    host.start()
    try:
        return _drive(host, run, orders=orders, concurrency=concurrency, finish_within_s=finish_within_s)
    finally:
        host.stop()


def _drive(
    host: MeasuredDevhost, run: str, *, orders: int, concurrency: int, finish_within_s: float
) -> LoadResult:
    api, management = AppApi(host.base_url), ManagementApi(host.base_url)
    skus = [f"LOAD-{run.upper()}-{n}" for n in range(SKUS)]
    per_sku = Counter(skus[n % SKUS] for n in range(orders))
    for sku in skus:
        api.restock(sku, per_sku[sku])
    for sku in skus:
        api.wait_stock(sku, per_sku[sku])

    sampler = _RssSampler(host.pid)
    rss_before = memory_kib(host.pid, "VmRSS")
    sampler.start()
    began = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        answers = list(pool.map(lambda n: _start_order(api, run, skus, n), range(orders)))
    starting_s = time.monotonic() - began

    prefix = f"order-load-{run}-"
    finished = poll_until(
        lambda: _all_finished(management, prefix, orders),
        timeout_s=finish_within_s,
        what=f"{orders} orders to finish",
    )
    all_done_s = time.monotonic() - began
    sampler.stop()
    for sku in skus:
        api.wait_stock(sku, 0)  # every order reserved its unit once, and committed it
    return LoadResult(
        orders=orders,
        concurrency=concurrency,
        start_statuses=Counter(status for status, _ in answers),
        start_latencies_s=[latency for _, latency in answers],
        starting_s=starting_s,
        all_done_s=all_done_s,
        final_statuses=Counter(s["runtimeStatus"] for s in finished),
        wrong_outputs=[s["instanceId"] for s in finished if not _charged_and_shipped(s)],
        rss_before_kib=rss_before,
        rss_samples_kib=sampler.samples,
        peak_rss_kib=memory_kib(host.pid, "VmHWM"),
    )


def _start_order(api: AppApi, run: str, skus: list[str], n: int) -> tuple[int, float]:
    body = {
        "order_id": f"load-{run}-{n}",
        "customer_id": "c-load",
        "lines": [{"sku": skus[n % len(skus)], "quantity": 1, "unit_price": UNIT_PRICE}],
    }
    began = time.monotonic()
    result = api.call("POST", "orders", body)
    return result.status, time.monotonic() - began


def _charged_and_shipped(status: dict[str, Any]) -> bool:
    order_id = status["instanceId"].removeprefix("order-")
    output = status.get("output") or {}
    expected = {"status": "completed", "charge_id": f"ch_{order_id}", "shipment_id": f"sh_{order_id}"}
    return all(output.get(key) == value for key, value in expected.items())


def _all_finished(management: ManagementApi, prefix: str, orders: int) -> list[dict[str, Any]] | None:
    """Every order's status once none is running any more."""
    statuses = management.list_all(instanceIdPrefix=prefix, showInput="false")
    done = [s for s in statuses if s["runtimeStatus"] not in ("Pending", "Running")]
    return done if len(done) == orders else None


class _RssSampler:
    """Samples the devhost's VmRSS in a background thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(memory_kib(self.pid, "VmRSS"))

    def _run(self) -> None:
        while not self._stop.wait(RSS_SAMPLE_S):
            self.samples.append(memory_kib(self.pid, "VmRSS"))


MAX_PEAK_RSS_KIB = 512 * 1024


def check(result: LoadResult) -> None:
    """Every start answered 202, every order completed with its charge and shipment, memory stayed low."""
    assert result.start_statuses == Counter({202: result.orders}), result.start_statuses
    assert result.final_statuses == Counter({"Completed": result.orders}), result.final_statuses
    assert not result.wrong_outputs, result.wrong_outputs[:10]
    assert result.peak_rss_kib < MAX_PEAK_RSS_KIB, result.summary()
