"""`python -m devhost.run_local [APP_DIR]` (`make run`): Azurite plus the app's host, until Ctrl-C.

Starts Azurite on the development storage ports with its data in `<APP_DIR>/.azurite` (or reuses the
Azurite already listening there), then the host: `func start` when Azure Functions Core Tools are on
PATH, else `python -m devhost`. Prints the URLs once the host answers. Ctrl-C (or SIGTERM, SIGHUP)
stops the host, then the Azurite it started; both run in process groups of their own, so the terminal's
Ctrl-C reaches only this launcher and nothing is left behind.

`UseDevelopmentStorage=true` always means ports 10000-10002: with other ports (`--blob-port`...), every
app setting with that value is handed to the host as an explicit connection string for the chosen
ports (environment variables win over local.settings.json, for the devhost and `func` alike).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from devhost.azurite import AzuritePorts, LaunchError, LocalAzurite, find_azurite, stop_process_group
from devhost.host import DEFAULT_PORT
from devhost.worker import WEBHOOK_PATH, AppSettings, WorkerError, load_app_settings

logger = logging.getLogger("devhost.run_local")

HOST_STARTUP_TIMEOUT_S = 180.0  # `func start` may first download the extension bundle
HOST_STOP_TIMEOUT_S = 20.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
DEVHOST_ROOT = Path(__file__).resolve().parents[1]  # the folder `python -m devhost` imports from
_DEV_STORAGE = "usedevelopmentstorage=true"


@dataclass(frozen=True)
class HostPlan:
    """How to run the app's host: `name` for humans, the command, its folder and environment."""

    name: str
    args: list[str]
    cwd: Path
    env: dict[str, str]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    defaults = AzuritePorts()
    parser = argparse.ArgumentParser(
        prog="python -m devhost.run_local",
        description="Start Azurite and the app (func start if installed, else the devhost) until Ctrl-C.",
    )
    parser.add_argument("app_dir", nargs="?", default=".", help="the app folder (with host.json); default: .")
    parser.add_argument(
        "--port", type=int, default=None, help=f"the app's HTTP port (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--host", choices=("auto", "func", "devhost"), default="auto", help="auto: func when on PATH"
    )
    parser.add_argument("--blob-port", type=int, default=defaults.blob)
    parser.add_argument("--queue-port", type=int, default=defaults.queue)
    parser.add_argument("--table-port", type=int, default=defaults.table)
    parser.add_argument(
        "--location", type=Path, default=None, help="Azurite's data (default APP_DIR/.azurite)"
    )
    parser.add_argument("--azurite", type=Path, default=None, help="the azurite executable to start")
    return parser.parse_args(argv)


def plan_host(
    choice: str,
    app_dir: Path,
    port: int,
    env: dict[str, str],
    which: Callable[[str], str | None] = shutil.which,
) -> HostPlan:
    """`func start` (choice "func", or "auto" with func on PATH), else the devhost."""
    func = which("func") if choice in ("auto", "func") else None
    if func is not None:
        return HostPlan("func start", [func, "start", "--port", str(port)], app_dir, env)
    if choice == "func":
        raise LaunchError("Azure Functions Core Tools (func) are not on PATH.", code="launch.func.missing")
    python_path = os.pathsep.join(p for p in (str(DEVHOST_ROOT), env.get("PYTHONPATH", "")) if p)
    args = [sys.executable, "-m", "devhost", "--port", str(port), str(app_dir)]
    return HostPlan("devhost", args, app_dir, {**env, "PYTHONPATH": python_path})


