"""Fault and load tests: devhost processes driven over HTTP only, as in tests/e2e.

Tests marked `soak` (the 1,000-order load run) are left out unless the `-m` expression names them
(tests/conftest.py); `make soak` runs them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from devhost.runtime.backoff import BackoffPolicy
from devhost.runtime.clock import Clock
from devhost.worker import LoadedApp
from tests.devhost.runtime.conftest import Running, patterns_app, start_engine
from tests.e2e.clients import TERMINAL_STATUSES, ManagementApi
from tests.e2e.harness import DevhostProcess, poll_until, request
from tests.faults.fixtures import FAULT_APP
from tests.support.azurite import Azurite

__all__ = ["patterns_app"]  # the runtime tests' fixture: the patterns app loaded in-process


def status(management: ManagementApi, instance_id: str) -> dict[str, Any] | None:
    """The management API's status of an instance; None while it does not exist."""
    result = request("GET", management.url(f"instances/{instance_id}"))
    if result.status == 404:
        return None
    assert result.status in (200, 202), (result.status, result.body[:500])
    found: dict[str, Any] = result.json()
    return found


def wait_finished(management: ManagementApi, instance_id: str, *, timeout_s: float = 30.0) -> dict[str, Any]:
    """Poll until the instance has a final status; returns its status."""

    def finished() -> dict[str, Any] | None:
        current = status(management, instance_id)
        return current if current is not None and current["runtimeStatus"] in TERMINAL_STATUSES else None

    done: dict[str, Any] = poll_until(finished, timeout_s=timeout_s, what=f"{instance_id} to finish")
    return done


def start(management: ManagementApi, name: str, body: Any = None) -> str:
    """Start orchestration `name` with a fresh instance id; returns the id."""
    instance_id = f"{name}-{uuid.uuid4().hex[:8]}"
    result = management.start(name, instance_id, body)
    assert result.status == 202, (result.status, result.body[:500])
    return instance_id


class FaultHost:
    """The fault fixture app on a devhost; markers of its activities land in `marker_dir`."""

    def __init__(self, host: DevhostProcess, marker_dir: Path) -> None:
        self.host = host
        self.marker_dir = marker_dir
        self.management = ManagementApi(host.base_url)

    def marker(self, key: str, suffix: str) -> Path:
        return self.marker_dir / f"{key}.{suffix}"

    def log(self) -> str:
        assert self.host.log_path is not None
        return self.host.log_path.read_text(errors="replace")


@pytest.fixture
async def running(patterns_app: LoadedApp, storage_connection_string: str) -> AsyncIterator[Running]:
    """An in-process engine on a fresh task hub, retrying storage work after 10-50 ms pauses."""
    started = await start_engine(
        patterns_app, storage_connection_string, "F" + uuid.uuid4().hex[:12], Clock()
    )
    started.engine.backoff.policy = BackoffPolicy(first_s=0.01, max_s=0.05)
    yield started
    await started.stop()


@pytest.fixture(scope="session")
def fault_host(azurite: Azurite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultHost]:
    """One devhost running the fault app for the session (its own task hub on the session Azurite)."""
    root = tmp_path_factory.mktemp("fault-app")
    markers = root / "markers"
    markers.mkdir()
    environment = {
        "AzureWebJobsStorage": azurite.connection_string,
        "FAULT_HUB": "Faults" + uuid.uuid4().hex[:10],
        "FAULT_MARKER_DIR": str(markers),
    }
    host = DevhostProcess(FAULT_APP, environment, log_path=root / "devhost.log").start()
    try:
        yield FaultHost(host, markers)
    finally:
        host.kill()
