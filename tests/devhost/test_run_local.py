"""`python -m devhost.run_local` (`make run`) as a subprocess on ports of its own: it serves the app, and
Ctrl-C (SIGINT) leaves no host and no Azurite of its own behind; plus its choices, unit by unit."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from devhost.azurite import AzuritePorts, LaunchError, LocalAzurite
from devhost.run_local import DEVHOST_ROOT, host_environment, plan_host
from tests.e2e.harness import poll_until, request
from tests.support.azurite import PROJECT_ROOT, Azurite, free_port

STARTUP_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 40.0
# The test session exports these; `make run` must get the app's own local.settings.json values instead.
SESSION_SETTINGS = ("AzureWebJobsStorage", "WorkflowStorage", "TASKHUB_NAME")


@dataclass
class Launcher:
    """A running `python -m devhost.run_local`, its output collected line by line."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    pids: list[int] = field(default_factory=list)

    @classmethod
    def start(cls, *args: str, environment: dict[str, str] | None = None) -> Launcher:
        env = {k: v for k, v in os.environ.items() if k not in SESSION_SETTINGS}
        env.update(environment or {})
        process = subprocess.Popen(
            [sys.executable, "-m", "devhost.run_local", "--host", "devhost", *args, str(PROJECT_ROOT)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        launcher = cls(process)
        threading.Thread(target=launcher._collect, daemon=True).start()
        return launcher

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def find(self, pattern: str) -> str | None:
        for line in list(self.lines):
            if match := re.match(pattern, line):
                return match.group(1)
        return None

    def wait_for(self, pattern: str) -> str:
        found = poll_until(
            lambda: self.find(pattern) or self.process.poll() is not None,
            timeout_s=STARTUP_TIMEOUT_S,
            what=f"a line matching {pattern!r}",
        )
        assert isinstance(found, str), "\n".join(self.lines[-40:])
        return found

    def child_pid(self, pattern: str) -> int:
        pid = int(self.wait_for(pattern))
        self.pids.append(pid)
        return pid

    def interrupt(self) -> int:
        """Ctrl-C: SIGINT to the launcher only (its children run in process groups of their own)."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=STOP_TIMEOUT_S)

    def kill_leftovers(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for pid in self.pids:
            if _alive(pid):
                os.killpg(pid, signal.SIGKILL)


@pytest.fixture
def launchers() -> Iterator[list[Launcher]]:
    started: list[Launcher] = []
    yield started
    for launcher in started:
        launcher.kill_leftovers()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _check_app(app_url: str) -> None:
    """The app answers, and its durable path works on this Azurite (an entity signal, then a read)."""
    health = request("GET", f"{app_url}health")
    assert (health.status, health.json()) == (200, {"status": "ok"})
    assert request("POST", f"{app_url}inventory/RUN-LOCAL/restock", {"quantity": 5}).status == 202
    stock = poll_until(
        lambda: request("GET", f"{app_url}inventory/RUN-LOCAL").json().get("available"),
        timeout_s=10,
        what="the restock",
    )
    assert stock == 5


@pytest.mark.slow
def test_starts_azurite_and_the_devhost_and_ctrl_c_stops_both(
    launchers: list[Launcher], tmp_path: Path
) -> None:
    port = free_port()
    ports = AzuritePorts(free_port(), free_port(), free_port())
    location = tmp_path / "azurite-data"
    launcher = Launcher.start(
        *("--port", str(port), "--location", str(location)),
        *("--blob-port", str(ports.blob), "--queue-port", str(ports.queue), "--table-port", str(ports.table)),
    )
    launchers.append(launcher)

    app_url = launcher.wait_for(r"App:\s+(\S+)")
    azurite_pid = launcher.child_pid(r"Azurite:.*: started \(pid (\d+)\)")
    host_pid = launcher.child_pid(r"Host:\s+devhost \(pid (\d+)\)")
    assert app_url == f"http://localhost:{port}/api/"
    assert (
        launcher.find(r"Management API:\s+(\S+)")
        == f"http://localhost:{port}/runtime/webhooks/durabletask/instances"
    )
    assert launcher.find(r"Walk-through:\s+(.+)") == 'README.md, "The workflows, with curl"'
    _check_app(app_url)
    assert (location / "azurite.log").is_file()
    assert any(path.name.startswith("__azurite_db_") for path in location.iterdir()), "data in --location"

    assert launcher.interrupt() == 0
    assert not _alive(host_pid)
    assert not _alive(azurite_pid)
    assert not any(_listening(p) for p in (port, *ports.all))


@pytest.mark.slow
@pytest.mark.azurite
def test_reuses_a_running_azurite_and_leaves_it_running(launchers: list[Launcher], azurite: Azurite) -> None:
    launcher = Launcher.start(
        *("--port", str(free_port())),
        *("--blob-port", str(azurite.blob_port), "--queue-port", str(azurite.queue_port)),
        *("--table-port", str(azurite.table_port)),
        environment={"TASKHUB_NAME": "RunLocal" + uuid.uuid4().hex[:8]},
    )
    launchers.append(launcher)

    app_url = launcher.wait_for(r"App:\s+(\S+)")
    assert launcher.find(r"Azurite:.*: (reused) \(already running\)") == "reused"
    host_pid = launcher.child_pid(r"Host:\s+devhost \(pid (\d+)\)")
    _check_app(app_url)

    assert launcher.interrupt() == 0
    assert not _alive(host_pid)
    assert all(_listening(p) for p in (azurite.blob_port, azurite.queue_port, azurite.table_port))


def test_func_is_preferred_when_on_path_and_the_devhost_otherwise(tmp_path: Path) -> None:
    env = {"PYTHONPATH": "/elsewhere"}
    func = plan_host("auto", tmp_path, 7071, env, which=lambda name: f"/opt/bin/{name}")
    assert (func.name, func.args, func.cwd, func.env) == (
        "func start",
        ["/opt/bin/func", "start", "--port", "7071"],
        tmp_path,
        env,
    )
    devhost = plan_host("auto", tmp_path, 7072, env, which=lambda name: None)
    assert devhost.args == [sys.executable, "-m", "devhost", "--port", "7072", str(tmp_path)]
    assert devhost.env["PYTHONPATH"] == f"{DEVHOST_ROOT}{os.pathsep}/elsewhere"
    forced = plan_host("devhost", tmp_path, 7071, env, which=lambda name: "/opt/bin/func")
    assert forced.name == "devhost"
    with pytest.raises(LaunchError) as missing:
        plan_host("func", tmp_path, 7071, env, which=lambda name: None)
    assert missing.value.code == "launch.func.missing"


def test_development_storage_settings_follow_non_default_ports() -> None:
    settings = {
        "AzureWebJobsStorage": "UseDevelopmentStorage=true",
        "WorkflowStorage": "UseDevelopmentStorage = TRUE",
        "OTHER": "x",
    }
    base = {"PATH": "/bin"}
    assert host_environment(base, settings, AzuritePorts()) == base
    moved = AzuritePorts(20000, 20001, 20002)
    env = host_environment(base, settings, moved)
    assert env == {
        "PATH": "/bin",
        "AzureWebJobsStorage": moved.connection_string,
        "WorkflowStorage": moved.connection_string,
    }
    assert "BlobEndpoint=http://127.0.0.1:20000/devstoreaccount1;" in moved.connection_string


def test_ports_partly_taken_are_refused(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        ports = AzuritePorts(blocker.getsockname()[1], free_port(), free_port())
        with pytest.raises(LaunchError) as taken:
            LocalAzurite(Path("/nonexistent/azurite"), tmp_path, ports).start()
    assert taken.value.code == "launch.azurite.ports_taken"
    assert str(ports.blob) in str(taken.value)


class _OtherServer(BaseHTTPRequestHandler):
    server_version = "NotAzurite/1.0"

    def do_GET(self) -> None:
        self.send_response(400)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_ports_served_by_another_server_are_refused(tmp_path: Path) -> None:
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _OtherServer) for _ in range(3)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        ports = AzuritePorts(*(server.server_address[1] for server in servers))
        with pytest.raises(LaunchError) as taken:
            LocalAzurite(Path("/nonexistent/azurite"), tmp_path, ports).start()
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    assert taken.value.code == "launch.azurite.ports_taken"


def test_missing_azurite_says_how_to_install_it(tmp_path: Path) -> None:
    ports = AzuritePorts(free_port(), free_port(), free_port())
    with pytest.raises(LaunchError) as missing:
        LocalAzurite(None, tmp_path, ports).start()
    assert missing.value.code == "launch.azurite.missing"
    assert "make install" in str(missing.value)