def host_environment(
    base: Mapping[str, str], settings: Mapping[str, str], ports: AzuritePorts
) -> dict[str, str]:
    """The host's environment: `base` plus, when `ports` are not the default ones, every development
    storage setting of `settings` (environment and local.settings.json `Values`) pointed at `ports`."""
    env = dict(base)
    if ports != AzuritePorts():
        for name, value in settings.items():
            if value.replace(" ", "").lower() == _DEV_STORAGE:
                env[name] = ports.connection_string
    return env


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _answering(port: int) -> bool:
    """True once anything answers HTTP on the port (the host's routes are up)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/host/ping", timeout=5):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def _wait_until_answering(host: subprocess.Popen[bytes], plan: HostPlan, port: int) -> None:
    deadline = time.monotonic() + HOST_STARTUP_TIMEOUT_S
    while not _answering(port):
        if host.poll() is not None:
            raise LaunchError(f"{plan.name} exited with code {host.returncode}", code="launch.host.exited")
        if time.monotonic() > deadline:
            raise LaunchError(
                f"{plan.name} did not answer on port {port} within {HOST_STARTUP_TIMEOUT_S:.0f} s",
                code="launch.host.timeout",
            )
        time.sleep(0.2)


def _walkthrough(app_dir: Path) -> str | None:
    """`README.md, "<the heading that mentions curl>"`, or just the README, or None without one."""
    readme = app_dir / "README.md"
    if not readme.is_file():
        return None
    for line in readme.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("#") and "curl" in line.lower():
            return f'{readme.name}, "{line.lstrip("#").strip()}"'
    return readme.name


def _banner(
    settings: AppSettings, port: int, azurite: LocalAzurite, plan: HostPlan, host: subprocess.Popen[bytes]
) -> str:
    origin = f"http://localhost:{port}"
    prefix = f"/{settings.route_prefix}/" if settings.route_prefix else "/"
    ports = azurite.ports
    started = (
        "reused (already running)"
        if azurite.process is None
        else f"started (pid {azurite.process.pid}), data in {azurite.location}"
    )
    lines = [
        "",
        f"Azurite:         blob {ports.blob}, queue {ports.queue}, table {ports.table}: {started}",
        f"Host:            {plan.name} (pid {host.pid}), task hub {settings.hub_name}",
        f"App:             {origin}{prefix}",
        f"Management API:  {origin}{WEBHOOK_PATH}/instances",
    ]
    walkthrough = _walkthrough(settings.app_dir)
    if walkthrough:
        lines.append(f"Walk-through:    {walkthrough}")
    lines += ["Press Ctrl-C to stop.", ""]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Start everything, wait for Ctrl-C or the host's exit, stop everything; the exit code."""
    app_dir = Path(args.app_dir).resolve()
    settings_env = dict(os.environ)
    settings = load_app_settings(app_dir, settings_env)
    port = args.port or settings.local_http_port or DEFAULT_PORT
    ports = AzuritePorts(args.blob_port, args.queue_port, args.table_port)
    plan = plan_host(args.host, app_dir, port, host_environment(os.environ, settings_env, ports))
    binary = args.azurite or find_azurite([app_dir, Path.cwd()])
    azurite = LocalAzurite(binary, (args.location or app_dir / ".azurite").resolve(), ports)
    host: subprocess.Popen[bytes] | None = None
    try:
        azurite.start()
        host = subprocess.Popen(plan.args, cwd=plan.cwd, env=plan.env, start_new_session=True)
        _wait_until_answering(host, plan, port)
        print(_banner(settings, port, azurite, plan, host), flush=True)
        code = host.wait()
        logger.error("%s exited with code %s", plan.name, code)
        return code or 1
    except KeyboardInterrupt:
        logger.info("stopping")
        return 0
    finally:
        for signum in STOP_SIGNALS:  # a second Ctrl-C must not cut the clean-up short
            signal.signal(signum, signal.SIG_IGN)
        if host is not None:
            stop_process_group(host, signal.SIGINT, HOST_STOP_TIMEOUT_S)
        azurite.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s", stream=sys.stdout)
    for signum in STOP_SIGNALS:
        signal.signal(signum, _interrupt)
    try:
        return run(args)
    except (LaunchError, WorkerError) as exc:
        logger.error("cannot run the app: %s [%s]", exc, exc.code)
        return 1


if __name__ == "__main__":
    sys.exit(main())
