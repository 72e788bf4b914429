"""Run an app on a host and talk to it over HTTP only (standard library), for end-to-end and crash tests.

By default the host is the devhost (`python -m devhost`) on a private task hub of the test session's
Azurite. Set `E2E_BASE_URL` (e.g. `http://localhost:7071`) to run the same tests against a host that is
already running, such as `func start` with Azure Functions Core Tools.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.azurite import PROJECT_ROOT, free_port

HOST_STARTUP_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 30.0
POLL_INTERVAL_S = 0.05


class HostStartupError(RuntimeError):
    """The host process exited or did not answer its ping in time; the message carries its output."""


@dataclass(frozen=True)
class HttpResult:
    """A response, whatever its status (4xx and 5xx are results, not exceptions)."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def request(
    method: str,
    url: str,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> HttpResult:
    """One HTTP request; `body` is sent as JSON, `raw` as given."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    all_headers = {"content-type": "application/json"} if body is not None else {}
    all_headers.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT_S) as response:
            return HttpResult(
                response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
            )
    except urllib.error.HTTPError as error:
        return HttpResult(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


def poll_until(
    check: Callable[[], Any],
    *,
    timeout_s: float = 30.0,
    what: str = "condition",
    between: Callable[[], object] | None = None,
) -> Any:
    """Call `check` until it returns something truthy; returns that value.

    `between` runs after each unsuccessful check (e.g. to fire the next durable timer).
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        if between is not None:
            between()
        time.sleep(POLL_INTERVAL_S)


@dataclass
class DevhostProcess:
    """`python -m devhost` for one app directory, one task hub, one Azurite."""

    app_dir: Path
    environment: dict[str, str]
    port: int = field(default_factory=free_port)
    rpc_port: int = field(default_factory=free_port)
    time_skipping: bool = False
    log_path: Path | None = None
    _process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://localhost:{self.port}"

    def start(self) -> DevhostProcess:
        args = [sys.executable, "-m", "devhost", "--port", str(self.port), "--rpc-port", str(self.rpc_port)]
        if self.time_skipping:
            args.append("--time-skipping")
        args.append(str(self.app_dir))
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        env = {**os.environ, **self.environment, "PYTHONPATH": str(PROJECT_ROOT)}
        self._process = subprocess.Popen(
            args, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + HOST_STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise HostStartupError(f"devhost exited with {self._process.returncode}: {self.output()}")
            try:
                if request("GET", f"{self.base_url}/admin/host/ping").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.kill()
        raise HostStartupError(f"devhost did not answer in {HOST_STARTUP_TIMEOUT_S} s: {self.output()}")

    def output(self) -> str:
        if self.log_path and self.log_path.exists():
            return self.log_path.read_text(errors="replace")[-4000:]
        return "(no log)"

    def kill(self) -> None:
        """`kill -9` the whole process group: no clean-up, no lease release."""
        if self._process is not None and self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
        self._process = None

    def stop(self) -> None:
        """Ask the devhost to stop (SIGTERM), as Ctrl-C does."""
        if self._process is not None and self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._process = None
