"""Start and stop a private Azurite (the Azure Storage emulator) on free loopback ports.

Tests and benchmarks each get their own Azurite so that runs never share state. The emulator comes from
the project's pinned npm package (`node_modules/.bin/azurite`, installed by `make install`).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

PROJECT_ROOT = Path(__file__).resolve().parents[2]
AZURITE_BIN = PROJECT_ROOT / "node_modules" / ".bin" / "azurite"
STARTUP_TIMEOUT_S = 30.0
# Azurite's documented, public development account (not a secret).
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


class AzuriteUnavailableError(RuntimeError):
    """Azurite could not be started; the message says why and how to fix it."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Azurite:
    """One Azurite process. Use as a context manager, or call `start()` / `stop()`."""

    location: Path | None = None
    debug_log: Path | None = None
    blob_port: int = field(default_factory=free_port)
    queue_port: int = field(default_factory=free_port)
    table_port: int = field(default_factory=free_port)
    _process: subprocess.Popen[bytes] | None = None

    @property
    def connection_string(self) -> str:
        """An explicit connection string for this instance's ports (the dev account and key)."""
        return (
            f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
            f"BlobEndpoint=http://127.0.0.1:{self.blob_port}/{DEV_ACCOUNT};"
            f"QueueEndpoint=http://127.0.0.1:{self.queue_port}/{DEV_ACCOUNT};"
            f"TableEndpoint=http://127.0.0.1:{self.table_port}/{DEV_ACCOUNT};"
        )

    @property
    def pid(self) -> int | None:
        """The Azurite process id while it runs (benchmarks read its CPU time)."""
        return self._process.pid if self._process is not None else None

    def start(self) -> Azurite:
        if not AZURITE_BIN.exists():
            raise AzuriteUnavailableError(
                f"{AZURITE_BIN} is missing: run `make install` (npm ci) to install the pinned Azurite."
            )
        args = [
            str(AZURITE_BIN),
            "--skipApiVersionCheck",
            "--disableTelemetry",
            "--loose",
            "--silent",  # its access log would go to /dev/null, at about 0.3 ms of its CPU per request
            "--blobHost", "127.0.0.1", "--blobPort", str(self.blob_port),
            "--queueHost", "127.0.0.1", "--queuePort", str(self.queue_port),
            "--tableHost", "127.0.0.1", "--tablePort", str(self.table_port),
        ]  # fmt: skip
        if self.location is None:
            args.append("--inMemoryPersistence")
        else:
            self.location.mkdir(parents=True, exist_ok=True)
            args += ["--location", str(self.location)]
        if self.debug_log is not None:
            args += ["--debug", str(self.debug_log)]
        self._process = subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self._wait_until_listening()
        return self

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        pending = {self.blob_port, self.queue_port, self.table_port}
        while pending:
            assert self._process is not None
            if self._process.poll() is not None:
                err = self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""
                raise AzuriteUnavailableError(f"Azurite exited with code {self._process.returncode}: {err}")
            if time.monotonic() > deadline:
                self.stop()
                raise AzuriteUnavailableError(f"Azurite did not listen on ports {sorted(pending)} in time")
            for port in list(pending):
                with socket.socket() as sock:
                    if sock.connect_ex(("127.0.0.1", port)) == 0:
                        pending.discard(port)
            time.sleep(0.05)

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        if self._process.stderr:
            self._process.stderr.close()
        self._process = None

    def __enter__(self) -> Azurite:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
