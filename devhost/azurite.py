"""Azurite for local runs: start the project's emulator with persistent data, or reuse one already running.

`make run` needs the storage emulator on the ports `UseDevelopmentStorage=true` means (10000-10002).
When an Azurite already listens there (a developer's own, or a VS Code extension's) it is reused and
left running; otherwise `node_modules/.bin/azurite` is started in its own process group, with its data
under `--location` and its output in `<location>/azurite.log`, and stopped with `stop()`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
LOG_FILE = "azurite.log"
# Azurite's documented, public development account (what `UseDevelopmentStorage=true` stands for).
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
_SERVER_PREFIX = "Azurite-"


class LaunchError(RuntimeError):
    """A local process could not be started or reused; `code` is stable, the message says what to do."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class AzuritePorts:
    blob: int = 10000
    queue: int = 10001
    table: int = 10002

    @property
    def all(self) -> tuple[int, int, int]:
        return (self.blob, self.queue, self.table)

    @property
    def connection_string(self) -> str:
        """An explicit connection string for these ports (`UseDevelopmentStorage=true` for the defaults)."""
        return (
            f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
            f"BlobEndpoint=http://127.0.0.1:{self.blob}/{DEV_ACCOUNT};"
            f"QueueEndpoint=http://127.0.0.1:{self.queue}/{DEV_ACCOUNT};"
            f"TableEndpoint=http://127.0.0.1:{self.table}/{DEV_ACCOUNT};"
        )


def find_azurite(search_dirs: list[Path]) -> Path | None:
    """`node_modules/.bin/azurite` under the first folder that has one, else `azurite` on PATH."""
    for folder in search_dirs:
        candidate = folder / "node_modules" / ".bin" / "azurite"
        if candidate.exists():
            return candidate
    on_path = shutil.which("azurite")
    return Path(on_path) if on_path else None


class LocalAzurite:
    """`start()` reuses a running Azurite or launches one; `stop()` stops only one this object launched."""

    def __init__(self, binary: Path | None, location: Path, ports: AzuritePorts) -> None:
        self.binary = binary
        self.location = location
        self.ports = ports
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def reused(self) -> bool:
        return self.process is None

    @property
    def log_path(self) -> Path:
        return self.location / LOG_FILE

    def start(self) -> None:
        listening = [port for port in self.ports.all if _listening(port)]
        if listening:
            self._check_reusable(listening)
            logger.info("reusing the Azurite listening on ports %s", ", ".join(map(str, self.ports.all)))
            return
        if self.binary is None:
            raise LaunchError(
                "Azurite is not installed: run `make install` (npm ci) or pass --azurite PATH.",
                code="launch.azurite.missing",
            )
        self.location.mkdir(parents=True, exist_ok=True)
        args = [
            str(self.binary),
            "--skipApiVersionCheck",
            "--disableTelemetry",
            "--location", str(self.location),
            "--blobPort", str(self.ports.blob),
            "--queuePort", str(self.ports.queue),
            "--tablePort", str(self.ports.table),
        ]  # fmt: skip
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            args, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        self._wait_until_listening()

    def _check_reusable(self, listening: list[int]) -> None:
        complete = len(listening) == len(self.ports.all)
        if not complete or any(not _server_header(port).startswith(_SERVER_PREFIX) for port in listening):
            raise LaunchError(
                f"port(s) {', '.join(map(str, listening))} are in use, but not by one Azurite on all of "
                f"{', '.join(map(str, self.ports.all))}: stop what listens there or choose other ports "
                "(--blob-port, --queue-port, --table-port).",
                code="launch.azurite.ports_taken",
            )

    def _wait_until_listening(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not all(_listening(port) for port in self.ports.all):
            if self.process.poll() is not None:
                raise LaunchError(
                    f"Azurite exited with code {self.process.returncode}; see {self.log_path}",
                    code="launch.azurite.exited",
                )
            if time.monotonic() > deadline:
                self.stop()
                raise LaunchError(
                    f"Azurite did not listen within {STARTUP_TIMEOUT_S:.0f} s; see {self.log_path}",
                    code="launch.azurite.timeout",
                )
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the Azurite this object started (its whole process group); a reused one keeps running."""
        if self.process is not None:
            stop_process_group(self.process, signal.SIGTERM, STOP_TIMEOUT_S)
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None


def stop_process_group(process: subprocess.Popen[bytes], signum: signal.Signals, timeout_s: float) -> None:
    """Send `signum` to the process's group, wait up to `timeout_s`, then SIGKILL the group."""
    if process.poll() is None:
        _signal_group(process.pid, signum)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            logger.warning("process %s did not stop within %.0f s: killing it", process.pid, timeout_s)
    _signal_group(process.pid, signal.SIGKILL)  # whatever the leader left behind in its group
    process.wait()


def _signal_group(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _server_header(port: int) -> str:
    """The `Server` header the port answers an HTTP request with ("" when it does not speak HTTP)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            return str(response.headers.get("Server", ""))
    except urllib.error.HTTPError as error:
        return str(error.headers.get("Server", ""))
    except (OSError, ValueError):
        return ""
