"""Devhost processes that the crash tests kill (`kill -9` of the process group) and restart on one task hub.

Every host a test launches logs to its own file under the test's `tmp_path` and is killed at teardown
whatever happened. Statuses are read through the Durable management API, as any client would.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient

from tests.e2e.harness import DevhostProcess, poll_until, request
from tests.support.azurite import Azurite

WEBHOOK = "/runtime/webhooks/durabletask"
TERMINAL = ("Completed", "Failed", "Terminated", "Canceled")
_RECOVERED = re.compile(
    r"recovered \d+ in-flight instances \((\d+) activities re-run, (\d+) timers re-armed\)"
)


@dataclass
class Hosts:
    """Launches devhosts on one task hub; `hub` is private to the test."""

    azurite: Azurite
    tmp_path: Path
    hub: str = field(default_factory=lambda: "Crash" + uuid.uuid4().hex[:10])
    launched: list[DevhostProcess] = field(default_factory=list)

    def launch(self, app_dir: Path, environment: dict[str, str], *, name: str = "devhost") -> DevhostProcess:
        """Start a devhost (blocks until it answers its ping); its log is `<tmp_path>/<name>.log`.

        Restart a killed one with `host.start()`: same ports, same log (appended).
        """
        host = DevhostProcess(app_dir, environment, log_path=self.tmp_path / f"{name}.log")
        self.launched.append(host)
        return host.start()

    def re_dispatched(self) -> tuple[int, int]:
        """Activities re-run and timers re-armed by start-up recovery, over every launch so far."""
        activities = timers = 0
        for host in self.launched:
            log = host.log_path.read_text(errors="replace") if host.log_path else ""
            for match in _RECOVERED.finditer(log):
                activities += int(match.group(1))
                timers += int(match.group(2))
        return activities, timers

    def kill_all(self) -> None:
        for host in self.launched:
            host.kill()


@pytest.fixture
def hosts(azurite: Azurite, tmp_path: Path) -> Iterator[Hosts]:
    launched = Hosts(azurite, tmp_path)
    yield launched
    launched.kill_all()


@pytest.fixture(scope="session")
def blobs(azurite: Azurite) -> BlobServiceClient:
    """A plain blob client on the session's Azurite, to read what the app wrote."""
    return BlobServiceClient.from_connection_string(azurite.connection_string)


def status(base_url: str, instance_id: str) -> dict[str, Any] | None:
    """The management API's status of an instance (None while it does not exist)."""
    response = request("GET", f"{base_url}{WEBHOOK}/instances/{instance_id}")
    if response.status == 404:
        return None
    assert response.status in (200, 202), (response.status, response.body[:500])
    payload: dict[str, Any] = response.json()
    return payload


def wait_for(
    base_url: str, instance_id: str, check: Callable[[dict[str, Any]], bool], *, timeout_s: float, what: str
) -> dict[str, Any]:
    """Poll an instance's status until `check` accepts it; returns that status."""

    def accepted() -> dict[str, Any] | None:
        current = status(base_url, instance_id)
        return current if current is not None and check(current) else None

    found: dict[str, Any] = poll_until(accepted, timeout_s=timeout_s, what=f"{instance_id}: {what}")
    return found


def wait_finished(base_url: str, instance_id: str, *, timeout_s: float = 20.0) -> dict[str, Any]:
    return wait_for(
        base_url, instance_id, lambda s: s["runtimeStatus"] in TERMINAL, timeout_s=timeout_s, what="finished"
    )


def custom_step(current: dict[str, Any]) -> str | None:
    custom = current.get("customStatus")
    return custom.get("step") if isinstance(custom, dict) else None
