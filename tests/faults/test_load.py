"""Load: orders of the real app started concurrently over loopback HTTP all complete, with no 5xx.

`make test` runs 100 orders; `make soak` (`pytest -m soak tests/faults`) runs 1,000 and writes what
it measured (latencies, peak RSS of the devhost) to tests/faults/SOAK_RESULTS.md.
"""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devhost.runtime.cache import MAX_CACHED_IDLE
from tests.faults.load import check, run_load
from tests.support.azurite import Azurite

pytestmark = [pytest.mark.azurite, pytest.mark.e2e, pytest.mark.slow]

RESULTS = Path(__file__).with_name("SOAK_RESULTS.md")
CONCURRENCY = 50


def test_a_hundred_concurrent_orders_complete(azurite: Azurite, tmp_path: Path) -> None:
    result = run_load(
        azurite, tmp_path / "devhost.log", orders=100, concurrency=CONCURRENCY, finish_within_s=120
    )
    check(result)


@pytest.mark.soak
@pytest.mark.timeout(1800)
def test_a_thousand_concurrent_orders_complete(azurite: Azurite, tmp_path: Path) -> None:
    result = run_load(
        azurite, tmp_path / "devhost.log", orders=1000, concurrency=CONCURRENCY, finish_within_s=1500
    )
    rows = "\n".join(f"| {name} | {value} |" for name, value in result.summary().items())
    RESULTS.write_text(
        "# Soak results\n\n"
        "Written by `make soak` (`tests/faults/test_load.py::test_a_thousand_concurrent_orders_complete`):\n"
        "orders of the real app started over loopback HTTP on one devhost (`--time-skipping`), state on\n"
        "a private in-memory Azurite. Latency is the time `POST /api/orders` took to answer (its\n"
        "`get_status` and `start_new` calls included). RSS is the devhost process's\n"
        "(`/proc/<pid>/status`); the devhost keeps every running instance and at most\n"
        f"{MAX_CACHED_IDLE} finished ones in memory (`devhost/runtime/cache.py`).\n\n"
        f"Last run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} cores.\n\n"
        "| Measure | Value |\n|---|---|\n"
        f"{rows}\n"
    )
    check(result)
