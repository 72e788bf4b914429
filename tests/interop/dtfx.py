"""`../shared/tools/dtfx/dtfx`: the real Durable Task engine's client (DurableTask.AzureStorage 2.11.2).

Its commands write the provider's own messages and rows (`start`, `raise`, `terminate`) and read a task
hub as the real client does (`wait`, `inspect`). Usage: ../shared/tools/README.md.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.azurite import PROJECT_ROOT

DTFX = PROJECT_ROOT.parent / "shared" / "tools" / "dtfx" / "dtfx"
COMMAND_TIMEOUT_S = 90.0
NOT_FOUND_EXIT = 3
NOT_COMPLETED_EXIT = 4


class DtfxUnavailableError(RuntimeError):
    """The dtfx tool is missing or does not run; the message says why."""


def check_runnable(connection: str, tool: Path = DTFX) -> None:
    """DtfxUnavailableError unless `tool` runs against the storage of `connection`."""
    if not tool.is_file() or not os.access(tool, os.X_OK):
        raise DtfxUnavailableError(
            f"{tool} is missing or not executable: the interop tests need the real engine's client "
            "(../shared/tools/dtfx/dtfx next to the repository)"
        )
    try:
        probe = Dtfx(connection, "DtfxProbe", tool).run("inspect", "--instance", "probe")
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DtfxUnavailableError(f"{tool} cannot run: {exc}") from exc
    if probe.returncode != NOT_FOUND_EXIT:
        raise DtfxUnavailableError(
            f"{tool} cannot run (exit {probe.returncode}): {probe.stderr.strip() or probe.stdout.strip()}"
        )


@dataclass(frozen=True)
class Dtfx:
    """dtfx commands on one task hub of one storage account."""

    connection: str
    hub: str
    tool: Path = DTFX

    def run(self, *args: str, timeout_s: float = COMMAND_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
        command = [str(self.tool), *args, "--conn", self.connection, "--hub", self.hub]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)

    def _ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.returncode == 0, f"dtfx {' '.join(args)}: exit {result.returncode}: {result.stderr}"
        return result.stdout

    def start(self, name: str, instance_id: str, input_json: str | None = None) -> str:
        """`dtfx start`; the new execution id."""
        args = ["start", "--name", name, "--instance", instance_id]
        if input_json is not None:
            args += ["--input", input_json]
        started: dict[str, str] = json.loads(self._ok(*args))
        assert started["instanceId"] == instance_id, started
        return started["executionId"]

    def raise_event(self, instance_id: str, event: str, data_json: str) -> None:
        self._ok("raise", "--instance", instance_id, "--event", event, "--data", data_json)

    def terminate(self, instance_id: str, reason: str) -> None:
        self._ok("terminate", "--instance", instance_id, "--reason", reason)

    def wait(self, instance_id: str, timeout_s: float = 30.0) -> tuple[int, dict[str, Any] | None]:
        """`dtfx wait`: its exit code (0 completed, 3 not finished in time, 4 ended otherwise) and state."""
        result = self.run(
            "wait", "--instance", instance_id, "--timeout-s", str(timeout_s), timeout_s=timeout_s + 30
        )
        state = json.loads(result.stdout) if result.stdout.strip() else None
        return result.returncode, state

    def inspect(self, instance_id: str) -> dict[str, Any]:
        """`{"state": {...}, "history": [...]}` as the real client reads the instance."""
        inspected: dict[str, Any] = json.loads(self._ok("inspect", "--instance", instance_id))
        return inspected
